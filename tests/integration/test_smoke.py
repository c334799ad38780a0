from tests.conftest import actor
from tests.factories import complete_plan


def test_sign_off_agreed_first_time_002_7_5(svc, trust, clock):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(trust.doctor), case.id, "sign")
    svc.fire(actor(trust.manager), case.id, "sign")
    assert svc.get_case(actor(trust.manager), case.id).state == "second_level_review"
