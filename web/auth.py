"""Signing in to the web pages: a session (Flask-Login) after a password check or an OpenID Connect
sign-in (Authlib, only when JOBPLAN_OIDC_* are set). Forms carry a CSRF token (Flask-WTF); the login
form is rate limited (Flask-Limiter). Each session is also a row the server can end
(``workflow.service.sessions``): sign-out, sign-out everywhere, idle and absolute time-outs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from workflow.store.models import Person
from workflow.service import sessions, signin

from web.extensions import limiter, login_manager
from web.redirects import same_site_path

bp = Blueprint("auth", __name__)


@dataclass
class SignedIn:
    """What Flask-Login keeps of a person: the id; everything else is read again per request."""

    person_id: int
    name: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.person_id)


SESSION_KEY = "sid"  # the cookie's key to its sign_in_session row


@login_manager.user_loader
def _load_user(user_id: str):
    """The signed-in person, only while their session row is open and within its time-outs."""
    from web.extensions import db

    try:
        person = db.session.get(Person, int(user_id))
    except ValueError:
        return None
    if person is None or not sessions.resume(_service(), session.get(SESSION_KEY), person.id, session_limits()):
        return None  # resume() also ends the session of a person no longer active
    return SignedIn(person.id, person.name)


def session_limits() -> sessions.Limits:
    cfg = current_app.config
    return sessions.Limits(idle=timedelta(minutes=int(cfg["JOBPLAN_SESSION_IDLE_MINUTES"])),
                           absolute=timedelta(hours=int(cfg["JOBPLAN_SESSION_MAX_HOURS"])))


def _begin_session(person: Person) -> None:
    """A fresh cookie (nothing carried over from before sign-in) tied to a new session row."""
    session.clear()
    session[SESSION_KEY] = sessions.start(_service(), person.id)
    login_user(SignedIn(person.id, person.name))


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


def _service():
    from web.services import service

    return service()


def demo_accounts() -> list[tuple[str, str]]:
    """(what the account is, email): one per role, for the login page in demo mode only."""
    from workflow.service.demo import DEMO_ACCOUNTS

    s = _service().session
    out = []
    for label, staff_number in DEMO_ACCOUNTS:
        p = s.scalar(select(Person).where(Person.staff_number == staff_number))
        if p is not None:
            out.append((label, p.email))
    return out


def _login_rate() -> str:
    return current_app.config.get("JOBPLAN_LOGIN_RATE", "10 per minute")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        person = signin.sign_in(_service(), form.email.data, form.password.data)
        if person is not None:
            _begin_session(person)
            return redirect(_after_sign_in(request.args.get("next")))
    failed = request.method == "POST"
    demo = demo_accounts() if current_app.config.get("JOBPLAN_DEMO") else []
    page = render_template("login.html", form=form, demo=demo, oidc="jobplan_oidc" in current_app.extensions,
                           failed=failed)
    return page, (401 if request.method == "POST" else 200)


def _after_sign_in(target: str | None) -> str:
    """Back to the page that asked for sign-in, but only within this site."""
    return same_site_path(target) or url_for("pages.home")


@bp.get("/logout")
@login_required
def logout_confirm():
    return render_template("logout.html")


@bp.post("/logout")
@login_required
def logout():
    sessions.end(_service(), session.get(SESSION_KEY))
    _forget_session()
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every session of this person, on every browser, this one included."""
    sessions.end_all_for_person(_service(), current_user.person_id)
    _forget_session()
    flash("You have been signed out on every device", "success")
    return redirect(url_for("auth.login"))


def _forget_session() -> None:
    logout_user()
    session.clear()


# ---- OpenID Connect -----------------------------------------------------------------------------

def init_oidc(app) -> None:
    """Register the identity provider only when it is configured; nothing is fetched until someone signs in."""
    issuer = app.config.get("JOBPLAN_OIDC_ISSUER")
    client_id = app.config.get("JOBPLAN_OIDC_CLIENT_ID")
    if not (issuer and client_id):
        return
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register("oidc", client_id=client_id, client_secret=app.config.get("JOBPLAN_OIDC_CLIENT_SECRET"),
                   server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid email profile"})
    app.extensions["jobplan_oidc"] = {"oidc": oauth.oidc}
    app.register_blueprint(oidc_bp)


oidc_bp = Blueprint("oidc", __name__)


@oidc_bp.get("/login/oidc")
def oidc_start():
    client = current_app.extensions["jobplan_oidc"]["oidc"]
    session["oidc_next"] = same_site_path(request.args.get("next"))
    return client.authorize_redirect(url_for("oidc.oidc_callback", _external=True))


@oidc_bp.get("/login/oidc/callback")
def oidc_callback():
    client = current_app.extensions["jobplan_oidc"]["oidc"]
    token = client.authorize_access_token()
    userinfo = token.get("userinfo") or client.userinfo()
    person = signin.person_for_oidc_user(_service(), dict(userinfo))
    if person is None:
        abort(403, "your identity provider account does not match an active person here (by email)")
    target = session.get("oidc_next")
    _begin_session(person)
    return redirect(_after_sign_in(target))
