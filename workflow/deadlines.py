"""Deadlines as rows: opened when a case enters a state, closed when it leaves.

The sweep (``workflow.sweep``) reads them back through ``next_check_at``; nothing here keeps a timer."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from .models import Deadline
from .policy.model import DeadlineSpec
from .trust_calendar import calendar_for

OPEN_STATUSES = ("open", "breached", "paused")


def start_date(ctx, spec: DeadlineSpec) -> date:
    cal = calendar_for(ctx.policy)
    if spec.runs_from == "entered":
        return cal.local_date(ctx.now)
    source, name = spec.runs_from.split(".", 1)
    value = ctx.values.get(name) if source == "payload" else (ctx.case.data or {}).get(name)
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if value is None:
        from .errors import ConditionFailed
        raise ConditionFailed(f"the clock {spec.label!r} runs from {name.replace('_', ' ')}, which this case has not recorded yet")
    if isinstance(value, datetime):
        return cal.local_date(value)
    return value


def reminder_times(spec: DeadlineSpec, due_at: datetime) -> list[datetime]:
    """When each reminder falls: N days before the deadline, earliest first."""
    return [due_at - timedelta(days=n) for n in spec.reminders]


def escalation_times(spec: DeadlineSpec, due_at: datetime) -> list[datetime]:
    return [due_at + timedelta(days=step.after_days) for step in spec.escalation]


def next_check(spec: DeadlineSpec, d: Deadline) -> datetime | None:
    """The next moment the sweep has something to do for this deadline, or None when nothing is left."""
    if d.status in ("open",):
        pending = reminder_times(spec, d.due_at)[d.reminders_sent:]
        return min(pending + [d.due_at])
    if d.status == "breached":
        steps = escalation_times(spec, d.due_at)[d.escalation_step:]
        return steps[0] if steps else None
    return None


def open_for_state(ctx, state_name: str) -> list[Deadline]:
    state = ctx.workflow.state(state_name)
    cal = calendar_for(ctx.policy)
    opened = []
    for spec in state.deadlines:
        start = start_date(ctx, spec)
        due = cal.due_at(start, spec.amount, spec.unit, spec.counting)
        d = Deadline(case_id=ctx.case.id, name=spec.name, state=state_name, kind=spec.kind,
                     starts_at=cal.start_of_day(start), due_at=due, status="open", reminders_sent=0,
                     escalation_step=0, extensions=0)
        # Reminders whose time has already passed when the clock opens are not sent late.
        d.reminders_sent = sum(1 for t in reminder_times(spec, due) if t <= ctx.now)
        d.next_check_at = next_check(spec, d)
        ctx.session.add(d)
        opened.append(d)
    return opened


def close_for_state(ctx, state_name: str) -> list[Deadline]:
    if not ctx.workflow.state(state_name).deadlines:
        return []  # deadlines are opened only from the state's specs: a state with none has none open
    rows = list(ctx.session.scalars(select(Deadline).where(
        Deadline.case_id == ctx.case.id, Deadline.state == state_name, Deadline.status.in_(OPEN_STATUSES))))
    for d in rows:
        if d.status in ("open", "paused"):
            d.status = "met"
        d.closed_at = ctx.now
        d.next_check_at = None
    return rows


def spec_for(policy, workflow: str, d: Deadline) -> DeadlineSpec:
    for spec in policy.workflow(workflow).state(d.state).deadlines:
        if spec.name == d.name:
            return spec
    raise KeyError(f"deadline {d.name} of state {d.state} is not in {policy.id} v{policy.version}")
