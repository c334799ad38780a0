"""The application factory."""
from __future__ import annotations

import os
import secrets

from flask import Flask, current_app, jsonify
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from sqlalchemy import text

import workflow.rules  # noqa: F401  (the vocabulary policies are checked against registers on import)
from workflow.timing.clock import SystemClock
from workflow.engine import Engine
from workflow.policy.registry import PolicyRegistry
from workflow.store.uow import configure_engine, unit_of_work

from web import config as config_mod
from web.extensions import csrf, db, limiter, login_manager, migrate
from web.guards import init_guards


class JobPlanningApp(Flask):
    """A request is one unit of work (Indico's ``RH.process``): its before-request hooks, the view and the
    error handlers run inside it, and it commits once when the response is ready, or rolls back on an
    error no handler turned into a response. An operation that failed (a refusal shown as 4xx) has already
    undone its own writes (``workflow.store.uow.operation``). A request that only reads never takes
    SQLite's write lock."""

    def full_dispatch_request(self):
        with unit_of_work(db.session):
            return super().full_dispatch_request()


def create_app(test_config: dict | None = None) -> Flask:
    app = JobPlanningApp(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_mod.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
        if "SQLALCHEMY_DATABASE_URI" in test_config:
            app.config["SQLALCHEMY_DATABASE_URI"] = config_mod._database_url(test_config["SQLALCHEMY_DATABASE_URI"])
    config_mod.validate(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)

    secure = not (app.config.get("TESTING") or app.config.get("JOBPLAN_INSECURE_HTTP"))
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if key not in (test_config or {}):
            app.config[key] = secure

    init_guards(app)  # before sign-in and CSRF: crafted input never reaches them or the database
    _trust_proxies(app, int(str(app.config.get("JOBPLAN_TRUSTED_PROXIES", "0")).strip()))
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    with app.app_context():
        configure_engine(db.engine)

    app.extensions["jobplan"] = {
        "policies": app.config.get("JOBPLAN_POLICIES") or PolicyRegistry.from_directory(app.config["JOBPLAN_POLICY_DIR"]),
        "engine": Engine(),
        "clock": app.config.get("JOBPLAN_CLOCK") or SystemClock(),
    }

    from web import assets, charts, filters, operators, report_view, security_headers
    from web.pages import bp as pages_bp

    # Every template is escaped, the NHS.UK macros (.jinja) included: they mark their HTML params safe.
    # ChainableUndefined as nhsuk-frontend-jinja asks (its macros read params.a.b of absent a).
    app.jinja_options = {**app.jinja_options, "autoescape": True, "undefined": ChainableUndefined}
    app.jinja_loader = ChoiceLoader([FileSystemLoader(os.path.join(app.root_path, "templates")),
                                     PackageLoader("nhsuk_frontend_jinja", "templates")])
    app.register_blueprint(assets.bp)
    app.register_blueprint(pages_bp)
    filters.register(app)
    charts.register(app)
    report_view.register(app)
    security_headers.init_app(app)
    _init_sign_in(app)
    operators.init_app(app)

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        reg = current_app.extensions["jobplan"]["policies"]
        return jsonify(status="ok", database=db.engine.dialect.name,
                       policies=[f"{p.id}@{p.version}" for p in reg.all()])

    @app.teardown_appcontext
    def _end_session(exc):
        db.session.remove()

    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, take the client's address and scheme from the X-Forwarded-For and
    -Proto entries those proxies added (Werkzeug's ProxyFix); with 0 the headers are ignored. Host and
    prefix stay as the request gave them, so a forged X-Forwarded-Host cannot reach generated URLs."""
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def _init_sign_in(app: Flask) -> None:
    from web import auth
    from web.api import init_api

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    limiter.init_app(app)
    app.register_blueprint(auth.bp)
    from web import accounts

    app.register_blueprint(accounts.bp)
    auth.init_oidc(app)
    init_api(app)
    for blp in app.blueprints.values():
        if (blp.url_prefix or "").startswith("/api/"):
            csrf.exempt(blp)  # the API checks CSRF itself for cookie sessions (web.api.auth)


def _instance_secret(instance_path: str) -> str:
    """A secret made once per installation and kept in the instance folder, never in the repository."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    with open(path) as f:
        return f.read().strip()
