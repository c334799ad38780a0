"""Issue 13, items 10-13, probed end to end as an attacker or an unlucky operator would: the audit log cannot be
edited in the database and records trust-level facts (sign-ins, tokens, imports, plan edits, manager changes);
a clock closed late is breached whether or not a sweep ran; hostile policy files get a one-line refusal; and
mail queued for later is reported as waiting. Runs on SQLite and, with JOBPLAN_TEST_DATABASE_URL, PostgreSQL."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import PG_URL, actor
from tests.e2e.conftest import multipart
from tests.factories import complete_plan
from web import create_app
from web.cli import main
from web.extensions import db
from workflow.store.models import Deadline, Event, OutboxMessage
from workflow.service.passwords import hash_password
from workflow.policy import loader
from workflow.service.reports.master_log import master_log
from workflow.service import audit, cases as case_queries, signin

UTC = timezone.utc
JOBPLAN = Path(sys.executable).with_name("jobplan")


def trust_events(svc, **where):
    svc.session.rollback()  # a fresh read
    q = select(Event).where(Event.case_id.is_(None)).order_by(Event.id)
    for key, value in where.items():
        q = q.where(getattr(Event, key) == value)
    return list(svc.session.scalars(q))


def any_event_id(svc, trust) -> int:
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    return svc.session.scalar(select(func.min(Event.id)).where(Event.case_id.is_not(None)))


# ---- item 10: the audit log is append-only in the database ----------------------------------------------------

def test_item10_raw_update_of_an_event_is_refused_by_the_database(app, svc, trust):
    event_id = any_event_id(svc, trust)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE event SET reason = 'tampered' WHERE id = :id"), {"id": event_id})
    svc.session.rollback()
    assert svc.session.get(Event, event_id).reason is None


def test_item10_raw_delete_of_an_event_is_refused_by_the_database(app, svc, trust):
    event_id = any_event_id(svc, trust)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM event WHERE id = :id"), {"id": event_id})
    svc.session.rollback()
    assert svc.session.get(Event, event_id) is not None


def _migrated_url(tmp_path) -> tuple[str, callable]:
    """A database built by the migrations alone: a SQLite file, or a fresh PostgreSQL database beside the test one."""
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'migrated.db'}", lambda: None
    base, _, name = PG_URL.rpartition("/")
    fresh = f"{name}_migrated"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh}"'))
        conn.execute(text(f'CREATE DATABASE "{fresh}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        admin.dispose()
    return f"{base}/{fresh}", drop


def test_item10_the_migration_makes_the_event_table_append_only(tmp_path, policies):
    from flask_migrate import upgrade

    url, drop = _migrated_url(tmp_path)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "JOBPLAN_POLICIES": policies})
        with app.app_context():
            upgrade()
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO event (subject, seq, at, kind, actor_role, payload) VALUES "
                                  "('sign_in', 1, '2027-03-01 09:00:00', 'sign_in_failed', 'anonymous', '{}')"))
            for sql in ("UPDATE event SET reason = 'tampered'", "DELETE FROM event"):
                with pytest.raises(DBAPIError, match="append-only"):
                    with db.engine.begin() as conn:
                        conn.execute(text(sql))
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*), max(reason) FROM event")).one() == (1, None)
            db.engine.dispose()
    finally:
        drop()


def login(client, email, password):
    from tests.e2e.test_sign_in import csrf_token

    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def test_item10_sign_ins_good_and_failed_are_audited_with_the_email_tried_never_the_password(client, svc, trust,
                                                                                            clock):
    trust.doctor.password_hash = hash_password("correct horse")
    svc.session.commit()
    assert login(client, trust.doctor.email, "correct horse").status_code == 302
    assert login(client, trust.doctor.email, "Tr0ub4dor&3").status_code == 401
    assert login(client, "=cmd|' /C calc'!A0@example.org", "hunter2").status_code == 401
    events = trust_events(svc)
    assert [(e.kind, e.subject, e.actor_id, e.actor_role) for e in events] == [
        ("sign_in", f"person:{trust.doctor.id}", trust.doctor.id, "person"),
        ("sign_in_failed", f"person:{trust.doctor.id}", None, "anonymous"),
        ("sign_in_failed", "sign_in", None, "anonymous")]
    assert events[1].payload == {"via": "password", "email": trust.doctor.email}
    assert events[2].payload["email"] == "=cmd|' /c calc'!a0@example.org"
    assert all(e.at == clock.now() for e in events)
    stored = " ".join(str(e.payload) + str(e.reason) for e in events)
    assert "Tr0ub4dor" not in stored and "hunter2" not in stored and "correct horse" not in stored


def test_item10_oidc_sign_ins_are_audited_too(svc, trust):
    assert signin.person_for_oidc_user(svc, {"email": trust.doctor.email, "email_verified": True}).id == trust.doctor.id
    assert signin.person_for_oidc_user(svc, {"email": trust.doctor.email, "email_verified": False}) is None
    assert [(e.kind, e.payload["via"]) for e in trust_events(svc)] == [
        ("sign_in", "identity provider"), ("sign_in_failed", "identity provider")]


def test_item10_token_creation_and_revocation_on_the_command_line_are_audited(app, svc, trust):
    runner = CliRunner()
    from flask.cli import ScriptInfo

    obj = ScriptInfo(create_app=lambda: app)
    made = runner.invoke(main, ["token", "create", trust.hr.email, "--name", "ESR nightly", "--role", "hr"], obj=obj)
    assert made.exit_code == 0, made.output
    token_id = int(re.search(r"token (\d+) for", made.output).group(1))
    gone = runner.invoke(main, ["token", "revoke", str(token_id)], obj=obj)
    assert gone.exit_code == 0, gone.output
    events = trust_events(svc, subject=f"api_token:{token_id}")
    assert [(e.kind, e.actor_role, e.seq) for e in events] == [("token_created", "operator", 1),
                                                               ("token_revoked", "operator", 2)]
    assert events[0].payload["person_id"] == trust.hr.id and events[0].payload["roles"] == ["hr"]
    assert events[0].payload["operator"]  # the server account that ran the command
    assert "jpt_" not in str(events[0].payload)  # never the secret


HEADER = "id,name,email,role,staff group,contract,care group,team,manager\n"


def test_item10_staff_import_and_the_manager_and_role_changes_it_makes_are_audited(client, auth, svc, trust):
    headers = auth(trust.hr)
    first = (HEADER + "E100,Dr Ada Lane,ada@example.org,Clinical Director,Consultant,10 PA,Surgery,Gen,\n"
             "E101,Dr Bo Chen,bo@example.org,Consultant,Consultant,10 PA,Surgery,Gen,E100\n"
             f"{trust.colleague.staff_number},Dr Colleague,{trust.colleague.email},Consultant,Consultant,10 PA,,,\n")
    r = client.post("/api/v1/people/import", headers=headers, **multipart(first.encode(), "a.csv", "text/csv"))
    assert r.status_code == 200, r.get_json()
    second = (HEADER + "E100,Dr Ada Lane,ada@example.org,Clinical Director,Consultant,10 PA,Surgery,Gen,\n"
              "E101,Dr Bo Chen,bo@example.org,Lead Consultant,Consultant,10 PA,Surgery,Gen,\n")
    r = client.post("/api/v1/people/import", headers=headers, **multipart(second.encode(), "b.csv", "text/csv"))
    assert r.get_json()["summary"] == {"created": 0, "updated": 1, "unchanged": 1, "refused": 0}
    imports = trust_events(svc, kind="staff_import")
    assert [(e.actor_id, e.actor_role, e.payload["counts"]["created"]) for e in imports] == [
        (trust.hr.id, "hr", 2), (trust.hr.id, "hr", 0)]
    bo = svc.session.scalar(select(Event.subject).where(Event.kind == "person_changed")
                            .order_by(Event.id.desc()).limit(1))
    change = trust_events(svc, subject=bo)[-1]
    assert change.actor_id == trust.hr.id
    assert change.payload["changed"]["job_title"] == ["Consultant", "Lead Consultant"]
    assert change.payload["changed"]["manager_id"][1] is None  # the manager taken away
    colleague = trust_events(svc, subject=f"person:{trust.colleague.id}")
    assert [e.payload["changed"]["manager_id"] for e in colleague] == [[trust.manager.id, None]]


def test_item10_a_refused_import_writes_no_audit_event(client, auth, svc, trust):
    bad = b"id,name\n"  # no email column: refused whole
    r = client.post("/api/v1/people/import", headers=auth(trust.hr), **multipart(bad, "x.csv", "text/csv"))
    assert r.status_code == 422
    assert trust_events(svc, kind="staff_import") == []


def test_item10_plan_edits_are_audited_in_the_same_transaction(client, auth, svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    headers = auth(trust.doctor)
    etag = client.get(f"/api/v1/plans/{plan.id}", headers=headers).headers["ETag"]
    r = client.put(f"/api/v1/plans/{plan.id}", headers={**headers, "If-Match": etag},
                   json={"content": complete_plan(spa=2.0), "note": "SPA to 2.0"})
    assert r.status_code == 200, r.get_json()
    stale = client.put(f"/api/v1/plans/{plan.id}", headers={**headers, "If-Match": etag},
                       json={"content": complete_plan(spa=1.5), "note": "lost"})
    assert stale.status_code == 412 or stale.status_code == 409
    events = trust_events(svc, kind="plan_edited")
    assert [(e.subject, e.actor_id, e.payload["version"], e.reason) for e in events] == [
        (f"job_plan:{plan.id}", trust.doctor.id, 2, "SPA to 2.0")]


def test_item10_trust_level_events_are_shown_to_the_trust_wide_readers_only(client, auth, svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    svc.edit_job_plan(actor(trust.manager), plan.id, complete_plan(spa=2.0), note="edited")
    hr, amd, manager = auth(trust.hr), auth(trust.amd), auth(trust.manager)
    seen = client.get("/api/v1/audit/events?page_size=500", headers=hr).get_json()["items"]
    assert {"plan_edited", "token_created"} <= {e["kind"] for e in seen if e["case_id"] is None}
    assert any(e["subject"] == f"job_plan:{plan.id}" for e in seen)
    for headers in (amd, manager):
        items = client.get("/api/v1/audit/events?page_size=500", headers=headers).get_json()["items"]
        assert all(e["case_id"] is not None for e in items)
    csv_text = client.get("/api/v1/audit/events.csv", headers=hr).get_data(as_text=True)
    assert "plan_edited" in csv_text and "subject" in csv_text.splitlines()[0]
    assert "plan_edited" not in client.get("/api/v1/audit/events.csv", headers=manager).get_data(as_text=True)
    assert any(r["activity"] == "plan_edited" for r in master_log(svc, actor(trust.hr)).rows)
    assert not any(r["activity"] == "plan_edited" for r in master_log(svc, actor(trust.amd)).rows)
    assert all(e.case_id is not None for e in audit.events_page(svc, actor(trust.manager), page_size=500).items)


# ---- item 11: a deadline closed late is not "met" -------------------------------------------------------------

def _sign_off(svc, trust, person, meeting: str) -> int:
    plan = svc.create_job_plan(actor(trust.manager), person.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", person.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": meeting})
    return case.id


def _fail_to_agree(svc, person, case_id) -> Deadline:
    svc.fire(actor(person), case_id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    svc.session.expire_all()
    return svc.session.scalar(select(Deadline).where(Deadline.case_id == case_id, Deadline.name == "sign_off"))


def test_item11_failure_to_agree_recorded_after_the_28_days_with_no_sweep_is_breached_not_met(svc, trust, clock):
    case_id = _sign_off(svc, trust, trust.doctor, "2027-02-25")  # last day 25 March (GMT)
    clock.set(datetime(2027, 3, 30, 9, 0, tzinfo=UTC))
    d = _fail_to_agree(svc, trust.doctor, case_id)
    assert (d.status, d.closed_at) == ("breached", clock.now())


def test_item11_the_same_status_and_reports_whether_or_not_the_sweep_ran(svc, trust, clock):
    swept = _sign_off(svc, trust, trust.doctor, "2027-02-25")
    clock.set(datetime(2027, 3, 27, 9, 0, tzinfo=UTC))  # the 28 days ended with 25 March
    assert svc.sweep().breaches  # the sweep saw this one late...
    unswept = _sign_off(svc, trust, trust.colleague, "2027-02-25")  # ...and never saw this one, due the same day
    clock.set(datetime(2027, 3, 30, 9, 0, tzinfo=UTC))
    a = _fail_to_agree(svc, trust.doctor, swept)
    b = _fail_to_agree(svc, trust.colleague, unswept)
    assert (a.status, a.closed_at, a.due_at) == (b.status, b.closed_at, b.due_at) == (
        "breached", clock.now(), datetime(2027, 3, 26, 0, 0, tzinfo=UTC))
    md = actor(trust.md)
    overdue = {d.case_id for d in case_queries.list_deadlines(svc, md, overdue=True)}
    met = {d.case_id for d in case_queries.list_deadlines(svc, md, status="met")}
    breached = {d.case_id for d in case_queries.list_deadlines(svc, md, status="breached")}
    # Both were missed and both are closed now (the case moved on): each is breached, neither met, and
    # neither is overdue any more (workflow.store.deadline_rules.is_overdue: a closed clock is history).
    assert {swept, unswept} <= breached and not {swept, unswept} & met and not {swept, unswept} & overdue


@pytest.mark.parametrize("closed_at, status", [
    (datetime(2027, 4, 2, 22, 59, tzinfo=UTC), "met"),        # 23:59 BST on 2 April, the last day
    (datetime(2027, 4, 2, 23, 30, tzinfo=UTC), "breached"),   # 00:30 BST on 3 April: still 2 April in UTC
])
def test_item11_met_or_late_is_decided_by_the_trusts_local_last_day(svc, trust, clock, closed_at, status):
    clock.set(datetime(2027, 3, 5, 9, 0, tzinfo=UTC))  # a meeting is recorded once held (issue 16 item 4)
    case_id = _sign_off(svc, trust, trust.doctor, "2027-03-05")  # last day 2 April, in BST
    clock.set(closed_at)
    assert _fail_to_agree(svc, trust.doctor, case_id).status == status


def test_item11_an_overdue_clock_cannot_be_paused_before_the_sweep_marks_it(svc, trust, clock):
    from workflow.errors import ConditionFailed
    from workflow.service import deadlines as deadline_changes

    case_id = _sign_off(svc, trust, trust.doctor, "2027-02-25")
    d = svc.session.scalar(select(Deadline).where(Deadline.case_id == case_id))
    clock.set(datetime(2027, 3, 27, 9, 0, tzinfo=UTC))
    with pytest.raises(ConditionFailed, match="overdue"):
        deadline_changes.pause(svc, actor(trust.amd), d.id, reason="leave")  # the AMD, not a party (issue 16 item 17)


# ---- item 12: hostile policy files --------------------------------------------------------------------------

def run_jobplan(*args, cwd=None, timeout=120):
    return subprocess.run([str(JOBPLAN), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "DATABASE_URL": "sqlite://"})


def test_item12_deep_nesting_gives_a_file_path_problem_line_not_a_traceback(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("id: x\nroles: " + "[" * 5000 + "]" * 5000 + "\n")
    shallow_enough_for_yaml = tmp_path / "nested.yaml"
    shallow_enough_for_yaml.write_text("id: x\nroles:\n  a: " + "{a: " * 200 + "1" + "}" * 200 + "\n")
    for f in (deep, shallow_enough_for_yaml):
        r = run_jobplan("policy", "check", str(f))
        assert r.returncode == 1
        assert "Traceback" not in r.stderr and "RecursionError" not in r.stderr
        assert re.fullmatch(rf"{re.escape(str(f))}: [^:\n]+: [^\n]*nesting depth[^\n]*\n|"
                            rf"{re.escape(str(f))}: [^:\n]+: nests deeper than \d+ levels\n", r.stderr), r.stderr


def test_item12_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    big.write_text("id: x\nroles:\n" + "".join(f"  r{i}: {{scope: subject, title: t, clause: c}}\n"
                                               for i in range(250_000)))
    assert big.stat().st_size > 10 * 1024 * 1024
    r = run_jobplan("policy", "check", str(big))
    assert r.returncode == 1
    assert r.stderr == f"{big}: (file): is {big.stat().st_size / 2 ** 20:.1f} MB; a policy file may be at most 1 MB\n"
    # Refused from its size alone, before it is read or parsed (it took 23 s to parse; speed is measured in bench/).
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("the file was read"))
    monkeypatch.setattr(Path, "read_bytes", lambda *a, **k: pytest.fail("the file was read"))
    with pytest.raises(loader.PolicyError):
        loader.load_policy_file(big)


def test_item12_aliases_that_multiply_are_refused_not_expanded(tmp_path):
    laugh = tmp_path / "laugh.yaml"
    lines = ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for prev, name in zip("abcdefg", "bcdefgh"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    laugh.write_text("\n".join(lines) + "\n")
    with pytest.raises(loader.PolicyError, match="more than 100,000 values"):
        loader.load_policy_file(laugh)


def test_item12_the_c_yaml_loader_is_used_where_present():
    assert loader._Loader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert hasattr(yaml, "CSafeLoader"), "PyYAML without libyaml: policy files load ~10x slower"


# ---- item 13: mail waiting is visible ---------------------------------------------------------------------------

def test_item13_plain_mail_after_a_future_sweep_counts_the_messages_not_yet_due(app, svc, trust, clock):
    _sign_off(svc, trust, trust.doctor, "2027-03-01")
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["mail"]).exit_code == 0  # what the steps queued for now
    result = runner.invoke(main, ["sweep", "--now", "2027-03-23T09:00"])
    assert result.exit_code == 0 and "1 reminders" in result.output, result.output
    svc.session.rollback()
    waiting = svc.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "pending"))
    assert waiting >= 2  # the practitioner and the manager
    result = runner.invoke(main, ["mail"])
    assert result.exit_code == 0, result.output
    assert "0 sent" in result.output
    assert f"{waiting} messages waiting, not due yet (the first at 23 Mar 2027 09:00 GMT)" in result.output
    result = runner.invoke(main, ["mail", "--now", "2027-03-23T09:00"])
    assert f"{waiting} sent" in result.output and "waiting" not in result.output
