import csv
import io
import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.errors import ConditionFailed, InvalidPayload, PermissionDenied
from workflow.store import rows as store_rows
from workflow.store.models import JobPlan, JobPlanVersion, OrgUnit, OutboxMessage, Person, Signature
from workflow.service.reports import audit, compliance, consistency, letters, master_log, risks
from workflow.service.reports.export import to_csv, to_xlsx

UTC = timezone.utc
AS_OF = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # the clock fixture
WINDOW_START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 1 March 2026, local midnight (GMT)


def _approve(s, plan: JobPlan, person_id: int, at: datetime, trigger: str = "accept_governance_check") -> None:
    """The plan approved at ``at``: its sign-off case reached the governance check's acceptance (002 7.6.5),
    as the audit log records it."""
    case = store_rows.insert_case(s, workflow="sign_off", policy_id="cpft-medical-2017", policy_version=1,
                                  state="agreed", subject_id=person_id, job_plan_id=plan.id, data={}, opened_at=at,
                                  updated_at=at)
    store_rows.append_event(s.connection(), case.id, at=at, kind="transition", actor_role="medical_directorate",
                            trigger=trigger, from_state="governance_check", to_state="agreed", payload={})


def _seed(svc, trust, n=40, seed=7):
    """A trust of ``n`` extra practitioners with plans signed (by both, by one, or not) at random instants in
    the 30 months before the clock, a few after it; a plan signed by both is approved at the governance check
    a few days later, or returned there (signed, never approved). Returns the approval spec for checking."""
    rnd = random.Random(seed)
    s = svc.session
    third = OrgUnit(kind="team", name="Older Adults", parent=trust.care_group)
    s.add(third)
    s.flush()
    teams = [trust.team, trust.other_team, third]
    spec = {}
    for i in range(n):
        p = Person(name=f"Seeded {i:02d}", email=f"seed{i}@example.org", team=rnd.choice(teams),
                   staff_group=rnd.choice(["consultant", "specialty_doctor"]), manager=trust.manager,
                   contracted_pas=10, active=True)
        s.add(p)
        s.flush()
        spec[p.id] = []
        for k in range(rnd.randint(0, 2)):
            plan = JobPlan(kind="individual", person_id=p.id, policy_id="cpft-medical-2017", current_version=1,
                           created_at=AS_OF - timedelta(days=900))
            s.add(plan)
            s.flush()
            v = JobPlanVersion(job_plan_id=plan.id, number=1, content=complete_plan(), created_at=plan.created_at)
            s.add(v)
            s.flush()
            a = AS_OF - timedelta(days=rnd.randint(-40, 900), hours=rnd.randint(0, 23))
            b = a + timedelta(days=rnd.randint(0, 20))
            pattern = rnd.choice(["both", "both", "both", "returned", "practitioner", "none"])
            if pattern in ("both", "returned", "practitioner"):
                s.add(Signature(version_id=v.id, person_id=p.id, role="practitioner", signed_at=a))
            if pattern in ("both", "returned"):
                s.add(Signature(version_id=v.id, person_id=trust.manager.id, role="clinical_manager", signed_at=b))
            if pattern == "both":
                approved = max(a, b) + timedelta(days=rnd.randint(0, 5))
                _approve(s, plan, p.id, approved)
                spec[p.id].append(approved)
    s.commit()
    return spec


def _expected(svc, spec, as_of=AS_OF, since=WINDOW_START):
    people = svc.session.scalars(select(Person).where(Person.active.is_(True), Person.staff_group.is_not(None))).all()
    ok = {}
    for p in people:
        done = [t for t in spec.get(p.id, []) if t <= as_of]
        ok[p.id] = bool(done) and max(done) >= since
    return people, ok


def test_compliance_by_care_group_team_and_staff_group_against_90_percent_002_10_004_kpi(svc, trust):
    spec = _seed(svc, trust)
    report = compliance.compliance_report(svc, actor(trust.directorate))
    people, ok = _expected(svc, spec)
    assert sum(ok.values()) > 0 and not all(ok.values())  # the seed exercises both outcomes
    rows = {(r["dimension"], r["group"]): r for r in report.rows}
    trust_row = rows[("trust", "All staff in scope")]
    assert (trust_row["staff"], trust_row["compliant"]) == (len(people), sum(ok.values()))
    groups = defaultdict(lambda: [0, 0])
    for p in people:
        cg = p.team.parent.name
        for key in (("care_group", cg), ("team", f"{cg} / {p.team.name}"), ("staff_group", p.staff_group)):
            groups[key][0] += 1
            groups[key][1] += ok[p.id]
    assert {k: (r["staff"], r["compliant"]) for k, r in rows.items() if k[0] != "trust"} == \
        {k: tuple(v) for k, v in groups.items()}
    for r in report.rows:
        assert r["share"] == pytest.approx(r["compliant"] / r["staff"])
        assert r["target"] == 0.9 and r["meets_target"] == (r["compliant"] / r["staff"] > 0.9)


def test_compliance_is_rolling_12_months_an_approval_drops_out_after_a_year_004_kpi(svc, trust):
    plan = JobPlan(kind="individual", person_id=trust.doctor.id, policy_id="cpft-medical-2017", current_version=1,
                   created_at=AS_OF)
    svc.session.add(plan)
    svc.session.flush()
    _approve(svc.session, plan, trust.doctor.id, datetime(2026, 3, 1, 0, 30, tzinfo=UTC))
    svc.session.commit()

    def doctor_ok(as_of):
        ok = compliance.compliant_people(svc, compliance.staff_in_scope(svc, None), as_of)
        return trust.doctor.id in ok

    assert doctor_ok(AS_OF)  # 12 months to the day
    assert not doctor_ok(datetime(2027, 3, 2, 9, 0, tzinfo=UTC))
    assert not doctor_ok(datetime(2026, 2, 28, 9, 0, tzinfo=UTC))  # not yet approved


def test_amd_sees_only_their_care_group_and_others_are_refused_002_5_3(svc, trust):
    _seed(svc, trust, n=10)
    rows = compliance.compliance_report(svc, actor(trust.amd)).rows
    assert {r["group"] for r in rows if r["dimension"] == "care_group"} == {"Mental Health"}
    with pytest.raises(PermissionDenied):
        compliance.compliance_report(svc, actor(trust.doctor))


def test_quarterly_completion_counts_sign_offs_per_quarter_002_7_6_9(svc, trust):
    spec = _seed(svc, trust)
    report = compliance.quarterly_completion(svc, actor(trust.directorate), 2026)
    bounds = [(datetime(2026, 3, 31, 23, tzinfo=UTC), datetime(2026, 6, 30, 23, tzinfo=UTC)),  # BST
              (datetime(2026, 6, 30, 23, tzinfo=UTC), datetime(2026, 9, 30, 23, tzinfo=UTC)),
              (datetime(2026, 9, 30, 23, tzinfo=UTC), datetime(2027, 1, 1, 0, tzinfo=UTC)),
              (datetime(2027, 1, 1, 0, tzinfo=UTC), datetime(2027, 3, 31, 23, tzinfo=UTC))]
    alls = [r for r in report.rows if r["care_group"] == "(all)"]
    assert [r["quarter"] for r in alls] == ["2026/27 Q1", "2026/27 Q2", "2026/27 Q3", "2026/27 Q4"]
    assert sum(r["signed_off_in_quarter"] for r in alls) > 0
    for row, (start, end) in zip(alls, bounds):
        assert row["signed_off_in_quarter"] == sum(1 for ts in spec.values() for t in ts if start <= t < end)
    people, ok = _expected(svc, spec, as_of=datetime(2026, 6, 30, 22, 59, tzinfo=UTC),
                           since=datetime(2025, 6, 30, 23, tzinfo=UTC))
    assert alls[0]["compliant_at_end"] == sum(ok.values())


def _agreed_plans(svc, trust, count, when):
    ids = []
    for i in range(count):
        plan = JobPlan(kind="individual", person_id=trust.doctor.id, policy_id="cpft-medical-2017", current_version=1,
                       agreed_version=1, agreed_at=when + timedelta(days=i), created_at=when)
        svc.session.add(plan)
        svc.session.flush()
        svc.session.add(JobPlanVersion(job_plan_id=plan.id, number=1, content=complete_plan(), created_at=when))
        ids.append(plan.id)
    svc.session.commit()
    return ids


def test_audit_sample_is_10_percent_and_reproducible_from_its_seed_002_10(svc, trust):
    in_year = _agreed_plans(svc, trust, 23, datetime(2026, 5, 1, tzinfo=UTC))
    _agreed_plans(svc, trust, 5, datetime(2025, 5, 1, tzinfo=UTC))  # another year
    a = audit.draw_audit_sample(svc, actor(trust.directorate), 2026, seed=12345)
    assert a.population == in_year and len(a.sample) == 3 and set(a.sample) <= set(in_year)
    b = audit.draw_audit_sample(svc, actor(trust.directorate), 2026, seed=12345)
    assert b.sample == a.sample
    assert audit.redraw(svc, a.id) == a.sample
    others = {tuple(audit.draw(in_year, 0.1, str(k))) for k in range(20)}
    assert len(others) > 1  # the seed matters
    c = audit.draw_audit_sample(svc, actor(trust.directorate), 2026)  # seed chosen and recorded
    assert c.seed and audit.redraw(svc, c.id) == c.sample
    rows = audit.audit_sample_report(svc, actor(trust.directorate), a.id).rows
    assert [r["plan_id"] for r in rows] == a.sample
    with pytest.raises(PermissionDenied):
        audit.draw_audit_sample(svc, actor(trust.amd), 2026)


def test_consistency_flags_plans_outside_5_percent_of_agreed_split_004_consistency_panel(svc, trust):
    lead = actor(trust.directorate)
    consistency.set_agreed_split(svc, lead, "Consultant Psychiatrist", None, dcc=0.75, spa=0.25, other=0.0)
    within = _agreed_plans(svc, trust, 1, datetime(2026, 5, 1, tzinfo=UTC))[0]
    colleague_plan = JobPlan(kind="individual", person_id=trust.colleague.id, policy_id="cpft-medical-2017",
                             current_version=1, agreed_version=1, agreed_at=AS_OF, created_at=AS_OF)
    svc.session.add(colleague_plan)
    svc.session.flush()
    svc.session.add(JobPlanVersion(job_plan_id=colleague_plan.id, number=1, content=complete_plan(10, 1.5),
                                   created_at=AS_OF))
    svc.session.commit()
    rows = {r["plan_id"]: r for r in consistency.consistency_report(svc, lead).rows}
    assert rows[within]["status"] == "within"
    out = rows[colleague_plan.id]
    assert out["status"] == "outside: to review" and out["largest_deviation"] == pytest.approx(0.10)
    with pytest.raises(InvalidPayload):
        consistency.record_variance(svc, lead, colleague_plan.id, warranted=False, reason="No reason given for less SPA")
    consistency.record_variance(svc, lead, colleague_plan.id, warranted=True, reason="Part of a clinical lead role")
    (row,) = consistency.consistency_report(svc, lead, outside_only=True).rows
    assert row["status"] == "outside: warranted" and row["variance_reason"] == "Part of a clinical lead role"
    with pytest.raises(PermissionDenied):
        consistency.record_variance(svc, actor(trust.amd), colleague_plan.id, warranted=True, reason="x")


def test_consistency_row_matches_004_example_37_5_hours(svc, trust):
    rows = [{"day": d, "start": "08:00", "end": "20:00", "location": "Community", "activity": a, "category": c,
             "hours": h, "direct_contact": dc}
            for d, a, c, h, dc in (("Monday", "Home visits", "DCC", 9.3, True), ("Tuesday", "Home visits", "DCC", 9.3, True),
                                   ("Wednesday", "Notes and triage", "DCC", 13.1, False), ("Thursday", "CPD", "SPA", 5.8, False))]
    plan = JobPlan(kind="individual", person_id=trust.doctor.id, policy_id="cpft-medical-2017", current_version=1,
                   agreed_version=1, agreed_at=AS_OF, created_at=AS_OF)
    svc.session.add(plan)
    svc.session.flush()
    svc.session.add(JobPlanVersion(job_plan_id=plan.id, number=1, created_at=AS_OF, content={
        "post": {"job_title": "Community nurse", "band": "6", "contracted_hours": 37.5}, "schedule": rows}))
    svc.session.commit()
    (r,) = consistency.consistency_report(svc, actor(trust.directorate)).rows
    got = {k: round(r[k], 1) for k in ("contracted_hours", "plan_hours", "plan_vs_contracted", "dcc_hours",
                                       "direct_contact_hours", "spa_hours", "other_hours")}
    assert got == {"contracted_hours": 37.5, "plan_hours": 37.5, "plan_vs_contracted": 0.0, "dcc_hours": 31.7,
                   "direct_contact_hours": 18.6, "spa_hours": 5.8, "other_hours": 0.0}
    assert r["status"] == "no agreed split" and r["band"] == "6"


def test_risk_scoring_12_or_more_is_escalated_to_the_medical_directorate_002_7_10(svc, trust):
    high = risks.raise_risk(svc, actor(trust.amd), trust.care_group.id, title="No cover for SPA work",
                            description="Two vacancies", likelihood=3, impact=4)
    low = risks.raise_risk(svc, actor(trust.manager), trust.care_group.id, title="Late plans",
                           description="Q1 backlog", likelihood=3, impact=3)
    assert high.score == 12 and high.escalated_at is not None and low.escalated_at is None
    mail = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("risk:%"))).all()
    assert [(m.recipient_id, m.dedupe_key) for m in mail] == [(trust.directorate.id, f"risk:{high.id}:escalated:"
                                                                                    f"{trust.directorate.id}")]
    highlight = risks.risk_register(svc, actor(trust.directorate), escalated_only=True)
    assert [r["id"] for r in highlight.rows] == [high.id]
    assert [r["id"] for r in risks.risk_register(svc, actor(trust.directorate)).rows] == [high.id, low.id]
    assert risks.risk_register(svc, actor(trust.other_amd)).rows == []
    with pytest.raises(PermissionDenied):
        risks.raise_risk(svc, actor(trust.outsider), trust.care_group.id, title="x", description="y",
                         likelihood=5, impact=5)
    with pytest.raises(InvalidPayload):
        risks.raise_risk(svc, actor(trust.amd), trust.care_group.id, title="x", description="y", likelihood=6,
                         impact=1)


def _signed_off(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(11, 2.5, additional_pas=[
        {"pas": 1, "reason": "Waiting list <initiative>", "start": "2027-04-01", "end": "2028-03-31",
         "agreed_by_amd": True, "agreed_by": "AMD Mental Health"}]))
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(trust.doctor), case.id, "sign")
    svc.fire(actor(trust.manager), case.id, "sign")
    return plan, case


def test_master_log_lists_all_activity_per_person_and_care_group_002_7_6_8(svc, trust):
    plan, case = _signed_off(svc, trust)
    log = master_log.master_log(svc, actor(trust.directorate))
    acts = [(r["person"], r["activity"], r.get("detail")) for r in log.rows]
    assert ("Dr Practitioner", "plan version drafted", "first draft") in acts
    assert sum(1 for a in acts if a[1] == "plan signed") == 2
    assert ("Dr Practitioner", "transition", "record_meeting") in acts
    assert {r["care_group"] for r in log.rows} == {"Mental Health"}
    assert master_log.master_log(svc, actor(trust.other_amd)).rows == []
    summary = {r["person"]: r for r in master_log.master_log_summary(svc, actor(trust.amd)).rows}
    assert summary["Dr Practitioner"]["sign_off_state"] == "second_level_review"
    # signed by both but not yet through the second level and governance: not an approved plan (004 KPI)
    assert summary["Dr Practitioner"]["compliant"] is False and summary["Dr Colleague"]["plan_id"] is None
    svc.fire(actor(trust.amd), case.id, "approve_second_level")
    svc.fire(actor(trust.directorate), case.id, "accept_governance_check")
    summary = {r["person"]: r for r in master_log.master_log_summary(svc, actor(trust.amd)).rows}
    assert summary["Dr Practitioner"]["compliant"] is True
    with pytest.raises(PermissionDenied):
        master_log.master_log(svc, actor(trust.doctor))


def test_fixed_term_letter_for_additional_pas_002_appendix_1(svc, trust):
    plan, _ = _signed_off(svc, trust)
    letter = letters.additional_pas_letter(svc, actor(trust.manager), plan.id)
    assert letter.reference == f"JP/PA/{plan.id}-1-1"
    assert "Dear Dr Practitioner" in letter.text
    assert "Test Trust is pleased to offer 1 Additional Programmed Activities (APAs) for the period from " \
           "1 April 2027 to 31 March 2028" in letter.text
    assert "giving 3 months notice" in letter.text and "AMD Mental Health" in letter.text
    assert "Waiting list &lt;initiative&gt;" in letter.html and "<initiative>" not in letter.html
    with pytest.raises(ConditionFailed):
        letters.additional_pas_letter(svc, actor(trust.manager), plan.id, index=1)


def test_reports_export_as_valid_csv_and_xlsx(svc, trust):
    _seed(svc, trust, n=12)
    report = compliance.compliance_report(svc, actor(trust.directorate))
    parsed = list(csv.reader(io.StringIO(to_csv(report))))
    assert parsed[0] == [label for _, label in report.columns]
    assert len(parsed) == len(report.rows) + 1
    assert [int(x) for x in (parsed[1][2], parsed[1][3])] == [report.rows[0]["staff"], report.rows[0]["compliant"]]
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    ws = wb["compliance"]
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == [label for _, label in report.columns]
    assert len(values) == len(report.rows) + 1
    assert values[1][2] == report.rows[0]["staff"] and values[1][6] == 0.9
    assert "notes" in wb.sheetnames


def test_master_log_with_datetimes_exports_to_xlsx(svc, trust):
    _signed_off(svc, trust)
    report = master_log.master_log(svc, actor(trust.directorate))
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))["master_log"]
    first = list(ws.iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert isinstance(first[0], datetime) and first[3] == "Dr Practitioner"
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert rows[0]["When (UTC)"].startswith("2027-03-01T09:00:00")


def test_every_catalogued_report_renders_for_the_directorate(svc, trust):
    from workflow.service.reports.catalogue import REPORTS, render

    _signed_off(svc, trust)
    sample = audit.draw_audit_sample(svc, actor(trust.directorate), 2026, seed=1)
    params = {"quarterly_completion": {"financial_year": 2026}, "audit_sample": {"sample_id": sample.id}}
    for name, fn in REPORTS.items():
        report = fn(svc, actor(trust.directorate), **params.get(name, {}))
        body, media, filename = render(report, "csv")
        assert filename == f"{report.name}.csv" and media.startswith("text/csv")
        assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) == len(report.rows) + 1
        body, _, _ = render(report, "xlsx")
        assert openpyxl.load_workbook(io.BytesIO(body)).active.max_row == len(report.rows) + 1


def test_master_log_filters_by_person_and_care_group_002_7_6_8(svc, trust):
    _signed_off(svc, trust)
    lead = actor(trust.directorate)
    assert master_log.master_log(svc, lead, person_id=trust.colleague.id).rows == []
    assert master_log.master_log(svc, lead, care_group_id=trust.other_care_group.id).rows == []
    assert {r["person"] for r in master_log.master_log(svc, lead, care_group_id=trust.care_group.id).rows} == \
        {"Dr Practitioner"}


# ---- issue 16 item 19: compliance counts approved plans -----------------------------------------------------

def _doctor_compliant(svc, trust) -> bool:
    return trust.doctor.id in compliance.compliant_people(svc, compliance.staff_in_scope(svc, None), svc.clock.now())


def test_signatures_on_a_version_returned_at_governance_are_not_an_approved_plan_004_kpi_002_10(svc, trust):
    plan, case = _signed_off(svc, trust)
    svc.fire(actor(trust.amd), case.id, "approve_second_level")
    svc.fire(actor(trust.directorate), case.id, "return_to_signatories",
             {"return_reason": "section_missing_without_justification"}, reason="On-call section empty")
    assert not _doctor_compliant(svc, trust)  # both signed version 1, and it was returned
    row = compliance.compliance_report(svc, actor(trust.directorate)).rows[0]
    assert row["compliant"] == 0
    svc.edit_job_plan(actor(trust.manager), plan.id, complete_plan(11, 2.5, additional_pas=[
        {"pas": 1, "reason": "Waiting list", "start": "2027-04-01", "end": "2028-03-31", "agreed_by_amd": True}]))
    svc.fire(actor(trust.doctor), case.id, "sign")
    svc.fire(actor(trust.manager), case.id, "sign")
    assert not _doctor_compliant(svc, trust)  # signed again, not yet approved
    svc.fire(actor(trust.amd), case.id, "approve_second_level")
    svc.fire(actor(trust.directorate), case.id, "accept_governance_check")
    assert _doctor_compliant(svc, trust)
    assert compliance.compliance_report(svc, actor(trust.directorate)).rows[0]["compliant"] == 1


def test_a_plan_settled_by_a_decision_counts_as_approved_004_kpi_002_10_7_8_5(svc, trust, clock):
    from tests.integration.test_policy_cpft_medical import to_decision

    _, sign_off, dis, appeal = to_decision(svc, trust, clock)
    assert not _doctor_compliant(svc, trust)  # nobody has signed; the window to appeal is open
    svc.fire(actor(trust.doctor), appeal, "decline_appeal")
    assert _doctor_compliant(svc, trust)  # the decided version was adopted: an approved plan, no signatures


def test_more_than_90_percent_is_strict_9_of_10_does_not_meet_it_004_kpi():
    nine = compliance._row("trust", "all", 10, 9, 0.9)
    assert nine["share"] == pytest.approx(0.9) and nine["meets_target"] is False and nine["to_reach_target"] == 1
    ten = compliance._row("trust", "all", 10, 10, 0.9)
    assert ten["meets_target"] is True and ten["to_reach_target"] == 0
    assert compliance._row("trust", "all", 20, 19, 0.9)["meets_target"] is True  # 95%
    assert compliance._row("trust", "all", 0, 0, 0.9)["meets_target"] is None


def test_planned_against_delivered_is_said_not_reported_for_want_of_delivery_data_004_kpi(svc, trust):
    notes = " ".join(compliance.compliance_report(svc, actor(trust.directorate)).notes)
    assert "Planned against delivered hours (the AfC policy's KPI) is not reported: no delivered hours are recorded." in notes
    assert "more than 90%" in notes
