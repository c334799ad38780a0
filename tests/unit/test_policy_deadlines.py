"""Every deadline of every shipped policy is complete: a start, a count, reminders, and either an
escalation chain (a duty of the organisation) or a closing step (a practitioner's window); "normally"
limits and practitioners' windows can be extended; limits the source does not set are marked."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflow.policy.registry import PolicyRegistry

POLICIES = PolicyRegistry.from_directory(Path(__file__).resolve().parents[2] / "policies")
ALL = [(p.id, w.name, s.name, d) for p in POLICIES.all() for w in p.workflows.values() for s in w.states
       for d in s.deadlines]

# Limits the sources state with "normally" (RULES.md, "Reading deadlines"): an extension with a reason.
NORMALLY = {("cpft-medical-2017", "mediation_meeting"), ("cpft-medical-2017", "recommendation"),
            ("salaried-dental-2007", "mediation_meeting"), ("salaried-dental-2007", "decision")}
# Limits the sources do set; every other deadline in 001 and 004 policies is a local choice.
SOURCE_SET = {("salaried-dental-2007", "annual_review"), ("non-medical-afc-2022", "annual_review"),
              ("non-medical-afc-2022", "recommendations")}


def test_every_policy_ships_and_defines_the_three_workflows():
    assert POLICIES.ids() == ["cpft-medical-2017", "non-medical-afc-2022", "salaried-dental-2007"]
    for p in POLICIES.all():
        assert {"sign_off", "disagreement", "appeal"} <= set(p.workflows)


@pytest.mark.parametrize("policy, workflow, state, d", ALL, ids=[f"{a}.{b}.{c}.{d.name}" for a, b, c, d in ALL])
def test_deadline_has_start_count_reminders_and_escalation_or_closing(policy, workflow, state, d):
    assert d.amount >= 1 and d.unit in ("days", "weeks", "months") and d.counting in ("calendar", "working")
    assert d.runs_from and d.clause and d.reminders
    if d.kind == "organisation":
        assert d.escalation and d.escalation[0].after_days == 0
    else:
        assert d.expiry_trigger and d.extendable  # a right closes, unless extended with a reason
    if (policy, d.name) in NORMALLY:
        assert d.extendable
    if policy != "cpft-medical-2017" and (policy, d.name) not in SOURCE_SET:
        assert d.local_choice, f"{policy} {d.name}: the source sets no limit, so the policy must say why it chose one"
