"""What "overdue" means, once, for the case list, the inbox, the deadline list, the dashboard and the
reports (issue 14 item 7).

A clock is overdue when it was missed (``breached``), or it is running and its due time has passed, or it
was stopped (``paused``) when its due time had already passed. A clock paused before its due time is not
overdue while it stands still, however long: resuming it moves its date on by the days it stood still
(``service.deadlines.resume_deadline``), so its stored date is not yet the date it will be due. The due time
itself is still in time: overdue is strictly after it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from workflow.store.models import DEADLINE_OPEN_STATUSES, Deadline

OPEN = DEADLINE_OPEN_STATUSES


def is_overdue(deadline, now: datetime) -> bool:
    if deadline.status == "breached":
        return True
    if deadline.status == "open":
        return deadline.due_at < now
    if deadline.status == "paused":
        return deadline.paused_at is not None and deadline.due_at < deadline.paused_at
    return False


def overdue_clause(now: datetime, d=Deadline) -> ColumnElement:
    """``is_overdue`` as SQL over the deadline table (or an alias of it)."""
    return or_(d.status == "breached", and_(d.status == "open", d.due_at < now),
               and_(d.status == "paused", d.due_at < d.paused_at))
