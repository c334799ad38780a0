"""A body of the wrong content type is a 415 naming the type to send (issue 17 item 9), not a 422 about
missing fields: each operation's declared body location (flask-smorest's ``arguments``) says what it reads."""
from __future__ import annotations

from flask import current_app, request

from web.problems import problem

_BODY_METHODS = ("POST", "PUT", "PATCH")
_EXPECTED = {"json": "application/json", "files": "multipart/form-data", "form": "multipart/form-data"}


def _body_location(view) -> str | None:
    cls = getattr(view, "view_class", None)
    fn = getattr(cls, request.method.lower(), None) if cls is not None else view
    params = (getattr(fn, "_apidoc", {}) or {}).get("arguments", {}).get("parameters", [])
    return next((p["in"] for p in params if p["in"] in _EXPECTED), None)


def _matches(location: str) -> bool:
    mimetype = request.mimetype or ""
    if location == "json":
        return mimetype == "application/json" or mimetype.endswith("+json")
    return mimetype in ("multipart/form-data", "application/x-www-form-urlencoded")


def refuse_wrong_content_type():
    if request.method not in _BODY_METHODS or not request.path.startswith("/api/") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    location = _body_location(view) if view is not None else None
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if location is None or (not has_body and location == "json") or _matches(location):
        return None
    sent = request.mimetype or "no Content-Type"
    return problem(415, "Unsupported Media Type", f"this operation reads {_EXPECTED[location]}; the request sent "
                   f"{sent}", code="unsupported_media_type", headers={"Accept-Post": _EXPECTED[location]})
