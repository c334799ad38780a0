"""Compliance: the share of staff whose plan was approved in the last 12 months (rolling), by care group,
team and staff group, against the target of more than 90% (002 7.6.9, 10; 004 KPIs: "an active e-job plan
is one reviewed and approved in the past 12 months ... more than 90%"), and the quarterly completion report
(002 7.6.9, 10).

A person counts as compliant at an instant when their most recent approval (the step that made a version
the agreed plan: accepted at governance, approved at the second level, or a decided version adopted) lies
within the 12 months up to that instant, counted in trust-local calendar days (the same day 12 months
earlier). Signatures alone do not count: a version the governance check returned was signed, not approved.
"More than 90%" is strict: 9 of 10 does not meet it.

004's third KPI, "% variance between planned and delivered hours", is not reported: the service holds
planned hours only, with no record of hours delivered (no e-rostering or activity feed), so any figure
would be invented. The report says so in its notes."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import case as when, func, select

from workflow.content.document import long_date
from workflow.store.models import OrgUnit, Person
from workflow.actors import Actor
from workflow.timing.calendar import TrustCalendar, add_months
from workflow.service.report_scope import report_scope
from workflow.service.reports.common import approvals, approved_between, latest_sign_off, staff_in_scope
from workflow.service.reports.table import Report

TARGET = 0.90  # 004 "Use of Data and Dashboards": more than 90% of staff with an active plan
CAL = TrustCalendar()


def window_start(as_of: datetime) -> datetime:
    """Local midnight starting the day 12 calendar months before ``as_of``'s local date."""
    return CAL.start_of_day(add_months(CAL.local_date(as_of), -12))


def compliant_people(svc, staff, as_of: datetime, offs=None) -> dict[int, datetime]:
    offs = approvals(svc) if offs is None else offs
    latest = latest_sign_off(offs, as_of)
    since = window_start(as_of)
    ids = {s.person.id for s in staff}
    return {pid: s.at for pid, s in latest.items() if pid in ids and s.at >= since}


def _row(dimension: str, group: str, staff: int, compliant: int, target: float) -> dict:
    share = compliant / staff if staff else None
    return {"dimension": dimension, "group": group, "staff": staff, "compliant": compliant,
            "not_compliant": staff - compliant, "share": share, "target": target,
            "meets_target": None if share is None else share > target + 1e-12,  # "more than 90%" (004 KPI)
            "to_reach_target": 0 if not staff else max(0, min(staff, math.floor(target * staff + 1e-9) + 1) - compliant)}


COLUMNS = [("dimension", "By"), ("group", "Group"), ("staff", "Staff"), ("compliant", "Approved in last 12 months"),
           ("not_compliant", "Not approved"), ("share", "Share"), ("target", "Target"),
           ("meets_target", "Meets target"), ("to_reach_target", "More needed to reach target")]


def compliance_report(svc, actor: Actor, *, as_of: datetime | None = None, target: float = TARGET) -> Report:
    """The dashboard's compliance table: staff and those approved in the 12 months, counted in SQL per team and
    staff group (one GROUP BY; no person or approval is loaded), then summed per care group, team and staff
    group here from those few rows."""
    scope = report_scope(svc.session, actor)
    as_of = as_of or svc.clock.now()
    counts = compliance_counts(svc, scope, as_of)
    rows = [_row("trust" if scope is None else "scope", "All staff in scope", sum(n for *_, n, _ in counts),
                 sum(k for *_, k in counts), target)]
    for dim, key in (("care_group", lambda g, t, sg: g), ("team", lambda g, t, sg: f"{g} / {t}"),
                     ("staff_group", lambda g, t, sg: sg)):
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for group, team, staff_group, n, k in counts:
            c = totals[key(group, team, staff_group)]
            c[0] += n
            c[1] += k
        rows += [_row(dim, g, n, k, target) for g, (n, k) in sorted(totals.items())]
    return Report("compliance", f"Job plans approved in the 12 months to "
                                f"{long_date(CAL.local_date(as_of))}", COLUMNS, rows,
                  notes=[f"Rolling 12 months from {long_date(CAL.local_date(window_start(as_of)))}; "
                         f"target more than {target:.0%} (Policy 7.6.9 and 10; the AfC policy's KPIs).",
                         "Planned against delivered hours (the AfC policy's KPI) is not reported: no delivered hours are recorded."])


def compliance_counts(svc, scope, as_of: datetime) -> list[tuple[str, str, str, int, int]]:
    """(care group, team, staff group, staff, approved in the 12 months to ``as_of``) for the staff in scope:
    one aggregate over people, grouped by team and staff group. A person is approved when an approval of their
    individual plan (``common.approved_between``) lies in the window: the same as their latest approval up to
    ``as_of`` lying in it. Teams are named from the trust's units (one query, as long as the organisation)."""
    groups = sorted({g for p in svc.policies.all() for g in p.staff_groups})
    ok = Person.id.in_(approved_between(svc, window_start(as_of), as_of))
    grouped = svc.session.execute(
        select(Person.team_id, Person.staff_group, func.count(), func.count(when((ok, 1))))
        .where(Person.active.is_(True), Person.staff_group.in_(groups))
        .group_by(Person.team_id, Person.staff_group)).all()
    units = {u.id: u for u in svc.session.execute(select(OrgUnit.id, OrgUnit.kind, OrgUnit.name, OrgUnit.parent_id))}

    def care_group(unit_id):
        seen = set()
        while unit_id is not None and unit_id not in seen and units[unit_id].kind != "care_group":
            seen.add(unit_id)
            unit_id = units[unit_id].parent_id
        return units[unit_id] if unit_id is not None and unit_id not in seen else None

    out = []
    for team_id, staff_group, n, k in grouped:
        cg = care_group(team_id)
        if scope is not None and (cg is None or cg.id not in scope):
            continue
        out.append((cg.name if cg else "(no care group)", units[team_id].name if team_id else "(no team)",
                    staff_group, n, k))
    return out


def quarters(financial_year: int) -> list[tuple[str, date, date]]:
    """The four quarters of the NHS financial year starting 1 April ``financial_year``."""
    out = []
    for q in range(4):
        start = add_months(date(financial_year, 4, 1), 3 * q)
        end = add_months(start, 3)
        out.append((f"{financial_year}/{(financial_year + 1) % 100:02d} Q{q + 1}", start, end))
    return out


QUARTER_COLUMNS = [("quarter", "Quarter"), ("from", "From"), ("to", "To"), ("care_group", "Care group"),
                   ("staff", "Staff"), ("signed_off_in_quarter", "Plans approved in the quarter"),
                   ("compliant_at_end", "Approved in the 12 months to the quarter's end"), ("share", "Share"),
                   ("target", "Target"), ("meets_target", "Meets target")]


def quarterly_completion(svc, actor: Actor, financial_year: int, *, target: float = TARGET) -> Report:
    """Per quarter and care group (and the whole scope): plans approved in the quarter,
    and the compliance share at the quarter's end (002 7.6.9: quarterly completion reports)."""
    scope = report_scope(svc.session, actor)
    staff = staff_in_scope(svc, scope)
    offs = approvals(svc)
    group_of = {s.person.id: s.care_group for s in staff}
    groups = sorted(set(group_of.values()))
    rows = []
    for label, start, end in quarters(financial_year):
        q_start, q_end = CAL.start_of_day(start), CAL.start_of_day(end)
        ok = compliant_people(svc, staff, q_end - _EPS, offs)
        done = [s for s in offs if q_start <= s.at < q_end and s.person_id in group_of]
        for g in ["(all)"] + groups:
            members = [pid for pid, cg in group_of.items() if g == "(all)" or cg == g]
            n = len(members)
            k = sum(1 for pid in members if pid in ok)
            rows.append({"quarter": label, "from": start, "to": end - _DAY, "care_group": g, "staff": n,
                         "signed_off_in_quarter": sum(1 for s in done if g == "(all)" or group_of[s.person_id] == g),
                         "compliant_at_end": k, "share": k / n if n else None, "target": target,
                         "meets_target": (k / n > target + 1e-12) if n else None})
    return Report("quarterly_completion", f"Job plan completion by quarter, {financial_year}/{financial_year + 1}",
                  QUARTER_COLUMNS, rows)


_EPS = timedelta(microseconds=1)
_DAY = timedelta(days=1)
