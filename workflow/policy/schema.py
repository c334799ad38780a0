"""Marshmallow schemas for the shape of a policy file. Meaning (reachability, known roles...) is
checked afterwards in ``checks.py``; this module only says what a well-formed file looks like."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow.policy.model import SCOPES
from workflow.policy.params import SettingsSchema

NAME = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be lower_snake_case (letters, digits, _)")
FIELD_TYPES = ("text", "date", "datetime", "bool", "int", "number", "choice", "person", "documents", "plan")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SourceSchema(_Strict):
    document = fields.String(required=True)
    title = fields.String(required=True)
    date = fields.Date(load_default=None)


class CalendarSchema(_Strict):
    timezone = fields.String(load_default="Europe/London")
    holidays = fields.String(load_default="ENG", allow_none=True)
    closure_days = fields.List(fields.Date(), load_default=list)


class RoleSchema(_Strict):
    title = fields.String(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    clause = fields.String(load_default=None)
    appointed_from = fields.List(fields.String(validate=NAME), load_default=list, metadata={
        "description": "A participant seat: whoever is named to it must hold one of these role assignments"})


class DurationSchema(_Strict):
    days = fields.Integer(validate=validate.Range(min=1))
    weeks = fields.Integer(validate=validate.Range(min=1))
    months = fields.Integer(validate=validate.Range(min=1))

    @validates_schema
    def one_unit(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError("give exactly one of days, weeks or months")


class EscalationSchema(_Strict):
    after_days = fields.Integer(required=True, validate=validate.Range(min=0))
    notify = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    clause = fields.String(load_default=None)


class DeadlineSchema(_Strict):
    name = fields.String(required=True, validate=NAME)
    label = fields.String(required=True)
    clause = fields.String(required=True)
    within = fields.Nested(DurationSchema, required=True)
    counting = fields.String(load_default="calendar", validate=validate.OneOf(("calendar", "working")))
    runs_from = fields.String(load_default="entered", validate=validate.Regexp(
        r"^(entered|(payload|case|subject)\.[a-z][a-z0-9_]*)$",
        error="must be 'entered', 'payload.<field>' (of the step entering the state), 'case.<field>' (a fact "
              "recorded earlier on the case) or 'subject.<field>' (a fact held on the practitioner)"))
    kind = fields.String(required=True, validate=validate.OneOf(("organisation", "right")))
    extendable = fields.Boolean(load_default=False)
    pausable = fields.Boolean(load_default=False)
    extend_roles = fields.List(fields.String(validate=NAME), load_default=list)
    reminders = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=list)
    escalation = fields.List(fields.Nested(EscalationSchema), load_default=list)
    on_expiry = fields.String(load_default=None, validate=NAME)
    local_choice = fields.String(load_default=None)
    # the start date is the first day of the period ("within the first month of joining", 002 7.4.3), so the
    # last day is one before the same date a period later
    start_day_counts = fields.Boolean(load_default=False)
    # what the source's words make of the limit (issue 16 item 17): "normally" may be extended with a reason;
    # "must"/"will" may not be extended (the policy check refuses ``extendable`` on it)
    source_says = fields.String(load_default=None, validate=validate.OneOf(("normally", "must", "silent")))


class StateSchema(_Strict):
    title = fields.String(required=True)
    final = fields.Boolean(load_default=False)
    waiting_on = fields.List(fields.String(validate=NAME), load_default=list)
    next_step = fields.String(load_default=None)
    asks = fields.String(load_default=None, validate=NAME)  # the step a waiting reader is asked for (default: the first)
    timed_by = fields.String(load_default=None)
    clause = fields.String(load_default=None)
    deadlines = fields.List(fields.Nested(DeadlineSchema), load_default=list)
    untimed = fields.String(load_default=None, metadata={
        "description": "Why a state that is not final has no clock (clause or local_choice): issue 16 item 5"})


class FieldSchema(_Strict):
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=True)
    label = fields.String(load_default=None)
    choices = fields.List(fields.String(), load_default=list)
    max_length = fields.Integer(load_default=None, validate=validate.Range(min=1))
    clause = fields.String(load_default=None)
    # a date recording what happened: never in the future; ``since_state`` also not before the case entered
    # its current state (issue 16 item 4)
    happened = fields.String(load_default=None, validate=validate.OneOf(("past", "since_state", "since_case")))
    invitation = fields.String(load_default=None)  # a datetime field: what the calendar invitation calls the moment

    @validates_schema
    def choices_for_choice(self, data, **kwargs):
        if data.get("type") == "choice" and not data.get("choices"):
            raise ValidationError("a choice field needs its choices", "choices")


class TransitionSchema(_Strict):
    trigger = fields.String(required=True, validate=NAME)
    title = fields.String(required=True)
    clause = fields.String(required=True)
    source = fields.Raw(required=True)  # a state name or a list of them
    dest = fields.String(required=True, validate=NAME)
    roles = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    conditions = fields.List(fields.String(validate=NAME), load_default=list)
    actions = fields.List(fields.Raw(), load_default=list)  # "name" or {name: {params}}
    payload = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(FieldSchema),
                          load_default=dict)
    notify = fields.List(fields.String(validate=NAME), load_default=list)
    # Shared mailboxes told of the step by purpose (002 7.6.7: the care group and Finance get the agreed plan); the
    # trust sets each purpose's address per organisation unit (workflow/service/admin/notice_addresses.py).
    notify_addresses = fields.List(fields.String(validate=NAME), load_default=list)
    reason_required = fields.Boolean(load_default=False)
    # What the trust chose where the source is silent or vague about this step (issue 16): shown with the step's
    # rule on the workflow's rules page, its clause references checked as a deadline's are.
    local_choice = fields.String(load_default=None)

    @validates_schema
    def source_shape(self, data, **kwargs):
        src = data.get("source")
        if isinstance(src, str):
            return
        if isinstance(src, list) and src and all(isinstance(s, str) for s in src):
            return
        raise ValidationError("must be a state name or a non-empty list of state names", "source")

    @validates_schema
    def actions_shape(self, data, **kwargs):
        for i, action in enumerate(data.get("actions", [])):
            if isinstance(action, str):
                continue
            if isinstance(action, dict) and len(action) == 1:
                (params,) = action.values()
                if params is None or isinstance(params, dict):
                    continue
            raise ValidationError({i: ["an action is a name or {name: {parameters}}"]}, "actions")


class WorkflowSchema(_Strict):
    title = fields.String(required=True)
    clause = fields.String(load_default=None)
    initial = fields.String(required=True, validate=NAME)
    started_by = fields.List(fields.String(validate=NAME), load_default=list)
    states = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(StateSchema),
                         required=True, validate=validate.Length(min=1))
    transitions = fields.List(fields.Nested(TransitionSchema), required=True, validate=validate.Length(min=1))


class ContentRuleSchema(_Strict):
    """One content rule (workflow.content.rules): its name, warning or blocker, its clause, its parameters."""

    rule = fields.String(required=True, validate=NAME)
    severity = fields.String(required=True, validate=validate.OneOf(("warning", "blocker")))
    clause = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), load_default=dict)


class StaffGroupRulesSchema(_Strict):
    full_time_pas = fields.Float(load_default=10.0, validate=validate.Range(min=1, max=20))
    full_time_hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=1, max=60))
    weeks_per_year = fields.Float(load_default=42.0, validate=validate.Range(min=1, max=52))
    rules = fields.List(fields.Nested(ContentRuleSchema), load_default=list)


class ContentRulesSchema(_Strict):
    """Rules every staff group of the policy shares, then per staff group its contract basis and the rules
    it adds or overrides (same rule name)."""

    clause = fields.String(load_default=None)
    rules = fields.List(fields.Nested(ContentRuleSchema), load_default=list)
    staff_groups = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(StaffGroupRulesSchema),
                               load_default=dict)


class PolicySchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]*$",
                                                               error="must be lower-case-with-dashes"))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True)
    staff_groups = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    source = fields.Nested(SourceSchema, required=True)
    calendar = fields.Nested(CalendarSchema, load_default=lambda: CalendarSchema().load({}))
    pa_hours = fields.Float(load_default=4.0, validate=validate.Range(min=0.5, max=24))
    settings = fields.Nested(SettingsSchema, load_default=dict)
    roles = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(RoleSchema), required=True)
    workflows = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(WorkflowSchema),
                            required=True)
    content_rules = fields.Nested(ContentRulesSchema, load_default=None, allow_none=True)
    # What the code finds by meaning (workflow.policy.tags): tag -> a name or a list of names
    tags = fields.Dict(keys=fields.String(validate=NAME), values=fields.Raw(), load_default=dict)

    @validates_schema
    def tags_shape(self, data, **kwargs):
        for tag, names in (data.get("tags") or {}).items():
            if isinstance(names, str) or (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
                continue
            raise ValidationError({tag: ["must be a name or a non-empty list of names"]}, "tags")
