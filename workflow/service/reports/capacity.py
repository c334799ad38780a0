"""Capacity and the DCC ratio (003: staff, WTE and WTE by category per team; 004 KPIs: "ratio of planned
direct clinical care hours to total planned hours", by professional group)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from workflow.actors import Actor
from workflow.content.categories import CATEGORIES
from workflow.store.models import OrgUnit
from workflow.service.plans import team_capacity
from workflow.service.report_scope import report_scope
from workflow.service.reports.table import Report

COLUMNS = [("care_group", "Care group"), ("team", "Team"), ("staff", "Staff"), ("wte", "WTE"),
           *[(f"wte_{c}", f"{c} WTE") for c in CATEGORIES], ("dcc_ratio", "DCC share of planned time"),
           ("without_plan", "Staff without a plan")]


def capacity_report(svc, actor: Actor) -> Report:
    """One row per team in scope (and a total per care group)."""
    scope = report_scope(svc.session, actor)
    teams = svc.session.scalars(select(OrgUnit).where(OrgUnit.kind == "team").order_by(OrgUnit.name)).all()
    rows, totals = [], defaultdict(lambda: defaultdict(float))
    for team in teams:
        group = team.ancestor("care_group")
        if scope is not None and (group is None or group.id not in scope):
            continue
        cap = team_capacity(svc, actor, team.id)
        if not cap.staff:
            continue
        gname = group.name if group else "(no care group)"
        row = {"care_group": gname, "team": team.name, "staff": cap.staff, "wte": cap.wte,
               **{f"wte_{c}": w for c, w in cap.wte_by_category.items()},
               "dcc_ratio": cap.clinical_wte / (cap.wte - sum(cap.without_plan)) if cap.wte - sum(cap.without_plan)
               else None, "without_plan": len(cap.without_plan)}
        rows.append(row)
        for k in ("staff", "wte", "without_plan", *[f"wte_{c}" for c in CATEGORIES]):
            totals[gname][k] += row[k]
        totals[gname]["planned_wte"] += cap.wte - sum(cap.without_plan)
    for gname, t in sorted(totals.items()):
        rows.append({"care_group": gname, "team": "(all teams)", "staff": int(t["staff"]), "wte": t["wte"],
                     **{f"wte_{c}": t[f"wte_{c}"] for c in CATEGORIES},
                     "dcc_ratio": t["wte_DCC"] / t["planned_wte"] if t["planned_wte"] else None,
                     "without_plan": int(t["without_plan"])})
    rows.sort(key=lambda r: (r["care_group"], r["team"] == "(all teams)", r["team"]))
    return Report("capacity", "Team capacity in whole-time equivalents", COLUMNS, rows)
