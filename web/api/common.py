"""Small pieces every resource uses: the service, the caller, ETag / If-Match, documented errors."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from flask import abort, request
from flask_smorest import Blueprint

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


class ListBlueprint(Blueprint):
    """A blueprint whose long lists page by keyset (``workflow.service.keyset``): the view hands the page it read
    to ``keyset_page``, and the answer carries X-Pagination (the total when at most 1,000, else ``more_than``;
    the page number when asked by number; ``next_cursor``) and a ``Link: <…>; rel="next"`` header."""

    def _set_pagination_metadata(self, page_params, result, headers):
        page = getattr(page_params, "keyset", None)
        if page is None:
            return super()._set_pagination_metadata(page_params, result, headers)
        headers = dict(headers or {})
        meta: dict = {"page_size": page.page_size}
        if page.total is not None:
            pages = -(-page.total // page.page_size)
            meta.update(total=page.total, total_pages=pages)
            if pages:
                meta.update(first_page=1, last_page=pages)
        else:
            meta["more_than"] = page.more_than
        if page.page is not None:
            meta["page"] = page.page
            if page.page > 1:
                meta["previous_page"] = page.page - 1
            if page.next_cursor:
                meta["next_page"] = page.page + 1
        if page.next_cursor:
            meta["next_cursor"] = page.next_cursor
            args = {k: v for k, v in request.args.items() if k not in ("page", "cursor", "after")}
            headers["Link"] = f'<{request.path}?{urlencode({**args, "cursor": page.next_cursor})}>; rel="next"'
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(meta)
        return result, headers


def keyset_page(pagination_parameters, page):
    """Hand a ``keyset.KeysetPage`` to ``ListBlueprint`` for its headers; the page's rows are the answer."""
    pagination_parameters.keyset = page
    pagination_parameters.item_count = page.total if page.total is not None else page.more_than
    return page.items


CURSOR_DOC = ("The next_cursor of the page before (in X-Pagination, and the Link header's rel=\"next\"): a keyset "
              "page, as fast deep in the list as at its start; page is then not used")
