"""The ``jobplan`` command: serve, policy check, demo, sweep, scheduler, db (Flask-Migrate)."""
from __future__ import annotations

import functools
import subprocess
import sys

import click
from flask.cli import FlaskGroup, with_appcontext

import workflow.rules  # noqa: F401  (the vocabulary policies are checked against registers on import)
from workflow.errors import PolicyError
from workflow.policy.loader import load_policy_file


def _create_app():
    from web.app import create_app

    try:
        return create_app()
    except PolicyError as exc:
        raise click.ClickException("the policy files do not load, so the service cannot start:\n" + exc.message)


class _Group(FlaskGroup):
    """Every error a command meets is one line a person can act on, never a traceback
    (JOBPLAN_TRACEBACK=1 shows it, for a developer)."""

    def invoke(self, ctx):
        import os

        from sqlalchemy.exc import OperationalError, ProgrammingError

        from workflow.errors import WorkflowError

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 — turned into one line below
            if os.environ.get("JOBPLAN_TRACEBACK") == "1":
                raise
            raise click.ClickException(_one_line(exc, WorkflowError, (OperationalError, ProgrammingError))) from None


def _one_line(exc, domain_error, database_errors) -> str:
    if isinstance(exc, domain_error):
        return exc.message
    if isinstance(exc, database_errors):
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return f"the database refused: {first} (is DATABASE_URL right, and has `jobplan db upgrade` run?)"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, (RuntimeError, ValueError, OSError)) else f"{type(exc).__name__}: {text}"


@click.group(cls=_Group, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main():
    """Job planning: sign-off, mediation and appeal workflows driven by policy files."""


@main.group()
def policy():
    """Work with policy files."""


@policy.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def policy_check(files):
    """Validate policy FILES; exit non-zero with a message per problem."""
    failed = False
    for f in files:
        try:
            p = load_policy_file(f)
        except PolicyError as exc:
            failed = True
            for file, path, message in exc.problems:
                click.echo(f"{file}: {path}: {message}", err=True)
        else:
            n = sum(len(w.transitions) for w in p.workflows.values())
            click.echo(f"{f}: ok ({p.id} version {p.version}, {len(p.workflows)} workflows, {n} transitions)")
    sys.exit(1 if failed else 0)


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade()


def require_policies_in_use() -> None:
    """Refuse to start when cases use a policy version the folder no longer holds: every page that shows such
    a case would fail, so say so once, at start-up."""
    from workflow.service.health import missing_policy_versions

    from web.services import service

    missing = missing_policy_versions(service())
    if missing:
        raise click.ClickException(f"cases use {', '.join(missing)}, which is not in the policy folder "
                                   "(JOBPLAN_POLICY_DIR): restore the file before starting")


@main.group()
def trust():
    """Set up this deployment's trust."""


@trust.command("init")
@click.option("--name", required=True, help="The trust's name, e.g. 'Northfell Partnership NHS Foundation Trust'.")
@click.option("--admin", "admin_email", required=True, metavar="EMAIL", help="Its first administrator's email.")
@click.option("--admin-name", default=None, help="The administrator's name (default: from the email).")
@with_appcontext
def trust_init(name, admin_email, admin_name):
    """On an empty database: create the trust and its first administrator, and print a one-time sign-in link.
    Run again, it changes nothing and says so."""
    from workflow.service.accounts import init_trust

    from web.services import service

    upgrade_database()
    result = init_trust(service(), name, admin_email, admin_name)
    click.echo(result.message)
    if result.link is not None:
        click.echo(f"One-time link to set the password (works once, until {result.link.expires_at:%d %B %Y %H:%M} "
                   f"UTC): {result.link.url}")


@main.group()
def account():
    """People's accounts."""


@account.command("link")
@click.argument("email")
@with_appcontext
def account_link(email):
    """Print a one-time link with which the person at EMAIL sets a new password (older links stop working)."""
    from workflow.service.accounts import link_for_email

    from web.services import service

    issued = link_for_email(service(), email)
    click.echo(f"One-time link for {issued.person.name} (works once, until {issued.expires_at:%d %B %Y %H:%M} UTC): "
               f"{issued.url}")


@main.command("doctor")
@with_appcontext
def doctor_command():
    """Check, one line each: database, migrations, policies, role holders, mail server, scheduler."""
    from flask import current_app

    from web.operators import run_checks

    checks = run_checks(current_app._get_current_object())
    for c in checks:
        click.echo(c.line())
    sys.exit(0 if all(c.ok for c in checks) else 1)


@main.command("demo")
@with_appcontext
def demo_command():
    """Load the demo trust (people in every role, plans and cases in several states)."""
    from web.services import service
    from workflow.service.demo import load_demo

    upgrade_database()
    summary = load_demo(service())
    click.echo(summary)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo/--no-demo", default=False, help="Load the demo trust first if the database is empty.")
@with_appcontext
def serve_command(host, port, demo):
    """Run the web app with the scheduler in this process (the embedded default)."""
    from flask import current_app

    from web.services import service
    from workflow.service.demo import load_demo

    upgrade_database()
    require_policies_in_use()
    app = current_app._get_current_object()
    if demo:
        click.echo(load_demo(service(), only_if_empty=True))
        app.config["JOBPLAN_DEMO"] = True  # the login page lists the demo accounts
    if app.config["SESSION_COOKIE_SECURE"] and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("Cookies are Secure: serve behind HTTPS, or set JOBPLAN_INSECURE_HTTP=1 on a trusted network.")
    from web.scheduler import start_in_process

    sched = start_in_process(app)
    click.echo(f"Job planning service on http://{host}:{port}/  (database: {app.config['SQLALCHEMY_DATABASE_URI']})")
    if sched is None:
        click.echo("No scheduler in this process: run `jobplan scheduler` for deadlines and email.")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def one_unit_of_work(command):
    """A command is one unit of work: what it does is committed once at its end, or not at all. (The sweep
    and the mail relay are not wrapped: each of their batches is its own unit of work.)"""
    @functools.wraps(command)
    def run(*args, **kwargs):
        from workflow.store.uow import unit_of_work

        from web.extensions import db

        with unit_of_work(db.session):
            return command(*args, **kwargs)
    return run


@main.group("people")
def people_group():
    """Staff records."""


@people_group.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--as", "as_email", required=True, metavar="EMAIL", help="Who imports: someone in HR or the Medical "
              "Directorate (the audit log names them).")
@click.option("--apply", is_flag=True, help="Write the changes. Without it, the import is a preview: nothing is written.")
@click.option("--deactivate-leavers", is_flag=True, help="Deactivate people whose leave date has passed.")
@with_appcontext
def people_import(file, as_email, apply, deactivate_leavers):
    """Import an HR/ESR staff extract (CSV), the same import as the page and the API: first a preview, then
    --apply to write it."""
    from workflow import limits
    from workflow.actors import Actor
    from workflow.errors import WorkflowError
    from workflow.service import people, signin

    from web.services import service

    raw = file.read(limits.STAFF_IMPORT_BYTES + 1)
    if len(raw) > limits.STAFF_IMPORT_BYTES:
        raise click.ClickException(f"the file is larger than {limits.STAFF_IMPORT_BYTES} bytes; split it")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text; save it as CSV UTF-8") from None
    svc = service()
    person = signin.person_by_email(svc, as_email)
    if person is None:
        raise click.ClickException(f"no person with email {as_email}")
    try:
        report = people.import_staff_csv(svc, Actor.person(person.id, person.name), text, dry_run=not apply,
                                         deactivate_leavers=deactivate_leavers)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from None
    for r in report.rows:
        click.echo(f"line {r.row}\t{r.staff_number or '-'}\t{r.status}\t{'; '.join(r.messages)}")
    if report.unknown_columns:
        click.echo(f"unknown columns, not read: {', '.join(report.unknown_columns)}")
    counts = ", ".join(f"{n} {s}" for s, n in report.summary().items())
    click.echo(f"preview only, nothing written ({counts}); run again with --apply to write it" if report.dry_run
               else f"imported: {counts}")


@main.group("round")
def round_group():
    """The annual job planning round (issue 17 item 5)."""


@round_group.command("start")
@click.argument("unit")
@click.option("--as", "as_email", required=True, metavar="EMAIL",
              help="Who starts it: the job planning lead, or the care group's Associate Medical Director.")
@click.option("--batch", default=25, show_default=True, type=click.IntRange(1, 200), help="People per transaction.")
@with_appcontext
def round_start(unit, as_email, batch):
    """Start (or resume) this year's round over UNIT (an id, or the exact name of a team, care group or the trust)
    and run it to the end, one transaction per batch; interrupted, run it again to carry on."""
    from sqlalchemy import select

    from workflow.actors import Actor
    from workflow.errors import WorkflowError
    from workflow.service import rounds, signin
    from workflow.store.models import OrgUnit

    from web.services import service

    svc = service()
    person = signin.person_by_email(svc, as_email)
    if person is None:
        raise click.ClickException(f"no person with email {as_email}")
    found = svc.session.scalars(select(OrgUnit.id).where(
        OrgUnit.id == int(unit) if unit.isdigit() else OrgUnit.name == unit)).all()
    svc.session.rollback()
    if len(found) != 1:
        raise click.ClickException(f"{len(found) or 'no'} organisation units match {unit!r}; give its id")
    who = Actor.person(person.id, person.name)
    try:
        rnd = rounds.start_round(svc, who, found[0])
        done = rounds.run_to_end(svc, who, rnd.id, batch, progress=lambda r: click.echo(
            f"round {r.id}: {len(r.members)} of {r.total} people handled"))
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from None
    skipped = [m for m in done.members if m.outcome == "skipped"]
    click.echo(f"round {done.id} ({done.org_unit.name}, {done.year}) finished: "
               f"{len(done.members) - len(skipped)} sign-offs started, {len(skipped)} skipped")
    for m in skipped:
        click.echo(f"  skipped {m.person.name}: {m.reason}")


@main.group("notices")
def notices_group():
    """Shared mailboxes told of job planning steps (002 7.6.7: the care group and Finance get the agreed plan)."""


@notices_group.command("set")
@click.argument("unit", type=int)
@click.argument("purpose")
@click.argument("email", required=False)
@click.option("--as", "as_email", required=True, metavar="EMAIL", help="Who sets it: the trust's administrator.")
@with_appcontext
@one_unit_of_work
def notices_set(unit, purpose, email, as_email):
    """Set the address of PURPOSE (a name a policy's notify_addresses uses: care_group, finance) on organisation
    UNIT (its id: the trust, a care group or a team); without EMAIL, clear it."""
    from workflow.actors import Actor
    from workflow.errors import WorkflowError
    from workflow.service import signin
    from workflow.service.admin.notice_addresses import set_notice_address

    from web.services import service

    svc = service()
    person = signin.person_by_email(svc, as_email)
    if person is None:
        raise click.ClickException(f"no person with email {as_email}")
    try:
        set_notice_address(svc, Actor.person(person.id, person.name), unit, purpose, email)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"unit {unit}: {purpose} notices go to {email}" if email else f"unit {unit}: {purpose} cleared")


@main.group()
def token():
    """API tokens for machine clients (stored hashed; shown once)."""


@token.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'ESR nightly import'.")
@click.option("--role", "roles", multiple=True, help="Limit the token to this role (repeatable); default: all of the person's roles.")
@with_appcontext
@one_unit_of_work
def token_create(email, name, roles):
    """Create an API token for the person with EMAIL and print it (once)."""
    from workflow.errors import WorkflowError
    from workflow.service import signin

    from web.services import service

    svc = service()
    person = signin.person_by_email(svc, email)
    if person is None:
        raise click.ClickException(f"no person with email {email}")
    try:
        issued = signin.create_token(svc, person.id, name, list(roles), operator=_operator())
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"token {issued.id} for {person.name}: {issued.secret}")
    click.echo("Keep it secret: only its hash is stored, it cannot be shown again.", err=True)


@token.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
@one_unit_of_work
def token_revoke(token_id):
    """Revoke API token TOKEN_ID."""
    from workflow.errors import WorkflowError
    from workflow.service import signin

    from web.services import service

    try:
        signin.revoke_token(service(), token_id, operator=_operator())
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"token {token_id} revoked")


def _operator() -> str:
    """Who ran the command, for the audit log: the server account (the command line has no signed-in person)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@token.command("list")
@with_appcontext
@one_unit_of_work
def token_list():
    """List API tokens (never their secrets)."""
    from workflow.service import signin

    from web.services import service

    for t in signin.list_tokens(service()):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.person.email}\t{t.name}\t{','.join(t.roles) or 'all roles'}\t{state}")


@main.command("sweep")
@click.option("--now", "now_text", default=None, metavar="ISO-DATETIME",
              help="Run as if at this moment (local time in JOBPLAN_TIMEZONE unless an offset is given), "
                   "e.g. 2027-03-01T09:00.")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1),
              help="Due deadlines claimed per transaction.")
@click.option("--dry-run", is_flag=True, help="Show what the sweep would record and send, then undo all of it.")
@with_appcontext
def sweep_command(now_text, batch, dry_run):
    """Run one sweep over due deadlines and print what it did (or, with --dry-run, would do)."""
    from web.services import service

    now = _parse_now(now_text)
    if dry_run:
        report = _dry_run_sweep(service(), now, batch)
    else:
        report = service().sweep(now, batch=batch)
        click.echo(report.summary())
    for deadline_id, error in report.failures:
        click.echo(f"deadline {deadline_id} failed: {error}", err=True)
    sys.exit(1 if report.failures else 0)


def _parse_now(now_text):
    """An ISO date-time; local time in the trust calendar's zone (JOBPLAN_TIMEZONE) unless it carries an offset."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not now_text:
        return None
    try:
        now = datetime.fromisoformat(now_text)
    except ValueError:
        raise click.BadParameter(f"{now_text!r} is not an ISO date-time such as 2027-03-01T09:00",
                                 param_hint="--now") from None
    from flask import current_app

    return now.replace(tzinfo=ZoneInfo(current_app.config["JOBPLAN_TIMEZONE"])) if now.tzinfo is None else now


def _dry_run_sweep(base, now, batch):
    """The sweep inside one outer transaction that is rolled back: every commit of the sweep becomes a
    savepoint release, so support staff see exactly what would be recorded and queued, and nothing is."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflow.store.models import OutboxMessage
    from workflow.service import JobPlanning

    from web.extensions import db

    with db.engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            svc = JobPlanning(session, base.policies, base.clock, base.engine, base.settings)
            before = session.scalar(select(func.max(OutboxMessage.id))) or 0
            report = svc.sweep(now, batch=batch)
            click.echo("dry run, nothing recorded or sent: " + report.summary())
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id > before).order_by(OutboxMessage.id)):
                click.echo(f"  would send to {m.to_address}: {m.subject}")
        finally:
            session.close()
            outer.rollback()
    return report


@main.command("mail")
@click.option("--now", "now_text", default=None, metavar="ISO-DATETIME",
              help="Send as if at this moment (what a sweep --now at that moment queued), e.g. 2027-03-23T09:00.")
@with_appcontext
def mail_command(now_text):
    """Send the outbox once (SMTP, or .eml files in JOBPLAN_MAIL_DIR when no SMTP host is set)."""
    from flask import current_app

    from web.scheduler import run_mail

    report = run_mail(current_app._get_current_object(), _parse_now(now_text))
    if report is None:
        sys.exit(1)
    click.echo(report.summary())


@main.command("assets")
@click.option("--build", is_flag=True, help="Rebuild web/static/vendor from the lockfile (needs npm; after an upgrade).")
@click.option("--dev", is_flag=True, help="Install the test-only axe-core with npm (skipped when installed).")
def assets_command(build, dev):
    """Check that the shipped front-end files (web/static/vendor) match web/frontend/package-lock.json.
    The app serves those files; npm is needed only for --build and --dev."""
    from web import vendoring

    try:
        if dev:
            ran = vendoring.npm_ci(dev=True)
            click.echo("test tools installed (npm ci)" if ran else "test tools already installed")
        if build:
            manifest = vendoring.build()
            click.echo(f"{len(manifest['files'])} files written to web/static/vendor with their MANIFEST.json")
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        raise click.ClickException(str(exc))
    problems = vendoring.check()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("shipped front-end files match web/frontend/package-lock.json")


@main.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the sweep and the mail relay on their intervals, as their own process (production)."""
    import logging

    from flask import current_app

    from web.scheduler import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our jobs log their own one-line summaries
    require_policies_in_use()
    app = current_app._get_current_object()
    click.echo(f"scheduler: sweep every {app.config['JOBPLAN_SWEEP_SECONDS']} s, mail every "
               f"{app.config['JOBPLAN_MAIL_SECONDS']} s (database: {app.config['SQLALCHEMY_DATABASE_URI']})")
    run_forever(app)
