"""The API's marshmallow schemas: requests validated at the edge, responses documented."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from workflow import limits

from web.api.common import CURSOR_DOC

MAX_ID = 2**31 - 1  # ids are 32-bit in the database; anything larger cannot exist


class PlanContent(fields.Dict):
    """A job plan's content: read as a dict and checked by the service (workflow.content.schema); documented in
    the OpenAPI document as the typed ``JobPlanContent`` schema (``plan_content2properties``)."""


def plan_content2properties(self, field, **kwargs):
    """apispec: a PlanContent field is the JobPlanContent component (registered in ``web.api.init_api``)."""
    if isinstance(field, PlanContent):
        return {"allOf": [{"$ref": "#/components/schemas/JobPlanContent"}]}
    return {}


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Query(Schema):
    class Meta:
        unknown = EXCLUDE


# ---- organisation and people -------------------------------------------------------------------

class OrgUnitSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)


class PersonSchema(Schema):
    id = fields.Integer()
    staff_number = fields.String(allow_none=True)
    name = fields.String()
    email = fields.String()
    staff_group = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    manager_id = fields.Integer(allow_none=True)
    contracted_pas = fields.Float(allow_none=True)
    contracted_hours = fields.Float(allow_none=True)
    active = fields.Boolean()


class PeopleQuery(Query):
    team = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    active = fields.Boolean()
    name = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "Part of the name, any case"})


class CsvUpload(Schema):
    file = Upload(required=True, metadata={"description": f"The HR/ESR staff extract as CSV (UTF-8): at most "
                                                          f"{limits.STAFF_IMPORT_BYTES} bytes and "
                                                          f"{limits.STAFF_IMPORT_ROWS} rows"})


class ImportRowSchema(Schema):
    row = fields.Integer()
    staff_number = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(["created", "updated", "unchanged", "refused"]))
    messages = fields.List(fields.String())


class ImportReportSchema(Schema):
    summary = fields.Dict(keys=fields.String(), values=fields.Integer())
    rows = fields.List(fields.Nested(ImportRowSchema))
    dry_run = fields.Boolean(metadata={"description": "True: a preview; nothing was written"})
    unknown_columns = fields.List(fields.String(), metadata={"description": "Columns the import does not know: "
                                                                             "their cells were not read"})
    leavers = fields.List(fields.String(), metadata={"description": "Staff numbers whose leave date has passed"})


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Preview: report, write nothing"})
    deactivate_leavers = fields.Boolean(load_default=False, metadata={
        "description": "Deactivate people whose leave date has passed (otherwise they are reported only)"})


# ---- job plans ---------------------------------------------------------------------------------

class SignatureSchema(Schema):
    person_id = fields.Integer()
    role = fields.String()
    signed_at = fields.DateTime()


class JobPlanSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    person_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    policy_id = fields.String()
    period_start = fields.Date(allow_none=True)
    interim = fields.Boolean()
    current_version = fields.Integer()
    agreed_version = fields.Integer(allow_none=True)
    agreed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    row_version = fields.Integer(metadata={"description": "The version to send back in If-Match"})


class JobPlanVersionSchema(Schema):
    number = fields.Integer()
    content = PlanContent()
    created_at = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    signatures = fields.List(fields.Nested(SignatureSchema))


class PlansQuery(Query):
    person = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


CONTENT_DOC = {"description": f"The plan's sections (checked by the service). Limits: at most {limits.PLAN_LIST_ITEMS} "
               f"rows in each list section (schedule, annualised, on_call, objectives, ...); free text at most "
               f"{limits.PLAN_TEXT_CHARS} characters, titles at most {limits.PLAN_LINE_CHARS}; the JSON body at "
               f"most {limits.JSON_BODY_BYTES} bytes and {limits.JSON_DEPTH} levels deep."}


class PlanCreateSchema(Strict):
    person_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    content = PlanContent(required=True, metadata=CONTENT_DOC)
    policy_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    interim = fields.Boolean(load_default=False)


class PlanEditSchema(Strict):
    content = PlanContent(required=True, metadata=CONTENT_DOC)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.NOTE_CHARS))


class DiffQuery(Query):
    from_ = fields.Integer(data_key="from", required=True, validate=validate.Range(min=1, max=MAX_ID))
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class DiffSchema(Schema):
    plan_id = fields.Integer()
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    patch = fields.List(fields.Dict(), metadata={"description": "JSON Patch (RFC 6902) from one version to the other"})


# ---- cases -------------------------------------------------------------------------------------

class FieldSpecSchema(Schema):
    name = fields.String()
    type = fields.String()
    required = fields.Boolean()
    label = fields.String(allow_none=True)
    choices = fields.List(fields.String())
    clause = fields.String(allow_none=True)
    format = fields.String(allow_none=True, metadata={"description": "What to send for a date, datetime or "
                                                                      "documents field; null for the others"})


class TriggerSchema(Schema):
    trigger = fields.String()
    title = fields.String()
    dest = fields.String()
    roles = fields.List(fields.String())
    clause = fields.String()
    reason_required = fields.Boolean()
    payload = fields.List(fields.Nested(FieldSpecSchema))
    unavailable = fields.String(allow_none=True, metadata={
        "description": "Why a condition of the policy refuses this step now, or null when it is open"})


class LastDay(fields.Date):
    """A deadline's last permitted day in the trust's calendar, from its ``due_at``."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        from web.filters import last_day

        due = obj.get("due_at") if isinstance(obj, dict) else getattr(obj, "due_at", None)
        return None if due is None else self._serialize(last_day(due), attr, obj, **kwargs)


class DeadlineSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    name = fields.String()
    state = fields.String()
    kind = fields.String()
    starts_at = fields.DateTime()
    due_at = fields.DateTime()
    last_day = LastDay(metadata={"description": "The last permitted local day: due_at is the end of it (local "
                                                "midnight), the day a person names"})
    status = fields.String()
    reminders_sent = fields.Integer()
    escalation_step = fields.Integer()
    extensions = fields.Integer()
    closed_at = fields.DateTime(allow_none=True)


class TeamMemberSchema(Schema):
    """One person the caller manages (002 5.4) and where their job planning stands."""

    person = fields.Nested(PersonSchema)
    plan_in_force_id = fields.Integer(allow_none=True)
    agreed_version = fields.Integer(allow_none=True)
    open_sign_off_id = fields.Integer(allow_none=True, metadata={"description": "A sign-off under way"})
    open_state = fields.String(allow_none=True)
    review_due = fields.DateTime(allow_none=True)
    new_starter_case_id = fields.Integer(allow_none=True, metadata={"description": "An open interim-plan case (7.4.3)"})
    can_start_interim = fields.Boolean(metadata={"description": "New, with a start date and no plan: an interim plan may be started"})


class CaseSchema(Schema):
    id = fields.Integer()
    workflow = fields.String()
    policy_id = fields.String()
    policy_version = fields.Integer()
    state = fields.String()
    subject_id = fields.Integer()
    manager_id = fields.Integer(allow_none=True)
    job_plan_id = fields.Integer(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    opened_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer(metadata={"description": "The version to send back in If-Match"})


class CaseLinksSchema(Schema):
    self_ = fields.String(data_key="self", attribute="self")
    participants = fields.String()
    parent = fields.String(allow_none=True)
    children = fields.List(fields.String())


class CaseDetailSchema(CaseSchema):
    state_title = fields.String()
    next_step = fields.String(allow_none=True)
    data = fields.Dict()
    my_roles = fields.List(fields.String())
    triggers = fields.List(fields.Nested(TriggerSchema), metadata={"description": "What the caller may do now"})
    deadlines = fields.List(fields.Nested(DeadlineSchema))
    child_ids = fields.List(fields.Integer(), metadata={"description": "Cases this one started that the caller may see "
                                                                       "(a disagreement, an appeal)"})
    links = fields.Nested(CaseLinksSchema)


class ParticipantSchema(Schema):
    """One seat on a case and who holds it."""

    role = fields.String()
    role_title = fields.String()
    person_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "active, or e.g. objected_to for a panel member replaced"})
    added_at = fields.DateTime(allow_none=True)


class CasesQuery(Query):
    state = fields.String(validate=validate.Length(min=1, max=60))
    policy = fields.String(validate=validate.Length(min=1, max=80))
    workflow = fields.String(validate=validate.Length(min=1, max=60))
    role = fields.String(validate=validate.Length(min=1, max=60), metadata={"description": "A role the caller holds on the case"})
    person = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "The practitioner (subject)"})
    overdue = fields.Boolean()
    open = fields.Boolean()
    cursor = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": CURSOR_DOC})
    after = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "A case of this list: the page after it (cursor is the stable way to page on)"})


class CaseCreateSchema(Strict):
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=60))
    subject_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    policy_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    job_plan_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))

    @pre_load
    def _manager_is_the_record(self, data, **kwargs):
        """The clinical manager is never the caller's word (issue 13 item 1): say so, not just "unknown field"."""
        if isinstance(data, dict) and "manager_id" in data:
            raise ValidationError({"manager_id": [
                "the clinical manager is taken from the trust's record of who manages whom; it cannot be named "
                "here. Change it through the staff import"]})
        return data


class FireSchema(Strict):
    payload = fields.Dict(keys=fields.String(), load_default=dict,
                          metadata={"description": "The trigger's fields, as listed in the case's triggers"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.REASON_CHARS))


class FireResultSchema(Schema):
    case_id = fields.Integer()
    trigger = fields.String()
    from_state = fields.String()
    to_state = fields.String()
    event_id = fields.Integer()
    version = fields.Integer()
    started_case_ids = fields.List(fields.Integer())


class DeadlinesQuery(Query):
    status = fields.String(validate=validate.OneOf(["open", "met", "breached", "cancelled", "expired", "paused"]))
    overdue = fields.Boolean()
    cursor = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": CURSOR_DOC})


# ---- audit -------------------------------------------------------------------------------------

class EventSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    subject = fields.String(allow_none=True, metadata={
        "description": "What a trust-level event (no case) is about: person:<id>, api_token:<id>, job_plan:<id>, "
                       "staff_import, sign_in"})
    seq = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String()
    trigger = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    payload = fields.Dict()
    reason = fields.String(allow_none=True)


class ExportQuery(Query):
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    kind = fields.String(validate=validate.Length(min=1, max=30))


class EventsQuery(ExportQuery):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    after = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "The next_after of the previous page: a keyset page, as fast deep in the log as at its start"})


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))
    total = fields.Integer(allow_none=True, metadata={"description": "Counted up to 1,000; null beyond (more_than)"})
    more_than = fields.Integer(allow_none=True, metadata={"description": "1000 when there are more than 1,000"})
    page = fields.Integer(allow_none=True, metadata={"description": "Null on a cursor's page past the first 1,000"})
    page_size = fields.Integer()
    next_after = fields.Integer(allow_none=True, metadata={"description": "Send as after for the next page"})


# ---- documents ---------------------------------------------------------------------------------

class DocumentSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()
    uploaded_by_id = fields.Integer(allow_none=True)


class DocumentUpload(Schema):
    file = Upload(required=True, metadata={"description": f"At most {limits.DOCUMENT_BYTES} bytes"})


# ---- policies ----------------------------------------------------------------------------------

class PolicySummarySchema(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    staff_groups = fields.List(fields.String())
    source_document = fields.String()
    source_title = fields.String()


class RoleSpecSchema(Schema):
    name = fields.String()
    title = fields.String()
    scope = fields.String()
    clause = fields.String(allow_none=True)


class StateSpecSchema(Schema):
    name = fields.String()
    title = fields.String()
    final = fields.Boolean()
    waiting_on = fields.List(fields.String())
    next_step = fields.String(allow_none=True)
    clause = fields.String(allow_none=True)


class TransitionSpecSchema(Schema):
    trigger = fields.String()
    title = fields.String()
    sources = fields.List(fields.String())
    dest = fields.String()
    roles = fields.List(fields.String())
    clause = fields.String()
    conditions = fields.List(fields.String())
    reason_required = fields.Boolean()
    payload = fields.List(fields.Nested(FieldSpecSchema))


class WorkflowSpecSchema(Schema):
    name = fields.String()
    title = fields.String()
    initial = fields.String()
    clause = fields.String(allow_none=True)
    started_by = fields.List(fields.String())
    states = fields.List(fields.Nested(StateSpecSchema))
    transitions = fields.List(fields.Nested(TransitionSpecSchema))


class PolicyDetailSchema(PolicySummarySchema):
    roles = fields.List(fields.Nested(RoleSpecSchema))
    workflows = fields.List(fields.Nested(WorkflowSpecSchema))


class PolicyQuery(Query):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class DiagramQuery(PolicyQuery):
    workflow = fields.String(validate=validate.Length(min=1, max=60))


class DiagramSchema(Schema):
    policy_id = fields.String()
    version = fields.Integer()
    workflow = fields.String()
    format = fields.String(metadata={"description": "Always 'mermaid' (stateDiagram-v2)"})
    text = fields.String()


class SignInSessionSchema(Schema):
    id = fields.Integer()
    started_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    current = fields.Boolean(metadata={"description": "the session this request came in with"})


class SessionsEndedSchema(Schema):
    ended = fields.Integer(metadata={"description": "how many open sessions were ended"})
