"""Who may extend or pause a clock is part of the policy file, checked when it is loaded."""
from pathlib import Path

import pytest

from workflow.errors import PolicyError
from workflow.policy.loader import load_policy_text

TEXT = (Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml").read_text()


def _deadline(policy, workflow, state):
    return policy.workflow(workflow).state(state).deadlines[0]


def test_the_policy_names_who_may_extend_each_clock_002_5_1_5_2_5_3():
    p = load_policy_text(TEXT)
    assert _deadline(p, "disagreement", "referred").extend_roles == ("medical_director",)
    assert _deadline(p, "appeal", "window_open").extend_roles == ("chief_executive_office",)
    # 7.8.8 "will convene ... within four weeks" and 7.5 "must be signed off within 28 days": not extended, and
    # never changed by a party to the plan (issue 16 item 17)
    assert not _deadline(p, "appeal", "lodged").extendable and not _deadline(p, "appeal", "lodged").extend_roles
    assert not _deadline(p, "sign_off", "awaiting_signatures").extendable
    assert _deadline(p, "sign_off", "awaiting_signatures").extend_roles == ("associate_medical_director",)
    assert not _deadline(p, "appeal", "window_open").pausable


def test_an_extendable_deadline_without_extend_roles_is_refused():
    text = TEXT.replace("            extend_roles: [medical_director]  # who decides a change of timetable (5.2, 7.8.4)\n",
                        "", 1)
    assert text != TEXT
    with pytest.raises(PolicyError) as err:
        load_policy_text(text)
    assert any(path.endswith("extend_roles") and "who may extend" in msg for _, path, msg in err.value.problems)


def test_an_unknown_extend_role_is_refused():
    text = TEXT.replace("extend_roles: [medical_director]", "extend_roles: [chief_medic]", 1)
    with pytest.raises(PolicyError) as err:
        load_policy_text(text)
    assert any("chief_medic" in msg for _, _, msg in err.value.problems)
