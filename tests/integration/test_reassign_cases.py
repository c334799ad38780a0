"""Issue 17 item 7: the AMD reassigns an away manager's open cases to another manager (002 5.3); each case
records it, the new manager acts on them, and an AMD of another care group cannot."""
import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration.helpers import sign_off_case
from workflow.errors import InvalidPayload, PermissionDenied
from workflow.service.reassign import reassign_cases
from workflow.store.models import Case, Event


def test_5_3_amd_reassigns_a_managers_open_cases_and_each_case_records_it(svc, trust):
    case_id = sign_off_case(svc, trust)
    moved = reassign_cases(svc, actor(trust.amd), trust.manager.id, trust.other_manager.id, "on leave until May")
    assert moved == [case_id]
    svc.session.expire_all()
    case = svc.session.get(Case, case_id)
    assert case.manager_id == trust.other_manager.id
    event = svc.session.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "manager_reassigned")).one()
    assert event.actor_id == trust.amd.id and event.payload["to_manager"] == trust.other_manager.name
    assert event.reason == "on leave until May"
    svc.fire(actor(trust.doctor), case_id, "sign")
    svc.fire(actor(trust.other_manager), case_id, "sign")  # the new manager acts as clinical manager
    assert svc.session.get(Case, case_id).state == "second_level_review"


def test_5_3_another_care_groups_amd_or_a_manager_cannot_reassign(svc, trust):
    case_id = sign_off_case(svc, trust)
    with pytest.raises(PermissionDenied):
        reassign_cases(svc, actor(trust.other_amd), trust.manager.id, trust.other_manager.id, "x")
    svc.session.rollback()
    with pytest.raises(PermissionDenied):
        reassign_cases(svc, actor(trust.manager), trust.manager.id, trust.other_manager.id, "x")
    svc.session.rollback()
    with pytest.raises(InvalidPayload):
        reassign_cases(svc, actor(trust.amd), trust.manager.id, trust.other_manager.id, "  ")
    svc.session.rollback()
    assert svc.session.get(Case, case_id).manager_id == trust.manager.id
