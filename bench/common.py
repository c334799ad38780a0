"""What every benchmark shares: a database (a SQLite file or PostgreSQL ``bench_issue9*``), the schema,
a small trust, the service layer without Flask, bulk set-up in plain SQL, and timing helpers.

Set-up (creating thousands of cases) is never timed; only the step a benchmark is about."""
from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from workflow.actors import Actor
from workflow.timing.clock import FixedClock
from workflow.engine import Engine
from workflow.store.models import Base
from workflow.policy.registry import PolicyRegistry
from workflow.service import JobPlanning
from workflow.store.uow import WRITE_OPTION, configure_engine

ROOT = Path(__file__).resolve().parents[1]
POLICY_DIR = ROOT / "policies"
RESULTS = Path(__file__).resolve().parent / "results"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_issue9"
POLICY = "cpft-medical-2017"


def database_urls(which: str, pg_url: str) -> dict[str, str]:
    """``which``: sqlite, postgresql or both. The SQLite file lives in a fresh temporary folder."""
    urls = {}
    if which in ("sqlite", "both"):
        urls["sqlite"] = f"sqlite:///{tempfile.mkdtemp(prefix='jobplan-bench-')}/bench.db"
    if which in ("postgresql", "both"):
        urls["postgresql"] = pg_url
    return urls


def database_pairs(which: str, pg_url: str) -> dict[str, tuple[str, str]]:
    """Two databases per kind, for benchmarks that keep a small and a large one side by side; the
    PostgreSQL one is ``<name>_large`` beside the given database, created when missing."""
    pairs = {}
    if which in ("sqlite", "both"):
        folder = tempfile.mkdtemp(prefix="jobplan-bench-")
        pairs["sqlite"] = (f"sqlite:///{folder}/small.db", f"sqlite:///{folder}/large.db")
    if which in ("postgresql", "both"):
        large = make_url(pg_url)
        large = large.set(database=f"{large.database}_large")
        ensure_database(large)
        pairs["postgresql"] = (pg_url, large.render_as_string(hide_password=False))
    return pairs


def ensure_database(url) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first():
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def fresh_engine(url: str):
    """An engine on an empty schema, configured exactly as the app configures its own."""
    if make_url(url).get_backend_name() == "postgresql":
        ensure_database(make_url(url))  # a new machine has only ``test``: the benchmark makes its own
    eng = create_engine(url)
    configure_engine(eng)
    with eng.begin() as conn:
        Base.metadata.drop_all(conn)
        if eng.dialect.name == "postgresql":
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        Base.metadata.create_all(conn)
    return eng


def service(eng, clock: FixedClock | None = None, policies: PolicyRegistry | None = None) -> JobPlanning:
    return JobPlanning(Session(eng), policies or PolicyRegistry.from_directory(POLICY_DIR), clock or FixedClock(NOW),
                       Engine())


def make_trust(session):
    """The same small trust the test suite uses (tests/factories.py)."""
    from tests.factories import make_trust as _make

    return _make(session)


def actor(person) -> Actor:
    return Actor.person(person.id, person.name)


def ts(dt: datetime, dialect: str):
    """A UTC instant as the models store it (naive UTC), for plain SQL statements."""
    naive = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return naive.isoformat(sep=" ") if dialect == "sqlite" else naive


def write_conn(eng):
    """A connection whose transaction is a write one (BEGIN IMMEDIATE on SQLite), as the service's."""
    return eng.connect().execution_options(**{WRITE_OPTION: True})


def analyze(eng) -> None:
    """Statistics for the planner after a bulk load; on PostgreSQL also VACUUM, so the timed run reads
    settled tables (hint bits, visibility map) as a database in service would, not freshly loaded ones."""
    if eng.dialect.name == "postgresql":
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with eng.begin() as conn:
        conn.execute(text("ANALYZE"))


def quiet_gc():
    gc.collect()


def timed(fn, *args, **kw) -> float:
    t0 = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t0


def summary(samples: list[float]) -> dict:
    s = sorted(samples)
    return {"n": len(s), "median_ms": statistics.median(s) * 1e3, "mean_ms": statistics.fmean(s) * 1e3,
            "p90_ms": s[int(0.9 * (len(s) - 1))] * 1e3, "total_s": sum(s)}


def machine_info() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
        info["cpu"] = model
    except OSError:
        pass
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    return info


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    payload = {"benchmark": name, "run_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": machine_info(), **result}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
