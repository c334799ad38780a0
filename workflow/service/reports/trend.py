"""The compliance trend by month: for each of the last months, the share of staff whose plan had been approved
in the 12 months up to that month's end (for the current month, up to now), against the target of more than
90% (002 7.6.9 monitoring; 004 "Use of Data and Dashboards"). The same rule as the compliance report
(``compliance.compliant_people``), asked at each month's end over one read of the approvals.

The staff counted are those in scope now: someone who left during the year is not in the earlier months
either, so a month's share is the share of today's staff, as the dashboard reads it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from workflow.actors import Actor
from workflow.service.report_scope import report_scope
from workflow.service.reports.common import approvals, staff_in_scope
from workflow.service.reports.compliance import CAL, TARGET, compliant_people
from workflow.service.reports.table import Report
from workflow.timing.calendar import add_months

COLUMNS = [("month", "Month"), ("as_of", "Counted at the end of"), ("staff", "Staff"),
           ("compliant", "Approved in the 12 months before"), ("share", "Share"), ("target", "Target"),
           ("meets_target", "Meets target")]

MONTHS = 12


def month_ends(as_of: datetime, months: int = MONTHS) -> list[tuple[date, datetime]]:
    """(first day of the month, the instant it is counted at), oldest first: each past month at the last
    moment of its last local day, the current month at ``as_of``."""
    today = CAL.local_date(as_of)
    first = today.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        start = add_months(first, -back)
        end = CAL.start_of_day(add_months(start, 1)) - timedelta(microseconds=1)
        out.append((start, min(end, as_of)))
    return out


def compliance_trend(svc, actor: Actor, *, months: int = MONTHS, as_of: datetime | None = None,
                     target: float = TARGET) -> Report:
    """One row per month, oldest first."""
    scope = report_scope(svc.session, actor)
    as_of = as_of or svc.clock.now()
    staff = staff_in_scope(svc, scope)
    offs = approvals(svc)
    rows = []
    for start, at in month_ends(as_of, months):
        ok = compliant_people(svc, staff, at, offs)
        n, k = len(staff), len(ok)
        share = k / n if n else None
        rows.append({"month": f"{start:%B %Y}", "as_of": CAL.local_date(at), "staff": n, "compliant": k,
                     "share": share, "target": target,
                     "meets_target": None if share is None else share > target + 1e-12})
    return Report("compliance_trend", "Compliance by month", COLUMNS, rows,
                  notes=[f"At the end of each month (this month: today), the share of today's staff whose plan "
                         f"had been approved in the 12 months before; target more than {target:.0%} "
                         f"(Policy 7.6.9)."])
