"""A clinical manager's team: each person they manage, the plan in force, the sign-off under way, the
next review; and starting this year's sign-off (a new plan, copied from the one in force, and its case,
in one transaction)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..actors import Actor
from ..errors import ConditionFailed, NotFound
from ..models import Case, Deadline, JobPlan, Person
from .plans import last_agreed_plan, new_plan, require_editor, version
from .uow import write_transaction


@dataclass(frozen=True)
class TeamMember:
    person: Person
    in_force: JobPlan | None
    open_sign_off: Case | None
    open_state: str | None
    review_due: datetime | None


def team_of(svc, actor: Actor) -> list[TeamMember]:
    """The people the actor manages (their clinical manager, 002 5.4), by name."""
    people = svc.session.scalars(select(Person).where(Person.manager_id == actor.person_id, Person.active.is_(True))
                                 .order_by(Person.name)).all()
    out = []
    for p in people:
        agreed = last_agreed_plan(svc, p.id)
        case = svc.session.scalars(select(Case).where(Case.subject_id == p.id, Case.workflow == "sign_off",
                                                      Case.closed_at.is_(None)).order_by(Case.id.desc())).first()
        review = None
        if case is not None and case.state == "agreed":
            review = svc.session.scalar(select(Deadline.due_at).where(Deadline.case_id == case.id,
                                                                      Deadline.closed_at.is_(None)))
        state = svc.policy_of(case).workflow(case.workflow).state(case.state).title if case else None
        out.append(TeamMember(p, agreed, case if case is not None and case.state != "agreed" else None, state,
                              review))
    return out


def start_sign_off(svc, actor: Actor, person_id: int) -> Case:
    """A new version of the person's plan for this year's sign-off: a copy of the plan in force (or an empty
    draft for someone who has none), and the sign-off case on the newest policy version (002 7.5, 7.7)."""
    with write_transaction(svc.session):
        person = svc.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"person {person_id} was not found")
        require_editor(svc, actor, person)
        running = svc.session.scalar(select(Case.id).where(Case.subject_id == person.id, Case.workflow == "sign_off",
                                                           Case.closed_at.is_(None), Case.state != "agreed"))
        if running is not None:
            raise ConditionFailed(f"{person.name} already has a sign-off under way (case {running})")
        policy = svc.policies.for_staff_group(person.staff_group or "")
        previous = last_agreed_plan(svc, person.id)
        if previous is not None:
            content = dict(version(previous, previous.agreed_version).content)
            note = f"copied from plan {previous.id} version {previous.agreed_version}"
        else:
            content, note = {}, "first draft"
        plan = new_plan(svc, actor, content, note, kind="individual", person_id=person.id, policy_id=policy.id)
        case = svc._start_case(actor, "sign_off", person, policy, plan, person.manager_id)
    return case
