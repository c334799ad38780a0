"""Issue 13 items 4-7, probed end to end through HTTP: where sign-in may send the browser, sessions the
server can end, the client address behind a trusted proxy, and the security headers on every answer."""
from __future__ import annotations

import re

import pytest
from flask import g
from flask.testing import FlaskClient

from tests.e2e.conftest import dispute, sign_off  # noqa: F401  (fixtures)
from web.redirects import same_site_path
from workflow.service.passwords import hash_password

PASSWORD = "correct horse battery"


class FreshClient(FlaskClient):
    """The ``app`` fixture keeps one app context (and so one ``g``) across requests, where a server starts
    each request afresh: forget the signed-in person Flask-Login cached in ``g``, so every request is judged
    by its cookie alone, as a replayed cookie would be."""

    def open(self, *args, **kwargs):
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshClient
    app.config["JOBPLAN_LOGIN_RATE"] = "1000 per minute"  # these probes sign in many times
    return app.test_client()


@pytest.fixture
def people(svc, trust):
    digest = hash_password(PASSWORD)
    for p in (trust.doctor, trust.manager, trust.md):
        p.password_hash = digest
    svc.session.commit()
    return trust


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(client, person, next_=None):
    query = {"next": next_} if next_ is not None else None
    return client.post("/login", query_string=query,
                       data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(client)})


# ---- item 4: no open redirect ------------------------------------------------------------------------

NASTY_NEXT = [
    "/\t/evil.example", "/%09/evil.example", "/\r\n/evil.example", "/\r\nSet-Cookie: a=b", "/%0d%0aSet-Cookie:%20a=b",
    "\\\\evil.example", "/\\evil.example", "/\\/evil.example", "/%5C/evil.example", "/%5c%5cevil.example",
    "//evil.example", "///evil.example", "/%2F/evil.example", "/%2f%2fevil.example",
    "https://evil.example", "https:evil.example", "http:/evil.example", "HTTPS://evil.example/",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "/\x00/evil.example", "%2F%2Fevil.example",
    "evil.example", "", " /cases", "/ /evil.example", "\x7f//evil.example", "data:text/html,<script>alert(1)</script>",
]


def test_issue13_item4_sign_in_never_sends_the_browser_off_site(client, people):
    answers = {target: sign_in(client, people.doctor, target) for target in NASTY_NEXT}
    # Home, or refused outright: a NUL character is crafted input, a 400 before sign-in (issue 13 item 8).
    wrong = {t: (r.status_code, r.headers.get("Location")) for t, r in answers.items()
             if (r.status_code, r.headers.get("Location")) != (302, "/")
             and not ("\x00" in t and r.status_code == 400 and "Location" not in r.headers)}
    assert wrong == {}


def test_issue13_item4_sign_in_returns_to_a_page_on_this_site(client, people):
    for target in ["/cases/3", "/cases?queue=appeals&page=2", "/plans/1/edit?section=a%20b"]:
        r = sign_in(client, people.doctor, target)
        assert r.status_code == 302 and r.headers["Location"] == target


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_issue13_item4_same_site_path_refuses_every_nasty_target(target):
    assert same_site_path(target) is None


def test_issue13_item4_the_oidc_round_trip_returns_only_to_a_page_on_this_site(app, client, people):
    class FakeProvider:  # stands in for Authlib's client: no provider is contacted
        def authorize_redirect(self, uri):
            from flask import redirect
            return redirect("https://idp.example/authorize")

        def authorize_access_token(self):
            return {"userinfo": {"email": people.doctor.email, "email_verified": True}}

    from web.auth import oidc_bp

    app.register_blueprint(oidc_bp)
    app.extensions["jobplan_oidc"] = {"oidc": FakeProvider()}
    for target, expected in [("/%09/evil.example", "/"), ("//evil.example", "/"), ("/cases/3", "/cases/3")]:
        client.get("/login/oidc", query_string={"next": target})
        r = client.get("/login/oidc/callback")
        assert r.status_code == 302 and r.headers["Location"] == expected, target


# ---- item 6: behind a proxy --------------------------------------------------------------------------

@pytest.fixture
def app_behind(app, database_url, policies, clock):
    """``app_behind(hops)``: another app on the test database with JOBPLAN_TRUSTED_PROXIES set."""
    from web import create_app
    from web.extensions import db

    made = []

    def make(hops: int, **extra):
        other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                            "JOBPLAN_POLICIES": policies, "JOBPLAN_CLOCK": clock, "WTF_CSRF_ENABLED": False,
                            "JOBPLAN_TRUSTED_PROXIES": str(hops), "JOBPLAN_LOGIN_RATE": "2 per minute", **extra})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def failed_logins(app, forwarded_for: str, times: int) -> list[int]:
    """Failed sign-ins from one client, all arriving through the same proxy at 10.0.0.1."""
    client = app.test_client()
    return [client.post("/login", data={"email": "nobody@example.org", "password": "x"},
                        headers={"X-Forwarded-For": forwarded_for},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code for _ in range(times)]


def test_issue13_item6_behind_one_trusted_proxy_each_client_has_its_own_login_bucket(app_behind):
    behind = app_behind(1)
    assert failed_logins(behind, "203.0.113.5", 3) == [401, 401, 429]
    assert failed_logins(behind, "203.0.113.6", 1) == [401]  # another client behind the same proxy
    assert failed_logins(behind, "198.51.100.9, 203.0.113.5", 1) == [429]  # only the proxy's own entry counts


def test_issue13_item6_with_no_trusted_proxy_x_forwarded_for_is_ignored(app_behind):
    direct = app_behind(0)
    assert failed_logins(direct, "203.0.113.5", 2) == [401, 401]
    assert failed_logins(direct, "203.0.113.6", 1) == [429]  # a forged header does not buy a new bucket


def test_issue13_item6_trusted_proxies_must_be_a_whole_number(app_behind):
    with pytest.raises(RuntimeError, match="JOBPLAN_TRUSTED_PROXIES"):
        app_behind("one")


# ---- item 5: sign-out ends the session ---------------------------------------------------------------

def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A second browser holding a copy of the cookie: the landing page and the API, as it sees them."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/").status_code, other.get("/api/v1/cases").status_code


def test_issue13_item5_a_cookie_replayed_after_sign_out_is_refused(app, client, people):
    sign_in(client, people.doctor)
    copy = cookie_of(client)
    assert replay(app, copy) == (200, 200)
    r = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert r.status_code == 302
    assert replay(app, copy) == (302, 401)


def test_issue13_item5_sign_out_ends_only_this_browsers_session(app, client, people):
    other = app.test_client()
    sign_in(other, people.doctor)
    sign_in(client, people.doctor)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert replay(app, cookie_of(other)) == (200, 200)


def test_issue13_item5_sign_out_everywhere_from_the_page_ends_every_session(app, client, people):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, people.doctor)
    sign_in(phone, people.doctor)
    sign_in(client, people.manager)
    r = laptop.post("/logout/everywhere", data={"csrf_token": csrf_token(laptop, "/logout")})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert "signed out on every device" in laptop.get("/login").get_data(as_text=True)
    assert replay(app, cookie_of(phone)) == (302, 401)
    assert replay(app, cookie_of(client)) == (200, 200)  # someone else's session is untouched


def test_issue13_item5_sign_out_everywhere_through_the_api(app, client, svc, people):
    from workflow.service import signin

    phone = app.test_client()
    sign_in(phone, people.doctor)
    sign_in(client, people.doctor)
    listed = client.get("/api/v1/sessions").get_json()
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    token = {"Authorization": "Bearer " + signin.create_token(svc, people.doctor.id, "cli").secret}
    assert client.delete("/api/v1/sessions").status_code == 400  # a cookie session needs the CSRF header
    r = app.test_client().delete("/api/v1/sessions", headers=token)
    assert r.status_code == 200 and r.get_json() == {"ended": 2}
    assert replay(app, cookie_of(phone)) == (302, 401)
    assert replay(app, cookie_of(client)) == (302, 401)
    assert app.test_client().get("/api/v1/sessions", headers=token).get_json() == []  # the token still works


def test_issue13_item5_ending_all_a_persons_sessions_is_there_for_a_password_change(app, client, svc, people):
    from workflow.service import sessions

    sign_in(client, people.doctor)
    assert sessions.end_all_for_person(svc, people.doctor.id, reason="password_changed") == 1
    assert replay(app, cookie_of(client)) == (302, 401)


def test_issue13_item5_a_session_ends_after_the_idle_time_out(app, client, clock, people):
    app.config["JOBPLAN_SESSION_IDLE_MINUTES"] = 30
    sign_in(client, people.doctor)
    for _ in range(3):  # busy: each request within 30 minutes of the last keeps it open
        clock.advance(minutes=20)
        assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    assert replay(app, cookie_of(client)) == (302, 401)
    clock.advance(minutes=-31)  # ended stays ended, even if the time-out no longer applies
    assert replay(app, cookie_of(client)) == (302, 401)


def test_issue13_item5_a_session_ends_after_the_absolute_time_out_however_busy(app, client, clock, people):
    app.config["JOBPLAN_SESSION_MAX_HOURS"] = 12
    sign_in(client, people.doctor)
    for _ in range(12 * 60 // 25):
        clock.advance(minutes=25)
        assert client.get("/api/v1/cases").status_code == 200
    clock.advance(minutes=25)  # 12 h 25 min after signing in
    assert replay(app, cookie_of(client)) == (302, 401)


def test_issue13_item5_a_deactivated_persons_session_ends(app, client, svc, people):
    sign_in(client, people.doctor)
    people.doctor.active = False
    svc.session.commit()
    assert replay(app, cookie_of(client)) == (302, 401)
    people.doctor.active = True
    svc.session.commit()
    assert replay(app, cookie_of(client)) == (302, 401)


def test_issue13_item5_time_outs_are_settings_of_one_or_more(app_behind):
    for key in ("JOBPLAN_SESSION_IDLE_MINUTES", "JOBPLAN_SESSION_MAX_HOURS"):
        with pytest.raises(RuntimeError, match=key):
            app_behind(0, **{key: 0})


# ---- item 7: security headers on every answer --------------------------------------------------------

def csp_of(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


def answers(client, person, sign_off_case):
    """One of each kind of answer: pages in and out of a session, API data and errors, assets."""
    out = {"login page": client.get("/login"), "api problem 401": client.get("/api/v1/cases"),
           "missing page": client.get("/no-such-page"), "health": client.get("/healthz"),
           "openapi": client.get("/api/v1/openapi.json")}
    sign_in(client, person)
    out.update({"home page": client.get("/"), "case page": client.get(f"/cases/{sign_off_case}"),
                "api cases": client.get("/api/v1/cases"), "api case": client.get(f"/api/v1/cases/{sign_off_case}"),
                "api docs": client.get("/api/v1/docs"), "stylesheet": client.get("/static/jobplan.css"),
                "design system": client.get("/static/vendor/nhsuk-frontend/nhsuk-frontend.min.css")})
    for r in out.values():
        r.get_data()
        r.close()  # a file sent from disk stays open until its answer is closed
    return out


def test_issue13_item7_every_answer_carries_the_security_headers(client, people, sign_off):
    for what, r in answers(client, people.doctor, sign_off.case.id).items():
        csp = csp_of(r)
        assert csp.get("frame-ancestors") == "'none'", what
        assert "'unsafe-inline'" not in csp.get("script-src", "x") and "'unsafe-eval'" not in csp["script-src"], what
        assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'", what
        assert r.headers.get("X-Content-Type-Options") == "nosniff", what
        assert r.headers.get("Referrer-Policy") == "same-origin", what
        assert "camera=()" in r.headers.get("Permissions-Policy", ""), what
        assert "Strict-Transport-Security" not in r.headers, what  # plain http


def test_issue13_item7_pages_and_api_answers_are_not_stored_but_assets_may_be_cached(client, people, sign_off):
    for what, r in answers(client, people.doctor, sign_off.case.id).items():
        if what in ("stylesheet", "design system"):
            assert r.status_code == 200 and "no-store" not in r.headers.get("Cache-Control", ""), what
        else:
            assert r.headers.get("Cache-Control") == "no-store", what


def test_issue13_item7_hsts_only_over_https(app, app_behind, people):
    secure = app.test_client().get("/login", base_url="https://jobplans.example.nhs.uk")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    proxied = app_behind(1).test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers  # TLS ended at the trusted proxy
    forged = app_behind(0).test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_issue13_item7_the_only_inline_script_carries_this_requests_nonce(client, people):
    pages = [client.get("/login") for _ in range(2)]
    nonces = []
    for r in pages:
        html = r.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline == [f' nonce="{nonce}"'], inline
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_issue13_item7_pages_have_no_inline_style_or_event_handlers(client, people, sign_off):
    sign_in(client, people.manager)
    for path in ["/", f"/cases/{sign_off.case.id}", "/team", "/cover", "/cases", "/mail", "/logout"]:
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html, re.I), path


# ---- item 7: every page works under the policy, in a real browser -----------------------------------

@pytest.mark.browser
def test_issue13_item7_no_page_a_role_visits_breaks_the_content_security_policy(svc, trust, browser, live_server,
                                                                               passwords, dispute):
    from sqlalchemy import select

    from tests.e2e.browser import Visitor, describe
    from workflow.store.models import Deadline, OutboxMessage

    deadline = svc.session.scalar(select(Deadline.id).where(Deadline.case_id == dispute.appeal))
    message = svc.session.scalar(select(OutboxMessage.id).where(OutboxMessage.to_address == trust.doctor.email)
                                 .order_by(OutboxMessage.id))
    diagram = f"/policies/cpft-medical-2017/2/disagreement?case={dispute.disagreement}"
    pages = {
        None: ["/login"],
        trust.directorate: ["/", "/dashboard", "/reports", "/reports/compliance", "/reports/master_log",
                            "/reports/stage_times", "/reports/audit_sample", "/cases", "/cases?queue=governance",
                            f"/plans/{dispute.plan.id}", "/mail", "/logout", diagram, "/api/v1/docs"],
        trust.md: ["/cases?queue=mediations", f"/cases/{dispute.disagreement}",
                   f"/cases/{dispute.disagreement}/decision-letter"],
        trust.ceo: ["/cases?queue=appeals", f"/cases/{dispute.appeal}", f"/cases/{dispute.appeal}/deadlines/{deadline}"],
        trust.manager: ["/team", "/cover", f"/plans/{dispute.plan.id}", f"/cases/{dispute.sign_off}"],
        trust.doctor: ["/", f"/cases/{dispute.appeal}", f"/mail/{message}", f"/plans/{dispute.plan.id}/edit",
                       f"/cases/{dispute.appeal}/do/lodge_appeal"],
    }
    found, drawn, explorer = [], None, None
    for person, urls in pages.items():
        v = Visitor(browser, live_server, f"csp-{person.name.split()[-1].lower() if person else 'anonymous'}")
        if person is not None:
            v.sign_in(person)
        for url in urls:
            response = v.page.goto(url)
            v.page.wait_for_load_state("networkidle")
            assert response.status == 200, url
            found += [{"url": url, **r} for r in v.csp_reports()]
            if url == diagram:
                drawn = v.page.locator("pre.mermaid svg").count()
            if url == "/api/v1/docs":
                explorer = v.page.locator("#swagger-ui-container .information-container").count()
        found += v.csp_violations
        v.close()
    assert found == [], describe(found)
    assert drawn == 1  # mermaid drew the diagram under the policy
    assert explorer == 1  # and Swagger UI started from its file
