"""The policy check's rules for waits and extensions (issue 16 items 5 and 17)."""
from pathlib import Path

import pytest

from workflow.errors import PolicyError
from workflow.policy.loader import load_policy_text

TEXT = (Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml").read_text()


def problems(text):
    with pytest.raises(PolicyError) as err:
        load_policy_text(text)
    return [(path, msg) for _, path, msg in err.value.problems]


def test_every_wait_has_a_clock_or_says_why_not_002_5_3_7_6_5():
    """A wait with no deadline is flagged whether or not ``timed_by`` is set: the second-level review and the
    governance check pass only because the policy says why they have no clock."""
    text = TEXT.replace('        untimed: "5.3, 7.6.2 set no time', '        # "', 1)
    assert text != TEXT
    found = problems(text)
    assert any(p == "workflows.sign_off.states.second_level_review.untimed" and "no deadline" in m for p, m in found)


def test_a_must_deadline_cannot_be_extendable_002_7_5():
    text = TEXT.replace("            source_says: must     # \"must be signed off ... within 28 days\" (7.5): not extended; "
                        "missing it escalates\n            extendable: false",
                        "            source_says: must\n            extendable: true", 1)
    assert text != TEXT
    found = problems(text)
    assert any(p.endswith("awaiting_signatures.deadlines.0.extendable") and "'must'" in m for p, m in found)


def test_a_party_never_extends_a_deadline_alone_002_7_5():
    text = TEXT.replace("extend_roles: [associate_medical_director]  # a pause (absence)",
                        "extend_roles: [clinical_manager, associate_medical_director]  # a pause (absence)", 1)
    assert text != TEXT
    found = problems(text)
    assert any(p.endswith("extend_roles") and "'clinical_manager' is a party" in m for p, m in found)


def test_only_a_date_records_when_something_happened():
    text = TEXT.replace("summary: {type: text, label: What was agreed, clause: \"7.8.2\"}",
                        "summary: {type: text, happened: past, label: What was agreed, clause: \"7.8.2\"}", 1)
    assert text != TEXT
    assert any(p.endswith("summary.happened") for p, _ in problems(text))
