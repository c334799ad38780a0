"""Fixtures shared by every layer. The database is SQLite (a fresh file per test) unless
JOBPLAN_TEST_DATABASE_URL names a PostgreSQL database, which is emptied before each test."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from web import create_app
from web.extensions import db
from workflow.actors import Actor
from workflow.timing.clock import FixedClock
from workflow.store.models import Base
from workflow.policy.registry import PolicyRegistry

from .e2e.browser import browser, live_server, passwords  # noqa: F401  (fixtures; here so one Chromium serves every folder)
from .factories import make_trust

PG_URL = os.environ.get("JOBPLAN_TEST_DATABASE_URL")
POLICY_DIR = Path(__file__).resolve().parents[1] / "policies"
_schema_ready: set[str] = set()


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (a file per test)'}"


@pytest.fixture(scope="session")
def policies() -> PolicyRegistry:
    return PolicyRegistry.from_directory(POLICY_DIR)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def database_url(tmp_path) -> str:
    return PG_URL or f"sqlite:///{tmp_path / 'jobplan.db'}"


@pytest.fixture
def app(tmp_path, clock, policies, database_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "JOBPLAN_CLOCK": clock,
        "JOBPLAN_POLICIES": policies,
        "JOBPLAN_MAIL_DIR": str(tmp_path / "mail"),
        "JOBPLAN_BASE_URL": "https://jobplans.example.nhs.uk",
    })
    with app.app_context():
        reset_schema(database_url)
        yield app
        db.session.remove()
        db.engine.dispose()


def reset_schema(url: str) -> None:
    if url.startswith("sqlite"):
        Base.metadata.create_all(db.engine)
        return
    if url not in _schema_ready:
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            Base.metadata.create_all(conn)
        _schema_ready.add(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def empty_tables(session) -> None:
    """Empty every table inside the session's transaction, the audit log included: PostgreSQL's TRUNCATE is not
    stopped by its row triggers; SQLite has no TRUNCATE, so its append-only triggers are lifted for the DELETE
    and put back before the commit (test set-up only)."""
    if session.connection().dialect.name == "postgresql":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return
    from workflow.store import audit_triggers

    session.execute(text("DROP TRIGGER event_no_update"))
    session.execute(text("DROP TRIGGER event_no_delete"))
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    for sql in audit_triggers.SQLITE:
        session.execute(text(sql))


@pytest.fixture
def svc(app):
    from web.services import service

    return service()


@pytest.fixture
def trust(svc):
    return make_trust(svc.session)


def actor(person) -> Actor:
    return Actor.person(person.id, person.name)
