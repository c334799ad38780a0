"""Issue 14 item 7 (and issue 15): "overdue" has one definition (``workflow.store.deadline_rules.is_overdue``) that the case list, the
inbox, the deadline list and the dashboard share. A clock paused before its due date is not overdue while
it stands still (resuming moves its date on); a clock paused when already past due stays overdue."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import actor
from workflow.store.models import Deadline
from workflow.service.reports.stages import headline_counts
from workflow.service import deadlines as deadline_service
from workflow.service.inbox import inbox


def _views(client, svc, auth, trust, case_id):
    h = auth(trust.manager)
    listed = case_id in [c["id"] for c in client.get("/api/v1/cases?overdue=true", headers=h).get_json()]
    timed = [d["case_id"] for d in client.get("/api/v1/deadlines?overdue=true", headers=h).get_json()]
    boxed = next(i.overdue for i in inbox(svc, actor(trust.manager)) if i.case.id == case_id)
    counted = headline_counts(svc, actor(trust.md))["overdue_deadlines"]
    return listed, case_id in timed, boxed, counted > 0


def _clock(svc, case_id):
    return svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id, Deadline.name == "sign_off")).one()


def test_a_clock_paused_before_its_date_is_overdue_nowhere_issue_14_7(client, svc, auth, trust, sign_off, clock):
    d = _clock(svc, sign_off.case.id)
    deadline_service.pause(svc, actor(trust.amd), d.id, reason="practitioner on sick leave")  # the AMD: no party
    clock.advance(days=40)  # past the stored date, but the clock stood still
    assert _views(client, svc, auth, trust, sign_off.case.id) == (False, False, False, False)


def test_a_clock_paused_after_its_date_is_overdue_everywhere_issue_14_7(client, svc, auth, trust, sign_off, clock):
    clock.advance(days=40)  # late, and no sweep has run yet to mark it breached
    d = _clock(svc, sign_off.case.id)
    # Pausing an overdue clock is refused now (issue 13 item 11); a row paused late can still stand from before
    # that rule, and every list must agree on it, so it is written as it would stand.
    from sqlalchemy import update

    from workflow.store.models import Deadline

    svc.session.execute(update(Deadline).where(Deadline.id == d.id)
                        .values(status="paused", paused_at=clock.now(), next_check_at=None))
    svc.session.commit()
    assert _views(client, svc, auth, trust, sign_off.case.id) == (True, True, True, True)


def test_a_running_clock_past_its_date_is_overdue_everywhere_issue_14_7(client, svc, auth, trust, sign_off, clock):
    clock.advance(days=40)
    assert _views(client, svc, auth, trust, sign_off.case.id) == (True, True, True, True)


def test_a_clock_breached_and_then_left_is_history_overdue_nowhere_issue_14_7(client, svc, auth, trust, sign_off, clock):
    """A clock that was breached and then closed (the case left the state late) no longer makes the case
    overdue: every list agrees (before, the lists counted any breached row, the inbox only open ones)."""
    from sqlalchemy import update

    clock.advance(days=40)
    d = _clock(svc, sign_off.case.id)
    svc.session.execute(update(Deadline).where(Deadline.id == d.id)
                        .values(status="breached", closed_at=clock.now(), next_check_at=None))
    svc.session.commit()
    assert _views(client, svc, auth, trust, sign_off.case.id) == (False, False, False, False)
