"""The Medical Director's decision letter (002 7.8.5). It finds the decision and the appeal's window by the
policy's tags (issue 14 item 3: decision_letter, appeal_route, appeal_window), not by their names."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import actor
from tests.integration.test_policy_cpft_medical import to_decision
from workflow.store.models import Deadline
from workflow.service.letters import decision_letter


def test_the_decision_letter_names_the_decision_and_the_appeal_last_day_002_7_8_5(svc, trust, clock):
    _, _, dis, appeal = to_decision(svc, trust, clock)
    letter = decision_letter(svc, actor(trust.doctor), dis)
    window = svc.session.scalars(select(Deadline).where(Deadline.case_id == appeal)).one()
    assert letter.decision == "The manager's plan stands."
    assert (letter.appeal_case_id, letter.appeal_due_at) == (appeal, window.due_at)
