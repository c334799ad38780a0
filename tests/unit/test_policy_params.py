"""Issue 14 item 4: every setting, action parameter and condition's setting has a schema the policy loader
checks, so a typo is refused by ``policy check`` with ``file: path: problem`` instead of failing in a
live step."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from web.cli import main
from workflow.errors import PolicyError
from workflow.policy import load_policy_text
from workflow.policy.params import ACTION_PARAMS, CONDITION_SETTINGS

ROOT = Path(__file__).resolve().parents[2] / "policies"
NON_MEDICAL = ROOT / "non-medical-afc-2022.yaml"
DENTAL = ROOT / "salaried-dental-2007.yaml"


def doc_of(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def refused(doc: dict) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as exc:
        load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="bad.yaml")
    assert all(f == "bad.yaml" for f, _, _ in exc.value.problems)
    return [(p, m) for _, p, m in exc.value.problems]


def transition(doc: dict, workflow: str, trigger: str) -> tuple[int, dict]:
    return next((i, t) for i, t in enumerate(doc["workflows"][workflow]["transitions"]) if t["trigger"] == trigger)


def test_item_4_an_unknown_setting_is_refused_with_its_path():
    doc = doc_of(NON_MEDICAL)
    doc["settings"]["mediaton_roles"] = doc["settings"].pop("mediation_roles")
    problems = refused(doc)
    assert ("settings.mediaton_roles", "Unknown field.") in problems


def test_item_4_a_setting_a_used_condition_reads_must_be_set():
    doc = doc_of(NON_MEDICAL)
    del doc["settings"]["mediation_roles"]
    assert any(p == "settings.mediation_roles" and "condition 'mediators_assigned'" in m for p, m in refused(doc))


def test_item_4_a_typo_in_mediation_roles_is_refused_by_policy_check_not_a_live_step():
    doc = doc_of(NON_MEDICAL)
    doc["settings"]["mediation_roles"] = ["mediator_hr", "mediator_job_plannng"]
    assert any(p == "settings.mediation_roles.1" and "unknown role 'mediator_job_plannng'" in m
               for p, m in refused(doc))


def test_item_4_a_setting_of_the_wrong_type_is_refused():
    doc = doc_of(NON_MEDICAL)
    doc["settings"]["second_level_sign_off"] = "sometimes"
    doc["settings"]["appeal_panel_roles"] = "consistency_panel_chair"
    problems = dict(refused(doc))
    assert "settings.second_level_sign_off" in problems and "settings.appeal_panel_roles" in problems


@pytest.mark.parametrize("workflow, trigger, k, params, path", [
    ("sign_off", "sign", 1, {"auto_fire": {"trigger": "complete_signatures", "whn": "both_signed"}}, "auto_fire.whn"),
    ("sign_off", "sign", 1, {"auto_fire": {"trigger": "complete_signaturs", "when": "both_signed"}},
     "auto_fire.trigger"),
    ("sign_off", "sign", 1, {"auto_fire": {"trigger": "complete_signatures", "when": "both_sined"}}, "auto_fire.when"),
    ("sign_off", "record_failure_to_agree", 0, {"start_case": {"workflw": "disagreement"}}, "start_case.workflw"),
    ("sign_off", "record_failure_to_agree", 0, {"start_case": {"workflow": "disagreement", "linked": "maybe"}},
     "start_case.linked"),
    ("disagreement", "assign_hr_mediator", 0, {"add_participant": {"role": "mediator_hrr"}}, "add_participant.role"),
    ("disagreement", "record_mediation_agreement", 0, {"fire_parent": {"trigger": "resume_sign_of"}},
     "fire_parent.trigger"),
    ("sign_off", "sign", 0, {"record_signature": {"role": "practitioner"}}, "record_signature.role"),
])
def test_item_4_an_action_parameter_typo_is_refused_with_its_path(workflow, trigger, k, params, path):
    doc = doc_of(NON_MEDICAL)
    i, t = transition(doc, workflow, trigger)
    t["actions"][k] = params
    problems = refused(doc)
    want = f"workflows.{workflow}.transitions.{i}.actions.{k}.{path}"
    assert any(p == want for p, _ in problems), problems


def test_item_4_dental_second_level_sign_off_false_refuses_a_second_level_state_001_26_9():
    """001 (9, 26.9): the dentist and the clinical director both sign; there is no second level. The setting
    is checked against the sign-off instead of being a comment nobody reads."""
    doc = doc_of(DENTAL)
    doc["tags"]["second_level"] = "outcome_to_report"
    assert any(p == "settings.second_level_sign_off" and "says false" in m for p, m in refused(doc))
    doc = doc_of(DENTAL)
    doc["settings"]["second_level_sign_off"] = True
    assert any(p == "settings.second_level_sign_off" and "no state tagged second_level" in m
               for p, m in refused(doc))


def test_item_4_every_registered_action_and_condition_has_a_schema():
    import workflow.rules.panel  # noqa: F401  (registers the panel's actions and conditions)
    from workflow.rules.actions import ACTIONS
    from workflow.rules.conditions import CONDITIONS

    assert set(ACTIONS) == set(ACTION_PARAMS)
    assert set(CONDITIONS) == set(CONDITION_SETTINGS)


def test_item_4_policy_check_prints_file_path_problem(tmp_path):
    doc = doc_of(NON_MEDICAL)
    doc["settings"]["mediation_roles"] = ["mediator_hr", "mediator_job_plannng"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = CliRunner().invoke(main, ["policy", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: settings.mediation_roles.1: unknown role 'mediator_job_plannng'" in result.output
