"""Dates that record what happened (a meeting held, a hearing held, an agreement reached): never in the
future, and, where the policy says ``happened: since_state``, not before the case reached the step they
follow (issue 16 item 4). Clocks that run from these dates (``runs_from: payload.held_on``, ``case.meeting_date``)
so start from a checked date: a hearing "held" next year cannot mark the panel's deadline met, nor start
the recommendation clock from the future."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select

from workflow.errors import InvalidPayload
from workflow.store.models import Event
from workflow.timing.calendar import calendar_for


def state_entered_on(ctx) -> date:
    """The local day the case entered its current state (its opening, for the initial state)."""
    at = ctx.session.scalar(select(Event.at).where(
        Event.case_id == ctx.case.id, Event.to_state == ctx.case.state,
        or_(Event.kind == "opened", Event.from_state.is_distinct_from(Event.to_state)))
        .order_by(Event.seq.desc()).limit(1))
    return calendar_for(ctx.policy).local_date(at or ctx.case.opened_at)


def check_happened_dates(ctx) -> None:
    """Refuse a date of something that happened that lies in the future or, for ``since_state``, before the
    case entered its current state; the message names the field and the days allowed."""
    fields = [f for f in ctx.spec.payload if f.happened and ctx.values.get(f.name) is not None]
    if not fields:
        return
    cal = calendar_for(ctx.policy)
    today = cal.local_date(ctx.now)
    for f in fields:
        value = ctx.values[f.name]
        day = cal.local_date(value) if isinstance(value, datetime) else value
        label = f.label or f.name.replace("_", " ")
        if day > today:
            raise InvalidPayload(f"{label} records what happened, so it cannot be later than today "
                                 f"({today:%d %B %Y}); got {day:%d %B %Y}", fields={f.name: ["must not be in the future"]})
        if f.happened in ("since_state", "since_case"):  # since_case: not before the case was opened
            since = state_entered_on(ctx) if f.happened == "since_state" else cal.local_date(ctx.case.opened_at)
            reached = ctx.case.state if f.happened == "since_state" else ctx.workflow.initial
            if day < since:
                raise InvalidPayload(f"{label} cannot be before {since:%d %B %Y}, when the case reached "
                                     f"'{ctx.workflow.state(reached).title}'; got {day:%d %B %Y}",
                                     fields={f.name: [f"must be on or after {since.isoformat()}"]})
