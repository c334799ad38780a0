"""Deadlines as rows: opened when a case enters a state, closed when it leaves.

The sweep (``workflow.service.sweep``) reads them back through ``next_check_at``; nothing here keeps a timer."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from workflow.store import rows
from workflow.store.deadline_rules import DeadlineStatus, deadline_last_day
from workflow.store.models import Deadline
from workflow.policy.model import DeadlineSpec
from workflow.timing.calendar import calendar_for


def start_date(ctx, spec: DeadlineSpec) -> date:
    cal = calendar_for(ctx.policy)
    if spec.runs_from == "entered":
        return cal.local_date(ctx.now)
    source, name = spec.runs_from.split(".", 1)
    if source == "payload":
        value = ctx.values.get(name)
    elif source == "subject":  # a fact held on the person, e.g. their start date (002 7.4.3)
        value = getattr(ctx.case.subject, name, None)
    else:  # the case's own record: what this step records (its values) first, then what it holds already
        value = ctx.values.get(name) if name in (ctx.values or {}) else (ctx.case.data or {}).get(name)
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if value is None:
        from workflow.errors import ConditionFailed
        raise ConditionFailed(f"the clock {spec.label!r} runs from {name.replace('_', ' ')}, which this case has not recorded yet")
    if isinstance(value, datetime):
        return cal.local_date(value)
    return value


def local_days(at: datetime, days: int, tz: str) -> datetime:
    """``at`` moved by whole local calendar days (wall-clock arithmetic), so local midnight stays local
    midnight across a GMT/BST change."""
    return (at.astimezone(ZoneInfo(tz)) + timedelta(days=days)).astimezone(timezone.utc)


def reminder_times(spec: DeadlineSpec, due_at: datetime) -> list[datetime]:
    """When each reminder falls: N local days before the deadline (local midnight), earliest first."""
    return [local_days(due_at, -n, spec.timezone) for n in spec.reminders]


def escalation_times(spec: DeadlineSpec, due_at: datetime) -> list[datetime]:
    """Each escalation step, ``after_days`` local days after the deadline passed."""
    return [local_days(due_at, step.after_days, spec.timezone) for step in spec.escalation]


def next_check(spec: DeadlineSpec, d: Deadline) -> datetime | None:
    """The next moment the sweep has something to do for this deadline, or None when nothing is left."""
    if d.status == DeadlineStatus.OPEN:
        pending = reminder_times(spec, d.due_at)[d.reminders_sent:]
        return min(pending + [d.due_at])
    if d.status == DeadlineStatus.BREACHED:
        steps = escalation_times(spec, d.due_at)[d.escalation_step:]
        return steps[0] if steps else None
    return None


def reschedule(spec: DeadlineSpec, d: Deadline, due_at: datetime, now: datetime) -> None:
    """Move a deadline to ``due_at``: every pending reminder and escalation follows it. Reminders whose new
    time has already passed are not sent late (as when a clock opens); the escalation chain starts again.
    Messages are keyed by the due date (``step_key``), so a reminder for the new date is a new message."""
    d.due_at = due_at
    d.status = DeadlineStatus.OPEN.value
    d.escalation_step = 0
    d.reminders_sent = sum(1 for t in reminder_times(spec, due_at) if t <= now)
    d.closed_at = None
    d.paused_at = None
    d.next_check_at = next_check(spec, d)


def step_key(d: Deadline, step: str, index: int) -> str:
    """The outbox key of one reminder or escalation step of one deadline at one due date: unique, so a second
    sweep (or a second sweeper) cannot queue it twice, while an extension makes the new date's steps new."""
    return f"deadline:{d.id}:due:{int(d.due_at.timestamp())}:{step}:{index}"


def last_day(policy, d: Deadline) -> date:
    """The last permitted local day of a deadline (it falls due at the end of that day)."""
    return deadline_last_day(d.due_at, policy.timezone)


def refuse_after_window(ctx, trigger: str) -> None:
    """A lodging window (a ``right``) is closed from the first instant after its last day, whether or not
    the sweep has fired its expiry yet (RULES "Reading deadlines"; 002 7.8.3, 7.8.8): a person's step out
    of that state is refused; only an extension by the policy's ``extend_roles`` re-opens it."""
    if ctx.actor.is_system or not any(s.kind == "right" for s in ctx.workflow.state(ctx.case.state).deadlines):
        return
    if ctx.policy.role_with_scope("subject") not in ctx.spec.roles:
        return  # the window closes the practitioner's right; others' steps (an agreement recorded, 002 7.8.2) go on
    rows = ctx.session.scalars(select(Deadline).where(
        Deadline.case_id == ctx.case.id, Deadline.state == ctx.case.state, Deadline.kind == "right",
        Deadline.status == DeadlineStatus.OPEN.value, Deadline.due_at <= ctx.now)).all()
    for d in rows:
        spec = spec_for(ctx.policy, ctx.case.workflow, d)
        if trigger == spec.expiry_trigger:
            continue
        from workflow.errors import ConditionFailed
        from workflow.timing.wording import format_due

        who = " or ".join(ctx.policy.roles[r].title for r in spec.extend_roles) or "nobody"
        raise ConditionFailed(f"the window '{spec.label}' closed at the end of {format_due(ctx.policy, d.due_at)} "
                              f"({ctx.policy.source_document} {spec.clause}); it can be re-opened only by an "
                              f"extension with a reason from: {who}")


@dataclass(frozen=True)
class OpenedDeadline:
    """A clock as ``open_for_state`` wrote it (read like a ``Deadline``: name, state, due_at, status…): what
    the step's email describes. A record of the row, not an object of the session: the row is written by
    ``workflow.store.rows`` and read back through ``Deadline`` when needed."""

    case_id: int
    name: str
    state: str
    kind: str
    starts_at: datetime
    due_at: datetime
    status: str
    reminders_sent: int
    escalation_step: int = 0
    extensions: int = 0
    paused_at: datetime | None = None
    closed_at: datetime | None = None
    next_check_at: datetime | None = None


def plan_for_state(ctx, state_name: str) -> list[OpenedDeadline] | None:
    """The clocks the state will open, worked out before anything is written, so the step can set the case's
    ``next_due_at`` in the one UPDATE it already sends; None when a clock starts from the case's own data
    (known only once the step has written it): then the clocks are read back after they move."""
    state = ctx.workflow.state(state_name)
    if not all(_known_before_writing(ctx, spec.runs_from) for spec in state.deadlines):
        return None
    return _plan(ctx, state_name) if state.deadlines else []


def _known_before_writing(ctx, runs_from: str) -> bool:
    """The clock's start is known before the step writes anything: the moment, the step's values, the subject's
    record, or a value of the case's record that this very step records."""
    if runs_from == "entered" or runs_from.startswith(("payload.", "subject.")):
        return True
    return runs_from.split(".", 1)[-1] in (ctx.values or {})


def open_for_state(ctx, state_name: str, *, refresh: bool = True,
                   planned: list[OpenedDeadline] | None = None) -> list[OpenedDeadline]:
    """Open the state's clocks (``planned``, or worked out now), in one INSERT (``rows.insert_deadlines``); what
    is returned are records of the rows written, to describe them in the step's email."""
    state = ctx.workflow.state(state_name)
    if not state.deadlines:
        return []
    opened = planned if planned is not None else _plan(ctx, state_name)
    rows.insert_deadlines(ctx.connection, [{c: getattr(d, c) for c in rows.DEADLINE_COLUMNS} for d in opened],
                          refresh=False)
    if refresh:
        rows.refresh_next_due(ctx.connection, ctx.case.id, ctx.session)
    return opened


def _plan(ctx, state_name: str) -> list[OpenedDeadline]:
    state = ctx.workflow.state(state_name)
    cal = calendar_for(ctx.policy)
    opened = []
    for spec in state.deadlines:
        start = start_date(ctx, spec)
        due = cal.due_at(start, spec.amount, spec.unit, spec.counting)
        if spec.start_day_counts:  # the start date is day one: no extra day at the end (002 7.4.3)
            due = local_days(due, -1, spec.timezone)
        d = OpenedDeadline(case_id=ctx.case.id, name=spec.name, state=state_name, kind=spec.kind,
                           starts_at=cal.start_of_day(start), due_at=due, status=DeadlineStatus.OPEN.value,
                           # Reminders whose time has already passed when the clock opens are not sent late.
                           reminders_sent=sum(1 for t in reminder_times(spec, due) if t <= ctx.now))
        opened.append(replace(d, next_check_at=next_check(spec, d)))
    return opened


def move_clocks(ctx, from_state: str, to_state: str,
                planned: list[OpenedDeadline] | None = None) -> list[OpenedDeadline]:
    """The case leaves one state for another: close the first's clocks and open the second's. Leaving a state
    closes all its clocks, so what the new state opens is all that is open: with ``planned`` (``plan_for_state``)
    the step has already written ``next_due_at`` in the case's UPDATE; without, it is set once here, after both
    (one UPDATE; none if neither state has clocks)."""
    closed = close_for_state(ctx, from_state, refresh=False)
    opened = open_for_state(ctx, to_state, refresh=False, planned=planned)
    if planned is None and (closed or opened):
        rows.refresh_next_due(ctx.connection, ctx.case.id, ctx.session)
    return opened


def close_for_state(ctx, state_name: str, *, refresh: bool = True) -> bool:
    """Close the clocks of a state the case leaves, in one UPDATE: one still in time is met; one past its due
    moment is breached (it was late), whether or not the sweep ran in between, and is closed."""
    if not ctx.workflow.state(state_name).deadlines:
        return False  # deadlines are opened only from the state's specs: a state with none has none open
    session = ctx.session
    for changed in [o for o in session.dirty if isinstance(o, Deadline)]:
        rows.save_deadline(session, changed)  # a deadline the caller changed is written before the UPDATE reads it
    rows.close_deadlines(ctx.connection, ctx.case.id, state_name, ctx.now, refresh=False)
    for obj in [o for o in session.identity_map.values() if isinstance(o, Deadline) and o.case_id == ctx.case.id]:
        session.expire(obj)  # loaded before the UPDATE: read again when next used
    if refresh:
        rows.refresh_next_due(ctx.connection, ctx.case.id, session)
    return True


def spec_for(policy, workflow: str, d: Deadline) -> DeadlineSpec:
    for spec in policy.workflow(workflow).state(d.state).deadlines:
        if spec.name == d.name:
            return spec
    raise KeyError(f"deadline {d.name} of state {d.state} is not in {policy.id} v{policy.version}")
