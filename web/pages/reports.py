"""The dashboard (compliance against the 90% target, overdue deadlines, time in each stage, open
mediations and appeals) and the governance reports with CSV/XLSX downloads. The figures come from
workflow.service.reports; who may see them is decided there (report_scope)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for

from workflow.errors import InvalidPayload, NotFound, PermissionDenied, WorkflowError
from workflow.service.reports import audit
from workflow.service.reports.catalogue import PAGED, REPORTS, TITLES, financial_year, run, stream
from workflow.service.reports.compliance import compliance_report, quarterly_completion
from workflow.service.reports.stages import headline_counts, stage_times
from workflow.service.reports.trend import compliance_trend

from web.services import service
from web.filters import trust_tz
from web import report_view
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
        trend = compliance_trend(svc, actor)
        year = financial_year(svc.clock.now().astimezone(trust_tz()).date())
        quarters = quarterly_completion(svc, actor, year)
    except PermissionDenied as exc:
        return render_template("pages/forbidden.html", message=exc.message), 403
    groups = {}
    for row in compliance.rows:
        groups.setdefault(row["dimension"], []).append(row)
    names = report_view.titles(svc.policies)
    whole_year = [r for r in quarters.rows if r["care_group"] == "(all)"]
    backlog = [r for r in stages.rows if r["open_now"]]
    return render_template(
        "pages/dashboard.html", compliance=compliance, groups=groups, stages=stages, counts=counts, trend=trend,
        quarters=whole_year, year=year, backlog=backlog, descriptions=report_view.DESCRIPTIONS,
        staff_group=lambda code: report_view.cell("staff_group", code, names),
        trend_points=[(f"{r['as_of']:%b %Y}", r["share"]) for r in trend.rows],
        quarter_points=[(r["quarter"].rsplit(" ", 1)[-1], r["signed_off_in_quarter"]) for r in whole_year],
        backlog_points=[(f"{r['workflow']}: {r['stage']}", r["open_now"]) for r in backlog],
        stage_points=[(f"{r['workflow']}: {r['stage']}", r["median_days"]) for r in stages.rows])


@bp.get("/reports")
@signed_in
def report_index(actor):
    return render_template("pages/reports.html", reports=[(n, TITLES.get(n, n), report_view.DESCRIPTIONS.get(n))
                                                          for n in REPORTS])


def _query() -> dict:
    return {k: v for k, v in request.args.items() if v}


SORT_ARGS = ("sort", "dir")


def _sorting(report, name: str) -> tuple[str | None, bool]:
    """The column to sort by (``?sort=``) and its direction (``?dir=desc``), checked against the report's
    columns; a paged report keeps its own order (a page cannot be sorted apart from the rest)."""
    key, direction = request.args.get("sort") or None, request.args.get("dir") or "asc"
    if key is None:
        return None, False
    if name in PAGED:
        abort(400, f"the {TITLES.get(name, name)} report is in time order and cannot be sorted")
    if key not in report.keys:
        abort(400, f"sort: the report has no column {key!r}; columns: {', '.join(report.keys)}")
    if direction not in ("asc", "desc"):
        abort(400, "dir: use asc or desc")
    return key, direction == "desc"


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
    sort, descending = _sorting(report, name)
    rows = report_view.sort_rows(report.rows, sort, descending)
    names = report_view.titles(service().policies)
    params = {k: v for k, v in _query().items() if k not in SORT_ARGS}
    return render_template("pages/report.html", report=report, rows=rows, name=name, params=params, sort=sort,
                           descending=descending, sortable=name not in PAGED,
                           description=report_view.DESCRIPTIONS.get(name), view=report_view, names=names)


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
