"""A process killed with SIGKILL in the middle of a transition leaves no partial state: the case, its
events, its deadlines, signatures and outbox are as they were before, agree with each other, and the
same step can then be taken as if nothing had happened (one transaction per command, BRIEF; SQLite
and PostgreSQL alike)."""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import complete_plan
from tests.conftest import actor
from tests.invariants import all_problems
from workflow.store.models import Case, Deadline, Event, OutboxMessage, Signature

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(svc, case_id: int) -> dict:
    s = svc.session
    s.rollback()
    s.expire_all()
    case = s.get(Case, case_id)
    return {
        "case": (case.state, case.version, case.data, case.updated_at, case.closed_at),
        "cases": s.scalars(select(Case.id).order_by(Case.id)).all(),
        "events": s.execute(select(Event.id, Event.case_id, Event.trigger).order_by(Event.id)).all(),
        "deadlines": s.execute(select(Deadline.id, Deadline.status, Deadline.next_check_at).order_by(Deadline.id)).all(),
        "outbox": s.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)).all(),
        "signatures": s.execute(select(Signature.id, Signature.role).order_by(Signature.id)).all(),
    }


def _kill_mid_fire(database_url, clock, case_id, person, trigger, payload, point):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "tests.integration.crash_child", database_url, str(case_id), str(person.id), trigger,
            json.dumps(payload), clock.now().isoformat(), point]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        line = proc.stdout.readline() if sel.select(timeout=120) else ""
        assert line.startswith("paused"), f"the child did not pause: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _sign_off_case(svc, trust, *, signed_by_doctor=False):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    if signed_by_doctor:
        svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
        svc.fire(actor(trust.doctor), case.id, "sign")
    return case.id


@pytest.mark.parametrize("point", ["before_deadlines", "before_commit"])
def test_sigkill_while_recording_the_meeting_leaves_nothing_half_done_002_7_5(svc, trust, clock, database_url, point):
    case_id = _sign_off_case(svc, trust)
    before = _snapshot(svc, case_id)
    _kill_mid_fire(database_url, clock, case_id, trust.manager, "record_meeting", {"meeting_date": "2027-02-25"}, point)

    assert _snapshot(svc, case_id) == before
    assert all_problems(svc.session, svc.policies) == []
    # The same step then goes through whole: state, event, the 28-day clock and the email together.
    svc.fire(actor(trust.manager), case_id, "record_meeting", {"meeting_date": "2027-02-25"})
    after = _snapshot(svc, case_id)
    assert after["case"][0] == "awaiting_signatures"
    assert len(after["events"]) == len(before["events"]) + 1
    assert len(after["deadlines"]) == len(before["deadlines"]) + 1
    assert len(after["outbox"]) == len(before["outbox"]) + 1
    assert all_problems(svc.session, svc.policies) == []


def test_sigkill_inside_the_automatic_follow_on_step_undoes_the_signature_too_002_7_5(svc, trust, clock,
                                                                                       database_url):
    """The manager's signature completes the pair and fires 'both signed' in the same transaction;
    killed inside that second step, neither the signature nor either step remains."""
    case_id = _sign_off_case(svc, trust, signed_by_doctor=True)
    before = _snapshot(svc, case_id)
    _kill_mid_fire(database_url, clock, case_id, trust.manager, "sign", {}, "mid_chain")

    assert _snapshot(svc, case_id) == before
    assert all_problems(svc.session, svc.policies) == []
    svc.fire(actor(trust.manager), case_id, "sign")
    after = _snapshot(svc, case_id)
    assert after["case"][0] == "second_level_review"
    assert len(after["signatures"]) == len(before["signatures"]) + 1
    assert all_problems(svc.session, svc.policies) == []
