"""Run in a child process by test_crash_safety.py: fire one trigger through the service layer and stop
dead in the middle of it, inside its transaction, so the parent can kill the process with SIGKILL.

``python -m tests.integration.crash_child URL CASE_ID PERSON_ID TRIGGER PAYLOAD_JSON NOW_ISO POINT``

POINT is where to stop: ``before_deadlines`` (state changed and the event written, deadlines not yet
moved), ``before_commit`` (state, event, deadlines and outbox all flushed to the database, not
committed), or ``mid_chain`` (the first step flushed, stopped inside the automatic follow-on step).
The pause is patched in here only; the service code is the real one."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from workflow.timing import deadlines
from workflow.delivery import notifications
from workflow.actors import Actor
from workflow.timing.clock import FixedClock
from workflow.engine import Engine
from workflow.policy.registry import PolicyRegistry
from workflow.service import JobPlanning
from workflow.store.uow import configure_engine

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


def main(url, case_id, person_id, trigger, payload, now, point) -> None:
    eng = create_engine(url)
    configure_engine(eng)
    svc = JobPlanning(Session(eng), PolicyRegistry.from_directory(POLICY_DIR), FixedClock(datetime.fromisoformat(now)),
                      Engine())

    def pause():
        svc.session.flush()  # everything so far is in the database, inside the open transaction
        print(f"paused at {point}", flush=True)
        time.sleep(300)  # the parent kills this process here
        raise SystemExit("not killed")

    if point == "before_deadlines":
        original_open = deadlines.open_for_state

        def open_for_state(ctx, state, **kwargs):
            pause()
            return original_open(ctx, state, **kwargs)

        deadlines.open_for_state = open_for_state
    else:
        original_notify = notifications.notify_transition
        calls = []

        def notify_transition(ctx, event, roles, outcome=None):
            sent = original_notify(ctx, event, roles, outcome)
            calls.append(event.id)
            if point == "before_commit" or len(calls) == 2:
                pause()
            return sent

        notifications.notify_transition = notify_transition
    svc.fire(Actor.person(int(person_id)), int(case_id), trigger, json.loads(payload))
    print("committed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
