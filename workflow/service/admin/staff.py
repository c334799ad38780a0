"""People, one at a time (issue 17): create and edit a staff record with start and leave dates, staff group,
contracted hours or PAs, manager, care group and team. A leaver (leave date today or before) is deactivated:
they sign in no more and are routed no new work, and their open cases, and the people they manage, are
listed for reassignment; nothing of theirs is closed or deleted."""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from workflow import access
from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.service import sessions
from workflow.service.admin.common import acting_role, audit, bump, diff, locked, refuse
from workflow.store.models import Case, OrgUnit, Person
from workflow.store.uow import operation

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
STAFF_NUMBER = re.compile(r"^[A-Za-z0-9\-]{1,40}$")
FIELDS = ("staff_number", "name", "email", "job_title", "staff_group", "start_date", "leave_date", "contracted_pas",
          "contracted_hours", "manager_id", "team_id", "active")


def staff_groups(svc) -> list[str]:
    """The staff groups some policy governs (a person's group picks their policy)."""
    return sorted({g for p in svc.policies.all() for g in p.staff_groups})


def _record(person: Person) -> dict:
    return {f: getattr(person, f) for f in FIELDS}


def _unit(svc, care_group_id: int | None, team_id: int | None) -> OrgUnit | None:
    group = team = None
    if care_group_id is not None:
        group = svc.session.get(OrgUnit, care_group_id)
        if group is None or group.kind != "care_group":
            refuse("care_group_id", f"unit {care_group_id} is not a care group")
    if team_id is not None:
        team = svc.session.get(OrgUnit, team_id)
        if team is None or team.kind != "team":
            refuse("team_id", f"unit {team_id} is not a team")
        if group is not None and team.parent_id != group.id:
            refuse("team_id", f"team {team.name} is not in care group {group.name}")
    return team or group


def _apply(svc, person: Person, data: dict) -> None:
    """Check the fields given and set them; each refusal names its field."""
    if "name" in data:
        name = " ".join((data["name"] or "").split())
        if not name or len(name) > 200:
            refuse("name", "Enter the person's full name (at most 200 characters)")
        person.name = name
    if "email" in data:
        email = (data["email"] or "").strip().lower()
        if not EMAIL.match(email):
            refuse("email", "Enter an email address like name@trust.nhs.uk")
        other = svc.session.scalar(select(Person.id).where(Person.email == email, Person.id != (person.id or 0)))
        if other is not None:
            refuse("email", f"{email} is already the address of person {other}")
        person.email = email
    if "staff_number" in data:
        number = (data["staff_number"] or "").strip() or None
        if number is not None and not STAFF_NUMBER.match(number):
            refuse("staff_number", "A staff number is letters, digits and dashes, at most 40")
        if number is not None and svc.session.scalar(select(Person.id).where(
                Person.staff_number == number, Person.id != (person.id or 0))) is not None:
            refuse("staff_number", f"staff number {number} belongs to someone else")
        person.staff_number = number
    if "job_title" in data:
        person.job_title = (data["job_title"] or "").strip()[:200] or None
    if "staff_group" in data:
        group = data["staff_group"]
        if group is not None and group not in staff_groups(svc):
            refuse("staff_group", f"Choose a staff group a policy governs: {', '.join(staff_groups(svc))}")
        person.staff_group = group
    for key in ("contracted_pas", "contracted_hours"):
        if key in data:
            value = data[key]
            if value is not None and not 0 < value <= 100:
                refuse(key, "Enter a number above 0 and at most 100")
            setattr(person, key, value)
    if person.contracted_pas is not None and person.contracted_hours is not None:
        refuse("contracted_pas", "A contract is in PAs (medical, 002 7.1) or in hours (Agenda for Change), not both")
    for key in ("start_date", "leave_date"):
        if key in data:
            setattr(person, key, data[key])
    if person.start_date and person.leave_date and person.leave_date < person.start_date:
        refuse("leave_date", "The leave date is before the start date")
    if "care_group_id" in data or "team_id" in data:
        person.team = _unit(svc, data.get("care_group_id"), data.get("team_id"))
    if "manager_id" in data:
        manager_id = data["manager_id"]
        if manager_id is not None:
            manager = svc.session.get(Person, manager_id)
            if manager is None:
                refuse("manager_id", f"person {manager_id} was not found")
            if manager_id == person.id:
                refuse("manager_id", "Nobody is their own clinical manager")
            if not manager.active:
                refuse("manager_id", f"{manager.name} has left (inactive): choose a current manager")
            seen, cur = set(), manager
            while cur is not None and cur.id not in seen:  # no circle of managers
                if person.id is not None and cur.manager_id == person.id:
                    refuse("manager_id", f"{manager.name} is managed, through the chain, by {person.name}")
                seen.add(cur.id)
                cur = cur.manager
        person.manager_id = manager_id


def _leaves(svc, person: Person) -> bool:
    """Deactivate on or after the leave date (a date ahead is recorded and the person stays active)."""
    today = access.today(svc.session)
    leaving = person.leave_date is not None and person.leave_date <= today
    was = person.active
    person.active = not leaving
    if leaving and was:
        sessions.end_all_for_person(svc, person.id, reason="inactive")
    return leaving and was


def create_person(svc, actor: Actor, data: dict) -> Person:
    with operation(svc.session):
        role = acting_role(svc, actor, "administer_people")
        for key in ("name", "email"):
            if not data.get(key):
                refuse(key, f"Enter the person's {key}")
        person = Person(active=True, wants_digest=False, sign_in_disabled=False, row_version=1)
        _apply(svc, person, data)
        svc.session.add(person)
        svc.session.flush()
        _leaves(svc, person)
        audit(svc, actor, role, "person_created", f"person:{person.id}", {"values": _record(person)})
    return person


def edit_person(svc, actor: Actor, person_id: int, data: dict, *, expected_version: int | None = None) -> Person:
    with operation(svc.session):
        role = acting_role(svc, actor, "administer_people")
        person = locked(svc, Person, person_id, "person", expected_version)
        before = _record(person)
        _apply(svc, person, data)
        left = _leaves(svc, person)
        changed = diff(before, _record(person))
        if changed:
            bump(person)
            audit(svc, actor, role, "person_left" if left else "person_changed", f"person:{person.id}",
                  {"changed": changed, "by": "administration"})
    return person


def handover(svc, actor: Actor, person_id: int) -> dict:
    """What a leaver leaves open: the cases about them or managed by them, and the people they manage."""
    access.require(svc.session, actor, "administer_people")
    person = svc.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} was not found")
    cases = svc.session.scalars(select(Case).where(Case.closed_at.is_(None),
                                                   or_(Case.subject_id == person.id, Case.manager_id == person.id))
                                .order_by(Case.id)).all()
    reports = svc.session.scalars(select(Person).where(Person.manager_id == person.id).order_by(Person.name)).all()
    return {"person": person,
            "open_cases": [{"id": c.id, "workflow": c.workflow, "state": c.state, "subject_id": c.subject_id,
                            "as": "practitioner" if c.subject_id == person.id else "clinical_manager"}
                           for c in cases],
            "managed_people": [{"id": p.id, "name": p.name} for p in reports]}


def set_digest(svc, actor: Actor, wants_digest: bool) -> Person:
    """A person's own preference: one daily digest instead of an email per step (workflow.delivery.mail)."""
    with operation(svc.session):
        person = svc.session.get(Person, actor.person_id) if actor.person_id else None
        if person is None:
            raise NotFound("preferences are a signed-in person's own")
        if person.wants_digest != bool(wants_digest):
            person.wants_digest = bool(wants_digest)
            audit(svc, actor, "person", "preferences_changed", f"person:{person.id}",
                  {"wants_digest": person.wants_digest})
    return person


def deactivate_leavers(svc) -> list[int]:
    """The scheduler's daily part of a leave date recorded ahead: on that day the person is deactivated (their
    sessions end; their open cases stay, listed by ``handover``). Audited as the system's act."""
    from workflow.actors import SYSTEM

    with operation(svc.session):
        today = access.today(svc.session)
        leavers = svc.session.scalars(select(Person).where(Person.active.is_(True), Person.leave_date.is_not(None),
                                                           Person.leave_date <= today)
                                      .with_for_update(skip_locked=True)).all()
        for person in leavers:
            person.active = False
            bump(person)
            sessions.end_all_for_person(svc, person.id, reason="inactive")
            audit(svc, SYSTEM, "system", "person_left", f"person:{person.id}",
                  {"changed": {"active": [True, False]}, "by": "leave date", "leave_date": person.leave_date})
    return [p.id for p in leavers]
