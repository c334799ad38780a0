"""002 7.6.7 (issue 16 item 9): the agreed plan goes to the care group and to Finance. They hold no role, so the
trust names shared mailboxes by purpose (care_group, finance) on the trust, a care group or a team; the policy step
names the purposes; the nearest address to the practitioner receives it, in the same transaction as the step."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration.scenario import fire, state
from tests.integration.test_policy_cpft_medical import meeting_held, sign_and_approve
from tests.factories import make_trust_admin
from workflow.errors import InvalidPayload, PermissionDenied
from workflow.service.admin.notice_addresses import notice_addresses, set_notice_address
from workflow.store.models import Event, NoticeAddress, OutboxMessage



@pytest.fixture
def admin(svc, trust):
    return make_trust_admin(svc.session, trust)


def mailed(svc, case_id) -> dict[str, str]:
    rows = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                           OutboxMessage.recipient_id.is_(None)))
    return {m.to_address: m.body_text for m in rows}


def test_agreed_plan_goes_to_the_care_group_and_finance_mailboxes_002_7_6_7(svc, trust, admin):
    set_notice_address(svc, actor(admin), trust.trust.id, "finance", "finance@trust.example")
    set_notice_address(svc, actor(admin), trust.trust.id, "care_group", "all-care-groups@trust.example")
    set_notice_address(svc, actor(admin), trust.care_group.id, "care_group", "mental-health@trust.example")
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    fire(svc, trust.amd, case_id, "approve_second_level")
    assert mailed(svc, case_id) == {}  # not before the plan is agreed
    fire(svc, trust.directorate, case_id, "accept_governance_check")
    assert state(svc, case_id) == "agreed"
    sent = mailed(svc, case_id)
    assert set(sent) == {"mental-health@trust.example", "finance@trust.example"}  # the nearest care group address
    assert "version 1 of job plan" in sent["finance@trust.example"]
    assert "trust's finance address" in sent["finance@trust.example"] and "7.6.7" in sent["finance@trust.example"]
    ev = svc.session.scalar(select(Event.id).where(Event.case_id == case_id, Event.trigger == "accept_governance_check"))
    people = set(svc.session.scalars(select(OutboxMessage.recipient_id).where(
        OutboxMessage.dedupe_key.like(f"event:{ev}:%"), OutboxMessage.recipient_id.is_not(None))))
    assert people == {trust.doctor.id, trust.manager.id, trust.hr.id, trust.hr_adviser.id}  # and both HR holders


def test_no_address_set_sends_nothing_and_the_plan_is_still_agreed_002_7_6_7(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    sign_and_approve(svc, trust, case_id)
    assert state(svc, case_id) == "agreed" and mailed(svc, case_id) == {}


def test_notice_addresses_are_set_only_by_the_trust_administrator_and_checked_002_7_6_7(svc, trust, admin):
    with pytest.raises(PermissionDenied):
        set_notice_address(svc, actor(trust.manager), trust.trust.id, "finance", "finance@trust.example")
    with pytest.raises(InvalidPayload) as exc:
        set_notice_address(svc, actor(admin), trust.trust.id, "Finance Dept", "finance@trust.example")
    assert "purpose" in exc.value.details["fields"]
    for bad in ("not-an-address", "a@b", "x\x00@trust.example", "a@" + "b" * 400 + ".org"):
        with pytest.raises(InvalidPayload) as exc:
            set_notice_address(svc, actor(admin), trust.trust.id, "finance", bad)
        assert "email" in exc.value.details["fields"]
    with pytest.raises(InvalidPayload) as exc:
        set_notice_address(svc, actor(admin), 999999, "finance", "finance@trust.example")
    assert "org_unit_id" in exc.value.details["fields"]
    assert svc.session.scalars(select(NoticeAddress)).all() == []
    set_notice_address(svc, actor(admin), trust.trust.id, "finance", "finance@trust.example")
    set_notice_address(svc, actor(admin), trust.trust.id, "finance", "payroll@trust.example")  # changed, not added
    assert [(a.purpose, a.email) for a in notice_addresses(svc, actor(admin))] == [("finance", "payroll@trust.example")]
    set_notice_address(svc, actor(admin), trust.trust.id, "finance", None)  # cleared
    assert notice_addresses(svc, actor(admin)) == []
    kinds = svc.session.scalars(select(Event.kind).where(Event.subject == f"org_unit:{trust.trust.id}")).all()
    assert kinds.count("notice_address_set") == 3


def test_a_decided_plan_is_distributed_as_an_agreed_one_002_7_6_7_7_8_5(svc, trust, admin, clock):
    from tests.integration.test_policy_cpft_medical import to_decision

    set_notice_address(svc, actor(admin), trust.trust.id, "finance", "finance@trust.example")
    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)
    fire(svc, trust.doctor, appeal, "decline_appeal")
    assert state(svc, sign_off) == "agreed"
    assert set(mailed(svc, sign_off)) == {"finance@trust.example"}


def test_jobplan_notices_set_names_the_finance_mailbox_and_refuses_others_002_7_6_7(app, svc, trust, admin):
    from web.cli import main

    runner = app.test_cli_runner()
    refused = runner.invoke(main, ["notices", "set", str(trust.trust.id), "finance", "finance@trust.example",
                                   "--as", trust.manager.email])
    assert refused.exit_code == 1 and "trust's administrator" in refused.output
    bad = runner.invoke(main, ["notices", "set", str(trust.trust.id), "finance", "nope", "--as", admin.email])
    assert bad.exit_code == 1 and "email address" in bad.output
    ok = runner.invoke(main, ["notices", "set", str(trust.trust.id), "finance", "finance@trust.example",
                              "--as", admin.email])
    assert ok.exit_code == 0 and "finance notices go to finance@trust.example" in ok.output
    svc.session.rollback()
    assert [(a.purpose, a.email) for a in svc.session.scalars(select(NoticeAddress))] == \
        [("finance", "finance@trust.example")]
