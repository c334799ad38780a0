"""Documents attached to a case as evidence; their ids go in a trigger's ``documents`` payload field."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from workflow.service import documents

from web.api.common import actor, document_errors, svc
from web.api.schemas import DocumentSchema, DocumentUpload

blp = Blueprint("documents", __name__, url_prefix="/api/v1", description="Evidence documents of a case")


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/documents")
class CaseDocuments(MethodView):
    @blp.response(200, DocumentSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 404)
    def get(self, case_id):
        return documents.list_documents(svc(), actor(), case_id)

    @blp.arguments(DocumentUpload, location="files")
    @blp.response(201, DocumentSchema)
    @document_errors(blp, 401, 403, 404, 413, 422)
    def post(self, files, case_id):
        """Attach a document (PDF, PNG, JPEG, text, CSV, DOCX, XLSX; at most 10 MB). Stored with its
        SHA-256 and never overwritten."""
        f = files["file"]
        content = f.read(documents.MAX_DOCUMENT_BYTES + 1)
        return documents.attach_document(svc(), actor(), case_id, f.filename or "", f.mimetype or "", content), 201


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/documents/<int(min=1, max=2147483647):document_id>")
class CaseDocument(MethodView):
    @blp.response(200, DocumentSchema)
    @document_errors(blp, 401, 404)
    def get(self, case_id, document_id):
        return documents.get_document(svc(), actor(), case_id, document_id)


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/documents/<int(min=1, max=2147483647):document_id>/content")
class CaseDocumentContent(MethodView):
    @blp.response(200, description="The stored bytes", content_type="application/octet-stream")
    @document_errors(blp, 401, 404)
    def get(self, case_id, document_id):
        doc = documents.get_document(svc(), actor(), case_id, document_id)
        return Response(doc.content, mimetype=doc.content_type,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
                                 "Digest": f"sha-256={doc.sha256}", "X-Content-Type-Options": "nosniff"})
