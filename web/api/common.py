"""Small pieces every resource uses: the service, the caller, ETag / If-Match, documented errors."""
from __future__ import annotations

import re

from flask import abort, request

from workflow.errors import StaleVersion

from web.api.auth import actor  # noqa: F401  (re-exported for the resources)

_ETAG = re.compile(r'^\s*(?:W/)?"(?P<kind>[a-z]+)-(?P<id>\d+)-v(?P<v>\d+)"\s*$')

# Errors every authenticated operation may answer with.
COMMON_ERRORS = (401, 403, 404, 422)


def svc():
    from web.services import service

    return service()


def etag(kind: str, obj_id: int, version: int) -> str:
    return f'"{kind}-{obj_id}-v{version}"'


def expected_version(kind: str, obj_id: int) -> int:
    """The version the caller says it changed, from If-Match (required on every change: 428 without it;
    a tag for another thing or version is a 409 from the service, as a stale version)."""
    value = request.headers.get("If-Match")
    if not value:
        abort(428, f"send If-Match with the ETag of {kind} {obj_id} you last read")
    m = _ETAG.match(value)
    if not m or m["kind"] != kind or int(m["id"]) != obj_id:
        raise StaleVersion(f"If-Match {value} does not name the current version of {kind} {obj_id}; reload it")
    return int(m["v"])


IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The ETag of the version you last read (428 without it; 409 when it is not current)"}


def document_errors(blp, *codes):
    """Declare error responses in the OpenAPI document (all bodies are problem documents)."""
    def wrap(fn):
        for code in codes:
            fn = blp.alt_response(code, description=_DESCRIPTIONS.get(code, "Error"))(fn)
        return fn
    return wrap


_DESCRIPTIONS = {400: "Bad request", 401: "Not signed in, or the API token is unknown or revoked",
                 403: "Not allowed for the caller's roles",
                 404: "Not found, or the caller may not know it exists", 409: "Stale version or wrong state",
                 413: "Upload too large", 415: "Unsupported media type",
                 422: "Invalid input, with field errors", 428: "If-Match is required"}
