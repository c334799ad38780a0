"""Days and deadlines as people read them, in English whatever the server's locale, in the trust's time zone."""
from __future__ import annotations

from datetime import date, datetime

from workflow.store.deadline_rules import deadline_last_day
from workflow.timing.calendar import calendar_for

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def format_day(day: date) -> str:
    """"Thursday 25 March 2027": in English whatever the server's locale (strftime's names follow it)."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month]} {day.year}"


def format_when(policy, at: datetime) -> str:
    """The local date of an instant."""
    return format_day(calendar_for(policy).local_date(at))


def format_due(policy, due_at: datetime) -> str:
    """The last permitted local day of a deadline that falls due at ``due_at`` (local midnight after it)."""
    return format_day(deadline_last_day(due_at, policy.timezone))


def format_moment(policy, at: datetime) -> str:
    local = at.astimezone(calendar_for(policy).tz)
    return f"{format_day(local.date())} at {local:%H:%M} ({local.tzname()})"
