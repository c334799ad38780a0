"""A job plan: the version in force, the version being agreed, the history, the differences, and the plan
as a PDF (WeasyPrint) with who signed which version and when."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Response, abort, redirect, render_template, request, url_for

from workflow.errors import InvalidPayload, NotFound
from workflow.service import plan_compare
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
        if a and b:  # the old link to a comparison of two of this plan's versions
            return redirect(url_for("pages.plan_compare_page", plan_id=plan_id, **{"from": f"{plan_id}-{a}",
                                                                             "to": f"{plan_id}-{b}"}))
        record = plan_record(svc, actor, plan_id, request.args.get("version", type=int))
    except NotFound:
        abort(404)
    current = plan_service.version(plan, record.doc.version)
    signed_by = {s.version: [] for s in record.doc.signatures}
    for s in record.doc.signatures:
        signed_by[s.version].append(f"{s.role} ({s.name})")
    return render_template("pages/plan.html", plan=plan, current=current, in_force=plan_service.in_force(plan),
                           can_edit=plan_service.may_edit(svc, actor, plan),
                           record=record, signed_by=signed_by,
                           policy_title=svc.policies.latest(plan.policy_id).title)


@bp.get("/plans/<int:plan_id>/compare")
@signed_in
def plan_compare_page(actor, plan_id):
    """Any two versions side by side: two pickers over every version of the person's plans the reader may see
    (this year's plan against last year's too), and the changes in the editor's words (issue 18 item 6)."""
    svc = service()
    try:
        plan = plan_service.get_plan(svc, actor, plan_id)
        choices = plan_compare.choices(svc, actor, plan_id)
    except NotFound:
        abort(404)
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    if raw_from is None and raw_to is None:  # by default: the version before the latest, against the latest
        here = next(c for c in choices if c.plan_id == plan.id)
        older = here.versions[1] if len(here.versions) > 1 else next(
            (c.versions[0] for c in choices if c.plan_id != plan.id and c.versions), here.versions[0])
        raw_from, raw_to = older.key, here.versions[0].key
    errors, comparison = {}, None
    try:
        old = plan_compare.parse_key(raw_from, "from")
        new = plan_compare.parse_key(raw_to, "to")
        comparison = plan_compare.compare(svc, actor, old, new)
    except InvalidPayload as exc:
        errors = {k: v[0] for k, v in (exc.details.get("fields") or {}).items()}
    except NotFound:
        errors = {"from": "choose a version from the list"}
    return render_template("pages/plan_compare.html", plan=plan, choices=choices, chosen=(raw_from, raw_to),
                           comparison=comparison, errors=errors,
                           titles={c.plan_id: c.title for c in choices}), 422 if errors else 200


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
