"""Issue 17, "Operators": `jobplan doctor` and `/healthz/ready` give one answer, line by line; the metrics
show what an operator watches; a policy version that cases use and the folder lacks stops start-up; a
command's error is one line, never a traceback."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from tests.conftest import actor
from web.cli import main
from workflow.store.models import Case, Deadline, RoleAssignment


def _start_sign_off(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    svc.session.commit()
    return case


def _checks(result_json):
    return {c["name"]: c for c in result_json["checks"]}


def test_doctor_names_an_office_with_no_holder_and_exits_non_zero(app, svc, trust):
    svc.session.execute(delete(RoleAssignment).where(RoleAssignment.role == "medical_director"))
    svc.session.commit()
    result = app.test_cli_runner().invoke(main, ["doctor"])
    assert result.exit_code == 1, result.output
    line = next(x for x in result.output.splitlines() if "role holders" in x)
    assert line.startswith("FAIL") and "Medical Director" in line
    assert any(x.startswith("ok   database") for x in result.output.splitlines())


def test_ready_endpoint_gives_the_doctors_answer_and_503_when_a_check_fails(app, svc, trust):
    from flask_migrate import stamp

    client = app.test_client()
    stamp()  # as `jobplan db upgrade` leaves it
    answer = client.get("/healthz/ready")
    checks = _checks(answer.get_json())
    assert {"database", "migrations", "policies", "role holders", "sweep", "mail relay"} <= set(checks)
    assert checks["migrations"]["ok"]
    assert answer.status_code == (200 if all(c["ok"] for c in checks.values()) else 503)
    stamp(revision="base")  # a database the code is ahead of
    svc.session.rollback()  # the test shares the requests' session: end its read snapshot (SQLite)
    answer = client.get("/healthz/ready")
    checks = _checks(answer.get_json())
    assert answer.status_code == 503
    assert not checks["migrations"]["ok"] and "jobplan db upgrade" in checks["migrations"]["detail"]
    assert client.get("/healthz").status_code == 200  # liveness is a separate, cheaper question


def test_a_sweep_that_has_not_run_shows_as_lag_in_doctor_and_metrics(app, svc, trust, clock):
    case = _start_sign_off(svc, trust)
    # Make one check a day overdue for the sweep, as if no scheduler had run since.
    svc.session.execute(update(Deadline).where(Deadline.case_id == case.id)
                        .values(next_check_at=clock.now() - timedelta(days=1)))
    svc.session.commit()
    checks = _checks(app.test_client().get("/healthz/ready").get_json())
    assert not checks["sweep"]["ok"] and "jobplan scheduler" in checks["sweep"]["detail"]
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert "jobplan_deadlines_due 1.0" in text
    lag = next(float(x.split()[-1]) for x in text.splitlines() if x.startswith("jobplan_sweep_lag_seconds "))
    assert lag == 86400.0


def test_metrics_count_mail_pending_and_time_requests_by_endpoint_not_by_url(app, svc, trust):
    _start_sign_off(svc, trust)  # the meeting queued mail
    client = app.test_client()
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    pending = next(float(x.split()[-1]) for x in text.splitlines() if x.startswith("jobplan_mail_pending "))
    assert pending >= 1
    assert 'jobplan_request_seconds_count{endpoint="healthz",method="GET",status="200"} 1.0' in text


def test_metrics_refuse_a_remote_scraper_without_the_token(app):
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    app.config["JOBPLAN_METRICS_TOKEN"] = "s3cret-scrape"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                      headers={"Authorization": "Bearer s3cret-scrape"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_a_policy_version_cases_use_but_the_folder_lacks_stops_start_up_with_one_line(app, svc, trust):
    case = _start_sign_off(svc, trust)
    svc.session.execute(update(Case).where(Case.id == case.id).values(policy_version=99))
    svc.session.commit()
    from web.cli import require_policies_in_use

    import click
    import pytest

    with pytest.raises(click.ClickException) as exc:
        require_policies_in_use()
    assert f"{case.policy_id} version 99" in exc.value.message and "restore the file" in exc.value.message
    checks = _checks(app.test_client().get("/healthz/ready").get_json())
    assert not checks["policies"]["ok"] and "version 99" in checks["policies"]["detail"]


def test_jobplan_demo_on_a_database_with_people_is_one_line_not_a_traceback(app, svc, trust):
    from flask_migrate import stamp

    stamp()  # the tests build the schema without Alembic; mark it current as `jobplan db upgrade` would
    result = app.test_cli_runner().invoke(main, ["demo"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == ("Error: the database already has people; "
                                                      "load the demo into an empty database")
    assert "Traceback" not in result.output
    assert svc.session.scalar(select(Case.id)) is None  # and nothing was loaded
