"""A job plan: the version in force, the version being agreed, the history, the differences, and the plan
as a PDF (WeasyPrint) with who signed which version and when."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Response, abort, render_template, request

from workflow.errors import NotFound
from workflow.service import plans as plan_service
from workflow.service.plan_document import plan_record

from web.services import service
from web.pages import bp
from web.pages.session import signed_in

PDF_CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "plan-pdf.css"


@bp.get("/plans/<int:plan_id>")
@signed_in
def plan_page(actor, plan_id):
    svc = service()
    try:
        plan = plan_service.get_plan(svc, actor, plan_id)
        a = request.args.get("from", type=int)
        b = request.args.get("to", type=int)
        diff = plan_service.describe_changes(svc, actor, plan_id, a, b) if a and b else None
        record = plan_record(svc, actor, plan_id, request.args.get("version", type=int))
    except NotFound:
        abort(404)
    current = plan_service.version(plan, record.doc.version)
    signed_by = {s.version: [] for s in record.doc.signatures}
    for s in record.doc.signatures:
        signed_by[s.version].append(f"{s.role} ({s.name})")
    return render_template("pages/plan.html", plan=plan, current=current, in_force=plan_service.in_force(plan),
                           diff=diff, compare=(a, b), can_edit=plan_service.may_edit(svc, actor, plan),
                           record=record, signed_by=signed_by,
                           policy_title=svc.policies.latest(plan.policy_id).title)


@bp.get("/plans/<int:plan_id>/pdf")
@signed_in
def plan_pdf(actor, plan_id):
    """The plan as an A4 PDF: the same document as the page, the signatures and the sign-off's steps."""
    from weasyprint import CSS, HTML

    svc = service()
    try:
        record = plan_record(svc, actor, plan_id, request.args.get("version", type=int))
    except NotFound:
        abort(404)
    html = render_template("print/plan.html", record=record, printed=svc.clock.now())
    # Nothing is fetched while rendering: the page has no external resources, and the fetcher refuses any.
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])
    name = re.sub(r"[^A-Za-z0-9]+", "-", record.doc.title).strip("-").lower()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}-v{record.doc.version}.pdf"'})


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"the plan PDF loads nothing from outside ({url})")
