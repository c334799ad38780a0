"""HTTP under load: gunicorn with 2 sync workers serving ``web.app:create_app()`` on PostgreSQL, and a
bounded load from a second process on loopback (``bench/http_loadgen.py``: threads and ``http.client``,
nothing to install) that fires sign-off transitions and reads managers' inboxes through the API,
against the trivial ``GET /healthz`` on the same server.

Set-up, never timed: wipe the database, ``jobplan db upgrade``, then through the service layer a small
trust, ``--http-managers`` clinical managers, ``--http-practitioners`` consultants shared among them,
and ``--http-cases`` open sign-off cases in ``draft``, each with its own complete job plan (signatures
belong to a plan version, so cases cannot share one); an API token for every manager and practitioner.
The server runs with ``DATABASE_URL`` and ``JOBPLAN_INSECURE_HTTP=1``; on PostgreSQL its workers start no
scheduler (``web/scheduler.py``: only ``jobplan serve`` on SQLite does); the benchmark reports each
worker's threads (one each: a scheduler would add its own).

The load runs in rounds of one phase per kind (healthz, inbox, fire; the order rotates), each phase
bounded by ``--http-phase-seconds`` and ``--http-phase-requests``, then one mixed phase (fire, inbox,
healthz in turn on every thread). Throughput is requests per second of wall time in the single-kind
phases; latencies are per request, as the client sees them (with ``--http-concurrency`` above the
number of workers, that includes waiting in the listen queue, as a real client would). Ratios are
against ``/healthz`` in the same run. Afterwards the database is checked against what the load
generator saw: every 2xx fire is exactly one event, and every case signed twice reached second-level
review."""
from __future__ import annotations

import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from .common import ROOT

STEPS = [("record_meeting", "manager"), ("sign", "practitioner"), ("sign", "manager")]
DEFAULTS = {"cases": 1500, "managers": 20, "practitioners": 60, "workers": 2, "concurrency": 4, "rounds": 3,
            "phase_seconds": 5.0, "phase_requests": 10_000, "mixed_seconds": 10.0}


def _wipe_and_migrate(url: str, env: dict) -> None:
    """Drop every table (as ``common.fresh_engine`` does), then build the schema the way a deployment
    does: ``jobplan db upgrade``."""
    from sqlalchemy import create_engine, text

    from workflow.store.models import Base

    eng = create_engine(url)
    with eng.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    eng.dispose()
    done = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "db", "upgrade"], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"jobplan db upgrade failed:\n{done.stderr[-2000:]}")


def _seed(url: str, n_cases: int, n_managers: int, n_practitioners: int) -> dict:
    """Through the service layer, on the server's clock (the system clock), so deadlines are real."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from tests.factories import complete_plan
    from workflow.timing.clock import SystemClock
    from workflow.engine import Engine
    from workflow.store.models import Person
    from workflow.policy.registry import PolicyRegistry
    from workflow.service import JobPlanning
    from workflow.service.signin import create_token
    from workflow.store.uow import configure_engine

    from .common import POLICY_DIR, actor, make_trust

    eng = create_engine(url)
    configure_engine(eng)
    svc = JobPlanning(Session(eng), PolicyRegistry.from_directory(POLICY_DIR), SystemClock(), Engine())
    s = svc.session
    trust = make_trust(s)
    managers = [Person(staff_number=f"BM{i:04d}", name=f"Bench Manager {i}", email=f"bench.manager{i}@example.org",
                       staff_group="consultant", team=trust.team, contracted_pas=10, active=True, wants_digest=False)
                for i in range(n_managers)]
    s.add_all(managers)
    s.flush()
    practitioners = [Person(staff_number=f"BP{i:04d}", name=f"Dr Bench {i}", email=f"bench.dr{i}@example.org",
                            staff_group="consultant", team=trust.team, manager_id=managers[i % n_managers].id,
                            contracted_pas=10, active=True, wants_digest=False)
                     for i in range(n_practitioners)]
    s.add_all(practitioners)
    s.commit()
    tokens = {p.id: create_token(svc, p.id, "bench").secret for p in managers + practitioners}
    cases = []
    t0 = time.perf_counter()
    by_id = {m.id: m for m in managers}
    for i in range(n_cases):
        doctor = practitioners[i % n_practitioners]
        boss = actor(by_id[doctor.manager_id])
        plan = svc.create_job_plan(boss, doctor.id, complete_plan())
        case = svc.start_case(boss, "sign_off", doctor.id, job_plan_id=plan.id)
        cases.append({"id": case.id, "etag": f'"case-{case.id}-v{case.version}"', "manager": tokens[doctor.manager_id],
                      "practitioner": tokens[doctor.id]})
    seeded_s = time.perf_counter() - t0
    manager_tokens = [tokens[m_id] for m_id in by_id]
    per_manager = {m_id: 0 for m_id in by_id}
    for i in range(n_cases):
        per_manager[practitioners[i % n_practitioners].manager_id] += 1
    s.close()
    eng.dispose()
    return {"cases": cases, "managers": manager_tokens, "seed_seconds": seeded_s,
            "inbox_sizes": sorted(set(per_manager.values()))}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _worker_threads(master_pid: int) -> dict[int, int]:
    """Threads per gunicorn worker (Linux /proc): a scheduler would add at least one."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        return {int(pid): len(os.listdir(f"/proc/{pid}/task")) for pid in children}
    except OSError:
        return {}


def _pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def _latency(samples: list) -> dict:
    lat = sorted(s for s, _ in samples)
    if not lat:
        return {"n": 0}
    return {"n": len(lat), "p50_ms": _pct(lat, 0.50) * 1e3, "p90_ms": _pct(lat, 0.90) * 1e3,
            "p99_ms": _pct(lat, 0.99) * 1e3, "max_ms": lat[-1] * 1e3}


def _statuses(samples: list) -> dict:
    out: dict[str, int] = {}
    for _, status in samples:
        out[str(status)] = out.get(str(status), 0) + 1
    return dict(sorted(out.items()))


def _summarise(phases: list[dict]) -> dict:
    kinds = {}
    for kind in ("healthz", "inbox", "fire"):
        solo = [p for p in phases if p["phase"] == kind]
        samples = [x for p in solo for x in p["samples"][kind]]
        seconds = sum(p["elapsed_s"] for p in solo)
        per_round = [len(p["samples"][kind]) / p["elapsed_s"] for p in solo if p["elapsed_s"] > 0]
        mixed = [x for p in phases if p["phase"] == "mixed" for x in p["samples"].get(kind, [])]
        server_cpu = sum(p["server_cpu_s"] for p in solo)
        kinds[kind] = {"requests": len(samples), "seconds": seconds,
                       "throughput_rps": len(samples) / seconds if seconds else 0.0,
                       "server_cpu_ms_per_request": server_cpu / len(samples) * 1e3 if samples else None,
                       "loadgen_cpu_ms_per_request": sum(p["loadgen_cpu_s"] for p in solo) / len(samples) * 1e3
                       if samples else None,
                       "throughput_rps_per_round": per_round, **_latency(samples), "statuses": _statuses(samples),
                       "mixed": {**_latency(mixed), "statuses": _statuses(mixed)}}
    mixed = [p for p in phases if p["phase"] == "mixed"]
    if mixed:
        n = sum(len(v) for v in mixed[0]["samples"].values())
        kinds["mixed_total"] = {"requests": n, "seconds": mixed[0]["elapsed_s"],
                                "throughput_rps": n / mixed[0]["elapsed_s"]}
    base = kinds["healthz"]
    ratios = {}
    for kind in ("inbox", "fire"):
        k = kinds[kind]
        if k["requests"] and base["requests"]:
            ratios[kind] = {"throughput_healthz_over_kind": base["throughput_rps"] / k["throughput_rps"],
                            "server_cpu_kind_over_healthz": k["server_cpu_ms_per_request"]
                            / base["server_cpu_ms_per_request"] if base["server_cpu_ms_per_request"] else None,
                            "p50_kind_over_healthz": k["p50_ms"] / base["p50_ms"],
                            "p99_kind_over_healthz": k["p99_ms"] / base["p99_ms"]}
    return {"kinds": kinds, "ratios": ratios}


def _check_database(url: str, fired: dict) -> dict:
    """What the load generator saw against what the database holds."""
    from sqlalchemy import create_engine, text

    ok_fires = sum(1 for steps in fired.values() for _, _, st in steps if isinstance(st, int) and 200 <= st < 300)
    fully_signed = sum(1 for steps in fired.values()
                       if len(steps) == len(STEPS) and all(isinstance(st, int) and 200 <= st < 300 for *_, st in steps))
    eng = create_engine(url)
    with eng.connect() as conn:
        events = conn.execute(text("SELECT COUNT(*) FROM event WHERE kind = 'transition' "
                                   "AND trigger IN ('record_meeting', 'sign')")).scalar_one()
        reviewed = conn.execute(text("SELECT COUNT(*) FROM workflow_case WHERE state = 'second_level_review'")).scalar_one()
        outbox = conn.execute(text("SELECT COUNT(*) FROM outbox")).scalar_one()
    eng.dispose()
    return {"fires_2xx": ok_fires, "fire_events_in_db": events, "cases_fully_signed": fully_signed,
            "cases_in_second_level_review": reviewed, "outbox_rows": outbox,
            "agree": ok_fires == events and fully_signed == reviewed}


def run(pg_url: str | None = None, *, cases: int = DEFAULTS["cases"], managers: int = DEFAULTS["managers"],
        practitioners: int = DEFAULTS["practitioners"], workers: int = DEFAULTS["workers"],
        concurrency: int = DEFAULTS["concurrency"], rounds: int = DEFAULTS["rounds"],
        phase_seconds: float = DEFAULTS["phase_seconds"], phase_requests: int = DEFAULTS["phase_requests"],
        mixed_seconds: float = DEFAULTS["mixed_seconds"]) -> dict:
    if not pg_url:
        print("http under load: NOT RUN — it needs PostgreSQL (--db postgresql or both)")
        return {"status": "not_run", "needs": "PostgreSQL"}
    import importlib.util

    if importlib.util.find_spec("gunicorn") is None:
        raise SystemExit("http under load needs gunicorn: pip install -e '.[bench]'")
    from sqlalchemy import make_url

    from web.config import _database_url

    url = _database_url(pg_url)
    env = {**os.environ, "DATABASE_URL": url, "JOBPLAN_INSECURE_HTTP": "1", "SECRET_KEY": secrets.token_hex(32),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"http under load: wiping {make_url(url).database}, jobplan db upgrade, seeding {cases} cases ...",
          flush=True)
    _wipe_and_migrate(url, env)
    seeded = _seed(url, cases, managers, practitioners)
    today = datetime.now(timezone.utc).date().isoformat()
    steps = [(trigger, who, {"meeting_date": today} if trigger == "record_meeting" else {}) for trigger, who in STEPS]

    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="jobplan-bench-http-"))
    log = work / "gunicorn.log"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "--error-logfile", str(log),
                               "web.app:create_app()"],
                              cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_ready(port, server)
        threads_before = _worker_threads(server.pid)
        spec = {"host": "127.0.0.1", "port": port, "server_pids": sorted(threads_before), "concurrency": concurrency,
                "rounds": rounds, "phase_seconds": phase_seconds, "phase_requests": phase_requests, "mixed_seconds": mixed_seconds,
                "mixed_requests": phase_requests, "warmup_seconds": 3.0, "warmup_requests": 20 * concurrency,
                "steps": steps, "managers": seeded["managers"], "cases": seeded["cases"]}
        (work / "spec.json").write_text(json.dumps(spec))
        load_before = os.getloadavg()
        print(f"http under load: gunicorn -w {workers} on 127.0.0.1:{port}; load generator with {concurrency} "
              f"threads, {rounds} rounds of {phase_seconds:g} s per kind, then {mixed_seconds:g} s mixed", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.http_loadgen", str(work / "spec.json"), str(work / "out.json")],
                       cwd=ROOT, check=True)
        load_seconds = time.perf_counter() - t0
        load_after = os.getloadavg()
        threads_after = _worker_threads(server.pid)
    finally:
        server.terminate()  # gunicorn's master stops its workers gracefully on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own process group (start_new_session): master and workers
            server.wait()
    out = json.loads((work / "out.json").read_text())
    result = _summarise(out["phases"])
    check = _check_database(url, out["fired"])
    server_log = log.read_text()[-4000:] if log.exists() else ""

    k, r = result["kinds"], result["ratios"]
    for kind in ("healthz", "inbox", "fire"):
        x = k[kind]
        print(f"http [{kind:7}] {x['throughput_rps']:7.1f} req/s  p50 {x.get('p50_ms', 0):7.1f} ms  "
              f"p99 {x.get('p99_ms', 0):7.1f} ms  server CPU {x['server_cpu_ms_per_request'] or 0:5.1f} ms/request  "
              f"({x['requests']} requests, statuses {x['statuses']})")
    for kind, q in r.items():
        print(f"http {kind} vs /healthz: throughput {q['throughput_healthz_over_kind']:.1f}x lower, p50 "
              f"{q['p50_kind_over_healthz']:.1f}x, p99 {q['p99_kind_over_healthz']:.1f}x, server CPU per request "
              f"{q['server_cpu_kind_over_healthz'] or 0:.1f}x")
    if "mixed_total" in k and not k["mixed_total"]["requests"]:
        print("http mixed: not run, every load thread had run out of cases (raise --http-cases)")
    elif "mixed_total" in k:
        print(f"http mixed: {k['mixed_total']['throughput_rps']:.1f} req/s; p50/p99 ms " + ", ".join(
            f"{kind} {k[kind]['mixed'].get('p50_ms', 0):.1f}/{k[kind]['mixed'].get('p99_ms', 0):.1f}"
            for kind in ("healthz", "inbox", "fire")))
    print(f"http server: {len(threads_after)} gunicorn workers, threads each {sorted(threads_after.values())} "
          f"(a scheduler in a worker would add one)")
    print(f"http database check: {check['fires_2xx']} fires answered 2xx, {check['fire_events_in_db']} events; "
          f"{check['cases_fully_signed']} cases signed twice, {check['cases_in_second_level_review']} in "
          f"second-level review -> {'agree' if check['agree'] else 'DISAGREE'}")
    if out["errors"]:
        print(f"http: first errors: {out['errors'][:3]}")
    return {"status": "run", "server": {"gunicorn_workers": workers, "worker_class": "sync",
                                        "threads_per_worker_before": threads_before,
                                        "threads_per_worker_after": threads_after, "log_tail": server_log},
            "load": {"concurrency": concurrency, "rounds": rounds, "phase_seconds": phase_seconds,
                     "phase_requests": phase_requests, "mixed_seconds": mixed_seconds, "wall_seconds": load_seconds,
                     "load_average_before": load_before, "load_average_after": load_after},
            "data": {"cases": cases, "managers": managers, "practitioners": practitioners,
                     "open_cases_in_a_manager_inbox": seeded["inbox_sizes"], "seed_seconds": seeded["seed_seconds"],
                     "steps": [f"{t} as {w}" for t, w in STEPS]},
            "requests": {"healthz": "GET /healthz", "inbox": "GET /api/v1/cases?open=true&role=clinical_manager",
                         "fire": "POST /api/v1/cases/<id>/triggers/<trigger> with If-Match"},
            **result, "database_check": check, "errors_sample": out["errors"]}
