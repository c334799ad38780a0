"""Turning an HTML form into a trigger's payload, and the service's field errors back into the NHS
error-summary pattern. The payload is checked by the service (workflow.rules.payload), not here: this module
only reassembles what the NHS components split up (a date is three boxes)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

from workflow.policy.model import FieldSpec, TransitionSpec

LONDON = ZoneInfo("Europe/London")  # people type local times


@dataclass
class FormState:
    values: dict = field(default_factory=dict)      # what the user typed, to show again
    errors: dict = field(default_factory=dict)      # field name → message
    order: list = field(default_factory=list)       # field names in page order, for the summary

    def add(self, name: str, message: str) -> None:
        if name not in self.errors:
            self.errors[name] = message

    @property
    def summary(self) -> list[dict]:
        return [{"text": self.errors[n], "href": f"#{anchor(n)}"} for n in self.order if n in self.errors] + \
               [{"text": m, "href": "#main-form"} for n, m in self.errors.items() if n not in self.order]


def anchor(name: str) -> str:
    return f"field-{name.replace('_', '-')}"


def payload_from_form(spec: TransitionSpec, form, state: FormState) -> dict:
    payload: dict = {}
    state.order = [f.name for f in spec.payload] + ["reason"]
    for f in spec.payload:
        value = _read(f, form, state)
        if value is not None:
            payload[f.name] = value
    return payload


def _read(f: FieldSpec, form, state: FormState):
    label = f.label or f.name.replace("_", " ")
    if f.type in ("date", "datetime"):
        day, month, year = (form.get(f"{f.name}[{p}]", "").strip() for p in ("day", "month", "year"))
        state.values[f.name] = {"day": day, "month": month, "year": year}
        time = form.get(f"{f.name}-time", "").strip() if f.type == "datetime" else ""
        if f.type == "datetime":
            state.values[f.name]["time"] = time
        if not (day or month or year):
            if f.required:
                state.add(f.name, f"Enter {label.lower()}")
            return None
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            state.add(f.name, f"{label} must be a real date, for example 27 3 2027")
            return None
        try:
            when = date(int(year), int(month), int(day))
        except ValueError:
            state.add(f.name, f"{label} must be a real date, for example 27 3 2027")
            return None
        if f.type == "date":
            return when.isoformat()
        try:
            hour, minute = (int(x) for x in time.split(":"))
            at = datetime.combine(when, dtime(hour, minute), tzinfo=LONDON)
        except ValueError:
            state.add(f.name, f"Enter the time of {label.lower()} as hours and minutes, for example 14:30")
            return None
        return at.isoformat()
    if f.type == "documents":
        ids = [v for v in form.getlist(f.name) if v]
        state.values[f.name] = ids
        return ids or None
    if f.type == "plan":  # the whole plan as JSON (the service checks its content)
        raw = form.get(f.name, "").strip()
        state.values[f.name] = raw
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            state.add(f.name, f"{label} must be the plan as JSON, for example as the plan's API returns it")
            return None
        if not isinstance(value, dict):
            state.add(f.name, f"{label} must be the plan as a JSON object")
            return None
        return value
    raw = form.get(f.name, "")
    state.values[f.name] = raw
    if raw.strip() == "":
        if f.required:
            state.add(f.name, f"Enter {label.lower()}" if f.type in ("text", "line", "int", "number")
                      else f"Select {label.lower()}")
        return None
    if f.type == "bool":
        return raw == "yes"
    return raw.strip() if f.type in ("text", "line") else raw


def apply_service_errors(fields: dict, state: FormState) -> None:
    """marshmallow field errors from the service (InvalidPayload.details['fields'])."""
    for name, messages in (fields or {}).items():
        text = messages[0] if isinstance(messages, list) and messages else str(messages)
        if isinstance(messages, dict):  # a plan field: each place in the plan and what is wrong there
            text = "; ".join(f"{k}: {v[0] if isinstance(v, list) and v else v}" for k, v in messages.items())
        if isinstance(text, dict):
            text = "; ".join(str(v) for v in text.values())
        state.add(name, f"{name.replace('_', ' ').capitalize()}: {text}" if name != "reason" else str(text))
