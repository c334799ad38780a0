"""A policy's state diagram, with a case's current state marked. The diagram is drawn by mermaid in
the browser; the same information is always on the page as a table, so it works without JavaScript
and with a screen reader."""
from __future__ import annotations

from flask import abort, render_template, request

from workflow.errors import NotFound
from workflow.policy.diagram import mermaid

from web.services import service
from web.pages import bp
from web.pages.session import signed_in


@bp.get("/policies/<policy_id>/<int:version>/<workflow>")
@signed_in
def diagram(actor, policy_id, version, workflow):
    svc = service()
    try:
        policy = svc.policies.get(policy_id, version)
    except NotFound:
        abort(404)
    if workflow not in policy.workflows:
        abort(404)
    wf = policy.workflow(workflow)
    current, case = None, None
    case_id = request.args.get("case", type=int)
    if case_id:
        try:
            case = svc.get_case(actor, case_id)
        except NotFound:
            abort(404)
        if (case.policy_id, case.policy_version, case.workflow) == (policy_id, version, workflow):
            current = case.state
    return render_template("pages/diagram.html", policy=policy, wf=wf, current=current, case=case,
                           diagram=mermaid(wf, current, steps="title"))
