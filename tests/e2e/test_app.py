"""The public surface: the app factory, /healthz, the CLI and the migrations (issue 3, item 7)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from web import create_app
from web.cli import main
from web.extensions import db
from workflow.actors import Actor
from workflow.store.models import Base, Case, Person


def test_healthz_reports_database_and_policies(app):
    res = app.test_client().get("/healthz")
    assert res.status_code == 200
    body = res.get_json()
    assert body["status"] == "ok" and "cpft-medical-2017@1" in body["policies"]
    assert body["database"] == db.engine.dialect.name


def test_migrations_build_exactly_the_models(tmp_path, policies):
    """Alembic's migrations and the models agree: nothing left for autogenerate to find."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "SECRET_KEY": "x",
                      "JOBPLAN_POLICIES": policies})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        db.engine.dispose()
    assert diff == []


def run_cli(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_demo_command_loads_a_trust_with_people_in_every_role_and_cases_in_several_states(tmp_path, policies):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}", "SECRET_KEY": "x",
                      "JOBPLAN_POLICIES": policies})
    result = run_cli(app, "demo")
    assert result.exit_code == 0, result.output
    with app.app_context():
        states = set(db.session.scalars(select(Case.state)))
        assert {"draft", "awaiting_signatures", "agreed", "disputed", "referred", "second_level_review"} <= states
        assert db.session.scalar(select(func.count(Person.id))) >= 10
        from web.services import service
        from workflow.service.team import team_of

        hale = db.session.scalar(select(Person).where(Person.name == "Dr James Hale"))
        offered = [m.person.name for m in team_of(service(), Actor.person(hale.id)) if m.can_start_interim]
        assert offered == ["Dr Farah Gill"]  # a new starter, so the team page shows her interim plan (7.4.3)
        db.engine.dispose()
    again = run_cli(app, "demo")
    assert again.exit_code != 0  # refuses to load twice


def test_sweep_command_runs_as_if_at_a_given_moment(app, svc, trust):
    from tests.integration.helpers import sign_off_case

    sign_off_case(svc, trust, meeting="2027-03-01")
    result = run_cli(app, "sweep", "--now", "2027-03-23T09:00")
    assert result.exit_code == 0, result.output
    assert "1 reminders" in result.output and "0 breaches" in result.output
    bad = run_cli(app, "sweep", "--now", "next tuesday")
    assert bad.exit_code == 2 and "is not an ISO date-time" in bad.output
