"""Schemas of the administration API (issue 17): requests refused at the edge with the field named."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.schemas import MAX_ID, PersonSchema, Query, Strict

ID = {"validate": validate.Range(min=1, max=MAX_ID)}


class OrgUnitOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    row_version = fields.Integer()


class OrgUnitCreate(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(["care_group", "team"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent_id = fields.Integer(allow_none=True, **ID)


class OrgUnitEdit(Strict):
    name = fields.String(validate=validate.Length(min=1, max=200))
    parent_id = fields.Integer(**ID)


class PersonFields(Strict):
    staff_number = fields.String(allow_none=True, validate=validate.Length(max=40))
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.String(validate=validate.Length(min=3, max=320))
    job_title = fields.String(allow_none=True, validate=validate.Length(max=200))
    staff_group = fields.String(allow_none=True, validate=validate.Length(max=60))
    start_date = fields.Date(allow_none=True)
    leave_date = fields.Date(allow_none=True)
    contracted_pas = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=100))
    contracted_hours = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=100))
    manager_id = fields.Integer(allow_none=True, **ID)
    care_group_id = fields.Integer(allow_none=True, **ID)
    team_id = fields.Integer(allow_none=True, **ID)


class PersonCreate(PersonFields):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.String(required=True, validate=validate.Length(min=3, max=320))


class PersonOut(PersonSchema):
    """A person as the administration pages and API see them: the list's fields and what is administered."""

    start_date = fields.Date(allow_none=True)
    leave_date = fields.Date(allow_none=True)
    care_group_id = fields.Integer(allow_none=True)
    sign_in_disabled = fields.Boolean()
    row_version = fields.Integer()


class CaseRef(Schema):
    id = fields.Integer()
    workflow = fields.String()
    state = fields.String()
    subject_id = fields.Integer()
    role = fields.String(attribute="as", data_key="as")


class Handover(Schema):
    person = fields.Nested(PersonOut)
    open_cases = fields.List(fields.Nested(CaseRef), metadata={"description": "open cases to reassign"})
    managed_people = fields.List(fields.Dict(), metadata={"description": "people who need a new manager"})


class AccountChange(Strict):
    enabled = fields.Boolean(required=True)


class InviteOut(Schema):
    person_id = fields.Integer()
    email = fields.String()
    expires_at = fields.DateTime()


class AssignmentOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    role = fields.String()
    org_unit_id = fields.Integer(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    row_version = fields.Integer()


class AssignmentsQuery(Query):
    role = fields.String(validate=validate.Length(min=1, max=60))
    person = fields.Integer(**ID)
    current = fields.Boolean(metadata={"description": "only assignments held today"})


class AssignmentCreate(Strict):
    person_id = fields.Integer(required=True, **ID)
    role = fields.String(required=True, validate=validate.Length(min=1, max=60))
    org_unit_id = fields.Integer(allow_none=True, **ID)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class AssignmentEdit(Strict):
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class RoleOut(Schema):
    name = fields.String()
    title = fields.String()
    scopes = fields.List(fields.String())


class PanelListOut(Schema):
    role = fields.String()
    members = fields.List(fields.Nested(AssignmentOut))
    last_reviewed_on = fields.Date(allow_none=True)
    review_months = fields.Integer(metadata={"description": "local choice: the policy's review interval"})
    review_due_on = fields.Date(allow_none=True)
    review_overdue = fields.Boolean(metadata={"description": "past its review date, or never reviewed (002 7.8.12)"})


class PanelMemberAdd(Strict):
    person_id = fields.Integer(required=True, **ID)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class PanelReview(Strict):
    reviewed_on = fields.Date(required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class Preferences(Strict):
    daily_digest = fields.Boolean(required=True)


class SplitIn(Strict):
    job_title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    band = fields.String(allow_none=True, validate=validate.Length(max=40))
    dcc = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=1))
    spa = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=1))
    other = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=1))
    tolerance = fields.Float(load_default=0.05, allow_nan=False, validate=validate.Range(min=0, max=0.5))


class SplitOut(Schema):
    id = fields.Integer()
    job_title = fields.String()
    band = fields.String()
    dcc = fields.Float()
    spa = fields.Float()
    other = fields.Float()
    tolerance = fields.Float()
    agreed_at = fields.DateTime()


class RiskIn(Strict):
    care_group_id = fields.Integer(required=True, **ID)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    likelihood = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    impact = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    owner_id = fields.Integer(allow_none=True, **ID)
    job_plan_id = fields.Integer(allow_none=True, **ID)


class RiskOut(Schema):
    id = fields.Integer()
    care_group_id = fields.Integer()
    title = fields.String()
    likelihood = fields.Integer()
    impact = fields.Integer()
    score = fields.Integer()
    owner_id = fields.Integer(allow_none=True)
    status = fields.String()
    escalated_at = fields.DateTime(allow_none=True)
