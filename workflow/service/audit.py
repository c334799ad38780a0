"""The audit log as a reader sees it: a case's events, or every event the caller may see across the
trust (the master log of 002 7.6.8 for the offices), a page at a time, or all of it as CSV."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from workflow import access
from workflow.actors import Actor
from workflow.errors import InvalidPayload
from workflow.store.models import Case, Event
from workflow.service import keyset
from workflow.service.reports.export import csv_bytes

CSV_COLUMNS = ["id", "case_id", "subject", "seq", "at", "kind", "actor_id", "actor_role", "trigger", "from_state",
               "to_state", "reason", "payload"]


@dataclass(frozen=True)
class Page:
    items: list
    total: int | None  # exact up to keyset.COUNT_CAP; None beyond, with more_than
    page: int | None  # None on a cursor's page deeper than keyset.COUNT_CAP rows
    page_size: int
    next_after: int | None = None  # the cursor of the next page (``after``), None on the last
    more_than: int | None = None


def _visible_cases(svc, actor: Actor):
    """None: every case (the trust-wide log, 002 7.6.8); else a sub-select of the cases the actor may see."""
    if access.may(svc.session, actor, "read_trust_audit_log"):
        return None
    from workflow.service.cases import predicate

    return select(Case.id).where(predicate(svc, actor).visible())


def events_query(svc, actor: Actor, *, case_id=None, since: datetime | None = None, until: datetime | None = None,
                 kind: str | None = None):
    if case_id is not None:
        svc.get_case(actor, case_id)
        q = select(Event).where(Event.case_id == case_id)
    else:
        visible = _visible_cases(svc, actor)
        q = select(Event) if visible is None else select(Event).where(Event.case_id.in_(visible))
    if since:
        q = q.where(Event.at >= since)
    if until:
        q = q.where(Event.at < until)
    if kind:
        q = q.where(Event.kind == kind)
    return q


def events_page(svc, actor: Actor, *, page: int = 1, page_size: int = 50, after: int | None = None,
                **filters) -> Page:
    """A page in time order. ``after``: the id of the last event of the previous page (a keyset page, as cheap
    deep in the log as at its start); else ``page`` counts from 1."""
    q = events_query(svc, actor, **filters)
    counted = keyset.capped_count(svc.session, q)  # a count that stops: "more than 1,000"
    total, more_than = (counted, None) if counted <= keyset.COUNT_CAP else (None, keyset.COUNT_CAP)
    if after is not None:
        cursor = svc.session.get(Event, after)
        if cursor is None:
            raise InvalidPayload(f"after={after} names no event; send the next_after of the page before",
                                 fields={"after": ["no such event"]})
        later = or_(Event.at > cursor.at, and_(Event.at == cursor.at, Event.id > cursor.id))
        before = keyset.capped_count(svc.session, q.where(~later))
        rows = list(svc.session.scalars(q.where(Event.at >= cursor.at, later).order_by(Event.at, Event.id)
                                        .limit(page_size + 1)))
        page = before // page_size + 1 if before <= keyset.COUNT_CAP else None
    else:
        rows = list(svc.session.scalars(q.order_by(Event.at, Event.id).offset((page - 1) * page_size)
                                        .limit(page_size + 1)))
    shown = rows[:page_size]
    return Page(shown, total, page, page_size, shown[-1].id if len(rows) > page_size else None, more_than)


def events_csv(svc, actor: Actor, **filters) -> Iterator[bytes]:
    """The events as CSV (UTF-8), produced as they are read from the database. Who may read what is
    decided now, before the first byte; the rows are fetched in batches as the caller consumes them."""
    q = events_query(svc, actor, **filters).order_by(Event.at, Event.id).execution_options(yield_per=500)

    def rows():
        for e in svc.session.scalars(q):
            yield [e.id, e.case_id, e.subject, e.seq, e.at, e.kind, e.actor_id, e.actor_role, e.trigger,
                   e.from_state, e.to_state, e.reason, json.dumps(e.payload or {}, sort_keys=True)]

    return csv_bytes(CSV_COLUMNS, rows())
