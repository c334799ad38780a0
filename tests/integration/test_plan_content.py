from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied
from workflow.store.models import JobPlan, Person
from workflow.policy.loader import load_policy_text
from workflow.policy.registry import PolicyRegistry
from workflow.service import JobPlanning
from workflow.service import plans

POLICY = Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml"


def _to_signatures(svc, trust, content):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, content)
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    return plan, case


def test_create_job_plan_refuses_malformed_content_with_field_paths(svc, trust):
    bad = complete_plan(objectives=[{"kind": "private", "text": ""}])
    with pytest.raises(InvalidPayload) as exc:
        svc.create_job_plan(actor(trust.manager), trust.doctor.id, bad)
    assert set(exc.value.details["fields"]) == {"objectives.0.kind", "objectives.0.text"}
    assert svc.session.query(JobPlan).count() == 0


def test_edit_job_plan_validates_and_stores_normalised_content(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    with pytest.raises(InvalidPayload) as exc:
        svc.edit_job_plan(actor(trust.doctor), plan.id, {"schedule": [{"day": "Monday"}]})
    assert "schedule.0.start" in exc.value.details["fields"]
    v = svc.edit_job_plan(actor(trust.doctor), plan.id, {"other_comments": "draft"})
    assert v.number == 2 and v.content["schedule"] == [] and v.content["private_practice"] is None


def test_blocker_stops_signing_naming_section_and_rule_002_7_2_1(svc, trust):
    plan, case = _to_signatures(svc, trust, complete_plan(10, 1.0))
    with pytest.raises(ConditionFailed) as exc:
        svc.fire(actor(trust.doctor), case.id, "sign")
    assert "Weekly schedule" in exc.value.message and "spa_minimum" in exc.value.message
    assert "7.2.1" in exc.value.message
    assert exc.value.details["findings"][0]["rule"] == "spa_minimum"
    assert svc.session.get(JobPlan, plan.id).versions[0].signatures == []


def test_section_left_empty_without_justification_blocks_sign_off_002_7_6_5(svc, trust):
    _, case = _to_signatures(svc, trust, complete_plan(equipment=[]))
    with pytest.raises(ConditionFailed) as exc:
        svc.fire(actor(trust.manager), case.id, "sign")
    assert "Equipment: is empty and has no justification [sections_justified, 7.6.5]" in exc.value.message


def test_warning_does_not_stop_sign_off_but_is_reported_002_7_4(svc, trust):
    plan, case = _to_signatures(svc, trust, complete_plan())
    svc.fire(actor(trust.doctor), case.id, "sign")
    svc.fire(actor(trust.manager), case.id, "sign")
    assert svc.get_case(actor(trust.manager), case.id).state == "second_level_review"
    a = plans.assess(svc, actor(trust.doctor), plan.id)
    assert a.blockers == [] and [w.rule for w in a.warnings] == ["team_plan_first"]


def _svc_with_rule(svc, rule, severity, params=None):
    raw = yaml.safe_load(POLICY.read_text())
    raw["content_rules"] = {"rules": [{"rule": rule, "severity": severity, "clause": "7.1", "params": params or {}}]}
    policy = load_policy_text(yaml.safe_dump(raw), name="test")
    return JobPlanning(svc.session, PolicyRegistry([policy]), svc.clock, svc.engine, svc.settings)


@pytest.mark.parametrize("severity, signs", [("warning", True), ("blocker", False)])
def test_policy_decides_whether_a_rule_blocks_sign_off_7_6_5(svc, trust, severity, signs):
    s = _svc_with_rule(svc, "objectives_smart", severity)
    _, case = _to_signatures(s, trust, complete_plan(objectives=[{"kind": "personal", "text": "Do more"}]))
    if signs:
        s.fire(actor(trust.doctor), case.id, "sign")
    else:
        with pytest.raises(ConditionFailed, match="Objectives: objective 1"):
            s.fire(actor(trust.doctor), case.id, "sign")


def test_governance_check_applies_the_content_rules_of_the_case_policy_7_6_5(svc, trust):
    """The Medical Directorate's acceptance re-checks the content rules under the case's policy version."""
    s = _svc_with_rule(svc, "max_pas", "warning", {"pas": 12})
    plan, case = _to_signatures(s, trust, complete_plan())
    s.fire(actor(trust.doctor), case.id, "sign")
    s.fire(actor(trust.manager), case.id, "sign")
    s.fire(actor(trust.amd), case.id, "approve_second_level")
    strict = _svc_with_rule(svc, "max_pas", "blocker", {"pas": 9})  # same policy id and version, stricter
    with pytest.raises(ConditionFailed, match="max_pas"):
        strict.fire(actor(trust.directorate), case.id, "accept_governance_check")
    s.fire(actor(trust.directorate), case.id, "accept_governance_check")
    assert svc.session.get(JobPlan, plan.id).agreed_version == 1


def _agree(svc, trust, content, person=None):
    person = person or trust.doctor
    plan = svc.create_job_plan(actor(person.manager), person.id, content)
    case = svc.start_case(actor(person.manager), "sign_off", person.id, job_plan_id=plan.id)
    svc.fire(actor(person.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(person), case.id, "sign")
    svc.fire(actor(person.manager), case.id, "sign")
    svc.fire(actor(trust.amd), case.id, "approve_second_level")
    svc.fire(actor(trust.directorate), case.id, "accept_governance_check")
    return plan


def test_new_years_plan_starts_as_a_copy_of_the_last_agreed_002_7_7(svc, trust):
    agreed = _agree(svc, trust, complete_plan(10, 2.0))
    svc.edit_job_plan(actor(trust.doctor), agreed.id, complete_plan(10, 3.0))  # a later, unagreed draft
    nxt = plans.start_next_plan(svc, actor(trust.manager), trust.doctor.id, period_start=date(2027, 4, 1))
    assert nxt.id != agreed.id and nxt.current_version == 1 and nxt.agreed_version is None
    assert nxt.versions[0].content == agreed.versions[0].content
    assert "copied from plan" in nxt.versions[0].note


def test_next_plan_needs_an_agreed_plan_and_the_right_person(svc, trust):
    with pytest.raises(ConditionFailed):
        plans.start_next_plan(svc, actor(trust.manager), trust.doctor.id)
    _agree(svc, trust, complete_plan())
    with pytest.raises(PermissionDenied):
        plans.start_next_plan(svc, actor(trust.outsider), trust.doctor.id)


def test_changes_from_previous_agreed_plan_per_category(svc, trust):
    _agree(svc, trust, complete_plan(10, 2.0))
    nxt = plans.start_next_plan(svc, actor(trust.manager), trust.doctor.id)
    svc.edit_job_plan(actor(trust.manager), nxt.id, complete_plan(10, 2.5))
    a = plans.assess(svc, actor(trust.doctor), nxt.id)
    rows = {r["category"]: r for r in a.comparison}
    assert rows["SPA"]["change_pas"] == 0.5 and rows["DCC"]["change_pas"] == -0.5


def test_team_plan_agreed_first_clears_the_warning_002_7_4(svc, trust):
    team_plan = plans.create_team_plan(svc, actor(trust.manager), trust.team.id,
                                       {"objectives": [{"kind": "team", "text": "Cover all SPA work"}]},
                                       policy_id="cpft-medical-2017")
    plan, _ = _to_signatures(svc, trust, complete_plan())
    assert [w.rule for w in plans.assess(svc, actor(trust.manager), plan.id).warnings] == ["team_plan_first"]
    plans.agree_team_plan(svc, actor(trust.amd), team_plan.id)
    assert plans.assess(svc, actor(trust.manager), plan.id).findings == []


def test_team_plan_is_drafted_only_by_its_planners_002_7_4(svc, trust):
    with pytest.raises(PermissionDenied):
        plans.create_team_plan(svc, actor(trust.outsider), trust.team.id, {}, policy_id="cpft-medical-2017")
    with pytest.raises(PermissionDenied):
        plans.create_team_plan(svc, actor(trust.other_amd), trust.team.id, {}, policy_id="cpft-medical-2017")


def test_team_capacity_roll_up_003(svc, trust):
    # a fresh team of 19: 7 full time (10 PAs, 2 SPA = 0.2 WTE each), 12 half time (5 PAs; eight with 1.5 SPA,
    # four with 1.0 SPA): 7 + 6 = 13 WTE, SPA 1.4 + 1.2 + 0.4 = 3.0 WTE, clinical 10.0 WTE
    from workflow.store.models import OrgUnit

    team = OrgUnit(kind="team", name="AHP Therapies", parent=trust.care_group)
    svc.session.add(team)
    svc.session.flush()
    people = []
    for i in range(19):
        kind = "full" if i < 7 else "half_a" if i < 15 else "half_b"
        p = Person(name=f"Therapist {i}", email=f"t{i}@example.org", staff_group="consultant", team=team,
                   manager=trust.manager, contracted_pas=10 if kind == "full" else 5, active=True)
        svc.session.add(p)
        people.append((p, kind))
    svc.session.commit()
    shapes = {"full": [("Monday", "DCC", 4), ("Tuesday", "DCC", 4), ("Wednesday", "SPA", 2)],
              "half_a": [("Monday", "DCC", 3.5), ("Tuesday", "SPA", 1.5)],
              "half_b": [("Monday", "DCC", 4), ("Tuesday", "SPA", 1)]}
    for p, kind in people:
        rows = [{"day": d, "start": "08:00", "end": "20:00", "location": "Clinic", "activity": c,
                 "category": c, "pas": n} for d, c, n in shapes[kind]]
        svc.create_job_plan(actor(trust.manager), p.id, {"schedule": rows})
    cap = plans.team_capacity(svc, actor(trust.amd), team.id)
    assert cap.staff == 19 and cap.wte == pytest.approx(13.0)
    assert cap.wte_by_category["SPA"] == pytest.approx(3.0) and cap.clinical_wte == pytest.approx(10.0)
    with pytest.raises(NotFound):
        plans.team_capacity(svc, actor(trust.other_amd), team.id)


def test_team_plan_edit_makes_a_new_version_and_capacity_report_lists_teams_003(svc, trust):
    from workflow.service.reports.capacity import capacity_report

    tp = plans.create_team_plan(svc, actor(trust.manager), trust.team.id, {}, policy_id="cpft-medical-2017")
    v = plans.edit_team_plan(svc, actor(trust.manager), tp.id, {"other_comments": "SPA rota agreed"})
    assert v.number == 2 and v.content["other_comments"] == "SPA rota agreed"
    with pytest.raises(PermissionDenied):
        plans.edit_team_plan(svc, actor(trust.outsider), tp.id, {})
    svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(10, 2.5))
    rows = {(r["care_group"], r["team"]): r for r in capacity_report(svc, actor(trust.amd)).rows}
    adult = rows[("Mental Health", "Adult")]
    # the doctor's plan: 1.0 WTE, 0.25 SPA; md, amd, manager and colleague have no plan (10 PAs = 1.0 WTE each)
    assert adult["staff"] == 5 and adult["wte"] == pytest.approx(5.0) and adult["without_plan"] == 4
    assert adult["wte_SPA"] == pytest.approx(0.25) and adult["dcc_ratio"] == pytest.approx(0.75)
    assert ("Community", "District") not in rows


def test_assessment_as_plain_data(svc, trust):
    import json

    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(10, 1.0))
    data = plans.assess(svc, actor(trust.doctor), plan.id).as_dict()
    json.dumps(data)
    assert data["complete"] is False and data["totals"]["pas"]["SPA"] == 1.0 and data["totals"]["dcc_spa_ratio"] == 9.0
    assert {f["rule"] for f in data["findings"] if f["severity"] == "blocker"} == {"spa_minimum"}
    with pytest.raises(NotFound):
        plans.assess(svc, actor(trust.outsider), plan.id)


def test_edit_job_plan_is_the_one_door_and_hides_a_plan_the_caller_may_not_see_issue_14_item_8(svc, trust):
    """The page and the API both call ``svc.edit_job_plan``: someone who may not see the plan learns nothing
    about it (not found, as ``get_plan`` answers), rather than being told who may edit it."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    with pytest.raises(NotFound):
        svc.edit_job_plan(actor(trust.outsider), plan.id, complete_plan())
    assert not hasattr(plans, "edit_plan") and not hasattr(plans, "create_plan")
