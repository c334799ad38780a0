"""Bad input and faults: each a distinct typed error with a message a person can act on, and nothing
written (issue 3, "Bad input and faults")."""
import pytest

from tests.conftest import actor
from tests.integration.helpers import sign_off_case, snapshot
from workflow.delivery import notifications
from workflow.actors import Actor
from workflow.errors import (ConditionFailed, InvalidPayload, NotFound, PermissionDenied, StaleVersion,
                             TriggerNotAllowedInState, UnknownTrigger)


def test_unknown_trigger_writes_nothing(svc, trust):
    cid = sign_off_case(svc, trust)
    before = snapshot(svc, cid)
    with pytest.raises(UnknownTrigger) as exc:
        svc.fire(actor(trust.doctor), cid, "approve_everything")
    assert "is not a step of the Job plan sign-off workflow" in exc.value.message
    assert snapshot(svc, cid) == before


def test_trigger_not_allowed_in_current_state_says_what_is_possible(svc, trust):
    cid = sign_off_case(svc, trust)
    before = snapshot(svc, cid)
    with pytest.raises(TriggerNotAllowedInState) as exc:
        svc.fire(actor(trust.directorate), cid, "accept_governance_check")
    assert "possible now: " in exc.value.message and "sign" in exc.value.message
    assert snapshot(svc, cid) == before


def test_wrong_role_is_refused_002_7_5(svc, trust):
    cid = sign_off_case(svc, trust, meeting=None)
    before = snapshot(svc, cid)
    with pytest.raises(PermissionDenied) as exc:
        svc.fire(actor(trust.doctor), cid, "record_meeting", {"meeting_date": "2027-02-25"})
    assert "may be done by: Clinical Manager" in exc.value.message
    assert snapshot(svc, cid) == before


def test_right_role_out_of_scope_cannot_even_see_the_case(svc, trust):
    cid = sign_off_case(svc, trust)
    before = snapshot(svc, cid)
    # the other care group's AMD and an unrelated practitioner: the case does not exist for them
    for outsider in (trust.other_amd, trust.outsider, trust.other_manager):
        with pytest.raises(NotFound):
            svc.fire(actor(outsider), cid, "sign")
        with pytest.raises(NotFound):
            svc.get_case(actor(outsider), cid)
    assert snapshot(svc, cid) == before


def test_api_token_scoped_to_a_role_cannot_act_in_another(svc, trust):
    cid = sign_off_case(svc, trust, meeting=None)
    scoped = Actor.person(trust.manager.id, only_roles={"practitioner"})
    with pytest.raises(NotFound):
        svc.fire(scoped, cid, "record_meeting", {"meeting_date": "2027-02-25"})


@pytest.mark.parametrize("payload, field", [
    ({}, "meeting_date"),
    ({"meeting_date": "25/02/2027"}, "meeting_date"),
    ({"meeting_date": "2027-02-25", "colour": "blue"}, "colour"),
])
def test_missing_or_invalid_payload_names_the_field(svc, trust, payload, field):
    cid = sign_off_case(svc, trust, meeting=None)
    before = snapshot(svc, cid)
    with pytest.raises(InvalidPayload) as exc:
        svc.fire(actor(trust.manager), cid, "record_meeting", payload)
    assert field in exc.value.details["fields"]
    assert snapshot(svc, cid) == before


def test_reason_required_is_enforced(svc, trust):
    cid = sign_off_case(svc, trust)
    svc.fire(actor(trust.doctor), cid, "sign")
    svc.fire(actor(trust.manager), cid, "sign")
    before = snapshot(svc, cid)
    with pytest.raises(InvalidPayload) as exc:
        svc.fire(actor(trust.amd), cid, "return_to_signatories", {"return_reason": "other"}, reason="  ")
    assert "reason" in exc.value.details["fields"]
    assert snapshot(svc, cid) == before


def test_condition_refusal_writes_nothing_002_7_5(svc, trust):
    cid = sign_off_case(svc, trust)
    svc.fire(actor(trust.doctor), cid, "sign")
    before = snapshot(svc, cid)
    with pytest.raises(ConditionFailed) as exc:
        svc.fire(actor(trust.doctor), cid, "sign")
    assert "your signature stands" in exc.value.message  # not offered again (issue 16 item 11)
    assert snapshot(svc, cid) == before


def test_stale_version_is_refused(svc, trust):
    cid = sign_off_case(svc, trust)
    version = svc.get_case(actor(trust.doctor), cid).version
    svc.fire(actor(trust.doctor), cid, "sign", expected_version=version)
    before = snapshot(svc, cid)
    with pytest.raises(StaleVersion) as exc:
        svc.fire(actor(trust.manager), cid, "sign", expected_version=version)
    assert "reload" in exc.value.message
    assert snapshot(svc, cid) == before


def test_failure_after_the_state_changed_rolls_everything_back(svc, trust, monkeypatch):
    """transitions does not roll back; the transaction does: state, event, deadlines, outbox, child case."""
    cid = sign_off_case(svc, trust)
    before = snapshot(svc, cid)

    def broken_mail(*args, **kwargs):
        raise OSError("mail queue unavailable")

    monkeypatch.setattr(notifications, "notify_transition", broken_mail)
    with pytest.raises(OSError):
        svc.fire(actor(trust.doctor), cid, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    assert snapshot(svc, cid) == before


def test_a_successful_fire_writes_state_event_deadlines_and_outbox_together(svc, trust):
    cid = sign_off_case(svc, trust)
    before = snapshot(svc, cid)
    result = svc.fire(actor(trust.doctor), cid, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    after = snapshot(svc, cid)
    assert after["state"] == "disputed" and result.from_state == "awaiting_signatures"
    assert after["events"] == before["events"] + 2  # the transition and the disagreement case opening
    assert ("sign_off", "met") in after["deadlines"] and ("lodge_disagreement", "open") in after["deadlines"]
    assert after["outbox"] > before["outbox"] and after["cases"] == before["cases"] + 1
    events = svc.case_events(actor(trust.doctor), cid)
    last = events[-1]
    assert (last.actor_id, last.actor_role, last.trigger, last.from_state, last.to_state) == (
        trust.doctor.id, "practitioner", "record_failure_to_agree", "awaiting_signatures", "disputed")
    assert last.payload == {"points_not_agreed": "SPA"}
