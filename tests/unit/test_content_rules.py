"""Each content rule, as a warning and as a blocker, through a policy whose content_rules hold only that
rule; and the loader's refusal of unknown rules and bad parameters."""
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.factories import complete_plan
from workflow.content.calculations import plan_totals
from workflow.content.rules import CONTENT_RULES, PlanFacts, evaluate
from workflow.content.schema import normalise_content
from workflow.errors import PolicyError
from workflow.policy.loader import load_policy_text

POLICY = Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml"
LATE_APA = [{"pas": 1, "reason": "Waiting list", "start": "2027-04-01", "end": "2028-05-01", "agreed_by_amd": True}]
UNAGREED_APA = [{"pas": 1, "reason": "Waiting list", "start": "2027-04-01", "end": "2028-03-31"}]
NOT_SMART = [{"kind": "personal", "text": "Be better", "linked_activities": ["Outpatient clinic"]}]
UNLINKED = [{**complete_plan()["objectives"][0], "linked_activities": []}]

# rule -> (params, plan that breaks it, contracted PAs, team plan agreed?, section named)
CASES = {
    "contracted_time_accounted": ({}, complete_plan(9, 2.5), 10, True, "schedule"),
    "spa_minimum": ({"pas": 1.5}, complete_plan(10, 1.0), 10, True, "schedule"),
    "spa_expected": ({"pas": 2.5}, complete_plan(10, 2.0), 10, True, "schedule"),
    "max_pas": ({"pas": 12}, complete_plan(13, 2.5), 13, True, "schedule"),
    "additional_pas_time_limited": ({"months": 12}, complete_plan(11, 2.5, additional_pas=LATE_APA), 10, True,
                                    "additional_pas"),
    "additional_pas_agreed": ({}, complete_plan(11, 2.5, additional_pas=UNAGREED_APA), 10, True, "additional_pas"),
    "objectives_present": ({"kinds": ["personal"]}, complete_plan(objectives=[]), 10, True, "objectives"),
    "objectives_smart": ({}, complete_plan(objectives=NOT_SMART), 10, True, "objectives"),
    "objectives_linked": ({}, complete_plan(objectives=UNLINKED), 10, True, "objectives"),
    "sections_justified": ({}, complete_plan(justifications={}), 10, True, "annualised"),
    "private_practice_declared": ({}, complete_plan(private_practice=None), 10, True, "private_practice"),
    "team_plan_first": ({}, complete_plan(), 10, False, "schedule"),
    "sections_present": ({"sections": ["objectives"]}, complete_plan(objectives=[], justifications={
        "objectives": "none this year"}), 10, True, "objectives"),
    "post_recorded": ({"details": ["job_title", "specialty"]}, complete_plan(post={"contracted_pas": 10}), 10, True,
                      "post"),
}
CLAUSES = {"contracted_time_accounted": "7.1", "spa_minimum": "7.2.1", "spa_expected": "7.2.1", "max_pas": "7.2.2",
           "additional_pas_time_limited": "7.2.2", "additional_pas_agreed": "7.2.2", "objectives_present": "7.1",
           "objectives_smart": "7.1", "objectives_linked": "7.1", "sections_justified": "7.6.5",
           "private_practice_declared": "7.1", "team_plan_first": "7.4",
           "sections_present": "7.6.5", "post_recorded": "7.1"}


def policy_with(rules: list[dict], groups: dict | None = None):
    raw = yaml.safe_load(POLICY.read_text())
    raw["content_rules"] = {"rules": rules, "staff_groups": groups or {}}
    return load_policy_text(yaml.safe_dump(raw), name="test-policy")


def facts(content, contracted, team_ok, policy):
    stored = normalise_content(content)
    t = plan_totals(stored, pa_hours=policy.pa_hours, contracted_pas=contracted,
                    on=date(2027, 6, 1))
    return PlanFacts(stored, t, 10.0, date(2027, 6, 1), team_plan_agreed=team_ok)


def test_every_registered_rule_is_tested():
    assert set(CASES) == set(CONTENT_RULES)


@pytest.mark.parametrize("severity", ["warning", "blocker"])
@pytest.mark.parametrize("rule", sorted(CASES))
def test_content_rule_as_warning_and_as_blocker_002_7_1_7_2_7_4_7_6_5(rule, severity):
    params, content, contracted, team_ok, section = CASES[rule]
    policy = policy_with([{"rule": rule, "severity": severity, "clause": CLAUSES[rule], "params": params}])
    found = evaluate(policy.rules_for("consultant").rules, facts(content, contracted, team_ok, policy))
    assert found, f"{rule} found nothing wrong"
    assert {(f.rule, f.severity, f.clause) for f in found} == {(rule, severity, CLAUSES[rule])}
    assert section in {f.section for f in found}
    # the same plan made right passes the rule
    good = evaluate(policy.rules_for("consultant").rules, facts(complete_plan(), 10, True, policy))
    assert good == []


def test_shipped_policy_rules_pass_a_complete_plan_and_flag_the_missing_team_plan_as_warning_002_7_4():
    policy = load_policy_text(POLICY.read_text())
    found = evaluate(policy.rules_for("consultant").rules, facts(complete_plan(), 10, False, policy))
    assert [(f.rule, f.severity) for f in found] == [("team_plan_first", "warning")]


def test_consultant_expects_2_5_spa_others_1_5_002_7_2_1():
    policy = load_policy_text(POLICY.read_text())
    plan = facts(complete_plan(10, 2.0), 10, True, policy)
    assert [f.rule for f in evaluate(policy.rules_for("consultant").rules, plan)] == ["spa_expected"]
    assert evaluate(policy.rules_for("specialty_doctor").rules, plan) == []


def test_spa_expectation_is_pro_rata_for_part_time_002_7_1():
    policy = policy_with([{"rule": "spa_expected", "severity": "warning", "clause": "7.2.1", "params": {"pas": 2.5}}])
    six = facts(complete_plan(6, 1.5), 6, True, policy)  # 2.5 x 6/10 = 1.5
    assert evaluate(policy.rules_for("consultant").rules, six) == []


def test_unknown_content_rule_is_refused_by_the_loader():
    with pytest.raises(PolicyError) as exc:
        policy_with([{"rule": "no_such_rule", "severity": "blocker", "clause": "7.1"}])
    assert "unknown content rule 'no_such_rule'" in str(exc.value)


def test_bad_rule_parameters_are_refused_by_the_loader():
    with pytest.raises(PolicyError) as exc:
        policy_with([{"rule": "spa_minimum", "severity": "blocker", "clause": "7.2.1", "params": {"pa": 1.5}}])
    assert "spa_minimum.params" in str(exc.value)


def test_severity_must_be_warning_or_blocker():
    with pytest.raises(PolicyError) as exc:
        policy_with([{"rule": "spa_minimum", "severity": "fatal", "clause": "7.2.1", "params": {"pas": 1.5}}])
    assert "severity" in str(exc.value)


def test_staff_group_rules_override_shared_rules_of_the_same_name():
    p = policy_with([{"rule": "spa_minimum", "severity": "blocker", "clause": "7.2.1", "params": {"pas": 1.5}}],
                    {"consultant": {"rules": [{"rule": "spa_minimum", "severity": "warning", "clause": "7.2.1",
                                               "params": {"pas": 2}}]}})
    (c,) = p.rules_for("consultant").rules
    (s,) = p.rules_for("specialty_doctor").rules
    assert (c.severity, c.params) == ("warning", {"pas": 2}) and s.severity == "blocker"


def test_staff_group_outside_the_policy_is_refused():
    with pytest.raises(PolicyError) as exc:
        policy_with([], {"nurse": {"full_time_hours": 37.5}})
    assert "content_rules.staff_groups.nurse" in str(exc.value)
