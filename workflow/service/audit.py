"""The audit log as a reader sees it: a case's events, or every event the caller may see across the
trust (the master log of 002 7.6.8 for the offices), a page at a time, or all of it as CSV."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .. import access
from ..actors import Actor
from ..models import Event
from ..reports.export import csv_bytes

# The offices that read the whole trust's log (002 7.6.8 master log; 5.1, 5.2, 5.6, 5.7).
TRUST_READERS = {"medical_director", "chief_executive_office", "medical_directorate", "hr"}
CSV_COLUMNS = ["id", "case_id", "subject", "seq", "at", "kind", "actor_id", "actor_role", "trigger", "from_state",
               "to_state", "reason", "payload"]


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    page_size: int


def _visible_case_ids(svc, actor: Actor):
    """None: every event, trust-level ones (sign-ins, tokens, imports, plan edits; no case) included. Otherwise
    the cases whose events the actor may read; trust-level events are for the trust-wide offices only."""
    if access.holds_office(svc.session, actor, TRUST_READERS):
        return None
    return [c.id for c in svc.list_cases(actor)]


def events_query(svc, actor: Actor, *, case_id=None, since: datetime | None = None, until: datetime | None = None,
                 kind: str | None = None):
    if case_id is not None:
        svc.get_case(actor, case_id)
        q = select(Event).where(Event.case_id == case_id)
    else:
        ids = _visible_case_ids(svc, actor)
        q = select(Event) if ids is None else select(Event).where(Event.case_id.in_(ids or [-1]))
    if since:
        q = q.where(Event.at >= since)
    if until:
        q = q.where(Event.at < until)
    if kind:
        q = q.where(Event.kind == kind)
    return q


def events_page(svc, actor: Actor, *, page: int = 1, page_size: int = 50, **filters) -> Page:
    q = events_query(svc, actor, **filters)
    total = svc.session.scalar(select(func.count()).select_from(q.subquery()))
    rows = svc.session.scalars(q.order_by(Event.at, Event.id).offset((page - 1) * page_size).limit(page_size))
    return Page(list(rows), total or 0, page, page_size)


def events_csv(svc, actor: Actor, **filters) -> Iterator[bytes]:
    """The events as CSV (UTF-8), produced as they are read from the database. Who may read what is
    decided now, before the first byte; the rows are fetched in batches as the caller consumes them."""
    q = events_query(svc, actor, **filters).order_by(Event.at, Event.id).execution_options(yield_per=500)

    def rows():
        for e in svc.session.scalars(q):
            yield [e.id, e.case_id, e.subject, e.seq, e.at, e.kind, e.actor_id, e.actor_role, e.trigger,
                   e.from_state, e.to_state, e.reason, json.dumps(e.payload or {}, sort_keys=True)]

    return csv_bytes(CSV_COLUMNS, rows())
