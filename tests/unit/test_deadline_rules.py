"""Issue 14 item 7: one definition of what a deadline's status means, its last day and whether it is open or
overdue; the status enum writes the CHECK constraints."""
from __future__ import annotations

import importlib.util
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from workflow.store.deadline_rules import (DeadlineStatus, consistency_check, deadline_last_day, is_open, is_overdue,
                                     status_check)
from workflow.store.models import Deadline

UTC = timezone.utc
# The end of Monday 29 March 2027 in London (BST) is 23:00 UTC
DUE_LONDON = datetime(2027, 3, 29, 23, 0, tzinfo=UTC)


def deadline(status="open", due_at=DUE_LONDON, closed_at=None):
    return SimpleNamespace(status=status, due_at=due_at, closed_at=closed_at)


def test_item_7_last_day_is_the_local_date_before_due_at_in_the_calendar_zone():
    assert deadline_last_day(DUE_LONDON, "Europe/London") == date(2027, 3, 29)
    auckland_due = datetime(2027, 3, 29, 11, 0, tzinfo=UTC)  # midnight starting 30 March in Auckland (NZDT)
    assert deadline_last_day(auckland_due, "Pacific/Auckland") == date(2027, 3, 29)
    new_york_due = datetime(2027, 3, 30, 4, 0, tzinfo=UTC)  # midnight starting 30 March in New York (EDT)
    assert deadline_last_day(new_york_due, "America/New_York") == date(2027, 3, 29)
    assert deadline_last_day(new_york_due, "Europe/London") == date(2027, 3, 30)
    assert Deadline(due_at=DUE_LONDON).last_day("Europe/London") == date(2027, 3, 29)


def test_item_7_overdue_means_running_not_closed_and_past_due_at():
    now = DUE_LONDON
    assert is_overdue(deadline("open"), now)                      # an act at due_at is late (README)
    assert not is_overdue(deadline("open"), datetime(2027, 3, 29, 22, 59, 59, tzinfo=UTC))
    assert is_overdue(deadline("breached"), now)
    assert not is_overdue(deadline("paused"), now)                # a stopped clock is never overdue
    assert not is_overdue(deadline("breached", closed_at=now), now)  # the case moved on: history, not overdue
    assert not is_overdue(deadline("met", closed_at=now), now)


def test_item_7_a_clock_paused_when_already_due_stays_overdue_one_paused_in_time_never_is():
    paused_late = SimpleNamespace(status="paused", due_at=DUE_LONDON, closed_at=None, paused_at=DUE_LONDON)
    paused_in_time = SimpleNamespace(status="paused", due_at=DUE_LONDON, closed_at=None,
                                     paused_at=datetime(2027, 3, 20, tzinfo=UTC))
    later = datetime(2027, 6, 1, tzinfo=UTC)
    assert is_overdue(paused_late, later) and not is_overdue(paused_in_time, later)


def test_item_7_open_means_the_case_still_stands_in_the_deadline_state():
    assert is_open(deadline("open")) and is_open(deadline("paused")) and is_open(deadline("breached"))
    assert not is_open(deadline("breached", closed_at=DUE_LONDON))
    assert not is_open(deadline("expired", closed_at=DUE_LONDON))


def test_item_7_the_status_enum_writes_the_check_constraints():
    checks = {c.name: str(c.sqltext) for c in Deadline.__table__.constraints
              if c.name and c.name.startswith("deadline_")}
    assert checks["deadline_status"] == status_check()
    assert all(f"'{s.value}'" in checks["deadline_status"] for s in DeadlineStatus)
    assert checks["deadline_status_consistent"] == consistency_check()


def test_item_7_the_migration_holds_the_check_the_enum_generates():
    path = Path(__file__).resolve().parents[2] / "web" / "migrations" / "versions" / "b14g_deadline_status_check.py"
    spec = importlib.util.spec_from_file_location("b14g", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CONSISTENT == consistency_check()
    assert module.revision == "b14g_deadline_status_check"  # one line of migrations: tests/e2e/test_app.py
