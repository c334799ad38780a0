"""The loaded policies: list, detail, and a diagram of each workflow."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow.rules.payload import FORMATS
from workflow.errors import NotFound
from workflow.policy.diagram import mermaid

from web.api.common import document_errors, svc
from web.api.schemas import DiagramQuery, DiagramSchema, PolicyDetailSchema, PolicyQuery, PolicySummarySchema

blp = Blueprint("policies", __name__, url_prefix="/api/v1", description="Policies and their workflows")


def _policy(policy_id, version):
    reg = svc().policies
    return reg.get(policy_id, version) if version else reg.latest(policy_id)


def _summary(p):
    return {"id": p.id, "version": p.version, "title": p.title, "staff_groups": list(p.staff_groups),
            "source_document": p.source_document, "source_title": p.source_title}


def _field(f):
    return {"name": f.name, "type": f.type, "required": f.required, "label": f.label, "choices": list(f.choices),
            "clause": f.clause, "format": FORMATS.get(f.type)}


@blp.route("/policies")
class Policies(MethodView):
    @blp.response(200, PolicySummarySchema(many=True))
    @document_errors(blp, 401)
    def get(self):
        """Every loaded policy version."""
        return [_summary(p) for p in sorted(svc().policies.all(), key=lambda p: (p.id, p.version))]


@blp.route("/policies/<string(maxlength=80):policy_id>")
class PolicyResource(MethodView):
    @blp.arguments(PolicyQuery, location="query")
    @blp.response(200, PolicyDetailSchema)
    @document_errors(blp, 401, 404, 422)
    def get(self, args, policy_id):
        """A policy (the newest version unless ``version`` is given): roles, workflows, states, steps."""
        p = _policy(policy_id, args.get("version"))
        body = _summary(p)
        body["roles"] = [{"name": r.name, "title": r.title, "scope": r.scope, "clause": r.clause}
                         for r in p.roles.values()]
        body["workflows"] = [{
            "name": w.name, "title": w.title, "initial": w.initial, "clause": w.clause, "started_by": list(w.started_by),
            "states": [{"name": s.name, "title": s.title, "final": s.final, "waiting_on": list(s.waiting_on),
                        "next_step": s.next_step, "clause": s.clause} for s in w.states],
            "transitions": [{"trigger": t.trigger, "title": t.title, "sources": list(t.sources), "dest": t.dest,
                             "roles": list(t.roles), "clause": t.clause, "conditions": list(t.conditions),
                             "reason_required": t.reason_required, "payload": [_field(f) for f in t.payload]}
                            for t in w.transitions]} for w in p.workflows.values()]
        return body


@blp.route("/policies/<string(maxlength=80):policy_id>/diagram")
class PolicyDiagram(MethodView):
    @blp.arguments(DiagramQuery, location="query")
    @blp.response(200, DiagramSchema(many=True))
    @document_errors(blp, 401, 404, 422)
    def get(self, args, policy_id):
        """Mermaid state diagrams of the policy's workflows (or of one, with ``workflow``)."""
        p = _policy(policy_id, args.get("version"))
        names = [args["workflow"]] if args.get("workflow") else list(p.workflows)
        if any(n not in p.workflows for n in names):
            raise NotFound(f"{p.id} has no workflow {names[0]!r}; it has {', '.join(p.workflows)}")
        return [{"policy_id": p.id, "version": p.version, "workflow": n, "format": "mermaid",
                 "text": mermaid(p.workflow(n))} for n in names]
