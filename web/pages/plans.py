"""A job plan: the version in force, the version being agreed, the history, and the differences."""
from __future__ import annotations

from flask import abort, render_template, request

from workflow.errors import NotFound
from workflow.service import plans as plan_service

from ..app import service
from . import bp
from .session import signed_in


@bp.get("/plans/<int:plan_id>")
@signed_in
def plan_page(actor, plan_id):
    svc = service()
    try:
        plan = plan_service.get_plan(svc, actor, plan_id)
        a = request.args.get("from", type=int)
        b = request.args.get("to", type=int)
        diff = plan_service.describe_changes(svc, actor, plan_id, a, b) if a and b else None
    except NotFound:
        abort(404)
    current = plan_service.version(plan, plan.current_version)
    return render_template("pages/plan.html", plan=plan, current=current, in_force=plan_service.in_force(plan),
                           diff=diff, compare=(a, b), can_edit=plan_service.may_edit(svc, actor, plan))
