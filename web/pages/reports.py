"""The dashboard (compliance against the 90% target, overdue deadlines, time in each stage, open
mediations and appeals) and the governance reports with CSV/XLSX downloads. The figures come from
workflow.reports; who may see them is decided there (report_scope)."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for

from workflow.errors import NotFound, PermissionDenied, WorkflowError
from workflow.reports import audit
from workflow.reports.catalogue import REPORTS, render
from workflow.reports.compliance import compliance_report
from workflow.reports.stages import headline_counts, stage_times

from ..app import service
from ..filters import LONDON
from . import bp
from .session import signed_in

INT_PARAMS = ("financial_year", "sample_id", "care_group_id", "person_id")
BOOL_PARAMS = ("escalated_only", "open_only")
TITLES = {
    "compliance": "Compliance: plans signed off in the last 12 months",
    "quarterly_completion": "Quarterly completion",
    "master_log": "Master log of job planning activity",
    "master_log_summary": "Master log: one line per person",
    "audit_sample": "Annual audit sample (10%)",
    "consistency": "Consistency with agreed splits",
    "risks": "Job planning risks",
    "capacity": "Team capacity",
    "stage_times": "Time spent in each stage",
}


def financial_year(today: date) -> int:
    return today.year if today.month >= 4 else today.year - 1


def _params(name: str) -> dict:
    params = {}
    for key in INT_PARAMS:
        if request.args.get(key):
            try:
                params[key] = int(request.args[key])
            except ValueError:
                abort(400, f"{key} must be a whole number")
    for key in BOOL_PARAMS:
        if request.args.get(key) in ("1", "true", "yes"):
            params[key] = True
    if name == "quarterly_completion" and "financial_year" not in params:
        params["financial_year"] = financial_year(service().clock.now().astimezone(LONDON).date())
    if name != "quarterly_completion":
        params.pop("financial_year", None)
    if name != "audit_sample":
        params.pop("sample_id", None)
    return params


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


@bp.get("/reports/<name>")
@signed_in
def report_page(actor, name):
    fn = REPORTS.get(name)
    if fn is None:
        abort(404)
    params = _params(name)
    if name == "audit_sample" and "sample_id" not in params:
        return render_template("pages/audit_sample_start.html",
                               year=financial_year(service().clock.now().astimezone(LONDON).date()))
    try:
        report = fn(service(), actor, **params)
    except PermissionDenied as exc:
        return render_template("pages/forbidden.html", message=exc.message), 403
    except NotFound:
        abort(404)
    return render_template("pages/report.html", report=report, name=name, params=params)


@bp.get("/reports/<name>.<fmt>")
@signed_in
def report_download(actor, name, fmt):
    fn = REPORTS.get(name)
    if fn is None or fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        report = fn(service(), actor, **_params(name))
    except PermissionDenied:
        abort(403)
    except (NotFound, TypeError):
        abort(404)
    body, media_type, filename = render(report, fmt)
    return Response(body, mimetype=media_type.split(";")[0], headers={
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
