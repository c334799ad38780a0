"""Opening a case for a person, the same way from every entry point (the API's ``POST /cases``, the team
page's sign-off and interim plan). The person's row is locked first, so two requests at once queue and the
second sees the first one's case (issue 13 item 9); and a person has one sign-off under way at a time, one
interim plan ever (002 7.4.3, 7.5)."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflow.errors import ConditionFailed, NotFound
from workflow.store.models import Case, Person
from workflow.actors import SYSTEM
from workflow.policy.tags import ANNUAL_SIGN_OFF, INTERIM_PLAN, PLAN_AGREED, SUPERSEDED_BY_NEXT
from workflow.service.tagged import in_state, in_workflow

# FOR UPDATE on PostgreSQL. SQLite has no row locks: there the write transaction's BEGIN IMMEDIATE already
# holds the database's one write lock, which serialises the same way.
_LOCK_PERSON = select(Person).where(Person.id == bindparam("id")).with_for_update(of=Person)

def lock_person(session: Session, person_id: int) -> Person:
    """The person, locked until this transaction ends; NotFound if there is no such person."""
    person = session.execute(_LOCK_PERSON, {"id": person_id},
                             execution_options={"populate_existing": True}).scalar_one_or_none()
    if person is None:
        raise NotFound(f"person {person_id} was not found")
    return person


def refuse_second_case(session: Session, policies, policy, person: Person, workflow: str) -> None:
    """A sign-off already under way (or an interim plan already started) refuses another. Asked with the
    person locked (``lock_person``), so no concurrent request can slip a second case in between. The
    workflows are found by their policy tags (workflow.policy.tags), under each case's own policy version."""
    q = select(Case.id).where(Case.subject_id == person.id).order_by(Case.id).limit(1)
    if policy.has_workflow_tagged(workflow, INTERIM_PLAN):
        started = session.scalar(q.where(in_workflow(policies, INTERIM_PLAN)))
        if started is not None:
            raise ConditionFailed(f"{person.name}'s interim plan was already started (case {started})")
        return
    if policy.has_workflow_tagged(workflow, ANNUAL_SIGN_OFF):
        # A sign-off that reached agreement stays open for its review clock; it is not under way.
        q = q.where(in_workflow(policies, ANNUAL_SIGN_OFF), ~in_state(policies, ANNUAL_SIGN_OFF, PLAN_AGREED))
        what = "sign-off"
    else:
        q = q.where(Case.policy_id == policy.id, Case.workflow == workflow)
        what = policy.workflow(workflow).title.lower()
    running = session.scalar(q.where(Case.closed_at.is_(None)))
    if running is not None:
        raise ConditionFailed(f"{person.name} already has a {what} under way (case {running})")


def close_agreed_cycle(svc, person: Person, new_case: Case) -> list[int]:
    """The person's agreed sign-off, waiting for its review, is superseded by the sign-off just started: its
    review clock closes (met, or breached if it was already late) by the step its policy tags
    ``superseded_by_next``, so the same person never has two review clocks and duplicate reminders (issue 17
    item 5). The ids of the cases closed; a policy version without the step keeps its case as it is."""
    agreed = svc.session.scalars(
        select(Case.id).where(Case.subject_id == person.id, Case.id != new_case.id, Case.closed_at.is_(None),
                              in_state(svc.policies, ANNUAL_SIGN_OFF, PLAN_AGREED)).order_by(Case.id)).all()
    closed = []
    for case_id in agreed:
        case = svc.lock_case(case_id)
        steps = svc.policy_of(case).workflow(case.workflow).transitions_tagged(SUPERSEDED_BY_NEXT)
        if steps:
            svc.run_step(case, steps[0].trigger, SYSTEM, reason=f"the next sign-off was started (case {new_case.id})")
            closed.append(case_id)
    return closed
