"""The audit log: of one case, or across the trust (what the caller may see), paginated or as CSV."""
from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow.service import audit

from web.api.common import actor, document_errors, svc
from web.api.schemas import EventPageSchema, EventsQuery, ExportQuery

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit log")
CSV_DOC = {"content": {"text/csv": {"schema": {"type": "string"}}}}


def _filters(args):
    return {k: args.get(k) for k in ("since", "until", "kind")}


def _page(args, case_id=None):
    p = audit.events_page(svc(), actor(), page=args["page"], page_size=args["page_size"], after=args.get("after"),
                          case_id=case_id, **_filters(args))
    return {"items": p.items, "total": p.total, "more_than": p.more_than, "page": p.page, "page_size": p.page_size,
            "next_after": p.next_after}


def _csv(args, case_id, name):
    chunks = audit.events_csv(svc(), actor(), case_id=case_id, **_filters(args))
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/audit/events")
class TrustEvents(MethodView):
    @blp.arguments(EventsQuery, location="query")
    @blp.response(200, EventPageSchema)
    @document_errors(blp, 401, 422)
    def get(self, args):
        """Every event the caller may see: the whole trust for the offices (002 7.6.8 master log)."""
        return _page(args)


@blp.route("/audit/events.csv")
class TrustEventsCsv(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.response(200, description="CSV export", content_type="text/csv")
    @document_errors(blp, 401, 422)
    def get(self, args):
        return _csv(args, None, "audit-events.csv")


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/events")
class CaseEvents(MethodView):
    @blp.arguments(EventsQuery, location="query")
    @blp.response(200, EventPageSchema)
    @document_errors(blp, 401, 404, 422)
    def get(self, args, case_id):
        return _page(args, case_id)


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/events.csv")
class CaseEventsCsv(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.response(200, description="CSV export", content_type="text/csv")
    @document_errors(blp, 401, 404, 422)
    def get(self, args, case_id):
        return _csv(args, case_id, f"case-{case_id}-events.csv")
