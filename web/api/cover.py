"""Deputy cover (issue 17 item 7): a clinical manager who is away names a deputy for a date range; the deputy acts
with the manager's rights on the manager's cases while it is in force. Set, list and end covers."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from marshmallow import Schema, fields, validate

from workflow import limits
from workflow.service import cover

from web.api.common import actor, document_errors, svc
from web.api.schemas import MAX_ID, Query, Strict

blp = Blueprint("cover", __name__, url_prefix="/api/v1", description="Cover: deputies while a manager is away")

ID = {"strict": True, "validate": validate.Range(min=1, max=MAX_ID)}


class PersonRef(Schema):
    id = fields.Integer()
    name = fields.String()


class CoverOut(Schema):
    id = fields.Integer(attribute="cover.id")
    manager = fields.Nested(PersonRef, attribute="cover.manager", metadata={"description": "The manager who is away"})
    deputy = fields.Nested(PersonRef, attribute="cover.deputy")
    starts_on = fields.Date(attribute="cover.starts_on", metadata={"description": "First day (local), included"})
    ends_on = fields.Date(attribute="cover.ends_on", metadata={"description": "Last day (local), included"})
    reason = fields.String(attribute="cover.reason", allow_none=True)
    status = fields.String(metadata={"description": "in force, arranged (begins later), ended early, or over"})
    in_force = fields.Boolean()
    may_end = fields.Boolean(metadata={"description": "Whether the caller may end it now"})
    arranged_by_id = fields.Integer(attribute="cover.arranged_by_id", allow_none=True)
    arranged_at = fields.DateTime(attribute="cover.arranged_at")
    ended_at = fields.DateTime(attribute="cover.ended_at", allow_none=True)
    ended_by_id = fields.Integer(attribute="cover.ended_by_id", allow_none=True)


class CoverCreate(Strict):
    manager_id = fields.Integer(load_default=None, metadata={"description": "The manager who is away; "
                                                             "default: the caller"}, **ID)
    deputy_id = fields.Integer(required=True, **ID)
    starts_on = fields.Date(required=True, metadata={"description": "First day of cover (local date, today or later)"})
    ends_on = fields.Date(required=True, metadata={"description": f"Last day of cover (included; at most "
                                                                  f"{cover.MAX_DAYS} days in all)"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.REASON_CHARS))


class CoverEnd(Strict):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.REASON_CHARS))


class CoversQuery(Query):
    manager = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    current = fields.Boolean(metadata={"description": "Only covers in force or still to come"})


@blp.route("/covers")
class Covers(MethodView):
    @blp.arguments(CoversQuery, location="query")
    @blp.response(200, CoverOut(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 422)
    def get(self, args):
        """The covers the caller may see: their own (as manager or deputy), and, for the AMD of a care group, the
        Medical Directorate, HR and the trust's administrator, those of the managers they may arrange cover for."""
        return cover.list_covers(svc(), actor(), manager_id=args.get("manager"), current_only=args.get("current", False))

    @blp.arguments(CoverCreate)
    @blp.response(201, CoverOut)
    @document_errors(blp, 401, 403, 404, 409, 415, 422)
    def post(self, data):
        """Name a deputy for a date range: the manager themselves, or for them the AMD of their care group, the
        Medical Directorate, HR or the trust's administrator. Refused (409) over a cover already arranged for
        those days, or while the manager covers for someone else; refused (422, field named) for a deputy who is
        away, inactive, the manager, or managed by them."""
        a = actor()
        manager_id = data["manager_id"] or a.person_id
        c = cover.name_deputy(svc(), a, manager_id, data["deputy_id"], data["starts_on"], data["ends_on"],
                              data.get("reason"))
        return cover.get_cover(svc(), a, c.id), 201


@blp.route("/covers/<int(min=1, max=2147483647):cover_id>")
class CoverResource(MethodView):
    @blp.response(200, CoverOut)
    @document_errors(blp, 401, 404)
    def get(self, cover_id):
        return cover.get_cover(svc(), actor(), cover_id)


@blp.route("/covers/<int(min=1, max=2147483647):cover_id>/end")
class EndCover(MethodView):
    @blp.arguments(CoverEnd)
    @blp.response(200, CoverOut)
    @document_errors(blp, 401, 403, 404, 409, 415, 422)
    def post(self, data, cover_id):
        """End a cover now (or cancel one not begun): the manager, the deputy, or whoever may arrange one for the
        manager. The record stays."""
        cover.end_cover(svc(), actor(), cover_id, data.get("reason"))
        return cover.get_cover(svc(), actor(), cover_id)
