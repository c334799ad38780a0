"""Issue 17, "Bootstrap" and "Accounts": `jobplan trust init` sets up a trust on an empty database with its first
administrator (trust_admin) and a one-time link; run again it changes nothing; the person sets their own
password with the link, which works once, until it expires, and a new link voids the old."""
from __future__ import annotations

import re

from flask_migrate import stamp
from sqlalchemy import func, select

from tests.e2e.test_sign_in import csrf_token, login
from web.cli import main
from workflow.store.models import OrgUnit, Person, RoleAssignment


def _init(app, *args):
    stamp()  # the tests build the schema without Alembic; `trust init` then finds it current
    return app.test_cli_runner().invoke(main, ["trust", "init", *args])


def _link_path(output: str) -> str:
    return re.search(r"https?://[^/\s]+(/account/set-password/\S+)", output).group(1)


def _set_password(client, path, password, confirm=None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm,
                                   "csrf_token": csrf_token(client)})


def test_trust_init_on_an_empty_database_makes_the_trust_and_its_administrator_once(app, svc):
    first = _init(app, "--name", "Fenland Community NHS Trust", "--admin", "Lead@Fenland.example")
    assert first.exit_code == 0, first.output
    assert "Fenland Community NHS Trust is set up" in first.output and "/account/set-password/" in first.output
    again = _init(app, "--name", "Another Trust", "--admin", "other@fenland.example")
    assert again.exit_code == 0 and "already set up here: nothing changed" in again.output
    assert "/account/set-password/" not in again.output
    svc.session.expire_all()
    assert [t.name for t in svc.session.scalars(select(OrgUnit).where(OrgUnit.kind == "trust"))] == [
        "Fenland Community NHS Trust"]
    admin = svc.session.scalar(select(Person).where(Person.email == "lead@fenland.example"))
    assert [(a.role, a.org_unit.kind) for a in admin.roles] == [("trust_admin", "trust")]
    assert svc.session.scalar(select(func.count(Person.id))) == 1


def test_the_administrator_sets_a_password_with_the_link_once_and_then_signs_in(app, svc, client):
    path = _link_path(_init(app, "--name", "Fenland", "--admin", "lead@fenland.example").output)
    page = client.get(path)
    assert page.status_code == 200 and "lead@fenland.example" in page.get_data(as_text=True)
    short = _set_password(client, path, "short")
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    mismatch = _set_password(client, path, "four random words here", "four random words hare")
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)
    done = _set_password(client, path, "four random words here")
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    used = client.get(path)
    assert used.status_code == 404 and "used or replaced" in used.get_data(as_text=True)
    assert _set_password(client, path, "another long password").status_code == 404
    assert login(client, "lead@fenland.example", "four random words here").status_code == 302


def test_a_link_past_its_expiry_is_refused_and_a_new_link_voids_the_old(app, svc, client, clock):
    path = _link_path(_init(app, "--name", "Fenland", "--admin", "lead@fenland.example").output)
    clock.advance(hours=24, seconds=1)
    expired = client.get(path)
    assert expired.status_code == 404 and "expired" in expired.get_data(as_text=True)
    first = _link_path(app.test_cli_runner().invoke(main, ["account", "link", "lead@fenland.example"]).output)
    second = _link_path(app.test_cli_runner().invoke(main, ["account", "link", "lead@fenland.example"]).output)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_made_up_link_is_a_404_that_says_what_to_do(client):
    r = client.get("/account/set-password/not-a-real-secret")
    assert r.status_code == 404 and "ask for a new one" in r.get_data(as_text=True)


def test_account_link_for_an_unknown_email_is_one_line(app, svc):
    result = app.test_cli_runner().invoke(main, ["account", "link", "nobody@example.org"])
    assert result.exit_code == 1 and result.output.strip() == "Error: no person with email nobody@example.org"


def test_trust_admin_is_assigned_by_nobody_but_the_bootstrap(app, svc):
    _init(app, "--name", "Fenland", "--admin", "lead@fenland.example")
    assert svc.session.scalar(select(func.count(RoleAssignment.id)).where(RoleAssignment.role == "trust_admin")) == 1


def test_setting_a_password_with_a_link_signs_the_person_out_everywhere(app, svc, trust):
    from tests.e2e.test_sign_in import with_password
    from tests.security.test_sessions_and_headers import FreshClient

    app.test_client_class = FreshClient  # each request judged by its cookie alone, as on a server
    client = app.test_client()
    login(client, trust.doctor.email, with_password(svc, trust.doctor))
    assert client.get("/").status_code == 200
    other = app.test_client()  # a second browser, to set the new password from
    path = _link_path(app.test_cli_runner().invoke(main, ["account", "link", trust.doctor.email]).output)
    assert _set_password(other, path, "a brand new long password").status_code == 302
    assert client.get("/").status_code == 302  # the first browser is signed out
    assert login(client, trust.doctor.email, "a brand new long password").status_code == 302
