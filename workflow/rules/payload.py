"""Turning a trigger's raw payload into checked values, with a marshmallow schema built from the
policy's field list (cached per transition)."""
from __future__ import annotations

from functools import lru_cache

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from workflow import limits
from workflow.errors import InvalidPayload
from workflow.policy.model import TransitionSpec

MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger one cannot name anything
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain a NUL character")


class PlanContent(fields.Field):
    """A job plan's whole content (``workflow.content.schema``), checked and stored as a version stores it: the
    field's errors name the place in the plan (``varied_plan.schedule.0.pas``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from workflow.content.schema import normalise_content

        try:
            return normalise_content(value)
        except InvalidPayload as exc:
            raise ValidationError((exc.details or {}).get("fields") or exc.message) from None


def _field(spec) -> fields.Field:
    kw = {"required": spec.required, "metadata": {"label": spec.label or spec.name, "clause": spec.clause}}
    if not spec.required:
        kw["load_default"] = None
        kw["allow_none"] = True
    t = spec.type
    if t == "text":
        return fields.String(validate=[validate.Length(min=1, max=spec.max_length or limits.PAYLOAD_TEXT_CHARS,
                                                       error="must not be empty" if not spec.max_length else None),
                                       NO_NUL],
                             **kw)
    if t == "date":
        return fields.Date(**kw)
    if t == "datetime":
        return fields.AwareDateTime(default_timezone=None, **kw)
    if t == "bool":
        return fields.Boolean(**kw)
    if t == "int":
        return fields.Integer(strict=False, validate=validate.Range(min=-MAX_ID, max=MAX_ID), **kw)
    if t == "number":
        return fields.Float(allow_nan=False, **kw)
    if t == "choice":
        return fields.String(validate=validate.OneOf(spec.choices), **kw)
    if t == "person":
        return fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kw)
    if t == "documents":
        return fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
                           validate=validate.Length(max=limits.PAYLOAD_DOCUMENTS), **kw)
    if t == "plan":
        return PlanContent(**kw)
    raise ValueError(f"unknown field type {t!r}")


@lru_cache(maxsize=1024)
def schema_for(spec: TransitionSpec) -> Schema:
    attrs = {f.name: _field(f) for f in spec.payload}
    cls = Schema.from_dict(attrs, name=f"{spec.trigger}_payload")
    return cls(unknown=RAISE)


# What a client must send for the typed fields, stated in every trigger's field list (issue 17 item 9).
FORMATS = {
    "date": "date: YYYY-MM-DD, a local date (e.g. 2027-02-25)",
    "datetime": "date-time: ISO 8601 with its UTC offset, e.g. 2027-03-01T09:30:00+00:00 (a time without an offset "
                "is refused)",
    "documents": "a list of document ids uploaded to this case",
    "plan": "an object: a job plan's whole content, as PUT /api/v1/plans/<id> takes it",
}


def validate_payload(spec: TransitionSpec, raw: dict | None) -> dict:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidPayload("the payload must be an object of named fields", fields={"_schema": ["not an object"]})
    try:
        return schema_for(spec).load(raw)
    except ValidationError as exc:
        names = ", ".join(sorted(exc.messages)) if isinstance(exc.messages, dict) else ""
        raise InvalidPayload(f"'{spec.title}' needs valid values for: {names}", fields=exc.messages) from None


def to_json(values: dict) -> dict:
    """Payload values as JSON-safe data for the audit log and case facts."""
    out = {}
    for k, v in values.items():
        out[k] = v.isoformat() if hasattr(v, "isoformat") else v
    return out
