"""Time spent in each stage, and the counts the dashboard shows: overdue deadlines, open mediations and
appeals (issue 7 dashboard; 002 7.6.9 monitoring)."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, case as when, func, or_, select

from workflow.actors import Actor
from workflow.store.models import Case, Deadline, Event
from workflow.store.deadline_rules import overdue_clause
from workflow.service.report_scope import case_in_scope, report_scope
from workflow.service.reports.table import Report
from workflow.policy.tags import APPEAL, MEDIATION
from workflow.service.tagged import in_workflow

COLUMNS = [("workflow", "Process"), ("stage", "Stage"), ("cases", "Cases that passed through"),
           ("median_days", "Median days"), ("longest_days", "Longest days"), ("open_now", "Open now")]


def _spans(svc, scope):
    """Each stay of an in-scope case in a state, as SQL: the events that entered a new state (window LAG), the
    time to the next such entry (LEAD), or to now for the stay of a case still open. No case is loaded."""
    moves = (select(Event.case_id, Event.seq, Event.at, Event.to_state,
                    func.lag(Event.to_state).over(partition_by=Event.case_id, order_by=Event.seq).label("prev"))
             .join(Case, Case.id == Event.case_id)
             .where(Event.kind.in_(("opened", "transition")), Event.to_state.is_not(None), case_in_scope(scope))
             .subquery())
    entries = (select(moves.c.case_id, moves.c.at, moves.c.to_state,
                      func.lead(moves.c.at).over(partition_by=moves.c.case_id, order_by=moves.c.seq).label("left"))
               .where(or_(moves.c.prev.is_(None), moves.c.prev != moves.c.to_state)).subquery())
    now = svc.clock.now()
    still_open = and_(entries.c.left.is_(None), Case.closed_at.is_(None))
    end = when((still_open, bindparam("now", now, type_=Case.opened_at.type)), else_=entries.c.left)
    return (select(Case.workflow, entries.c.to_state.label("state"), Case.policy_id, Case.policy_version,
                   _days(svc, entries.c.at, end).label("days"), still_open.label("open_now"))
            .join(Case, Case.id == entries.c.case_id)
            .where(or_(entries.c.left.is_not(None), Case.closed_at.is_(None))))


def _days(svc, start, end):
    if svc.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def stage_times(svc, actor: Actor) -> Report:
    """For each workflow and state: how long cases stayed there (entered → left, or → now if still there).
    The stays are worked out in SQL; only one row per stay comes back (no cases, no events)."""
    scope = report_scope(svc.session, actor)
    stays = _spans(svc, scope).subquery()
    if svc.session.get_bind().dialect.name == "postgresql":  # one row per stage: the aggregate is SQL's
        q = (select(stays.c.workflow, stays.c.state, func.min(stays.c.policy_id), func.min(stays.c.policy_version),
                    func.count(), func.percentile_cont(0.5).within_group(stays.c.days), func.max(stays.c.days),
                    func.count(when((stays.c.open_now, 1))))
             .group_by(stays.c.workflow, stays.c.state))
        stages = {(w, st): (pid, v, n, float(med), float(top), k)
                  for w, st, pid, v, n, med, top, k in svc.session.execute(q)}
    else:  # SQLite has no median aggregate: the middle one or two of each stage's ranked stays, averaged
        key = (stays.c.workflow, stays.c.state)
        ranked = select(stays, func.row_number().over(partition_by=key, order_by=stays.c.days).label("rank"),
                        func.count().over(partition_by=key).label("n")).subquery()
        middle = or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
        q = (select(ranked.c.workflow, ranked.c.state, func.min(ranked.c.policy_id), func.min(ranked.c.policy_version),
                    func.count(), func.avg(when((middle, ranked.c.days))), func.max(ranked.c.days),
                    func.count(when((ranked.c.open_now, 1))))
             .group_by(ranked.c.workflow, ranked.c.state))
        stages = {(w, st): (pid, v, n, float(med), float(top), k)
                  for w, st, pid, v, n, med, top, k in svc.session.execute(q)}
    rows = []
    for (workflow, state), (policy_id, version, n, med, top, k) in sorted(stages.items()):
        title, wf_title = state, workflow
        try:
            policy = svc.policies.get(policy_id, version)
            title = policy.workflow(workflow).state(state).title
            wf_title = policy.workflow(workflow).title
        except KeyError:
            pass
        rows.append({"workflow": wf_title, "stage": title, "cases": n, "median_days": round(med, 1),
                     "longest_days": round(top, 1), "open_now": k})
    return Report("stage_times", "Time spent in each stage", COLUMNS, rows,
                  notes=["Days from entering a stage to leaving it; for cases still there, to now."])


def headline_counts(svc, actor: Actor) -> dict:
    """The dashboard's counts as two aggregates (no case is loaded); overdue as ``workflow.store.deadline_rules.is_overdue`` says."""
    scope = report_scope(svc.session, actor)
    now = svc.clock.now()
    where = and_(Case.closed_at.is_(None), case_in_scope(scope))
    row = svc.session.execute(select(func.count(), func.count(when((in_workflow(svc.policies, MEDIATION), 1))),
                                     func.count(when((in_workflow(svc.policies, APPEAL), 1)))).where(where)).one()
    overdue = svc.session.scalar(select(func.count(Deadline.id)).join(Case, Case.id == Deadline.case_id)
                                 .where(where, overdue_clause(now, Deadline)))
    return {"open_cases": row[0], "overdue_deadlines": overdue or 0, "open_mediations": row[1],
            "open_appeals": row[2]}
