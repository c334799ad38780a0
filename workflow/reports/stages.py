"""Time spent in each stage, and the counts the dashboard shows: overdue deadlines, open mediations and
appeals (issue 7 dashboard; 002 7.6.9 monitoring)."""
from __future__ import annotations

from collections import defaultdict
from statistics import median

from sqlalchemy import func, select

from ..actors import Actor
from ..models import Case, Deadline, Event
from .access import report_scope, care_group_of
from .table import Report
from ..policy.tags import APPEAL, MEDIATION
from ..service.tagged import case_is

COLUMNS = [("workflow", "Process"), ("stage", "Stage"), ("cases", "Cases that passed through"),
           ("median_days", "Median days"), ("longest_days", "Longest days"), ("open_now", "Open now")]


def _cases_in_scope(svc, scope) -> list[Case]:
    cases = list(svc.session.scalars(select(Case)))
    if scope is None:
        return cases
    return [c for c in cases if (g := care_group_of(c.subject)) is not None and g.id in scope]


def stage_times(svc, actor: Actor) -> Report:
    """For each workflow and state: how long cases stayed there (entered → left, or → now if still there)."""
    scope = report_scope(svc.session, actor)
    now = svc.clock.now()
    cases = {c.id: c for c in _cases_in_scope(svc, scope)}
    spans: dict[tuple[str, str], list[float]] = defaultdict(list)
    open_now: dict[tuple[str, str], int] = defaultdict(int)
    entered: dict[int, tuple[str, object]] = {}
    events = svc.session.scalars(select(Event).where(Event.kind.in_(("opened", "transition")))
                                 .order_by(Event.case_id, Event.seq))
    for e in events:
        case = cases.get(e.case_id)
        if case is None or e.to_state is None:
            continue
        prev = entered.get(e.case_id)
        if prev is not None and prev[0] != e.to_state:
            spans[(case.workflow, prev[0])].append((e.at - prev[1]).total_seconds() / 86400)
        if prev is None or prev[0] != e.to_state:
            entered[e.case_id] = (e.to_state, e.at)
    for cid, (state, at) in entered.items():
        case = cases[cid]
        if case.closed_at is None:
            spans[(case.workflow, state)].append((now - at).total_seconds() / 86400)
            open_now[(case.workflow, state)] += 1
    rows = []
    for (workflow, state), days in sorted(spans.items()):
        policy = None
        title = state
        sample = next(c for c in cases.values() if c.workflow == workflow)
        policy = svc.policy_of(sample)
        try:
            title = policy.workflow(workflow).state(state).title
            wf_title = policy.workflow(workflow).title
        except KeyError:
            wf_title = workflow
        rows.append({"workflow": wf_title, "stage": title, "cases": len(days),
                     "median_days": round(median(days), 1), "longest_days": round(max(days), 1),
                     "open_now": open_now[(workflow, state)]})
    return Report("stage_times", "Time spent in each stage", COLUMNS, rows,
                  notes=["Days from entering a stage to leaving it; for cases still there, to now."])


def headline_counts(svc, actor: Actor) -> dict:
    scope = report_scope(svc.session, actor)
    now = svc.clock.now()
    cases = [c for c in _cases_in_scope(svc, scope) if c.closed_at is None]
    ids = [c.id for c in cases]
    overdue = svc.session.scalar(select(func.count(Deadline.id)).where(
        Deadline.case_id.in_(ids), Deadline.status.in_(("open", "breached")), Deadline.due_at <= now)) if ids else 0
    return {"open_cases": len(cases), "overdue_deadlines": overdue,
            "open_mediations": sum(1 for c in cases if case_is(svc.policy_of(c), c, MEDIATION)),
            "open_appeals": sum(1 for c in cases if case_is(svc.policy_of(c), c, APPEAL))}
