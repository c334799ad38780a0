"""Which of a policy's roles an actor holds on a case, in Python (``predicate`` says the same in SQL).

A role's scope (policy ``roles.<name>.scope``) says how it is held:
- subject: the practitioner whose plan it is;
- manager: the practitioner's clinical manager (recorded on the case, else the person's manager), and while a
  deputy cover is in force, the manager's deputy, on every case but their own (``cover``);
- care_group: a role assignment over the subject's care group (or trust-wide);
- office: a role assignment of that name anywhere in the trust;
- participant: named on this case (or the dispute it belongs to) under that role and not withdrawn;
- system: the scheduler."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.actors import Actor
from workflow.store.models import Case, CaseParticipant, OrgUnit, Person, RoleAssignment
from workflow.policy.model import Policy
from workflow.access.capabilities import allows, held_assignments, in_force, trust_wide
from workflow.access import cover as deputy_cover


def assignments(session: Session, person_id: int) -> list[RoleAssignment]:
    return list(session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person_id,
                                                             in_force(session))))


def care_group_of(session: Session, person: Person) -> OrgUnit | None:
    return person.team.ancestor("care_group") if person.team else None


def roles_on_case(session: Session, actor: Actor, case: Case, policy: Policy,
                  among: set[str] | None = None) -> set[str]:
    """The roles held; with ``among``, only which of those (a step's roles): the actor's assignments and the
    case's participants are then read only if one of them is held by assignment or by participation."""
    if actor.is_system:
        return {name for name, r in policy.roles.items() if r.scope == "system" and (among is None or name in among)}
    scopes = {r.scope for name, r in policy.roles.items() if among is None or name in among}
    assigned = assignments(session, actor.person_id) if scopes & {"office", "care_group"} else []
    participants = _participants(session, case) if "participant" in scopes else []
    return _roles(session, actor, case, policy, assigned, participants, among)


def roles_on_listed_case(session: Session, actor: Actor, case: Case, policy: Policy, assigned,
                         participations: dict[int, set[str]], covered: frozenset[int] = frozenset()) -> set[str]:
    """``roles_on_case`` for a row of a list, from what the list read once for all its rows: the actor's
    assignments, participations and covers (``CasePredicate.participations``, ``CasePredicate.covered``)."""
    if actor.is_system:
        return {name for name, r in policy.roles.items() if r.scope == "system"}
    return _roles(session, actor, case, policy, assigned, (), participant_roles=participations.get(case.id, set()),
                  covered=covered)


def _roles(session: Session, actor: Actor, case: Case, policy: Policy, assigned, participants,
           among: set[str] | None = None, participant_roles: set[str] | None = None,
           covered: frozenset[int] | None = None) -> set[str]:
    held: set[str] = set()
    pid = actor.person_id
    subject = case.subject
    if participant_roles is None:
        participant_roles = {p.role for p in participants if p.person_id == pid and p.status == "active"}
    group = None
    for name, role in policy.roles.items():
        if (among is not None and name not in among) or not allows(actor, name):
            continue
        if role.scope == "subject" and subject.id == pid:
            held.add(name)
        elif role.scope == "manager":
            if pid in (case.manager_id, subject.manager_id):
                held.add(name)
            elif pid != subject.id:  # a deputy, while their cover is in force; never on their own case
                if covered is None:  # read once, only for someone who is neither the practitioner nor a manager
                    covered = deputy_cover.covered_managers(session, actor)
                if deputy_cover.covers(case, pid, covered):
                    held.add(name)
        elif role.scope == "office" and any(a.role == name for a in assigned):
            held.add(name)
        elif role.scope == "care_group":
            for a in assigned:
                if a.role != name:
                    continue
                if group is None:  # looked up only for someone who holds the role somewhere
                    group = care_group_of(session, subject) or False
                if trust_wide(a) or (group and a.org_unit_id == group.id):
                    held.add(name)
        elif role.scope == "participant" and name in participant_roles:
            held.add(name)
    return held


def dispute_chain(case: Case) -> list[Case]:
    """The case and its ancestors: a sign-off, the disagreement it raised, the appeal after it."""
    chain = []
    cur: Case | None = case
    while cur is not None:
        chain.append(cur)
        cur = cur.parent
    return chain


def _participants(session: Session, case: Case) -> list[CaseParticipant]:
    ids = [c.id for c in dispute_chain(case)]
    return list(session.scalars(select(CaseParticipant).where(CaseParticipant.case_id.in_(ids))))


def involved_people(session: Session, case: Case) -> set[int]:
    """Everyone involved in the dispute so far: the practitioner, the manager, whoever acted on any case
    of the chain, and every participant (for 002 7.8.4/7.8.10 and 004 stage 2/3: no prior involvement)."""
    from workflow.store.models import Event

    ids = [c.id for c in dispute_chain(case)]
    people = {c.subject_id for c in dispute_chain(case)} | {c.manager_id for c in dispute_chain(case) if c.manager_id}
    if case.subject.manager_id:
        people.add(case.subject.manager_id)
    people |= {pid for pid in session.scalars(select(Event.actor_id).where(Event.case_id.in_(ids))) if pid}
    people |= {p.person_id for p in _participants(session, case)
               if p.person_id and not p.role.startswith("panel_")}
    return people


def can_see_case(session: Session, actor: Actor, case: Case, policy: Policy) -> bool:
    return bool(roles_on_case(session, actor, case, policy))


def holders_of(session: Session, case: Case, policy: Policy, role: str) -> list[Person]:
    """The people who hold ``role`` on ``case``: whom to notify or escalate to."""
    spec = policy.roles[role]
    subject = case.subject
    if spec.scope == "subject":
        return [subject]
    if spec.scope == "manager":  # the relationship, not a lookup: a step has the case's manager loaded already
        manager = case.manager if case.manager_id else subject.manager
        if manager is None:
            return []
        # and their deputy while a cover is in force (asked only when one is arranged: Person.covered_until)
        return [manager, *(d for d in deputy_cover.deputies_of(session, manager, subject.id) if d.id != manager.id)]
    if spec.scope in ("office", "care_group"):
        rows = session.scalars(select(RoleAssignment).where(RoleAssignment.role == role, in_force(session))).all()
        if spec.scope == "care_group":
            group = care_group_of(session, subject)
            rows = [a for a in rows if trust_wide(a) or (group is not None and a.org_unit_id == group.id)]
        return _unique_active([a.person for a in rows])
    if spec.scope == "participant":
        return _unique_active([p.person for p in _participants(session, case)
                               if p.role == role and p.status == "active" and p.person is not None])
    return []


def _unique_active(people: list[Person]) -> list[Person]:
    seen, out = set(), []
    for p in people:
        if p.id not in seen and p.active:
            seen.add(p.id)
            out.append(p)
    return out


def roles_over_person(session: Session, actor: Actor, person: Person, policies) -> set[str]:
    """The roles the actor holds over a person's job planning in general (no case needed): asked with a
    probe case under each loaded policy, so the same rules as ``roles_on_case`` decide."""
    held: set[str] = set()
    for policy in policies:
        probe = Case(workflow="", policy_id=policy.id, policy_version=policy.version, state="", subject=person,
                     subject_id=person.id, manager_id=person.manager_id)
        held |= roles_on_case(session, actor, probe, policy)
        session.expunge(probe) if probe in session else None
    return held


def holds_office(session: Session, actor: Actor, roles: set[str]) -> bool:
    """The actor holds one of these roles by assignment (an office such as HR), within a token's roles."""
    if actor.is_system:
        return True
    return any(a.role in roles for a in held_assignments(session, actor))
