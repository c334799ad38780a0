from datetime import date

import pytest

from tests.factories import complete_plan
from workflow.content.calculations import compare_totals, plan_totals, row_hours, team_capacity
from workflow.content.schema import normalise_content


def _row(category, pas=None, hours=None, start="09:00", end="13:00", weeks="every", direct=False):
    return {"day": "Monday", "start": start, "end": end, "location": "A", "activity": "x", "category": category,
            "pas": pas, "hours": hours, "weeks": weeks, "direct_contact": direct}


def test_one_pa_is_four_hours_002_7_1():
    assert row_hours(_row("DCC", pas=1), 4.0) == 4.0
    assert row_hours(_row("DCC", start="09:00", end="11:00"), 4.0) == 2.0
    assert row_hours(_row("DCC", hours=3), 4.0) == 3.0
    assert row_hours(_row("DCC", pas=1, weeks="alternate"), 4.0) == 2.0


def test_ten_pa_consultant_totals_by_category_and_dcc_spa_ratio_002_7_2_1():
    t = plan_totals(normalise_content(complete_plan(10, 2.5)), contracted_pas=10)
    assert t.pas == {"DCC": 7.5, "SPA": 2.5, "ANR": 0.0, "ED": 0.0}
    assert t.total_pas == 10 and t.total_hours == 40
    assert t.difference_hours == 0
    assert t.dcc_spa_ratio == 3.0
    assert t.wte == 1.0


def test_pro_rata_plan_wte_and_unaccounted_time_002_7_1():
    t = plan_totals(normalise_content(complete_plan(6, 1.5)), contracted_pas=8)
    assert t.wte == pytest.approx(0.8)
    assert t.difference_hours == -8  # 2 PAs of contracted time not in the plan


def test_additional_pas_in_force_count_as_contracted_time_002_7_2_2():
    content = normalise_content(complete_plan(11, 2.5, additional_pas=[
        {"pas": 1, "reason": "Waiting list", "start": "2027-04-01", "end": "2028-03-31", "agreed_by_amd": True}]))
    t = plan_totals(content, contracted_pas=10, on=date(2027, 6, 1))
    assert t.additional_pas == 1 and t.contracted_pas == 11 and t.difference_hours == 0
    assert plan_totals(content, contracted_pas=10, on=date(2028, 6, 1)).difference_hours == 4


def test_annualised_and_on_call_time_is_counted():
    content = {"annualised": [{"activity": "Audit day", "category": "SPA", "hours_per_year": 84}],
               "on_call": [{"rota": "R", "frequency": "1 in 6", "on_call_category": "A", "pas": 1}]}
    t = plan_totals(content, weeks_per_year=42)
    assert t.hours["SPA"] == 2.0 and t.hours["DCC"] == 4.0


def test_004_example_of_consistency_approach_37_5_hours():
    """004 "Example of consistency approach": contracted 37.5 h, plan 37.5 h, difference 0.0, DCC 31.7 h of
    which direct contact 18.6 h, SPA 5.8 h, other 0.0 h."""
    content = {"schedule": [_row("DCC", hours=18.6, direct=True), _row("DCC", hours=13.1), _row("SPA", hours=5.8)]}
    t = plan_totals(content, contracted_hours=37.5, full_time_hours=37.5)
    assert round(t.contracted_hours, 1) == 37.5 and round(t.total_hours, 1) == 37.5
    assert round(t.difference_hours, 1) == 0.0
    assert round(t.hours["DCC"], 1) == 31.7 and round(t.direct_contact_hours, 1) == 18.6
    assert round(t.hours["SPA"], 1) == 5.8 and t.other_hours == 0.0
    assert t.wte == 1.0
    assert t.split() == pytest.approx({"DCC": 31.7 / 37.5, "SPA": 5.8 / 37.5, "other": 0.0})


def test_003_capacity_example_19_staff_13_wte_3_spa_10_clinical():
    """003: 19 staff, many part time, = 13 WTE; 3.0 WTE of it SPA, so 10.0 WTE clinical."""
    full = {"schedule": [_row("DCC", hours=30.0), _row("SPA", hours=7.5)]}  # 1.0 WTE, 0.2 of it SPA
    half = {"schedule": [_row("DCC", hours=13.75), _row("SPA", hours=5.0)]}  # 0.5 WTE, 5 h SPA
    members = [plan_totals(full, contracted_hours=37.5, full_time_hours=37.5) for _ in range(7)]
    members += [plan_totals(half, contracted_hours=18.75, full_time_hours=37.5) for _ in range(12)]
    cap = team_capacity(members)
    assert cap.staff == 19
    assert cap.wte == pytest.approx(13.0)
    assert cap.wte_by_category["SPA"] == pytest.approx(3.0)
    assert cap.clinical_wte == pytest.approx(10.0)


def test_difference_from_previous_agreed_plan_per_category():
    prev = plan_totals(normalise_content(complete_plan(10, 1.5)), contracted_pas=10)
    cur = plan_totals(normalise_content(complete_plan(10, 2.5)), contracted_pas=10)
    rows = {r["category"]: r for r in compare_totals(cur, prev)}
    assert rows["SPA"]["change_pas"] == 1.0 and rows["DCC"]["change_pas"] == -1.0
    assert rows["total"]["change_hours"] == 0
    assert compare_totals(cur, None)[0]["change_pas"] is None
