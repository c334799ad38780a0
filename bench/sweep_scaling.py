"""Sweep scaling: the same number of due deadlines (1,000) among few and among many open cases.

Every open case has an open deadline that is not due (an annual review a year away); the due ones are
sign-off clocks whose first reminder (7 days before) has come, so each due deadline makes one reminder
event and two emails. The sweep reads only due rows through ``ix_deadline_due``; the time it takes
should follow the due rows, not the table. Target: the large run at most 2x the small one.

Both databases are set up first and kept; then the sweeps alternate (small, large, small, large, ...),
each followed by putting the due deadlines back as they were, so a change of load on a shared machine
falls on both sizes alike. The ratio is of the medians."""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

from sqlalchemy import text

from . import bulk
from .common import NOW, actor, analyze, fresh_engine, make_trust, service, ts

DUE_NEXT = NOW - timedelta(hours=1)


def setup(url: str, open_cases: int, due: int):
    t0 = time.perf_counter()
    eng = fresh_engine(url)
    svc = service(eng)
    trust = make_trust(svc.session)
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    kw = dict(subject_id=trust.doctor.id, manager_id=trust.manager.id, job_plan_id=plan.id, at=NOW - timedelta(days=30))
    f, l = bulk.insert_cases(eng, open_cases - due, state="agreed", **kw)
    bulk.insert_deadlines(eng, f, l, name="annual_review", state="agreed", kind="organisation",
                          starts_at=NOW - timedelta(days=30), due_at=NOW + timedelta(days=335),
                          next_check_at=NOW + timedelta(days=307))
    f, l = bulk.insert_cases(eng, due, state="awaiting_signatures", data_json='{"meeting_date": "2027-02-08"}', **kw)
    bulk.insert_deadlines(eng, f, l, name="sign_off", state="awaiting_signatures", kind="organisation",
                          starts_at=NOW - timedelta(days=21), due_at=NOW + timedelta(days=5), next_check_at=DUE_NEXT)
    analyze(eng)
    return eng, svc, time.perf_counter() - t0


def sweep_once(eng, svc, due: int) -> float:
    t0 = time.perf_counter()
    report = svc.sweep(NOW)
    elapsed = time.perf_counter() - t0
    svc.session.close()
    if len(report.reminders) != due or report.failures:
        raise RuntimeError(f"sweep did not do what was set up: {report.summary()}")
    # Put the due deadlines back as they were (untimed), for the next round. The reminder events stay: the audit
    # log refuses DELETE, and the next round's are appended after them.
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE dedupe_key LIKE 'deadline:%'"))
        conn.execute(text("UPDATE deadline SET reminders_sent = 0, next_check_at = :next WHERE name = 'sign_off'"),
                     {"next": ts(DUE_NEXT, eng.dialect.name)})
    return elapsed


def run(pairs: dict[str, tuple[str, str]], small: int, large: int, due: int, rounds: int) -> dict:
    """``pairs``: database name -> (URL for the small run, URL for the large run)."""
    out = {"due": due, "small": small, "large": large, "rounds": rounds, "target_ratio": 2.0, "results": {}}
    for name, (url_small, url_large) in pairs.items():
        eng_s, svc_s, setup_s = setup(url_small, small, due)
        eng_l, svc_l, setup_l = setup(url_large, large, due)
        times_s, times_l = [], []
        for _ in range(rounds):
            times_s.append(sweep_once(eng_s, svc_s, due))
            times_l.append(sweep_once(eng_l, svc_l, due))
        eng_s.dispose()
        eng_l.dispose()
        a, b = statistics.median(times_s), statistics.median(times_l)
        out["results"][name] = {"small_sweep_s": times_s, "large_sweep_s": times_l, "small_median_s": a,
                                "large_median_s": b, "ratio": b / a, "per_due_deadline_ms_small": a / due * 1e3,
                                "setup_small_s": setup_s, "setup_large_s": setup_l}
        print(f"sweep scaling [{name}]: {due:,} due among {small:,} open cases {a:.2f} s, among {large:,} {b:.2f} s "
              f"(medians of {rounds} alternating rounds) -> ratio {b / a:.2f}x (target <= 2x; set-up of the large "
              f"one {setup_l:.0f} s)")
    return out
