"""Exactly once with several sweepers: four OS processes (``jobplan sweep --now``) over the same due
deadlines at the same moment, round after round. Every reminder and escalation is recorded once, queued
once, and none is missing. PostgreSQL claims rows with FOR UPDATE SKIP LOCKED; SQLite serialises the
writers with BEGIN IMMEDIATE, so the test runs on both. Also: a sweep reads only the due rows."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

from tests.conftest import actor
from tests.factories import practitioners
from web.extensions import db
from workflow.store.models import Deadline, Event, OutboxMessage
from workflow.service.sweep import due_query

UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[2]
JOBPLAN = Path(sys.executable).with_name("jobplan")
CASES = 24
SWEEPERS = 4


def _sign_off_cases(svc, trust, n):
    ids = []
    for doctor in practitioners(svc.session, trust, n):
        plan = svc.create_job_plan(actor(trust.manager), doctor.id, {"schedule": []})
        case = svc.start_case(actor(trust.manager), "sign_off", doctor.id, job_plan_id=plan.id)
        svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
        ids.append(case.id)
    return ids


def _run_sweepers(database_url, now_text, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "JOBPLAN_MAIL_DIR": str(tmp_path / "mail"),
           "JOBPLAN_BASE_URL": "https://jobplans.example.nhs.uk"}
    procs = [subprocess.Popen([str(JOBPLAN), "sweep", "--now", now_text, "--batch", "2"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(SWEEPERS)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


def _reported(outs, what):
    # "sweep at …: N due deadlines, R reminders, B breaches, E escalations, …"
    total = 0
    for out in outs:
        part = out.split(":", 3)[-1]
        for piece in part.split(","):
            words = piece.split()
            if len(words) >= 2 and words[1] == what:
                total += int(words[0])
    return total


def test_four_sweeper_processes_send_every_reminder_and_escalation_exactly_once_002_7_5(
        svc, trust, database_url, tmp_path):
    case_ids = _sign_off_cases(svc, trust, CASES)
    svc.session.commit()
    svc.session.close()
    # 1 March + 28 days: due at the end of 29 March (BST). Reminders 7 and 2 days before; escalation at
    # breach, +7 and +14 days. Each round: four processes at the same moment; two rounds of the same moment.
    rounds = [("2027-03-23T01:00", "reminders", CASES), ("2027-03-23T01:00", "reminders", 0),
              ("2027-03-28T01:00", "reminders", CASES), ("2027-03-30T01:00", "escalations", CASES),
              ("2027-04-06T01:00", "escalations", CASES), ("2027-04-13T01:00", "escalations", CASES)]
    for now_text, what, expected in rounds:
        outs = _run_sweepers(database_url, now_text, tmp_path)
        assert _reported(outs, what) == expected, (now_text, outs)

    db.session.remove()
    s = db.session
    events = s.execute(select(Event.case_id, Event.kind, Event.payload).where(
        Event.kind.in_(("reminder", "breach", "escalation")))).all()
    per_case = Counter((c, kind) for c, kind, _ in events)
    for cid in case_ids:
        assert (per_case[(cid, "reminder")], per_case[(cid, "breach")], per_case[(cid, "escalation")]) == (2, 1, 3)
    steps = Counter((c, p["deadline_id"], p.get("step"), p.get("days_before")) for c, kind, p in events)
    assert set(steps.values()) == {1}
    deadlines = s.scalars(select(Deadline).where(Deadline.name == "sign_off")).all()
    assert all(d.status == "breached" and d.reminders_sent == 2 and d.escalation_step == 3
               and d.next_check_at is None for d in deadlines)
    keys = s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("deadline:%"))).all()
    # Reminders go to the two who must sign; escalations: manager and practitioner, then AMD, then MD.
    assert len(keys) == len(set(keys)) == CASES * (2 * 2 + 2 + 1 + 1)


def test_a_sweep_over_many_open_cases_reads_only_the_due_rows(svc, trust, database_url):
    case_ids = _sign_off_cases(svc, trust, 3)
    svc.session.commit()
    # Many open deadlines that are not due: 20 000 rows on a few cases.
    far = datetime(2030, 1, 1, tzinfo=UTC)
    rows = [dict(case_id=case_ids[i % 3], name=f"filler_{i}", state="awaiting_signatures", kind="organisation",
                 starts_at=far, due_at=far + timedelta(days=i % 400), status="open",
                 next_check_at=far + timedelta(days=i % 400), reminders_sent=0, escalation_step=0, extensions=0)
            for i in range(20000)]
    svc.session.execute(insert(Deadline), rows)
    svc.session.commit()
    now = datetime(2027, 3, 23, 1, 0, tzinfo=UTC)
    report = svc.sweep(now)
    assert report.examined == 3 and len(report.reminders) == 3

    conn = svc.session.connection()
    compiled = due_query(now).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE deadline")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
        assert "ix_deadline_due" in plan and "Seq Scan on deadline" not in plan, plan
    else:
        params = tuple(compiled.params[k] for k in compiled.positiontup)
        params = tuple(p.astimezone(UTC).replace(tzinfo=None) if isinstance(p, datetime) else p for p in params)
        plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params))
        assert "USING INDEX ix_deadline_due" in plan and "SCAN deadline" not in plan.replace("USING INDEX", ""), plan
    svc.session.rollback()
    total = svc.session.scalar(select(func.count()).select_from(Deadline))
    assert total == 20000 + 3
