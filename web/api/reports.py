"""The governance reports (002 7.6.8-7.6.12, 7.10, section 10; 004 KPIs and consistency panel) as JSON,
CSV or XLSX. Who may read them, and what each may see, is decided by workflow.service.reports."""
from __future__ import annotations

from flask import Response, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow.service.reports import audit
from workflow.service.reports.catalogue import REPORTS, TITLES, json_rows, run, stream

from web.api.common import actor, document_errors, svc

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Governance reports")
FILE_DOC = {"content": {"text/csv": {"schema": {"type": "string"}},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                            {"schema": {"type": "string", "format": "binary"}}}}


class ReportIndexSchema(Schema):
    name = fields.String()
    title = fields.String()


class ColumnSchema(Schema):
    key = fields.String()
    label = fields.String()


class ReportSchema(Schema):
    name = fields.String()
    title = fields.String()
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.Dict(keys=fields.String()))
    notes = fields.List(fields.String())
    page = fields.Integer(allow_none=True, metadata={"description": "a paged report (master_log): this page"})
    more = fields.Boolean(metadata={"description": "a paged report: another page follows"})


class ReportQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))
    financial_year = fields.Integer(validate=validate.Range(min=2000, max=2200))
    sample_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    care_group_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    person_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    escalated_only = fields.Boolean()
    open_only = fields.Boolean()
    page = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class DrawSampleSchema(Schema):
    financial_year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2200))


class SampleSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    fraction = fields.Float()
    seed = fields.String()
    population = fields.List(fields.Integer())
    sample = fields.List(fields.Integer())


@blp.route("/reports")
class ReportIndex(MethodView):
    @blp.response(200, ReportIndexSchema(many=True))
    @document_errors(blp, 401)
    def get(self):
        """The reports available, by name."""
        return [{"name": n, "title": TITLES.get(n, n)} for n in REPORTS]


@blp.route("/reports/<string:name>")
class ReportResource(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, ReportSchema)
    @blp.doc(responses={"200": {"description": "The report: JSON rows, or with format=csv|xlsx a file to download",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
                                            **FILE_DOC["content"]}}})
    @document_errors(blp, 401, 403, 404, 422)
    def get(self, args, name):
        """One report: ``format=json`` (rows), ``csv`` or ``xlsx`` (a file to download)."""
        report = run(svc(), actor(), name, {k: v for k, v in request.args.items() if k != "format"},
                     download=args["format"] != "json")
        if args["format"] == "json":
            return {"name": report.name, "title": report.title,
                    "columns": [{"key": k, "label": label} for k, label in report.columns],
                    "rows": json_rows(report), "notes": report.notes, "page": report.page, "more": report.more}
        chunks, media_type, filename = stream(report, args["format"])
        return Response(stream_with_context(chunks), headers={"Content-Type": media_type,
                                       "Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/reports/audit_sample/draws")
class AuditSampleDraws(MethodView):
    @blp.arguments(DrawSampleSchema)
    @blp.response(201, SampleSchema)
    @document_errors(blp, 401, 403, 422)
    def post(self, args):
        """Draw the year's 10% audit sample of completed plans, with its seed recorded (002 section 10)."""
        return audit.draw_audit_sample(svc(), actor(), args["financial_year"])
