"""Pages of a long list read by keyset (issue 15): the page after a cursor is read from the index in the
list's order, so page 1,000 costs what page 1 costs, and a count stops at ``COUNT_CAP`` (the answer says
"more than 1,000" rather than count a trust's every row per request).

A cursor is the sort key of the last row of the page before, written as an opaque, URL-safe string. It names
values, not a position, so rows added or moved while a reader pages do not make the next page skip or repeat
one. A cursor that does not decode to the list's key is refused, naming the field (``InvalidPayload``)."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.errors import InvalidPayload

COUNT_CAP = 1000  # counted up to this (and one more, to know there are more)
CURSOR_CHARS = 200


@dataclass(frozen=True)
class KeysetPage:
    """``total`` is exact when at most ``COUNT_CAP``; otherwise None and ``more_than`` is ``COUNT_CAP``.
    ``page`` is the page number when the page was asked for by number; None for a cursor's page (where it
    falls would need a count of every row before it). ``next_cursor`` is None on the last page."""
    items: list
    total: int | None
    more_than: int | None
    page: int | None
    page_size: int
    next_cursor: str | None


def capped_count(session: Session, query) -> int:
    """How many rows ``query`` selects, counting no further than ``COUNT_CAP`` + 1."""
    sub = query.order_by(None).limit(COUNT_CAP + 1).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def encode(*values) -> str:
    """A cursor from a row's sort key (datetimes as ISO 8601 text, None kept)."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, field: str, *, nullable_time: bool) -> tuple[datetime | None, int]:
    """A (moment, id) cursor back to its values; anything else is a 422 naming ``field``."""
    def refuse(why: str):
        return InvalidPayload(f"{field} is not a cursor this list gave ({why}); send the next cursor of the page "
                              f"before, or leave {field} out for the first page", fields={field: [why]})

    if len(cursor) > CURSOR_CHARS:
        raise refuse("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, ident = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise refuse("not readable") from None
    if isinstance(ident, bool) or not isinstance(ident, int) or not 1 <= ident <= 2**31 - 1:
        raise refuse("no id in it")
    if when is None:
        if not nullable_time:
            raise refuse("no time in it")
        return None, ident
    if not isinstance(when, str):
        raise refuse("no time in it")
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        raise refuse("no time in it") from None
    if moment.tzinfo is None:
        raise refuse("a time without its offset")
    return moment, ident


def page_of(session: Session, query, *, page_size: int, page: int | None, cursor: str | None,
            after: Callable[[str], list], first: Callable[[int, int], list], key: Callable[[object], tuple]
            ) -> KeysetPage:
    """One page of ``query``: after ``cursor`` (``after(cursor)`` reads page_size + 1 rows from the key on), or
    by ``page`` number (``first(offset, n)``). One row more than a page is read, to know whether a next page
    exists; the count stops at ``COUNT_CAP``."""
    n = capped_count(session, query)
    total, more_than = (n, None) if n <= COUNT_CAP else (None, COUNT_CAP)
    if cursor is not None:
        rows, number = after(cursor), None
    else:
        number = page or 1
        rows = first((number - 1) * page_size, page_size + 1)
    items = rows[:page_size]
    following = encode(*key(items[-1])) if len(rows) > page_size else None
    return KeysetPage(items, total, more_than, number, page_size, following)


__all__ = ["COUNT_CAP", "KeysetPage", "capped_count", "decode", "encode", "page_of"]
