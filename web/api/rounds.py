"""The annual round (issue 17 item 5): start this year's sign-offs for a team, a care group or the trust, run
them in batches, and read the progress by team."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from marshmallow import Schema, fields, validate

from workflow.service import rounds

from web.api.common import actor, document_errors, svc

blp = Blueprint("rounds", __name__, url_prefix="/api/v1", description="The annual job planning round")

_ID = validate.Range(min=1, max=2147483647)
_SIZE = validate.Range(min=1, max=rounds.MAX_BATCH)


class RoundStartSchema(Schema):
    org_unit_id = fields.Integer(required=True, validate=_ID, metadata={"description": "A team, care group or the trust"})
    batch_size = fields.Integer(load_default=rounds.BATCH, validate=_SIZE,
                                metadata={"description": "People handled in the first batch"})


class BatchSchema(Schema):
    batch_size = fields.Integer(load_default=rounds.BATCH, validate=_SIZE)


class CountsSchema(Schema):
    not_started = fields.Integer()
    meeting_held = fields.Integer()
    signed = fields.Integer()
    approved = fields.Integer()
    disputed = fields.Integer()
    overdue = fields.Integer(metadata={"description": "Counted beside the stage: a case may be both"})
    skipped = fields.Integer()


class TeamProgressSchema(Schema):
    team_id = fields.Integer()
    team = fields.String()
    people = fields.Integer()
    counts = fields.Nested(CountsSchema)


class SkippedSchema(Schema):
    person_id = fields.Integer()
    name = fields.String()
    reason = fields.String()


class RoundSchema(Schema):
    id = fields.Integer()
    org_unit_id = fields.Integer()
    org_unit = fields.String()
    year = fields.Integer()
    started_at = fields.DateTime(format="iso")
    finished_at = fields.DateTime(format="iso", allow_none=True)
    total = fields.Integer(metadata={"description": "People the round covers"})
    handled = fields.Integer(metadata={"description": "People handled so far (started or skipped)"})
    finished = fields.Boolean()


class RoundProgressSchema(RoundSchema):
    totals = fields.Nested(CountsSchema)
    teams = fields.List(fields.Nested(TeamProgressSchema))
    skipped = fields.List(fields.Nested(SkippedSchema))


def _summary(rnd, handled: int) -> dict:
    return {"id": rnd.id, "org_unit_id": rnd.org_unit_id, "org_unit": rnd.org_unit.name, "year": rnd.year,
            "started_at": rnd.started_at, "finished_at": rnd.finished_at, "total": rnd.total, "handled": handled,
            "finished": rnd.finished_at is not None}


def _counts(counter) -> dict:
    return {k: counter.get(k, 0) for k in rounds.STATUSES}


def progress_body(s, who, round_id: int) -> dict:
    p = rounds.progress(s, who, round_id)
    return {**_summary(p.round, p.handled), "totals": _counts(p.totals),
            "teams": [{"team_id": t.team.id, "team": t.team.name, "people": t.people, "counts": _counts(t.counts)}
                      for t in p.teams],
            "skipped": [{"person_id": m.person_id, "name": m.person.name, "reason": m.reason} for m in p.skipped]}


@blp.route("/rounds")
class Rounds(MethodView):
    @blp.response(200, RoundSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401)
    def get(self):
        """The rounds the caller may run (the job planning lead: all; an AMD: their care group's), newest first."""
        return [_summary(r, len(r.members)) for r in rounds.list_rounds(svc(), actor())]

    @blp.arguments(RoundStartSchema)
    @blp.response(201, RoundProgressSchema)
    @document_errors(blp, 401, 403, 404, 415, 422)
    def post(self, body):
        """Start this year's round over a unit and run its first batch (002 7.5, 7.7.1). Starting it again
        resumes the same round: nobody gets a second sign-off."""
        s, who = svc(), actor()
        rnd = rounds.start_round(s, who, body["org_unit_id"])
        rounds.run_batch(s, who, rnd.id, body["batch_size"])
        return progress_body(s, who, rnd.id), 201


@blp.route("/rounds/<int(min=1, max=2147483647):round_id>")
class RoundResource(MethodView):
    @blp.response(200, RoundProgressSchema)
    @document_errors(blp, 401, 404)
    def get(self, round_id):
        """Progress by team: not started, meeting held, signed, approved, disputed; overdue beside them."""
        return progress_body(svc(), actor(), round_id)


@blp.route("/rounds/<int(min=1, max=2147483647):round_id>/batches")
class RoundBatches(MethodView):
    @blp.arguments(BatchSchema)
    @blp.response(200, RoundProgressSchema)
    @document_errors(blp, 401, 404, 415, 422)
    def post(self, body, round_id):
        """Run the round's next batch; a finished round is answered as it is (nothing is added)."""
        s, who = svc(), actor()
        rounds.run_batch(s, who, round_id, body["batch_size"])
        return progress_body(s, who, round_id)
