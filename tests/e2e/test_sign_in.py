"""Signing in: password sessions with CSRF and rate limiting, cookie flags, demo accounts in demo mode
only, API tokens scoped to roles, and the OpenID Connect mapping (no provider is contacted)."""
from __future__ import annotations

import re

from tests.e2e.conftest import etag_of
from web import create_app
from workflow.service.passwords import hash_password
from workflow.service import signin


def csrf_token(client, path="/login"):
    from flask import g

    g.pop("csrf_token", None)  # the app fixture keeps one app context (and g) across requests; a server does not
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, email, password):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def with_password(svc, person, password="correct horse"):
    person.password_hash = hash_password(password)
    svc.session.commit()
    return password


def test_password_sign_in_sets_a_strong_httponly_lax_session(client, svc, trust):
    pw = with_password(svc, trust.doctor)
    assert client.get("/").status_code == 302  # the landing page needs a sign-in
    r = login(client, trust.doctor.email.upper(), pw)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    assert page.status_code == 200 and trust.doctor.name in page.get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_answer(client, svc, trust):
    with_password(svc, trust.doctor)
    a = login(client, trust.doctor.email, "wrong")
    b = login(client, "nobody@example.org", "wrong")
    assert a.status_code == b.status_code == 401
    assert "not right" in a.get_data(as_text=True) and "not right" in b.get_data(as_text=True)


def test_login_form_without_csrf_token_is_refused(client, svc, trust):
    pw = with_password(svc, trust.doctor)
    r = client.post("/login", data={"email": trust.doctor.email, "password": pw})
    assert r.status_code == 400


def test_login_attempts_are_rate_limited(app, client, svc, trust):
    app.config["JOBPLAN_LOGIN_RATE"] = "3 per minute"
    with_password(svc, trust.doctor)
    codes = [login(client, trust.doctor.email, "wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_cookies_are_secure_unless_testing_or_plain_http_is_declared(tmp_path, policies, monkeypatch):
    base = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}", "JOBPLAN_POLICIES": policies}
    monkeypatch.delenv("JOBPLAN_INSECURE_HTTP", raising=False)
    prod = create_app(base)
    assert prod.config["SESSION_COOKIE_SECURE"] is True and prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("JOBPLAN_INSECURE_HTTP", "1")
    assert create_app(base).config["SESSION_COOKIE_SECURE"] is False
    for a in (prod,):
        with a.app_context():
            from web.extensions import db
            db.engine.dispose()


def test_session_api_calls_need_the_csrf_header_to_change_anything(client, svc, trust, sign_off):
    pw = with_password(svc, trust.doctor)
    login(client, trust.doctor.email, pw)
    assert client.get("/api/v1/cases").status_code == 200
    tag = client.get(f"/api/v1/cases/{sign_off.case.id}").headers["ETag"]
    url = f"/api/v1/cases/{sign_off.case.id}/triggers/sign"
    assert client.post(url, headers={"If-Match": tag}, json={}).status_code == 400
    token = csrf_token(client, "/logout")
    r = client.post(url, headers={"If-Match": tag, "X-CSRFToken": token}, json={})
    assert r.status_code == 200, r.get_json()


def test_demo_accounts_are_listed_only_in_demo_mode_and_sign_in_with_demo(app, client, svc):
    from workflow.service.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    load_demo(svc)
    assert "Demo accounts" not in client.get("/login").get_data(as_text=True)
    app.config["JOBPLAN_DEMO"] = True
    page = client.get("/login").get_data(as_text=True)
    emails = re.findall(r"<td[^>]*>([^<]+@example\.org)</td>", page)
    assert len(emails) == len(DEMO_ACCOUNTS)
    for email in (emails[0], emails[-1]):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")}) if client.get("/").status_code == 200 else None
        assert login(client, email, DEMO_PASSWORD).status_code == 302


def test_api_token_acts_only_in_its_roles(client, auth, trust, sign_off):
    # The Medical Director is also a consultant in the team, but a token limited to "hr" holds no role here.
    assert client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.manager)).status_code == 200
    limited = auth(trust.manager, roles=["practitioner"])
    assert client.get(f"/api/v1/cases/{sign_off.case.id}", headers=limited).status_code == 404
    tag = etag_of(client, auth(trust.manager), sign_off.case.id)
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers={**limited, "If-Match": tag}, json={})
    assert r.status_code == 404


def test_token_with_an_unknown_role_is_refused(svc, trust):
    import pytest

    from workflow.errors import InvalidPayload

    with pytest.raises(InvalidPayload):
        signin.create_token(svc, trust.hr.id, "x", ["root"])


def test_oidc_user_maps_to_a_person_by_verified_email(svc, trust):
    assert signin.person_for_oidc_user(svc, {"email": trust.doctor.email.upper(), "email_verified": True}).id == trust.doctor.id
    assert signin.person_for_oidc_user(svc, {"email": trust.doctor.email}).id == trust.doctor.id  # claim absent
    assert signin.person_for_oidc_user(svc, {"email": trust.doctor.email, "email_verified": False}) is None
    assert signin.person_for_oidc_user(svc, {"email": "stranger@example.org"}) is None
    assert signin.person_for_oidc_user(svc, {"sub": "123"}) is None
    trust.doctor.active = False
    svc.session.commit()
    assert signin.person_for_oidc_user(svc, {"email": trust.doctor.email}) is None


def test_oidc_is_registered_only_when_configured(tmp_path, policies):
    base = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'o.db'}",
            "JOBPLAN_POLICIES": policies}
    plain = create_app(base)
    assert "/login/oidc" not in {r.rule for r in plain.url_map.iter_rules()}
    oidc = create_app({**base, "JOBPLAN_OIDC_ISSUER": "https://idp.example.org", "JOBPLAN_OIDC_CLIENT_ID": "jobplan",
                       "JOBPLAN_OIDC_CLIENT_SECRET": "s"})
    assert {"/login/oidc", "/login/oidc/callback"} <= {r.rule for r in oidc.url_map.iter_rules()}
    assert "organisation account" in oidc.test_client().get("/login").get_data(as_text=True)


def test_a_managers_token_limited_to_another_role_may_not_edit_the_plan_002_7_5(client, auth, trust, sign_off):
    h = auth(trust.manager, roles=["hr"])
    tag = client.get(f"/api/v1/plans/{sign_off.plan.id}", headers=auth(trust.manager)).headers["ETag"]
    r = client.put(f"/api/v1/plans/{sign_off.plan.id}", headers={**h, "If-Match": tag}, json={"content": {}})
    assert r.status_code == 404  # with only the HR role (not held), the plan is not even visible
    r = client.post("/api/v1/plans", headers=h, json={"person_id": trust.doctor.id, "content": {}})
    assert r.status_code == 403


def test_token_cli_creates_lists_and_revokes(app, client, trust):
    runner = app.test_cli_runner()
    from web.cli import main

    out = runner.invoke(main, ["token", "create", trust.hr.email, "--name", "ESR feed", "--role", "hr"])
    assert out.exit_code == 0, out.output
    secret = next(w for w in out.output.split() if w.startswith("jpt_"))
    h = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/cases", headers=h).status_code == 200
    listing = runner.invoke(main, ["token", "list"]).output
    assert "ESR feed" in listing and "hr" in listing and secret not in listing
    token_id = listing.split()[0]
    assert runner.invoke(main, ["token", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/cases", headers=h).status_code == 401
    assert runner.invoke(main, ["token", "create", "nobody@example.org", "--name", "x"]).exit_code != 0


def test_oidc_callback_signs_in_the_person_with_that_email_and_refuses_a_stranger(app, client, trust):
    class FakeProvider:  # stands in for Authlib's client: no provider is contacted
        def __init__(self, userinfo):
            self.info = userinfo

        def authorize_access_token(self):
            return {"userinfo": self.info}

    from web.auth import oidc_bp

    app.register_blueprint(oidc_bp)
    app.extensions["jobplan_oidc"] = {"oidc": FakeProvider({"email": "stranger@example.org", "email_verified": True})}
    assert client.get("/login/oidc/callback").status_code == 403
    app.extensions["jobplan_oidc"]["oidc"] = FakeProvider({"email": trust.amd.email, "email_verified": True})
    r = client.get("/login/oidc/callback")
    assert r.status_code == 302 and trust.amd.name in client.get("/").get_data(as_text=True)


CHILD = """
import sys
from web import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "TESTING": True, "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "JOBPLAN_LOGIN_RATE": "3 per minute"})
client = app.test_client()
print(*[client.post("/login", data={"email": "nobody@example.org", "password": "x"}).status_code for _ in range(2)])
"""


def test_the_login_limit_is_shared_by_every_worker_through_redis(app, database_url, tmp_path):
    """Behind several workers the limit counts in a shared store (JOBPLAN_RATELIMIT_STORAGE_URI): two failed
    attempts in one process and two in another make four against a limit of three. With memory:// each
    process would count only its own."""
    import subprocess
    import sys
    from pathlib import Path

    import pytest
    import redis

    url = "redis://127.0.0.1:6379/15"  # a database of its own, emptied before and after
    try:
        store = redis.Redis.from_url(url)
        store.flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (this machine kind runs one; see the README's test notes)")
    child = subprocess.run([sys.executable, "-c", CHILD, database_url, url], capture_output=True, text=True,
                           timeout=120, cwd=str(Path(__file__).resolve().parents[2]))
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["401", "401"]
    here = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": url, "JOBPLAN_LOGIN_RATE": "3 per minute"})
    client = here.test_client()
    codes = [client.post("/login", data={"email": "nobody@example.org", "password": "x"}).status_code for _ in range(2)]
    assert codes == [401, 429]
    assert store.keys("*jobplan*")  # the counter lives in Redis, under the service's key prefix
    store.flushdb()
    with here.app_context():
        from web.extensions import db
        db.engine.dispose()
