"""Issue 14 item 6: a step's follow-ups are typed commands (FireSelf, FireParent, StartChild, StartCycle),
not tuples tagged with strings; the actions that ask for them are checked without a database."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from workflow.rules import actions
from workflow.errors import ConditionFailed
from workflow.rules.follow_ups import FireParent, FireSelf, StartChild, StartCycle


def _ctx(**case):
    return SimpleNamespace(case=SimpleNamespace(**{"parent_id": None, "data": {}, **case}), after=[])


def test_start_case_asks_for_a_linked_child_or_a_new_cycle_issue_14_item_6():
    ctx = _ctx()
    actions.start_case(ctx, "disagreement")
    actions.start_case(ctx, "sign_off", linked=False)
    assert ctx.after == [StartChild("disagreement"), StartCycle("sign_off")]


def test_fire_parent_carries_the_named_facts_up_issue_14_item_6():
    ctx = _ctx(parent_id=7, data={"held_on": "2027-03-04"})
    actions.fire_parent(ctx, "mediation_concluded", payload={"meeting_date": "held_on"})
    assert ctx.after == [FireParent("mediation_concluded", {"meeting_date": "2027-03-04"})]


def test_fire_parent_without_a_parent_is_refused_unless_optional_issue_14_item_6():
    ctx = _ctx()
    actions.fire_parent(ctx, "resume", optional=True)
    assert ctx.after == []
    with pytest.raises(ConditionFailed):
        actions.fire_parent(ctx, "resume")


def test_auto_fire_asks_for_a_step_on_the_same_case_when_its_condition_holds_issue_14_item_6(monkeypatch):
    from workflow.rules import conditions

    monkeypatch.setitem(conditions.CONDITIONS, "always", lambda ctx: None)
    ctx = _ctx()
    actions.auto_fire(ctx, "agree", when="always")
    assert ctx.after == [FireSelf("agree")]
    assert FireSelf("agree") == FireSelf("agree", None) and hash(FireSelf("agree"))  # frozen records
