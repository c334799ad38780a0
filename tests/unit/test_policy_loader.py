"""A policy file is refused with a message naming the file, the path inside it and what is wrong
(issue 3: policy files)."""
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from web.cli import main
from workflow.errors import PolicyError
from workflow.policy import load_policy_file, load_policy_text

MEDICAL = Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml"


def medical() -> dict:
    return yaml.safe_load(MEDICAL.read_text())


def refused(doc: dict) -> list[tuple[str, str, str]]:
    with pytest.raises(PolicyError) as exc:
        load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="bad.yaml")
    return exc.value.problems


def paths(problems):
    return [(p, m) for _, p, m in problems]


def test_every_shipped_policy_loads():
    for f in sorted(MEDICAL.parent.glob("*.yaml")):
        p = load_policy_file(f)
        assert {"sign_off", "disagreement", "appeal"} <= set(p.workflows)


def test_unknown_state_is_named_with_its_path():
    doc = medical()
    doc["workflows"]["appeal"]["transitions"][0]["dest"] = "nowhere"
    problems = refused(doc)
    assert all(f == "bad.yaml" for f, _, _ in problems)
    assert any(p == "workflows.appeal.transitions.0.dest" and "unknown state 'nowhere'" in m for p, m in paths(problems))


def test_unknown_role_is_refused():
    doc = medical()
    doc["workflows"]["sign_off"]["transitions"][0]["roles"] = ["registrar"]
    assert any(p == "workflows.sign_off.transitions.0.roles" and "unknown role 'registrar'" in m
               for p, m in paths(refused(doc)))


def test_unreachable_state_is_refused():
    doc = medical()
    doc["workflows"]["sign_off"]["states"]["limbo"] = {"title": "Limbo", "final": True}
    assert ("workflows.sign_off.states.limbo",
            "is unreachable from the initial state 'draft'") in paths(refused(doc))


def test_non_final_state_with_no_way_out_is_refused():
    doc = medical()
    wf = doc["workflows"]["sign_off"]
    wf["states"]["stuck"] = {"title": "Stuck"}
    wf["transitions"].append({"trigger": "get_stuck", "title": "x", "clause": "x", "source": "draft",
                              "dest": "stuck", "roles": ["clinical_manager"]})
    assert ("workflows.sign_off.states.stuck", "is not final but no transition leaves it") in paths(refused(doc))


def test_waiting_state_without_the_deadline_its_source_sets_is_refused_002_7_8_4():
    doc = medical()
    doc["workflows"]["disagreement"]["states"]["referred"]["deadlines"] = []
    problems = paths(refused(doc))
    assert any(p == "workflows.disagreement.states.referred" and "7.8.4" in m and "no deadline" in m
               for p, m in problems)


def test_duplicate_trigger_from_the_same_state_is_refused():
    doc = medical()
    transitions = doc["workflows"]["sign_off"]["transitions"]
    transitions.append(dict(next(t for t in transitions if t["trigger"] == "record_meeting")))
    n = len(transitions) - 1
    assert any(p == f"workflows.sign_off.transitions.{n}.trigger" and "duplicate trigger 'record_meeting'" in m
               for p, m in paths(refused(doc)))


def test_lodging_window_must_say_what_closes_it():
    doc = medical()
    del doc["workflows"]["appeal"]["states"]["window_open"]["deadlines"][0]["on_expiry"]
    assert any("on_expiry" in p and "must say which trigger closes it" in m for p, m in paths(refused(doc)))


def test_unknown_condition_and_action_are_refused():
    doc = medical()
    doc["workflows"]["sign_off"]["transitions"][0]["conditions"] = ["moon_is_full"]
    doc["workflows"]["sign_off"]["transitions"][0]["actions"] = ["bake_cake"]
    problems = paths(refused(doc))
    assert any("unknown condition 'moon_is_full'" in m for _, m in problems)
    assert any("unknown action 'bake_cake'" in m for _, m in problems)


def test_schema_errors_name_the_field_path():
    doc = medical()
    del doc["workflows"]["sign_off"]["states"]["awaiting_signatures"]["deadlines"][0]["within"]
    doc["roles"]["practitioner"]["scope"] = "everyone"
    problems = paths(refused(doc))
    assert ("workflows.sign_off.states.awaiting_signatures.deadlines.0.within",
            "Missing data for required field.") in problems
    assert any(p == "roles.practitioner.scope" for p, _ in problems)


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(PolicyError) as exc:
        load_policy_text("id: x\nroles: [unclosed\n", name="broken.yaml")
    (f, where, msg), = exc.value.problems
    assert f == "broken.yaml" and where.startswith("line ") and "not valid YAML" in msg


def test_a_policy_without_the_three_workflows_is_refused():
    doc = medical()
    del doc["workflows"]["appeal"]
    # The code finds the appeal by its tag (issue 14 item 3), so the refusal names the tag left pointing at nothing
    assert any(p == "tags.appeal_route" and "unknown workflow 'appeal'" in m for p, m in paths(refused(doc)))


def test_policy_check_command_exit_codes(tmp_path):
    bad = medical()
    bad["workflows"]["appeal"]["initial"] = "nowhere"
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(yaml.safe_dump(bad))
    runner = CliRunner()
    ok = runner.invoke(main, ["policy", "check", str(MEDICAL)])
    assert ok.exit_code == 0 and "ok (cpft-medical-2017 version 2" in ok.output
    failed = runner.invoke(main, ["policy", "check", str(MEDICAL), str(bad_file)])
    assert failed.exit_code == 1
    assert f"{bad_file}: workflows.appeal.initial: unknown state 'nowhere'" in failed.output
    missing = runner.invoke(main, ["policy", "check", str(tmp_path / "absent.yaml")])
    assert missing.exit_code == 1 and "cannot be read" in missing.output


def test_appointed_from_belongs_to_a_seat_and_names_roles_held_by_assignment_issue_13_item_1():
    doc = medical()
    doc["roles"]["mediator"]["appointed_from"] = ["medical_director", "appeal_panel_list"]  # an office, a list
    load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="ok.yaml")
    doc["roles"]["clinical_manager"]["appointed_from"] = ["medical_director"]
    doc["roles"]["panel_chair"]["appointed_from"] = ["practitioner"]
    assert set(paths(refused(doc))) == {
        ("roles.clinical_manager.appointed_from", "only a participant seat is appointed to; this role's scope is manager"),
        ("roles.panel_chair.appointed_from", "'practitioner' is held by subject, not by a role assignment, so it "
                                             "cannot say who may be named")}
