"""Errors as RFC 9457 problem documents (``application/problem+json``). Every refusal of the service
layer (``workflow.errors``) is mapped to a status here and nowhere else."""
from __future__ import annotations

from flask import Response, json, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from workflow import errors as wf
from workflow.service.documents import DocumentTooLarge

PROBLEM_TYPE_BASE = "https://jobplan.example/problems/"
PROBLEM_JSON = "application/problem+json"

# One table: the service's error type -> HTTP status.
STATUS_OF = {
    DocumentTooLarge: 413,          # before InvalidPayload, of which it is a kind
    wf.NotFound: 404,               # not there, or the caller may not know it is
    wf.PermissionDenied: 403,
    wf.UnknownTrigger: 422,
    wf.InvalidPayload: 422,
    wf.TriggerNotAllowedInState: 409,
    wf.ConditionFailed: 409,
    wf.StaleVersion: 409,
    wf.PolicyError: 500,
}


class ProblemSchema(Schema):
    """RFC 9457 problem details; ``errors`` holds marshmallow's field errors on 422."""

    type = fields.String(metadata={"description": "URI naming the kind of problem"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    code = fields.String(metadata={"description": "Short machine-readable name of the problem"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "On 422, for schema and step errors alike: field name -> messages "
                                                  "(nested for a nested field)"})
    location = fields.String(metadata={"description": "On 422: where the fields were read: json, query, files, "
                                                      "or payload (a step's payload)"})


def problem(status: int, title: str, detail: str | None = None, *, code: str | None = None, errors=None,
            headers=None, location: str | None = None) -> Response:
    body = {"type": PROBLEM_TYPE_BASE + (code or str(status)), "title": title, "status": status,
            "instance": request.path}
    if code:
        body["code"] = code
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if location:
        body["location"] = location
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def from_workflow_error(exc: wf.WorkflowError) -> Response:
    status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 500)
    title = {404: "Not Found", 403: "Forbidden", 409: "Conflict", 413: "Content Too Large",
             422: "Unprocessable Content"}.get(status, "Error")
    errs = exc.details.get("fields") if isinstance(exc, wf.InvalidPayload) else None
    if status == 422:  # one shape with the request schema's errors: fields at the top, where they were read beside
        return problem(422, title, exc.message, code=exc.code, errors=errs, location="payload")
    return problem(status, title, exc.message, code=exc.code, errors=errs)


def page_for_workflow_error(exc: wf.WorkflowError):
    """A refusal a page did not handle itself: the same status as the API's, on Flask's error page (a
    message missing or someone else's is a 404, never a 500)."""
    from flask import render_template
    from werkzeug.exceptions import default_exceptions

    status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 500)
    if status == 500:
        raise exc
    if status == 403:
        return render_template("pages/forbidden.html", message=exc.message), 403
    return default_exceptions[status](exc.message)


def from_http_exception(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    detail = data.get("message") or exc.description
    headers = dict(data.get("headers") or {})
    if exc.code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="jobplan"')
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    location = None
    if exc.code == 422 and isinstance(errors, dict) and errors and set(errors) <= _LOCATIONS:
        # One 422 shape (issue 17 item 9): field -> messages at the top, as a step's payload errors are; where
        # they were found (json, query, files...) beside them.
        location = ", ".join(sorted(errors))
        errors = {name: msgs for where in sorted(errors) for name, msgs in errors[where].items()}
        return problem(422, "Unprocessable Content", detail, code="invalid_input", errors=errors, headers=headers,
                       location=location)
    return problem(exc.code or 500, exc.name, detail, code=_code(exc), errors=errors, headers=headers)


_LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "cookies", "path", "json_or_form"}


def _code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_")


def wants_problem() -> bool:
    return request.path.startswith("/api/")
