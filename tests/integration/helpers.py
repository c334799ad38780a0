"""Small helpers for service-layer tests."""
from sqlalchemy import func, select

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.store.models import Case, Deadline, Event, OutboxMessage, Signature


def snapshot(svc, case_id: int) -> dict:
    """Everything a transition writes, to prove that a refused one wrote nothing."""
    s = svc.session
    s.rollback()  # end any read snapshot so the counts are current
    case = s.get(Case, case_id)
    return {
        "state": case.state, "version": case.version, "data": dict(case.data or {}),
        "events": s.scalar(select(func.count(Event.id))),
        "deadlines": sorted((d.name, d.status) for d in s.scalars(select(Deadline))),
        "outbox": s.scalar(select(func.count(OutboxMessage.id))),
        "signatures": s.scalar(select(func.count(Signature.id))),
        "cases": s.scalar(select(func.count(Case.id))),
    }


def sign_off_case(svc, trust, person=None, meeting="2027-02-25"):
    person = person or trust.doctor
    plan = svc.create_job_plan(actor(person.manager), person.id, complete_plan())
    case = svc.start_case(actor(person.manager), "sign_off", person.id, job_plan_id=plan.id)
    if meeting:
        svc.fire(actor(person.manager), case.id, "record_meeting", {"meeting_date": meeting})
    return case.id
