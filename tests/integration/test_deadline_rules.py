"""Issue 14 item 7: the database holds a deadline's status consistent with its columns (a CHECK generated
from the status enum), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from web.filters import last_day as page_last_day
from web.filters import relative_due
from workflow.actors import Actor
from workflow.store.models import Deadline

from .helpers import sign_off_case


@pytest.mark.parametrize("change", [
    {"status": "met"},                                    # closed status without closed_at
    {"status": "paused"},                                 # paused without paused_at (and still has a next check)
    {"closed_at": "now"},                                 # open but closed
])
def test_item_7_the_database_refuses_a_deadline_status_out_of_step_with_its_columns(svc, trust, change):
    case_id = sign_off_case(svc, trust)
    d = svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id)).one()
    assert d.status == "open" and d.closed_at is None and d.next_check_at is not None
    for key, value in change.items():
        setattr(d, key, svc.clock.now() if value == "now" else value)
    with pytest.raises(IntegrityError):
        svc.session.flush()
    svc.session.rollback()


def test_item_7_a_paused_deadline_is_open_and_never_overdue(svc, trust):
    from workflow.service import deadlines as deadline_service

    case_id = sign_off_case(svc, trust)
    d = svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id)).one()
    deadline_service.pause(svc, Actor.person(trust.amd.id), d.id, reason="practitioner on leave")  # not a party
    d = svc.session.get(Deadline, d.id)
    later = d.due_at + timedelta(days=30)
    assert d.is_open and not d.is_overdue(later)


def test_item_7_pages_take_the_trust_zone_from_config_not_london(app):
    """JOBPLAN_TIMEZONE names the trust calendar's zone; the pages' last day follows it."""
    new_york_due = datetime(2027, 3, 30, 4, 0, tzinfo=timezone.utc)  # midnight starting 30 March in New York (EDT)
    app.config["JOBPLAN_TIMEZONE"] = "America/New_York"
    with app.app_context():
        assert page_last_day(new_york_due) == date(2027, 3, 29)  # in London that instant is already 30 March
        assert relative_due(new_york_due, datetime(2027, 3, 29, 12, 0, tzinfo=timezone.utc)) == "due today"
