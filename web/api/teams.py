"""Team job plans (002 7.4: agreed before the individual plans of the team) and a team's capacity in WTE (003)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from marshmallow import Schema, fields, validate

from workflow.service import plans

from web.api.common import IF_MATCH, actor, document_errors, etag, expected_version, svc
from web.api.schemas import CONTENT_DOC, JobPlanSchema, JobPlanVersionSchema, PlanContent, PlanEditSchema, Strict

blp = Blueprint("teams", __name__, url_prefix="/api/v1", description="Team job plans and capacity (002 7.4; 003)")
ETAG = {"ETag": {"schema": {"type": "string"}, "description": "Send it back in If-Match to change the team plan"}}


class TeamPlanCreateSchema(Strict):
    policy_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    content = PlanContent(required=True, metadata=CONTENT_DOC)
    period_start = fields.Date(load_default=None, allow_none=True)


class CapacitySchema(Schema):
    team_id = fields.Integer()
    staff = fields.Integer()
    wte = fields.Float(metadata={"description": "Whole-time equivalents (003)"})
    clinical_wte = fields.Float(metadata={"description": "WTE of direct clinical care"})
    non_clinical_wte = fields.Float()
    wte_by_category = fields.Dict(keys=fields.String(), values=fields.Float())
    wte_without_plan = fields.Float(metadata={"description": "WTE of members with no plan, from their contract"})


def _etag(plan):
    return {"ETag": etag("plan", plan.id, plan.row_version)}


@blp.route("/teams/<int(min=1, max=2147483647):team_id>/plans")
class TeamPlans(MethodView):
    @blp.response(200, JobPlanSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 404)
    def get(self, team_id):
        """The team's job plans the caller may see, newest first."""
        return plans.list_team_plans(svc(), actor(), team_id)

    @blp.arguments(TeamPlanCreateSchema)
    @blp.response(201, JobPlanSchema, headers=ETAG)
    @document_errors(blp, 401, 403, 404, 415, 422)
    def post(self, data, team_id):
        """Draft the team's job plan (a clinical manager of the team, the care group's AMD or the Medical
        Directorate; 002 7.4.1)."""
        plan = plans.create_team_plan(svc(), actor(), team_id, data["content"], policy_id=data["policy_id"],
                                      period_start=data["period_start"])
        return plan, 201, _etag(plan)


@blp.route("/teams/<int(min=1, max=2147483647):team_id>/capacity")
class TeamCapacity(MethodView):
    @blp.response(200, CapacitySchema)
    @document_errors(blp, 401, 404)
    def get(self, team_id):
        """The team's staff, WTE and WTE by category (003), from each member's agreed plan, else their draft."""
        c = plans.team_capacity(svc(), actor(), team_id)
        return {"team_id": team_id, "staff": c.staff, "wte": round(c.wte, 2), "clinical_wte": round(c.clinical_wte, 2),
                "non_clinical_wte": round(c.non_clinical_wte, 2),
                "wte_by_category": {k: round(v, 2) for k, v in c.wte_by_category.items()},
                "wte_without_plan": round(sum(c.without_plan), 2)}


@blp.route("/team-plans/<int(min=1, max=2147483647):plan_id>")
class TeamPlanResource(MethodView):
    @blp.arguments(PlanEditSchema)
    @blp.response(200, JobPlanVersionSchema, headers=ETAG)
    @document_errors(blp, 401, 403, 404, 409, 415, 422, 428)
    @blp.doc(parameters=[IF_MATCH])
    def put(self, data, plan_id):
        """A new version of the team plan (an agreed one stays agreed at its agreed version). Needs If-Match."""
        s = svc()
        plans.get_plan(s, actor(), plan_id)  # 404 before 428 for a plan the caller may not see
        version = plans.edit_team_plan(s, actor(), plan_id, data["content"],
                                       expected_version=expected_version("plan", plan_id), note=data["note"])
        return version, 200, _etag(version.job_plan)


@blp.route("/team-plans/<int(min=1, max=2147483647):plan_id>/agree")
class AgreeTeamPlan(MethodView):
    @blp.response(200, JobPlanSchema, headers=ETAG)
    @document_errors(blp, 401, 403, 404, 409, 428)
    @blp.doc(parameters=[IF_MATCH])
    def post(self, plan_id):
        """Record the team plan's current version as agreed (002 7.4): the members' plans stop warning that the
        team has no agreed team job plan. Needs If-Match."""
        s = svc()
        plans.get_plan(s, actor(), plan_id)
        plan = plans.agree_team_plan(s, actor(), plan_id, expected_version=expected_version("plan", plan_id))
        return plan, 200, _etag(plan)

