"""What a deadline's status means and the rules read from it, defined once: its statuses (which also
write the table's CHECK constraints), the last permitted day, and whether it is open or overdue.

A deadline falls due at ``due_at``: local midnight at the end of its last permitted day (RULES "Reading
deadlines"; ``workflow.timing.calendar``). Its statuses:

  open       the clock runs: reminders, then the breach at ``due_at``
  breached   ``due_at`` passed while the case still waited; escalation steps run
  paused     stopped by a recorded decision; resuming moves ``due_at`` on by the days it stood still
  met        the case left the state (in time, or after a breach that was never closed otherwise)
  expired    a lodging window (``right``) closed unused; its expiry step fired
  cancelled  withdrawn

A row still counts while ``closed_at`` is empty; a breached row keeps its status when the case moves on,
and then has ``closed_at`` set.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_


class DeadlineStatus(str, enum.Enum):
    OPEN = "open"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value


def _values(*statuses: DeadlineStatus) -> tuple[str, ...]:
    return tuple(s.value for s in statuses)


ALL = _values(*DeadlineStatus)
RUNNING = _values(DeadlineStatus.OPEN, DeadlineStatus.BREACHED)        # the sweep still has work on it
NOT_CLOSED = RUNNING + _values(DeadlineStatus.PAUSED)                  # the case has not left its state
CLOSED = _values(DeadlineStatus.MET, DeadlineStatus.EXPIRED, DeadlineStatus.CANCELLED)
CHANGEABLE = NOT_CLOSED + _values(DeadlineStatus.EXPIRED)              # extend / pause / resume may touch it

_ONE_SECOND = timedelta(seconds=1)


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def status_check() -> str:
    """The CHECK on ``deadline.status``: one of the statuses above."""
    return f"status in ({_sql_list(ALL)})"


def consistency_check() -> str:
    """The CHECK tying the status to the other columns: a closed status has ``closed_at``; an open or paused
    one has none; a paused one has ``paused_at``; only a running clock has a ``next_check_at``."""
    return (f"(status not in ({_sql_list(CLOSED)}) or closed_at is not null)"
            f" and (status not in ({_sql_list(_values(DeadlineStatus.OPEN, DeadlineStatus.PAUSED))})"
            " or closed_at is null)"
            f" and (status <> '{DeadlineStatus.PAUSED.value}' or paused_at is not null)"
            f" and (status in ({_sql_list(RUNNING)}) or next_check_at is null)")


def deadline_last_day(due_at: datetime, timezone: str | ZoneInfo) -> date:
    """THE last permitted day of a deadline due at ``due_at``: the local date (in the trust calendar's time
    zone) of the last instant before it. SQL that needs the same day uses ``due_at - 1 second`` converted to
    the same zone."""
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    return (due_at - _ONE_SECOND).astimezone(tz).date()


def is_open(d) -> bool:
    """The case still stands in the deadline's state: the row is not closed (running or paused)."""
    return d.closed_at is None and d.status in NOT_CLOSED


def is_overdue(d, now: datetime) -> bool:
    """THE definition of overdue, shared by the case list, the inbox, the deadline list, the dashboard and the
    reports (``overdue_clause`` is the same rule in SQL). A deadline is overdue while it is not closed and

    - its clock runs (open, or breached and not yet closed) and ``now`` is at or after ``due_at``, the end of
      the last permitted day (an act at 00:00 is late: README, RULES "Reading deadlines"); or
    - it was paused when it was already due (``paused_at >= due_at``). Pausing a late clock is refused now
      (issue 13 item 11), but such rows stand from before that rule, and they were late when they stopped.

    A clock paused in time stands still and is never overdue, however long: resuming moves ``due_at`` on by
    the days it stood still. A closed row (met, expired, cancelled, or breached and then left) is history."""
    if d.closed_at is not None:
        return False
    if d.status in RUNNING:
        return d.due_at <= now
    paused_at = getattr(d, "paused_at", None)
    return d.status == DeadlineStatus.PAUSED and paused_at is not None and paused_at >= d.due_at


def overdue_clause(now: datetime, d):
    """``is_overdue`` as SQL over the deadline table ``d`` (the mapped class or an alias of it)."""
    return and_(d.closed_at.is_(None),
                or_(and_(d.status.in_(RUNNING), d.due_at <= now),
                    and_(d.status == DeadlineStatus.PAUSED.value, d.paused_at >= d.due_at)))
