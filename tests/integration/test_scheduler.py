"""Where the scheduler runs: its own process in production, in-process only on the embedded default and
never in a reloader's watching parent; `jobplan sweep --now` and `jobplan mail` from the command line."""
from __future__ import annotations

from datetime import timezone

import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from web import scheduler
from web.cli import main
from workflow.store.models import OutboxMessage

UTC = timezone.utc


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(scheduler, "_started", {})


def test_serve_starts_one_in_process_scheduler_on_the_embedded_default_only(app, fresh_registry, monkeypatch):
    app.config["JOBPLAN_SWEEP_SECONDS"] = 90
    if not scheduler.is_embedded(app):
        assert scheduler.start_in_process(app) is None
        return
    sched = scheduler.start_in_process(app)
    try:
        assert sched is not None and scheduler.start_in_process(app) is sched  # once per process
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) == {"sweep", "mail"}
        assert jobs["sweep"].trigger.interval.total_seconds() == 90
        assert jobs["mail"].trigger.interval.total_seconds() == app.config["JOBPLAN_MAIL_SECONDS"]
    finally:
        sched.shutdown(wait=False)


def test_a_production_database_gets_no_scheduler_in_the_web_process(app, fresh_registry, monkeypatch):
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://db.example/jobplan")
    assert scheduler.start_in_process(app) is None


def test_the_reloaders_watching_parent_starts_no_scheduler(app, fresh_registry, monkeypatch):
    monkeypatch.setattr(app, "debug", True)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert scheduler.in_reloader_parent(app)
    if scheduler.is_embedded(app):
        assert scheduler.start_in_process(app) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert not scheduler.in_reloader_parent(app)


def _meeting_held_on_1_march(svc, trust):
    """A sign-off whose 28-day clock runs to the end of 29 March, with its 7-day reminder."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    svc.session.commit()
    return case


def test_jobplan_sweep_now_reads_local_time_and_reports_what_it_did(app, svc, trust):
    _meeting_held_on_1_march(svc, trust)
    runner = app.test_cli_runner()
    # Due at the end of 29 March (BST); the 7-day reminder falls at local midnight starting 23 March (GMT).
    result = runner.invoke(main, ["sweep", "--now", "2027-03-22T23:59"])
    assert result.exit_code == 0 and "0 reminders" in result.output, result.output
    result = runner.invoke(main, ["sweep", "--now", "2027-03-23T00:00"])
    assert result.exit_code == 0 and "1 due deadlines, 1 reminders" in result.output, result.output
    result = runner.invoke(main, ["sweep", "--now", "yesterday"])
    assert result.exit_code != 0 and "ISO date-time" in result.output


def test_jobplan_sweep_now_reads_local_time_in_the_trusts_zone_not_london(app, svc, trust):
    """--now without an offset is local time in JOBPLAN_TIMEZONE: the reminder at local midnight starting
    23 March in London (00:00 UTC) has not yet fallen at 22 March 20:00 in New York (23 March 00:00 UTC is
    20:00 EDT on the 22nd, so 19:59 there is still before it)."""
    app.config["JOBPLAN_TIMEZONE"] = "America/New_York"
    _meeting_held_on_1_march(svc, trust)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["sweep", "--now", "2027-03-22T19:59"])
    assert result.exit_code == 0 and "0 reminders" in result.output, result.output
    result = runner.invoke(main, ["sweep", "--now", "2027-03-22T20:00"])
    assert result.exit_code == 0 and "1 reminders" in result.output, result.output


def test_jobplan_mail_writes_the_outbox_to_the_mail_folder_on_the_embedded_default(app, svc, trust, tmp_path):
    _meeting_held_on_1_march(svc, trust)
    result = app.test_cli_runner().invoke(main, ["mail"])
    assert result.exit_code == 0 and "1 sent" in result.output, result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    svc.session.expire_all()
    assert svc.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "pending")) == 0


def test_jobplan_sweep_dry_run_shows_what_would_be_sent_and_records_nothing(app, svc, trust):
    case = _meeting_held_on_1_march(svc, trust)
    queued = svc.session.scalar(select(func.count()).select_from(OutboxMessage))
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["sweep", "--now", "2027-04-20T09:00", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "1 breaches, 3 escalations" in result.output
    assert f"would send to {trust.amd.email}: Overdue (due by 29 March 2027): see that the " in result.output
    assert f"case {case.id}" not in result.output.lower()
    svc.session.expire_all()
    assert svc.session.scalar(select(func.count()).select_from(OutboxMessage)) == queued
    result = runner.invoke(main, ["sweep", "--now", "2027-04-20T09:00"])  # the real one still finds it all due
    assert "1 breaches, 3 escalations" in result.output
