"""Who is told, and what the message says, where the sources require a notice (issue 16 item 9):
002 5.2, 5.3, 7.8.2, 7.8.10, 7.8.12, 7.8.13. The outbox rows are what the relay sends."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import actor
from tests.integration.scenario import fire
from tests.integration.test_policy_cpft_medical import at, failure_to_agree, lodged
from workflow.store.models import CaseParticipant, OutboxMessage


def told(svc, case_id, trigger) -> dict[int, str]:
    ev = [e for e in svc.case_events(actor(svc._admin), case_id) if e.trigger == trigger][-1]
    msgs = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"event:{ev.id}:%"))).all()
    return {m.recipient_id: m.body_text for m in msgs}


def test_the_amd_is_told_of_a_failure_to_agree_002_7_8_2_5_3(svc, trust):
    svc._admin = trust.directorate
    plan, sign_off, dis = failure_to_agree(svc, trust)
    to = told(svc, sign_off, "record_failure_to_agree")
    assert set(to) == {trust.manager.id, trust.amd.id}  # the practitioner recorded it
    assert "What is not agreed: SPA allocation" in to[trust.amd.id]


def test_the_medical_director_is_told_of_an_appeal_lodged_002_5_2(svc, trust, clock):
    svc._admin = trust.ceo
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    to = told(svc, appeal, "lodge_appeal")
    assert set(to) == {trust.ceo.id, trust.manager.id, trust.md.id}
    assert "Revalidation" in to[trust.md.id]


def test_panel_members_told_of_their_seat_and_the_practitioner_of_the_list_member_by_name_002_7_8_10_7_8_12(
        svc, trust, clock):
    svc._admin = trust.ceo
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.chair.id})
    assert set(told(svc, appeal, "nominate_chair")) == {trust.chair.id, trust.doctor.id}
    fire(svc, trust.doctor, appeal, "nominate_panel_member", {"person": trust.nominee.id})
    assert set(told(svc, appeal, "nominate_panel_member")) == {trust.nominee.id, trust.ceo.id}
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    member_id = svc.session.scalar(select(CaseParticipant.person_id).where(
        CaseParticipant.case_id == appeal, CaseParticipant.role == "panel_list_member"))
    member = next(p for p in trust.panel_list if p.id == member_id)
    to = told(svc, appeal, "allocate_list_member")
    assert set(to) == {trust.doctor.id, member.id}
    assert f"Appeal panel member from the approved list: {member.name}" in to[trust.doctor.id]
    assert "Appeal panel chair: Panel Chair" in to[trust.doctor.id]


def test_the_panel_and_the_ce_office_are_told_of_the_representative_named_002_7_8_13(svc, trust, clock):
    from tests.integration.scenario import full_panel

    svc._admin = trust.ceo
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal)
    at(clock, 2027, 3, 25)
    fire(svc, trust.doctor, appeal, "name_representative",
         {"representative_name": "Sam Rep", "representative_type": "trade_union"})
    to = told(svc, appeal, "name_representative")
    members = {p.id for p in (trust.chair, trust.nominee)} | set(svc.session.scalars(select(
        CaseParticipant.person_id).where(CaseParticipant.case_id == appeal, CaseParticipant.role == "panel_list_member")))
    assert set(to) == {trust.ceo.id} | members
    assert all("Name: Sam Rep" in body for body in to.values())
