"""Issue 14 item 3: policies tag what the code relies on, so no state or workflow name is written in
Python, and ``policy check`` refuses a policy that lacks a tag the code needs."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from workflow.errors import PolicyError
from workflow.policy import load_policy_file, load_policy_text
from workflow.policy.tags import TAGS

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "policies").rglob("*.yaml"))
MEDICAL = ROOT / "policies" / "cpft-medical-2017.yaml"

# Words that are a state name in some policy and also ordinary English the code uses for something else.
ALLOWED = {
    "decided": "workflow/panel.py: the board's decision note reads 'trust board decision (decided)' when no "
               "choice was recorded; it is text in the audit trail, not the disagreement's state",
    "disputed": "workflow/service/rounds.py, web/pages/rounds.py: the round's progress column for a person whose "
                "sign-off has an open disagreement or appeal (found by the dispute tag), not the sign-off's state",
    "escalated": "workflow/reports/risks.py: the risk register's column key for Risk.escalated_at, not the "
                 "non-medical disagreement's state",
}


def policy_names() -> set[str]:
    names = set()
    for f in POLICIES:
        doc = yaml.safe_load(f.read_text())
        for wname, wf in doc["workflows"].items():
            names.add(wname)
            names.update(wf["states"])
    return names


def literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_item_3_no_policy_state_or_workflow_name_is_written_in_workflow_or_web_python():
    names = policy_names()
    assert {"sign_off", "agreed", "governance_check", "second_level_review", "new_starter"} <= names
    found = []
    for folder in ("workflow", "web"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, value in literals(path):
                if value in names and value not in ALLOWED:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {value!r}")
    assert not found, "policy names written in Python (tag them in the policy instead):\n" + "\n".join(found)


def test_item_3_every_shipped_policy_carries_every_required_tag():
    for f in POLICIES:
        policy = load_policy_file(f)
        for tag, rule in TAGS.items():
            if rule.required:
                assert tag in policy.tag_names, f"{f.name} lacks {tag}"
        assert policy.workflow_tagged("annual_sign_off").states_tagged("plan_agreed")


def refused(doc: dict) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as exc:
        load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="bad.yaml")
    assert all(f == "bad.yaml" for f, _, _ in exc.value.problems)
    return [(p, m) for _, p, m in exc.value.problems]


def medical() -> dict:
    return yaml.safe_load(MEDICAL.read_text())


def test_item_3_policy_check_refuses_a_policy_without_a_tag_the_code_relies_on():
    doc = medical()
    del doc["tags"]["annual_sign_off"]
    assert any(p == "tags" and "'annual_sign_off'" in m and "team page" in m for p, m in refused(doc))


def renamed_agreed_state(doc: dict, new: str = "in_force") -> dict:
    wf = doc["workflows"]["sign_off"]
    wf["states"] = {(new if k == "agreed" else k): v for k, v in wf["states"].items()}
    for t in wf["transitions"]:
        t["dest"] = new if t["dest"] == "agreed" else t["dest"]
        src = t["source"]
        t["source"] = [new if s == "agreed" else s for s in ([src] if isinstance(src, str) else src)]
    doc["tags"]["plan_agreed"] = new
    return doc


def test_item_3_a_renamed_sign_off_works_when_tagged():
    """A trust whose policy names its states differently: the tags follow the names, the code finds them."""
    doc = renamed_agreed_state(medical())
    policy = load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="renamed.yaml")
    assert [s.name for s in policy.workflow_tagged("annual_sign_off").states_tagged("plan_agreed")] == ["in_force"]


def test_item_3_unknown_tags_and_names_are_refused_with_their_path():
    doc = medical()
    doc["tags"]["anual_sign_off"] = "sign_off"
    doc["tags"]["plan_agreed"] = "agred"
    doc["tags"]["mediation"] = "disagreemnt"
    doc["tags"]["annual_sign_off"] = ["sign_off", "new_starter"]
    problems = refused(doc)
    assert any(p == "tags.anual_sign_off" and "unknown tag" in m for p, m in problems)
    assert any(p == "tags.plan_agreed" and "unknown state 'agred'" in m for p, m in problems)
    assert any(p == "tags.mediation" and "unknown workflow 'disagreemnt'" in m for p, m in problems)
    assert any(p == "tags.annual_sign_off" and "names one workflow, not 2" in m for p, m in problems)


def test_item_3_the_two_parties_are_found_by_scope_and_a_policy_needs_exactly_one_of_each():
    """002 7.5 "both sign": the code asks the policy for its parties (scope subject and manager), so a trust that
    calls them "staff member" and "line manager" under other names still has both signatures checked."""
    assert load_policy_file(MEDICAL).parties == ("practitioner", "clinical_manager")
    doc = medical()
    doc["roles"]["second_practitioner"] = {"title": "Another", "scope": "subject", "clause": "5.5"}
    del doc["roles"]["clinical_manager"]
    problems = refused(doc)
    assert any(p == "roles" and "exactly one role with scope subject" in m and "found 2" in m for p, m in problems)
    assert any(p == "roles" and "exactly one role with scope manager" in m and "found 0" in m for p, m in problems)
