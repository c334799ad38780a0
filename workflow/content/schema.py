"""The shape of a job plan record (``JobPlanVersion.content``): 001 ¶26 and its form (nine sections),
002 7.1-7.2 (components, PAs, additional PAs), 004 categories and "Minimum standards for job plans".

The schema checks shape only: a draft may be incomplete. Whether a plan is complete enough to sign is
the policy's content rules' question (``workflow.content.rules``). Every section is optional here;
a section left empty carries a justification in ``justifications`` (002 7.6.5)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow import limits
from workflow.errors import InvalidPayload
from workflow.content.categories import ACTIVITIES, CATEGORIES, CATEGORY_TITLES, DAYS, OBJECTIVE_KINDS, SECTIONS

TEXT = validate.Length(min=1, max=limits.PLAN_TEXT_CHARS, error="must not be empty (at most {max} characters)")
LONG = validate.Length(max=limits.PLAN_TEXT_CHARS)   # optional free text: notes, comments, details
SHORT = validate.Length(max=limits.PLAN_LINE_CHARS)  # a title, a band, a name
ROWS = validate.Length(max=limits.PLAN_LIST_ITEMS, error="at most {max} rows")
HOURS = validate.Range(min=0, max=168)
CLOCK = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="must be a time of day as HH:MM")


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Categorised(_Strict):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    activity_type = fields.String(load_default=None, allow_none=True, validate=SHORT)

    @validates_schema
    def activity_in_category(self, data, **kwargs):
        kind, cat = data.get("activity_type"), data.get("category")
        if kind and cat in ACTIVITIES and kind not in ACTIVITIES[cat]:
            home = [c for c in CATEGORIES if kind in ACTIVITIES[c]]
            where = (f"is a {' or '.join(home)} activity type, not a {cat} one" if home
                     else f"is not one of the {cat} activity types")
            raise ValidationError(f"“{kind}” {where} (004 categories): choose one of the {cat} types "
                                  f"({CATEGORY_TITLES[cat]}), or change the category", "activity_type")


class PostSchema(_Strict):
    """004 minimum standards: full name (from the person), band and hours, specialty or service line."""

    job_title = fields.String(load_default=None, allow_none=True, validate=SHORT)
    band = fields.String(load_default=None, allow_none=True, validate=SHORT)
    specialty = fields.String(load_default=None, allow_none=True, validate=SHORT)
    contracted_pas = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=20))
    contracted_hours = fields.Float(load_default=None, allow_none=True, validate=HOURS)
    start_date = fields.Date(load_default=None, allow_none=True)


class ScheduleRowSchema(_Categorised):
    """One timetabled activity of the weekly schedule (001 form: day, time, location, work, category,
    hours; 002 7.4.2). Its size is given in PAs or hours, or follows from the start and end times."""

    day = fields.String(required=True, validate=validate.OneOf(DAYS))
    start = fields.String(required=True, validate=CLOCK)
    end = fields.String(required=True, validate=CLOCK)
    location = fields.String(required=True, validate=TEXT)
    activity = fields.String(required=True, validate=TEXT)
    pas = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10))
    hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=24))
    weeks = fields.String(load_default="every", validate=validate.OneOf(("every", "alternate", "monthly")))
    direct_contact = fields.Boolean(load_default=False)  # 004: direct intervention with patients ("contacts")
    notes = fields.String(load_default=None, allow_none=True, validate=LONG)

    @validates_schema
    def times_in_order(self, data, **kwargs):
        s, e = data.get("start"), data.get("end")
        if s and e and minutes(e) <= minutes(s):
            raise ValidationError("must be after the start time", "end")


class AnnualisedSchema(_Categorised):
    """Work not done every week, counted over the year (002 7.4.2: "the intent that these will be annualised")."""

    activity = fields.String(required=True, validate=TEXT)
    hours_per_year = fields.Float(required=True, validate=validate.Range(min=0, max=3000))
    location = fields.String(load_default=None, allow_none=True, validate=LONG)
    notes = fields.String(load_default=None, allow_none=True, validate=LONG)


class OnCallSchema(_Strict):
    """001 ¶6: the frequency of the rota; the consultant contract's on-call category (A or B)."""

    rota = fields.String(required=True, validate=TEXT)
    frequency = fields.String(required=True, validate=validate.Regexp(r"^1 in \d+$", error="must read like '1 in 6'"))
    on_call_category = fields.String(required=True, validate=validate.OneOf(("A", "B")))
    pas = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=10))
    category = fields.String(load_default="DCC", validate=validate.OneOf(CATEGORIES))


class ObjectiveSchema(_Strict):
    """002 7.1: SMART (specific, measurable, attainable, realistic, time based), linked to service and trust
    objectives; 004 checklist: linked to job planned activities."""

    kind = fields.String(required=True, validate=validate.OneOf(OBJECTIVE_KINDS))
    text = fields.String(required=True, validate=TEXT)
    specific = fields.String(load_default=None, allow_none=True, validate=LONG)
    measurable = fields.String(load_default=None, allow_none=True, validate=LONG)
    achievable = fields.String(load_default=None, allow_none=True, validate=LONG)
    realistic = fields.String(load_default=None, allow_none=True, validate=LONG)
    time_bound = fields.Date(load_default=None, allow_none=True)
    linked_activities = fields.List(fields.String(validate=TEXT), load_default=list, validate=ROWS)


class CommentedSchema(_Strict):
    """Supporting resources (role), accommodation (organisation), equipment (type): 001 form sections 3-5."""

    item = fields.String(required=True, validate=TEXT)
    comments = fields.String(load_default=None, allow_none=True, validate=LONG)


class ExternalDutySchema(_Strict):
    organisation = fields.String(required=True, validate=TEXT)
    details = fields.String(required=True, validate=TEXT)


class PrivatePracticeSchema(_Strict):
    """001 form "Additional" and 002 7.1: other NHS work, professional non-NHS work, other paid
    employment (Working Time Directive); how many sessions and when."""

    other_nhs_work = fields.Boolean(required=True)
    non_nhs_work = fields.Boolean(required=True)
    other_paid_employment = fields.Boolean(required=True)
    sessions = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=20))
    times = fields.String(load_default=None, allow_none=True, validate=SHORT)
    details = fields.String(load_default=None, allow_none=True, validate=LONG)

    @validates_schema
    def sessions_when_declared(self, data, **kwargs):
        if any(data.get(k) for k in ("other_nhs_work", "non_nhs_work", "other_paid_employment")):
            if data.get("sessions") is None or not data.get("times"):
                raise ValidationError("say how many sessions and at what times (001 form, Additional 2)", "sessions")


class AccountabilitySchema(_Strict):
    """001 ¶8: professional and managerial accountability."""

    professional = fields.String(required=True, validate=TEXT)
    managerial = fields.String(required=True, validate=TEXT)


class AdditionalPasSchema(_Strict):
    """002 7.2.2 and Appendix 1: extra PAs with a reason, a start and an end, agreed by the AMD."""

    pas = fields.Float(required=True, validate=validate.Range(min=0.25, max=10))
    reason = fields.String(required=True, validate=TEXT)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    agreed_by_amd = fields.Boolean(load_default=False)
    agreed_by = fields.String(load_default=None, allow_none=True, validate=SHORT)

    @validates_schema
    def end_after_start(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("must not be before the start", "end")


class JobPlanContentSchema(_Strict):
    format = fields.Integer(load_default=1, validate=validate.Equal(1))
    post = fields.Nested(PostSchema, load_default=lambda: PostSchema().load({}))
    schedule = fields.List(fields.Nested(ScheduleRowSchema), load_default=list, validate=ROWS)
    annualised = fields.List(fields.Nested(AnnualisedSchema), load_default=list, validate=ROWS)
    on_call = fields.List(fields.Nested(OnCallSchema), load_default=list, validate=ROWS)
    objectives = fields.List(fields.Nested(ObjectiveSchema), load_default=list, validate=ROWS)
    supporting_resources = fields.List(fields.Nested(CommentedSchema), load_default=list, validate=ROWS)
    accommodation = fields.List(fields.Nested(CommentedSchema), load_default=list, validate=ROWS)
    equipment = fields.List(fields.Nested(CommentedSchema), load_default=list, validate=ROWS)
    external_duties = fields.List(fields.Nested(ExternalDutySchema), load_default=list, validate=ROWS)
    private_practice = fields.Nested(PrivatePracticeSchema, load_default=None, allow_none=True)
    managerial_responsibilities = fields.List(fields.String(validate=TEXT), load_default=list, validate=ROWS)
    accountability = fields.Nested(AccountabilitySchema, load_default=None, allow_none=True)
    other_comments = fields.String(load_default=None, allow_none=True, validate=LONG)
    additional_pas = fields.List(fields.Nested(AdditionalPasSchema), load_default=list, validate=ROWS)
    justifications = fields.Dict(keys=fields.String(validate=validate.OneOf(SECTIONS)),
                                 values=fields.String(validate=TEXT), load_default=dict)


_SCHEMA = JobPlanContentSchema()


def load_content(raw) -> dict:
    """Checked content as Python values (dates as ``date``). Raises InvalidPayload with field paths."""
    if not isinstance(raw, dict):
        raise InvalidPayload("plan content must be an object", fields={"content": ["not an object"]})
    try:
        return _SCHEMA.load(raw)
    except ValidationError as exc:
        from workflow.policy.problems import flatten_errors

        problems: dict[str, list[str]] = {}
        for path, msg in flatten_errors(exc.messages):
            problems.setdefault(path, []).append(msg)
        raise InvalidPayload(f"the job plan has invalid entries at: {', '.join(problems)}", fields=problems) from None


def normalise_content(raw) -> dict:
    """Checked content as JSON-safe data with every section present: what is stored on a version."""
    return _SCHEMA.dump(load_content(raw))
