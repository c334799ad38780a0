"""The dashboard (compliance against the 90% target, overdue deadlines, time in each stage, open
mediations and appeals) and the governance reports with CSV/XLSX downloads. The figures come from
workflow.service.reports; who may see them is decided there (report_scope)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for

from workflow.errors import InvalidPayload, NotFound, PermissionDenied, WorkflowError
from workflow.service.reports import audit
from workflow.service.reports.catalogue import REPORTS, TITLES, financial_year, run, stream
from workflow.service.reports.compliance import compliance_report
from workflow.service.reports.stages import headline_counts, stage_times

from web.services import service
from web.filters import trust_tz
from web.pages import bp
from web.pages.session import signed_in

@bp.get("/dashboard")
@signed_in
def dashboard(actor):
    svc = service()
    try:
        compliance = compliance_report(svc, actor)
        stages = stage_times(svc, actor)
        counts = headline_counts(svc, actor)
    except PermissionDenied as exc:
        return render_template("pages/forbidden.html", message=exc.message), 403
    groups = {}
    for row in compliance.rows:
        groups.setdefault(row["dimension"], []).append(row)
    return render_template("pages/dashboard.html", compliance=compliance, groups=groups, stages=stages,
                           counts=counts)


@bp.get("/reports")
@signed_in
def report_index(actor):
    return render_template("pages/reports.html", reports=[(n, TITLES.get(n, n)) for n in REPORTS])


def _query() -> dict:
    return {k: v for k, v in request.args.items() if v}


@bp.get("/reports/<name>")
@signed_in
def report_page(actor, name):
    if name == "audit_sample" and not request.args.get("sample_id"):
        return render_template("pages/audit_sample_start.html",
                               year=financial_year(service().clock.now().astimezone(trust_tz()).date()))
    try:
        report = run(service(), actor, name, _query())
    except PermissionDenied as exc:
        return render_template("pages/forbidden.html", message=exc.message), 403
    except NotFound:
        abort(404)
    except InvalidPayload as exc:
        abort(400, exc.message)
    return render_template("pages/report.html", report=report, name=name, params=_query())


@bp.get("/reports/<name>.<fmt>")
@signed_in
def report_download(actor, name, fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        report = run(service(), actor, name, _query(), download=True)
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)
    except InvalidPayload as exc:
        abort(400, exc.message)
    chunks, media_type, filename = stream(report, fmt)
    return Response(stream_with_context(chunks), mimetype=media_type.split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": media_type})


@bp.post("/reports/audit_sample")
@signed_in
def draw_audit_sample(actor):
    year = request.form.get("financial_year", type=int)
    if not year:
        abort(400, "financial_year is required")
    try:
        sample = audit.draw_audit_sample(service(), actor, year)
    except PermissionDenied as exc:
        return render_template("pages/forbidden.html", message=exc.message), 403
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.report_page", name="audit_sample"))
    return redirect(url_for("pages.report_page", name="audit_sample", sample_id=sample.id))
