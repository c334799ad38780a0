"""Dates as people write them (1 March 2027) and clocks as people say them (in 5 days, 3 days overdue),
in the trust's time zone."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from workflow.store.deadline_rules import deadline_last_day

from web.config import DEFAULT_TIMEZONE


def trust_tz() -> ZoneInfo:
    """The trust calendar's zone (JOBPLAN_TIMEZONE), which the policies' calendar.timezone also names."""
    from flask import current_app, has_app_context

    return ZoneInfo(current_app.config.get("JOBPLAN_TIMEZONE") or DEFAULT_TIMEZONE if has_app_context()
                    else DEFAULT_TIMEZONE)


def long_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(trust_tz()).date() if value.tzinfo else value.date()
    return f"{value.day} {value:%B %Y}"


def long_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(trust_tz())
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def last_day(due_at: datetime) -> date:
    """A deadline is due at the end of its last day (local midnight); people name that day."""
    return deadline_last_day(due_at, trust_tz())


def relative_due(due_at: datetime, now: datetime) -> str:
    days = (last_day(due_at) - now.astimezone(trust_tz()).date()).days
    if now >= due_at:
        overdue = (now.astimezone(trust_tz()).date() - last_day(due_at)).days
        return f"{overdue} day{'s' if overdue != 1 else ''} overdue" if overdue else "due today"
    if days == 0:
        return "due today"
    return f"in {days} day{'s' if days != 1 else ''}"


def display_value(value) -> str:
    """A recorded payload value as people read it: dates written out, yes/no, choices without underscores."""
    import re

    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return long_date(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)?", value):
            try:
                return long_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return value
        if re.fullmatch(r"[a-z]+(_[a-z]+)+", value):
            return value.replace("_", " ")
        return value
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value)
    return str(value)


def role_title(role: str, policy) -> str:
    """A role as the policy names it ("Clinical Manager"), never its code."""
    spec = policy.roles.get(role) if policy is not None else None
    return spec.title if spec is not None else role.replace("_", " ")


def register(app) -> None:
    app.add_template_filter(role_title, "role_title")
    app.add_template_filter(display_value, "display_value")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(long_datetime, "long_datetime")
    app.add_template_filter(last_day, "last_day")
    app.jinja_env.globals["relative_due"] = relative_due
