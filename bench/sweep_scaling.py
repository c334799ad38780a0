"""Sweep scaling: the same number of due deadlines (1,000) among few and among many open cases.

Every open case has an open deadline that is not due (an annual review a year away); the due ones are
sign-off clocks whose first reminder (7 days before) has come, so each due deadline makes one reminder
event and two emails. The sweep reads only due rows through ``ix_deadline_due``; the time it takes
should follow the due rows, not the table. Target: the large run at most 2x the small one."""
from __future__ import annotations

import time
from datetime import timedelta

from . import bulk
from .common import NOW, actor, analyze, fresh_engine, make_trust, service


def one(url: str, open_cases: int, due: int) -> dict:
    eng = fresh_engine(url)
    svc = service(eng)
    trust = make_trust(svc.session)
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    t0 = time.perf_counter()
    quiet = open_cases - due
    kw = dict(subject_id=trust.doctor.id, manager_id=trust.manager.id, job_plan_id=plan.id, at=NOW - timedelta(days=30))
    f, l = bulk.insert_cases(eng, quiet, state="agreed", **kw)
    bulk.insert_deadlines(eng, f, l, name="annual_review", state="agreed", kind="organisation",
                          starts_at=NOW - timedelta(days=30), due_at=NOW + timedelta(days=335),
                          next_check_at=NOW + timedelta(days=307))
    f, l = bulk.insert_cases(eng, due, state="awaiting_signatures", data_json='{"meeting_date": "2027-02-08"}', **kw)
    bulk.insert_deadlines(eng, f, l, name="sign_off", state="awaiting_signatures", kind="organisation",
                          starts_at=NOW - timedelta(days=21), due_at=NOW + timedelta(days=5),
                          next_check_at=NOW - timedelta(hours=1))
    analyze(eng)
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = svc.sweep(NOW)
    sweep_s = time.perf_counter() - t0
    svc.session.close()
    eng.dispose()
    if len(report.reminders) != due or report.failures:
        raise RuntimeError(f"sweep did not do what was set up: {report.summary()}")
    return {"open_cases": open_cases, "due": due, "sweep_s": sweep_s, "setup_s": setup_s,
            "per_due_deadline_ms": sweep_s / due * 1e3, "report": report.summary()}


def run(urls: dict[str, str], small: int, large: int, due: int) -> dict:
    out = {"due": due, "small": small, "large": large, "target_ratio": 2.0, "results": {}}
    for name, url in urls.items():
        a = one(url, small, due)
        b = one(url, large, due)
        ratio = b["sweep_s"] / a["sweep_s"]
        out["results"][name] = {"small": a, "large": b, "ratio": ratio}
        print(f"sweep scaling [{name}]: {due:,} due among {small:,} open cases {a['sweep_s']:.2f} s, among "
              f"{large:,} {b['sweep_s']:.2f} s -> ratio {ratio:.2f}x (target <= 2x; set-up of the large one "
              f"{b['setup_s']:.0f} s)")
    return out
