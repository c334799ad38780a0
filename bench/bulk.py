"""Bulk set-up in plain SQL (INSERT ... SELECT over a generated series), so a million cases take seconds.

The rows look exactly like the ones the service writes: a case, its "opened" event, and optionally an
open deadline; nothing here is timed by a benchmark."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from .common import POLICY, ts


def _series(dialect: str) -> str:
    if dialect == "postgresql":
        return "generate_series(1, :n) AS s(i)"
    return "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s) AS s"


def insert_cases(eng, n: int, *, state: str, subject_id: int, manager_id: int, job_plan_id: int | None,
                 at: datetime, workflow: str = "sign_off", data_json: str = "{}") -> tuple[int, int]:
    """Insert ``n`` open cases in ``state`` with their "opened" event; returns the (first, last) case id."""
    d = eng.dialect.name
    with eng.begin() as conn:
        before = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM workflow_case")).scalar_one()
        conn.execute(text(
            "INSERT INTO workflow_case (workflow, policy_id, policy_version, state, subject_id, manager_id, "
            "job_plan_id, parent_id, data, opened_at, updated_at, closed_at, version) "
            f"SELECT :wf, :policy, 1, :state, :subject, :manager, :plan, NULL, '{data_json}', :at, :at, NULL, 1 "
            f"FROM {_series(d)}"),
            {"n": n, "wf": workflow, "policy": POLICY, "state": state, "subject": subject_id, "manager": manager_id,
             "plan": job_plan_id, "at": ts(at, d)})
        conn.execute(text(
            "INSERT INTO event (case_id, seq, at, kind, actor_id, actor_role, trigger, from_state, to_state, "
            "payload, reason) SELECT id, 1, :at, 'opened', :manager, 'clinical_manager', NULL, NULL, :state, '{}', NULL "
            "FROM workflow_case WHERE id > :before"),
            {"at": ts(at, d), "manager": manager_id, "state": state, "before": before})
        last = conn.execute(text("SELECT MAX(id) FROM workflow_case")).scalar_one()
    return before + 1, last


def insert_deadlines(eng, first: int, last: int, *, name: str, state: str, kind: str, starts_at: datetime,
                     due_at: datetime, next_check_at: datetime, reminders_sent: int = 0) -> None:
    """One open deadline for each case id in [first, last]."""
    d = eng.dialect.name
    with eng.begin() as conn:
        conn.execute(text(
            "INSERT INTO deadline (case_id, name, state, kind, starts_at, due_at, status, next_check_at, "
            "reminders_sent, escalation_step, extensions, paused_at, closed_at) "
            "SELECT id, :name, :state, :kind, :starts, :due, 'open', :next, :sent, 0, 0, NULL, NULL "
            "FROM workflow_case WHERE id BETWEEN :first AND :last"),
            {"name": name, "state": state, "kind": kind, "starts": ts(starts_at, d), "due": ts(due_at, d),
             "next": ts(next_check_at, d), "sent": reminders_sent, "first": first, "last": last})
