"""Job plans, their versions, and the difference between two versions."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page

from workflow.service import plans

from web.api.common import IF_MATCH, actor, document_errors, etag, expected_version, svc
from web.api.schemas import (DiffQuery, DiffSchema, JobPlanSchema, JobPlanVersionSchema, PlanCreateSchema, PlanEditSchema,
                      PlansQuery)

blp = Blueprint("plans", __name__, url_prefix="/api/v1", description="Job plans and their versions")


def _with_etag(plan):
    return plan, 200, {"ETag": etag("plan", plan.id, plan.row_version)}


@blp.route("/plans")
class Plans(MethodView):
    @blp.arguments(PlansQuery, location="query")
    @blp.response(200, JobPlanSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 422)
    def get(self, args):
        """Job plans the caller may see."""
        return plans.list_plans(svc(), actor(), person_id=args.get("person"))

    @blp.arguments(PlanCreateSchema)
    @blp.response(201, JobPlanSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @document_errors(blp, 401, 403, 404, 422)
    def post(self, data):
        """Draft a job plan for a person (the practitioner or their clinical manager)."""
        plan = svc().create_job_plan(actor(), data["person_id"], data["content"], policy_id=data["policy_id"],
                                     interim=data["interim"])
        return plan, 201, {"ETag": etag("plan", plan.id, plan.row_version)}


@blp.route("/plans/<int(min=1, max=2147483647):plan_id>")
class PlanResource(MethodView):
    @blp.response(200, JobPlanSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @document_errors(blp, 401, 404)
    def get(self, plan_id):
        return _with_etag(plans.get_plan(svc(), actor(), plan_id))

    @blp.arguments(PlanEditSchema)
    @blp.response(200, JobPlanVersionSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @document_errors(blp, 401, 403, 404, 409, 422, 428)
    @blp.doc(parameters=[IF_MATCH])
    def put(self, data, plan_id):
        """Edit the plan: a new version. Needs If-Match with the plan's ETag; signatures stay on the old
        version, so both sign again (002 7.5)."""
        s = svc()
        plans.get_plan(s, actor(), plan_id)  # 404 before 428 for a plan the caller may not see
        version = s.edit_job_plan(actor(), plan_id, data["content"],
                                  expected_version=expected_version("plan", plan_id), note=data["note"])
        plan = plans.get_plan(s, actor(), plan_id)
        return version, 200, {"ETag": etag("plan", plan.id, plan.row_version)}


@blp.route("/plans/<int(min=1, max=2147483647):plan_id>/versions")
class PlanVersions(MethodView):
    @blp.response(200, JobPlanVersionSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 404)
    def get(self, plan_id):
        return plans.get_plan(svc(), actor(), plan_id).versions


@blp.route("/plans/<int(min=1, max=2147483647):plan_id>/versions/<int(min=1, max=2147483647):number>")
class PlanVersion(MethodView):
    @blp.response(200, JobPlanVersionSchema)
    @document_errors(blp, 401, 404)
    def get(self, plan_id, number):
        return plans.get_version(svc(), actor(), plan_id, number)


@blp.route("/plans/<int(min=1, max=2147483647):plan_id>/diff")
class PlanDiff(MethodView):
    @blp.arguments(DiffQuery, location="query")
    @blp.response(200, DiffSchema)
    @document_errors(blp, 401, 404, 422)
    def get(self, args, plan_id):
        """What changed from version ``from`` to version ``to``, as a JSON Patch."""
        patch = plans.diff_versions(svc(), actor(), plan_id, args["from_"], args["to"])
        return {"plan_id": plan_id, "from_": args["from_"], "to": args["to"], "patch": patch}
