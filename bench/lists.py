"""Lists, inbox and dashboard as a trust's cases pile up (issue 15): the case list's first and 200th page
(API, 50 a page: ``page=200``, and the keyset ``cursor=``), the deadline list's (the same two ways), the home
page (inbox), the case list page, the dashboard and the compliance report, for a trust-wide office (the Medical Director) and a clinical manager with 30 cases.

Set-up (``--setup``, run with the new code): the test trust, 4,000 practitioners under 134 managers, ``n`` open
sign-offs spread over them, each with its opening event and an open clock; the benchmarked manager's 30
cases are apart from the bulk, so their list stays 30 long at every size. Then each code base (``--measure``,
run from its own tree so it imports its own ``workflow``) times every path through the Flask test client
(``rounds`` times, after one warm-up) and counts its statements; a request that raises or answers 5xx
counts as failed. ``python -m bench.lists --help``."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta

from sqlalchemy import event, text

PRACTITIONERS, MANAGERS = 4000, 134
PATHS = [("case list, page 1", "/api/v1/cases?page_size=50"),
         ("case list, page 200", "/api/v1/cases?page_size=50&page=200"),
         ("case list, page 200 by keyset", "/api/v1/cases?page_size=50&cursor={cursor}"),
         ("deadlines API, page 1", "/api/v1/deadlines?page_size=50"),
         ("deadlines API, page 200 by keyset", "/api/v1/deadlines?page_size=50&cursor={dcursor}"),
         ("home (inbox)", "/"), ("case list page (earliest deadline first)", "/cases"),
         ("case list page 200 (earliest deadline first)", "/cases?page=200"),
         ("dashboard", "/dashboard"), ("compliance report", "/api/v1/reports/compliance")]


def setup(url: str, n: int) -> dict:
    from . import bulk
    from .common import NOW, actor, analyze, fresh_engine, make_trust, service, ts

    t0 = time.perf_counter()
    eng = fresh_engine(url)
    svc = service(eng)
    trust = make_trust(svc.session)
    d = eng.dialect.name
    with eng.begin() as conn:
        conn.execute(text(
            "INSERT INTO person (name, email, staff_group, team_id, manager_id, contracted_pas, active, wants_digest) "
            "SELECT 'Manager ' || i, 'manager' || i || '@bench.example', 'consultant', :team, NULL, 10, true, false "
            "FROM generate_series(1, :m) AS s(i)"), {"team": trust.team.id, "m": MANAGERS})
        first_manager = conn.execute(text("SELECT MIN(id) FROM person WHERE email LIKE 'manager%@bench.example'")).scalar()
        conn.execute(text(
            "INSERT INTO person (name, email, staff_group, team_id, manager_id, contracted_pas, active, wants_digest) "
            "SELECT 'Dr Bench ' || i, 'dr' || i || '@bench.example', 'consultant', :team, :fm + ((i - 1) % :m), 10, "
            "true, false FROM generate_series(1, :p) AS s(i)"),
            {"team": trust.other_team.id, "fm": first_manager, "m": MANAGERS, "p": PRACTITIONERS})
        first_dr = conn.execute(text("SELECT MIN(id) FROM person WHERE email LIKE 'dr%@bench.example'")).scalar()
        # The benchmarked manager's 30 practitioners (their own people, none in the bulk).
        conn.execute(text(
            "INSERT INTO person (name, email, staff_group, team_id, manager_id, contracted_pas, active, wants_digest) "
            "SELECT 'Dr Own ' || i, 'own' || i || '@bench.example', 'consultant', :team, :mgr, 10, true, false "
            "FROM generate_series(1, 30) AS s(i)"), {"team": trust.team.id, "mgr": trust.manager.id})
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    at = NOW - timedelta(days=30)
    before = eng.connect().execute(text("SELECT COALESCE(MAX(id), 0) FROM workflow_case")).scalar()
    with eng.begin() as conn:
        for subjects, count in (("own", 30), ("dr", n - 30)):
            conn.execute(text(
                "INSERT INTO workflow_case (workflow, policy_id, policy_version, state, subject_id, manager_id, "
                "job_plan_id, parent_id, data, opened_at, updated_at, closed_at, version, next_due_at) "
                "SELECT 'sign_off', :policy, 1, 'awaiting_signatures', p.id, p.manager_id, :plan, NULL, "
                "'{\"meeting_date\": \"2027-02-08\"}', :at, :at, NULL, 1, "
                "CAST(:now AS timestamp) + ((s.i::bigint * 7919) % 120 - 30) * interval '1 day' FROM generate_series(1, :n) AS s(i) "
                "JOIN (SELECT id, manager_id, row_number() OVER (ORDER BY id) - 1 AS k FROM person "
                "WHERE email LIKE :like) p ON p.k = (s.i - 1) % :width"),
                {"policy": bulk.POLICY, "plan": plan.id, "at": ts(at, d), "now": ts(NOW, d), "n": count, "like": f"{subjects}%@bench.example",
                 "width": 30 if subjects == "own" else PRACTITIONERS})
        conn.execute(text(
            "INSERT INTO event (case_id, seq, at, kind, actor_id, actor_role, trigger, from_state, to_state, "
            "payload, reason) SELECT id, 1, opened_at, 'opened', manager_id, 'clinical_manager', NULL, NULL, state, "
            "'{}', NULL FROM workflow_case WHERE id > :before"), {"before": before})
        conn.execute(text(
            "INSERT INTO deadline (case_id, name, state, kind, starts_at, due_at, status, next_check_at, "
            "reminders_sent, escalation_step, extensions, paused_at, closed_at) "
            "SELECT id, 'sign_off', state, 'organisation', :starts, next_due_at, "  # the case's earliest clock
            "'open', :next, 0, 0, 0, NULL, NULL FROM workflow_case WHERE id > :before"),
            {"starts": ts(at, d), "next": ts(NOW + timedelta(days=400), d), "before": before})
    analyze(eng)
    total = eng.connect().execute(text("SELECT COUNT(*) FROM workflow_case")).scalar()
    eng.dispose()
    return {"cases": total, "setup_s": time.perf_counter() - t0, "first_dr": first_dr}


def _clients(url: str):
    """An app on ``url`` and, for each benchmarked person, a signed-in test client and an API token."""
    from pathlib import Path

    from sqlalchemy import select

    from web import create_app
    from workflow.timing.clock import FixedClock
    from workflow.store.models import Person
    from workflow.policy.registry import PolicyRegistry
    from workflow.service import signin

    from tests.e2e.test_sign_in import login, with_password

    from .common import NOW

    policies = PolicyRegistry.from_directory(Path(__file__).resolve().parents[1] / "policies")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "JOBPLAN_CLOCK": FixedClock(NOW),
                      "JOBPLAN_POLICIES": policies, "TESTING": True, "JOBPLAN_INSECURE_HTTP": True})
    out = {}
    with app.app_context():
        from web.extensions import db
        from web.services import service

        svc = service()
        for who, name in (("office (Medical Director)", "Medical Director"),
                          ("clinical manager (30 cases)", "Clinical Manager")):
            person_id = svc.session.scalar(select(Person.id).where(Person.name == name))
            token = signin.create_token(svc, person_id, "bench", None).secret
            svc.session.commit()
            client = app.test_client()
            person = svc.session.get(Person, person_id)
            r = login(client, person.email, with_password(svc, person))
            assert r.status_code == 302, r.status_code
            out[who] = (client, token)
        after = {"cursor": _cursor(db, "SELECT next_due_at, id FROM workflow_case "
                                       "ORDER BY next_due_at ASC NULLS LAST, id OFFSET 9949 LIMIT 1"),
                 "dcursor": _cursor(db, "SELECT due_at, id FROM deadline ORDER BY due_at, id OFFSET 9949 LIMIT 1")}
        db.session.remove()
    return app, out, after


def _cursor(db, sql: str) -> str:
    """The cursor the list gives after its 199th page of 50 (the key of its 9,950th row), for page 200."""
    from datetime import timezone

    from workflow.service.keyset import encode

    when, ident = db.session.execute(text(sql)).one()
    return encode(when.replace(tzinfo=timezone.utc) if when and when.tzinfo is None else when, ident)


def _one(app, client, token, path):
    from web.extensions import db

    seen: list[str] = []
    listen = lambda *a: seen.append(a[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listen)
        t0 = time.perf_counter()
        try:
            h = {"Authorization": f"Bearer {token}"} if path.startswith("/api") else {}
            status, error = client.get(path, headers=h).status_code, None
        except Exception as exc:  # noqa: BLE001  (a failure is a result here)
            status, error = None, f"{type(exc).__name__}: {str(exc)[:200]}"
        took = time.perf_counter() - t0
        event.remove(db.engine, "before_cursor_execute", listen)
        db.session.remove()
    return took, status, len(seen), error


def measure(urls: list[str], rounds: int, label: str, warm: int = 1) -> dict:
    """Every path at every size, side by side: for each path and person, the sizes take turns, round by round
    (a busy machine slows both alike); the ratio of medians is the result."""
    sides = {url.rsplit("/", 1)[-1]: _clients(url) for url in urls}
    out = {"code": label, "rounds": rounds, "warm": warm, "databases": list(sides), "paths": {}}
    whos = list(next(iter(sides.values()))[1])
    for who in whos:
        for name, path in PATHS:
            cell = {db_name: {"times_ms": [], "status": None, "statements": None, "error": None} for db_name in sides}
            for i in range(rounds + warm):
                for db_name, (app, clients, after) in sides.items():
                    client, token = clients[who]
                    took, status, statements, error = _one(app, client, token, path.format(**after))
                    c = cell[db_name]
                    c.update(status=status, statements=statements, error=error)
                    if i >= warm and error is None:
                        c["times_ms"].append(took * 1e3)
            for c in cell.values():
                c["median_ms"] = statistics.median(c["times_ms"]) if c["times_ms"] else None
            names = list(sides)
            a, b = cell[names[0]]["median_ms"], cell[names[-1]]["median_ms"]
            ratio = b / a if a and b else None
            out["paths"][f"{who} | {name}"] = {"by_database": cell, "ratio": ratio}
            print(f"  {who} | {name}: " + " vs ".join(
                f"{n} {cell[n]['median_ms'] or float('nan'):.1f} ms · {cell[n]['statements']} st · {cell[n]['status']}"
                for n in names) + (f"  → {ratio:.2f}×" if ratio else "  → failed"), flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.lists")
    p.add_argument("--url", required=True, action="append", help="a database; twice to measure side by side")
    p.add_argument("--setup", type=int, metavar="CASES", help="load a fresh database with this many open cases")
    p.add_argument("--measure", metavar="LABEL", help="time the paths with the code this process imports")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warm", type=int, default=1, help="untimed requests first (0 for the old code's slow paths)")
    p.add_argument("--out", help="append the result (JSON) to this file")
    a = p.parse_args(argv)
    result = setup(a.url[0], a.setup) if a.setup else measure(a.url, a.rounds, a.measure, a.warm)
    result["url"] = [u.rsplit("/", 1)[-1] for u in a.url]
    if a.out:
        with open(a.out, "a") as f:
            f.write(json.dumps(result) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "paths"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
