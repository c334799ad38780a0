"""The compliance trend by month (issue 18 item 13; 002 7.6.9 monitoring, 004 KPIs): at each month's end, the
share of staff whose plan was approved in the 12 months before, by the compliance report's own rule."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.conftest import actor
from tests.integration.test_reports import AS_OF, _approve, _seed
from workflow.errors import PermissionDenied
from workflow.service.reports import compliance, trend
from workflow.store.models import JobPlan

UTC = timezone.utc


def test_7_6_9_trend_has_one_row_per_month_oldest_first_ending_with_the_current_month(svc, trust):
    report = trend.compliance_trend(svc, actor(trust.directorate), as_of=AS_OF)
    assert [r["month"] for r in report.rows] == [
        "April 2026", "May 2026", "June 2026", "July 2026", "August 2026", "September 2026", "October 2026",
        "November 2026", "December 2026", "January 2027", "February 2027", "March 2027"]
    assert report.rows[-1]["as_of"].isoformat() == "2027-03-01"  # this month: today
    assert report.rows[-2]["as_of"].isoformat() == "2027-02-28"


def test_7_6_9_each_month_agrees_with_the_compliance_report_asked_at_that_months_end(svc, trust):
    _seed(svc, trust)
    rows = trend.compliance_trend(svc, actor(trust.directorate), as_of=AS_OF).rows
    staff = compliance.staff_in_scope(svc, None)
    shares = set()
    for (start, at), row in zip(trend.month_ends(AS_OF), rows, strict=True):
        ok = compliance.compliant_people(svc, staff, at)
        assert (row["staff"], row["compliant"]) == (len(staff), len(ok)), row["month"]
        assert row["share"] == pytest.approx(len(ok) / len(staff))
        assert row["meets_target"] == (len(ok) / len(staff) > 0.9)
        shares.add(row["compliant"])
    assert len(shares) > 1  # the seed moves the line: the months differ
    assert rows[-1]["compliant"] == compliance.compliance_report(svc, actor(trust.directorate), as_of=AS_OF).rows[0]["compliant"]


def test_004_kpi_an_approval_counts_from_its_month_and_drops_out_twelve_months_later(svc, trust):
    plan = JobPlan(kind="individual", person_id=trust.doctor.id, policy_id="cpft-medical-2017", current_version=1,
                   created_at=AS_OF)
    svc.session.add(plan)
    svc.session.flush()
    _approve(svc.session, plan, trust.doctor.id, datetime(2026, 2, 10, 12, 0, tzinfo=UTC))
    svc.session.commit()
    rows = trend.compliance_trend(svc, actor(trust.directorate), months=15, as_of=AS_OF).rows
    by_month = {r["month"]: r["compliant"] for r in rows}
    assert by_month["January 2026"] == 0
    assert by_month["February 2026"] == by_month["January 2027"] == 1
    assert by_month["February 2027"] == 0  # 12 months after 10 February 2026 had passed by 28 February 2027


def test_002_5_3_the_trend_is_scoped_like_the_compliance_report_and_refused_to_a_practitioner(svc, trust):
    _seed(svc, trust, n=10)
    amd = trend.compliance_trend(svc, actor(trust.amd), as_of=AS_OF).rows[-1]
    assert amd["staff"] == compliance.compliance_report(svc, actor(trust.amd), as_of=AS_OF).rows[0]["staff"]
    with pytest.raises(PermissionDenied):
        trend.compliance_trend(svc, actor(trust.doctor), as_of=AS_OF)
