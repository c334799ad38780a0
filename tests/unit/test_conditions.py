"""Issue 14 item 6: a condition is a plain rule over the case, the policy, the step's values and the facts it asks
(``ctx.facts``), so each is proven here without a database. ``SessionFacts``, which answers those questions from
the step's session, is exercised by the integration tests of the policies."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

import workflow.rules  # noqa: F401  (fills the vocabulary)
from workflow.errors import ConditionFailed
from workflow.policy import load_policy_file
from workflow.policy.vocabulary import CONDITIONS
from workflow.rules.facts import OpenChild

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CPFT = load_policy_file(POLICIES / "cpft-medical-2017.yaml")
AFC = load_policy_file(POLICIES / "non-medical-afc-2022.yaml")
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=timezone.utc)


@dataclass
class Facts:
    """The answers a test chooses; what a condition asked is recorded."""

    involved: set[int] = field(default_factory=set)
    holders: set[str] = field(default_factory=set)
    lodging_closed_at: datetime | None = None
    child: OpenChild | None = None
    asked: list[str] = field(default_factory=list)

    def involved_people(self):
        self.asked.append("involved_people")
        return self.involved

    def has_holder(self, role):
        self.asked.append(f"has_holder:{role}")
        return role in self.holders

    def closed_lodging_window(self, now):
        return self.lodging_closed_at if self.lodging_closed_at and self.lodging_closed_at <= now else None

    def open_child(self):
        return self.child


def ctx(policy=CPFT, values=None, facts=None, **case):
    return SimpleNamespace(policy=policy, values=values or {}, now=NOW, facts=facts or Facts(),
                           case=SimpleNamespace(id=1, job_plan_id=case.get("job_plan_id"), job_plan=None,
                                                state="x"), spec=None)


def test_7_8_4_no_prior_involvement_refuses_a_person_involved_in_the_dispute_and_admits_another():
    facts = Facts(involved={7})
    with pytest.raises(ConditionFailed, match="involved in the dispute"):
        CONDITIONS["no_prior_involvement"](ctx(values={"person": 7}, facts=facts))
    CONDITIONS["no_prior_involvement"](ctx(values={"person": 8}, facts=facts))
    assert facts.asked == ["involved_people", "involved_people"]


def test_7_8_3_a_lodging_window_refuses_once_its_last_day_has_ended_not_before():
    closed = Facts(lodging_closed_at=datetime(2027, 3, 9, 0, 0, tzinfo=timezone.utc))
    with pytest.raises(ConditionFailed, match="time limit for this closed at the end of"):
        CONDITIONS["lodging_window_open"](ctx(facts=closed))
    CONDITIONS["lodging_window_open"](ctx(facts=Facts(lodging_closed_at=datetime(2027, 3, 11, tzinfo=timezone.utc))))


def test_004_stage_2_mediation_needs_every_role_the_policy_names_and_says_which_is_missing():
    roles = AFC.settings.mediation_roles
    assert roles, "the AfC policy names its mediators"
    with pytest.raises(ConditionFailed, match=AFC.roles[roles[-1]].title):
        CONDITIONS["mediators_assigned"](ctx(AFC, facts=Facts(holders=set(roles[:-1]))))
    CONDITIONS["mediators_assigned"](ctx(AFC, facts=Facts(holders=set(roles))))


def test_one_follow_on_case_at_a_time_names_the_open_one():
    with pytest.raises(ConditionFailed, match="case 42 \\(appeal\\)"):
        CONDITIONS["no_open_linked_case"](ctx(facts=Facts(child=OpenChild(42, "appeal"))))
    CONDITIONS["no_open_linked_case"](ctx())


def test_7_8_13_a_legal_representative_is_refused_a_colleague_is_not():
    with pytest.raises(ConditionFailed, match="7.8.13"):
        CONDITIONS["not_legal_representative"](ctx(values={"representative_type": "legal"}))
    CONDITIONS["not_legal_representative"](ctx(values={"representative_type": "colleague"}))


def test_a_case_without_a_plan_cannot_pass_has_job_plan():
    with pytest.raises(ConditionFailed, match="no job plan"):
        CONDITIONS["has_job_plan"](ctx())
    CONDITIONS["has_job_plan"](ctx(job_plan_id=3))



def seat(person_id, role, status="active", **data):
    return SimpleNamespace(person_id=person_id, role=role, status=status, data=data)


def test_7_8_10_nobody_sits_twice_on_one_panel():
    facts = Facts()
    facts.participants = lambda: [seat(5, "panel_chair"), seat(6, "panel_nominee", status="objected")]
    with pytest.raises(ConditionFailed, match="already has a seat"):
        CONDITIONS["not_on_panel_already"](ctx(values={"person": 5}, facts=facts))
    CONDITIONS["not_on_panel_already"](ctx(values={"person": 6}, facts=facts))  # an objected seat is not held


def test_7_8_12_one_objection_to_the_list_member_then_none():
    from workflow.rules.panel import LIST_MEMBER, OBJECTED

    facts = Facts()
    facts.participants = lambda: []
    with pytest.raises(ConditionFailed, match="no member from the approved list"):
        CONDITIONS["objection_available"](ctx(facts=facts))
    facts.participants = lambda: [seat(9, LIST_MEMBER)]
    CONDITIONS["objection_available"](ctx(facts=facts))
    facts.participants = lambda: [seat(9, LIST_MEMBER, status=OBJECTED, objected_by_role="practitioner"),
                                  seat(10, LIST_MEMBER)]
    with pytest.raises(ConditionFailed, match="already been made by the .*7.8.12"):
        CONDITIONS["objection_available"](ctx(facts=facts))
