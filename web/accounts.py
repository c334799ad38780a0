"""The public end of a one-time link: a person sets their own password (issue 17, "Accounts"). The rules are
the service's (workflow.service.accounts); this page only asks and answers."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length

from workflow.errors import InvalidPayload, NotFound
from workflow.service import accounts

from web.extensions import limiter

bp = Blueprint("accounts", __name__)


class ResetForm(FlaskForm):
    email = StringField("Email address", validators=[Length(max=320)])


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[Length(max=accounts.PASSWORD_MAX)])
    confirm = PasswordField("Type it again", validators=[Length(max=accounts.PASSWORD_MAX)])


def _rate() -> str:
    return current_app.config.get("JOBPLAN_LOGIN_RATE", "10 per minute")


@bp.route(accounts.LINK_PATH + "<string(maxlength=100):secret>", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def set_password(secret):
    from web.services import service

    svc = service()
    try:
        person = accounts.person_for_link(svc, secret)
    except NotFound as exc:
        return render_template("set_password.html", problem=exc.message, form=None), 404
    form = SetPasswordForm()
    errors = {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            accounts.set_password_with_link(svc, secret, form.password.data or "", form.confirm.data or "")
        except InvalidPayload as exc:
            errors = exc.details.get("fields", {})
        else:
            flash("Your password is set. Sign in with your email address and the new password.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    summary = [{"text": msgs[0], "href": f"#{field}"} for field, msgs in errors.items()]
    return render_template("set_password.html", person=person, form=form, errors=errors, summary=summary,
                           minimum=accounts.PASSWORD_MIN, problem=None), status


@bp.route("/account/reset", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def request_reset():
    """Forgotten password: a one-time link by email. The answer is the same whether or not the address has an
    account, so the page does not tell who has one."""
    from web.services import service

    form = ResetForm()
    errors = {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            accounts.request_reset(service(), form.email.data or "")
        except InvalidPayload as exc:
            errors = exc.details.get("fields", {})
        else:
            return render_template("reset_password.html", form=form, sent=True, errors={}, summary=[])
    summary = [{"text": msgs[0], "href": f"#{field}"} for field, msgs in errors.items()]
    return render_template("reset_password.html", form=form, sent=False, errors=errors, summary=summary), \
        422 if errors else 200
