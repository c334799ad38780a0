"""Crafted input stopped at the door, for every page and API call, before any view or database sees it:
a NUL character anywhere a person can type (query, form, JSON strings and keys, upload file names,
path), a JSON body too large, nested too deep, or holding a number too long to be an amount or an id.
Each is a 400 naming the problem (a problem document under /api/, Flask's error page otherwise);
without this guard PostgreSQL refuses the NUL, Python's parser recurses too deep, and the caller sees
a 500. Bounds are in workflow.limits."""
from __future__ import annotations

import json

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from workflow import limits

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in a route names a row: ids are 32-bit in the database, so a larger number is a 404
    rather than an overflow in the query."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


class Refused(Exception):
    def __init__(self, status: int, message: str, field: str):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _big_int(text: str) -> int:
    if len(text.lstrip("-")) > limits.INTEGER_DIGITS:
        raise Refused(400, f"a number in the JSON body has more than {limits.INTEGER_DIGITS} digits", "json")
    return int(text)


def _walk(value, where: str, depth: int = 0) -> None:
    """Check nesting and NULs without recursion in the parser (the body is already parsed)."""
    stack = [(value, where, depth)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            if limits.has_nul(value):
                raise Refused(400, f"{where} contains a NUL character (\\0)", where)
        elif isinstance(value, (dict, list)):
            if depth >= limits.JSON_DEPTH:
                raise Refused(400, f"the JSON body is nested more than {limits.JSON_DEPTH} levels deep", "json")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for k, v in items:
                if isinstance(k, str) and limits.has_nul(k):
                    raise Refused(400, f"a key in {where} contains a NUL character (\\0)", where)
                stack.append((v, f"{where}.{k}", depth + 1))


def _check_json() -> None:
    if request.content_length is not None and request.content_length > limits.JSON_BODY_BYTES:
        raise Refused(413, f"the JSON body is larger than {limits.JSON_BODY_BYTES} bytes", "json")
    body = request.get_data(cache=True)
    if len(body) > limits.JSON_BODY_BYTES:
        raise Refused(413, f"the JSON body is larger than {limits.JSON_BODY_BYTES} bytes", "json")
    if not body.strip():
        return
    try:
        data = json.loads(body, parse_int=_big_int)
    except RecursionError:
        raise Refused(400, f"the JSON body is nested more than {limits.JSON_DEPTH} levels deep", "json") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise Refused(400, f"the body is not valid JSON: {exc}", "json") from None
    _walk(data, "json")


def _check_value(where: str, key: str, value) -> None:
    if not isinstance(value, str):
        return
    if limits.has_nul(key) or limits.has_nul(value):
        raise Refused(400, f"the {where} {key!r} contains a NUL character (\\0)", key)
    if len(value) > limits.INTEGER_DIGITS and value.lstrip("-").isdigit():
        raise Refused(400, f"the {where} {key!r} is a number of more than {limits.INTEGER_DIGITS} digits", key)


def _check_request() -> None:
    for key, value in request.args.items(multi=True):
        _check_value("query parameter", key, value)
    for key, value in (request.view_args or {}).items():
        _check_value("path parameter", key, value)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        _check_json()
        return
    for key, value in request.form.items(multi=True):
        _check_value("form field", key, value)
    for key, upload in request.files.items(multi=True):
        if limits.has_nul(upload.filename or ""):
            raise Refused(400, f"the name of the file sent as {key!r} contains a NUL character (\\0)", key)


def init_guards(app: Flask) -> None:
    """Install the guard first, so it runs before sign-in, CSRF and every view."""
    app.url_map.converters["int"] = IdConverter
    app.config.setdefault("MAX_CONTENT_LENGTH", limits.REQUEST_BYTES)
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", limits.FORM_FIELD_BYTES)

    @app.before_request
    def refuse_crafted_input():
        try:
            _check_request()
        except Refused as exc:
            if request.path.startswith("/api/"):
                from web.problems import problem

                code = "content_too_large" if exc.status == 413 else "malformed_input"
                return problem(exc.status, "Content Too Large" if exc.status == 413 else "Bad Request",
                               exc.message, code=code, errors={exc.field: [exc.message]})
            abort(exc.status, exc.message)
        return None
