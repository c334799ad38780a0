"""The periodic sweep over due deadlines: reminders before, breach and escalation after, and the
closing of lodging windows. Safe to run in several processes at once: rows are claimed with
``FOR UPDATE ... SKIP LOCKED`` on PostgreSQL (SQLite serialises writers with BEGIN IMMEDIATE), every
step advances a counter on the deadline row in the same transaction as its event and outbox rows, and
every message has a unique key, so a step is recorded and queued exactly once."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from workflow import access
from workflow.store import rows
from workflow.timing import deadlines
from workflow.delivery import reader, notifications
from workflow.actors import SYSTEM
from workflow.timing.clock import FixedClock
from workflow.store.deadline_rules import RUNNING, DeadlineStatus
from workflow.store.models import Case, Deadline
from workflow.store.uow import savepoint, unit_of_work

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class SweepReport:
    now: datetime
    reminders: list[tuple[int, int]] = field(default_factory=list)     # (deadline id, reminder index)
    breaches: list[int] = field(default_factory=list)                  # deadline ids
    escalations: list[tuple[int, int]] = field(default_factory=list)   # (deadline id, step index)
    expiries: list[int] = field(default_factory=list)                  # deadline ids whose window closed
    failures: list[tuple[int, str]] = field(default_factory=list)      # (deadline id, error)
    examined: int = 0

    def summary(self) -> str:
        return (f"sweep at {self.now.isoformat()}: {self.examined} due deadlines, {len(self.reminders)} reminders, "
                f"{len(self.breaches)} breaches, {len(self.escalations)} escalations, {len(self.expiries)} windows "
                f"closed, {len(self.failures)} failures")


def due_query(now: datetime, limit: int = BATCH):
    """Only due rows, through ix_deadline_due (status, next_check_at): never a scan of all cases."""
    return (select(Deadline, Case).join(Case, Case.id == Deadline.case_id)
            .where(Deadline.status.in_(RUNNING), Deadline.next_check_at <= now)
            .order_by(Deadline.next_check_at, Deadline.id).limit(limit)
            .with_for_update(skip_locked=True, of=[Deadline, Case]))


def sweep(svc, now: datetime | None = None, batch: int = BATCH) -> SweepReport:
    """One pass as if at ``now`` (default: the service's clock). Everything it records, including the
    expiry transitions it fires, is stamped with that moment."""
    if now is None:
        return _sweep(svc, svc.clock.now(), batch)
    real_clock = svc.clock
    svc.clock = FixedClock(now)
    try:
        return _sweep(svc, svc.clock.now(), batch)
    finally:
        svc.clock = real_clock


def _sweep(svc, now: datetime, batch: int) -> SweepReport:
    report = SweepReport(now=now)
    seen: set[int] = set()  # processed (or failed) in this sweep: never twice in one pass
    while True:
        with unit_of_work(svc.session, write=True):
            rows = [(d, c) for d, c in svc.session.execute(due_query(now, batch + len(seen))).all()
                    if d.id not in seen][:batch]
            for d, case in rows:
                report.examined += 1
                seen.add(d.id)
                try:
                    with savepoint(svc.session):
                        _process(svc, d, case, now, report)
                except Exception as exc:  # one bad row must not hold up the others
                    log.exception("sweep: deadline %s of case %s failed", d.id, d.case_id)
                    report.failures.append((d.id, str(exc)))
        if len(rows) < batch:
            return report


def _process(svc, d: Deadline, case: Case, now: datetime, report: SweepReport) -> None:
    policy = svc.policy_of(case)
    spec = deadlines.spec_for(policy, case.workflow, d)
    ctx = svc.step_context(case, policy, None, SYSTEM, "system", {}, None)
    ctx.now = now
    state = policy.workflow(case.workflow).state(d.state)

    times = deadlines.reminder_times(spec, d.due_at)
    while d.reminders_sent < len(times) and times[d.reminders_sent] <= now:
        index = d.reminders_sent
        d.reminders_sent += 1
        if now >= d.due_at:
            continue  # the deadline itself has passed: the breach speaks instead of a late reminder
        days = spec.reminders[index]
        svc.record_event(case, now, "reminder", SYSTEM, "system", None, case.state, case.state,
                          {"deadline": d.name, "deadline_id": d.id, "days_before": days}, None)
        headline = (f"Reminder: {spec.label} — due by the end of {notifications.format_due(policy, d.due_at)} "
                    f"({days} day{'s' if days != 1 else ''} left)")
        left = f"{days} day{'s' if days != 1 else ''} left"

        def subject(person, role, d=d, left=left):
            ask = reader.ask_for(ctx, person, {role}, [d])
            if ask is not None:
                return f"Reminder: {reader.lower_first(ask.sentence())} ({left})"
            return (f"Reminder: {reader.lower_first(spec.label)} on {reader.whose_plan(person, case.subject)}, "
                    f"by {reader.short_day(policy, d.due_at)} ({left})")
        _send(ctx, state.waiting_on, deadlines.step_key(d, "reminder", index), subject,
              headline, [f"Rule: Policy {spec.clause}."])
        report.reminders.append((d.id, index))

    if d.status == DeadlineStatus.OPEN and now >= d.due_at:
        if spec.expiry_trigger:
            d.status = DeadlineStatus.EXPIRED.value
            d.closed_at = now
            d.next_check_at = None
            rows.save_deadline(svc.session, d)
            svc.run_step(case, spec.expiry_trigger, SYSTEM)
            report.expiries.append(d.id)
            return
        d.status = DeadlineStatus.BREACHED.value
        svc.record_event(case, now, "breach", SYSTEM, "system", None, case.state, case.state,
                          {"deadline": d.name, "deadline_id": d.id, "due_at": d.due_at.isoformat()}, None)
        report.breaches.append(d.id)

    if d.status == DeadlineStatus.BREACHED:
        steps = deadlines.escalation_times(spec, d.due_at)
        while d.escalation_step < len(steps) and steps[d.escalation_step] <= now:
            k = d.escalation_step
            d.escalation_step += 1
            step = spec.escalation[k]
            svc.record_event(case, now, "escalation", SYSTEM, "system", None, case.state, case.state,
                              {"deadline": d.name, "deadline_id": d.id, "step": k, "notify": list(step.notify)},
                              None)
            overdue = (now - d.due_at).days
            headline = (f"Overdue: {spec.label} — was due by the end of {notifications.format_due(policy, d.due_at)}"
                        f", {overdue} day{'s' if overdue != 1 else ''} ago")
            waiting = ", ".join(policy.roles[r].title for r in state.waiting_on) or "the case's next step"
            _send(ctx, step.notify, deadlines.step_key(d, "escalation", k), _overdue_subject(ctx, d, state),
                  headline,
                  [f"Escalated to you (step {k + 1} of {len(steps)}): please see that {waiting} acts, or record why "
                   f"not.", f"Rule: Policy {spec.clause}"
                   + (f"; escalation {step.clause}." if step.clause else ".")])
            report.escalations.append((d.id, k))
    d.next_check_at = deadlines.next_check(spec, d)
    rows.save_deadline(svc.session, d)


def _overdue_subject(ctx, d: Deadline, state):
    """To a reader the stage waits on: the step they are late with; to anyone else, whose act to see done on
    whose plan (issue 18 item 14: no case number, from the reader's side)."""
    day = reader.short_day(ctx.policy, d.due_at)
    titles = [ctx.policy.roles[r].title for r in state.waiting_on]
    waiting = " and ".join(f"the {t}" for t in titles) or "the next step"

    def subject(person, role):
        ask = reader.ask_for(ctx, person, {role}, [d])
        if ask is not None:
            return f"Overdue: {reader.lower_first(ask.action)} (it was due by {day})"
        verb = "act" if len(titles) > 1 else "acts"
        return f"Overdue (due by {day}): see that {waiting} {verb} on {reader.whose_plan(person, ctx.case.subject)}"
    return subject


def _send(ctx, roles, key_prefix: str, subject, headline: str, details: list[str]) -> None:
    """``subject``: the text, or a function of the reader and the role they are sent it in."""
    seen = set()
    body = notifications.case_body(ctx, headline, details)
    for role in roles:
        for person in access.holders_of(ctx.session, ctx.case, ctx.policy, role):
            if person.id in seen:
                continue
            seen.add(person.id)
            text = subject(person, role) if callable(subject) else subject
            notifications.queue(ctx, person, f"{key_prefix}:to:{person.id}", text, body)
