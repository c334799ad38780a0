"""Reassigning a clinical manager's open cases (issue 17 item 7; 002 5.3)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow import limits
from workflow.service.reassign import reassign_cases

from web.api.common import actor, document_errors, svc
from web.api.schemas import MAX_ID, Strict

blp = Blueprint("reassign", __name__, url_prefix="/api/v1", description="Cover: reassigning a manager's cases")


class ReassignSchema(Strict):
    to_manager_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=limits.REASON_CHARS))


class ReassignedSchema(Schema):
    case_ids = fields.List(fields.Integer())


@blp.route("/people/<int(min=1, max=2147483647):person_id>/cases/reassign")
class ReassignCases(MethodView):
    @blp.arguments(ReassignSchema)
    @blp.response(200, ReassignedSchema)
    @document_errors(blp, 401, 403, 404, 409, 415, 422)
    def post(self, data, person_id):
        """Move every open case this clinical manager holds to another manager (the care group's AMD or the
        Medical Directorate; 002 5.3). Each case records the change, the reason and who made it."""
        return {"case_ids": reassign_cases(svc(), actor(), person_id, data["to_manager_id"], data["reason"])}
