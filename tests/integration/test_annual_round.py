"""The annual round (issue 17 item 5): this year's sign-offs started for a team, a care group or the trust in
one action, in batches, resumable, adding nothing the second time; and one review clock per person."""
from sqlalchemy import func, select

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.store.models import Case, Deadline
from workflow.service.team import start_sign_off


def _agree(svc, trust, person=None):
    person = person or trust.doctor
    plan = svc.create_job_plan(actor(person.manager), person.id, complete_plan())
    case = svc.start_case(actor(person.manager), "sign_off", person.id, job_plan_id=plan.id)
    svc.fire(actor(person.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(person), case.id, "sign")
    svc.fire(actor(person.manager), case.id, "sign")
    svc.fire(actor(trust.amd), case.id, "approve_second_level")
    svc.fire(actor(trust.directorate), case.id, "accept_governance_check")
    svc.session.commit()
    return case


def _open_clocks(svc, person):
    return svc.session.scalars(select(Deadline).join(Case, Case.id == Deadline.case_id).where(
        Case.subject_id == person.id, Deadline.closed_at.is_(None))).all()


def test_7_7_1_starting_the_next_sign_off_closes_the_agreed_cycles_review_clock(svc, trust):
    agreed = _agree(svc, trust)
    assert [d.name for d in _open_clocks(svc, trust.doctor)] == ["annual_review"]
    new = start_sign_off(svc, actor(trust.manager), trust.doctor.id)
    svc.session.commit()
    svc.session.expire_all()
    old = svc.session.get(Case, agreed.id)
    assert (old.state, old.closed_at is not None) == ("superseded", True)
    review = svc.session.scalars(select(Deadline).where(Deadline.case_id == agreed.id,
                                                       Deadline.name == "annual_review")).one()
    assert review.status == "met" and review.closed_at is not None
    assert all(d.case_id == new.id for d in _open_clocks(svc, trust.doctor))  # one person, one set of clocks


def test_7_7_1_a_case_started_through_the_api_door_closes_the_review_clock_too(svc, trust):
    agreed = _agree(svc, trust)
    new = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id)
    svc.session.commit()
    svc.session.expire_all()
    assert svc.session.get(Case, agreed.id).closed_at is not None
    assert svc.session.scalar(select(func.count(Deadline.id)).where(Deadline.case_id == agreed.id,
                                                                     Deadline.closed_at.is_(None))) == 0
    assert svc.session.get(Case, new.id).closed_at is None
