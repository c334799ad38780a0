"""What an operator runs and scrapes: readiness (`/healthz/ready`, `jobplan doctor`), Prometheus metrics
(`/metrics`), request latency by endpoint, and JSON log lines for a log shipper. The checks themselves
are the service layer's (workflow.service.health); this module only serves them."""
from __future__ import annotations

import hmac
import ipaddress
import logging
import smtplib
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from workflow.service import health

bp = Blueprint("operators", __name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def expected_heads() -> set[str]:
    """The migration heads this code ships."""
    import os

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(__file__), "migrations"))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def smtp_probe(app: Flask):
    """None when no SMTP host is set (mail goes to a folder) — else a callable answering None or the error."""
    host = app.config.get("JOBPLAN_SMTP_HOST")
    if not host:
        return None

    def probe() -> str | None:
        try:
            with smtplib.SMTP(host, app.config["JOBPLAN_SMTP_PORT"], timeout=5) as smtp:
                code, _ = smtp.noop()
            return None if code == 250 else f"{host} answered {code} to NOOP"
        except (OSError, smtplib.SMTPException) as exc:
            return f"{host}:{app.config['JOBPLAN_SMTP_PORT']} does not answer: {exc}"
    return probe


def run_checks(app: Flask) -> list[health.Check]:
    from web.services import service

    return health.readiness(service(), expected_heads=expected_heads(), smtp=smtp_probe(app),
                            sweep_seconds=app.config["JOBPLAN_SWEEP_SECONDS"],
                            mail_seconds=app.config["JOBPLAN_MAIL_SECONDS"])


@bp.get("/healthz/ready")
def ready():
    """Ready to serve: the same checks as `jobplan doctor`; 503 when any fails (a load balancer's cue)."""
    checks = run_checks(current_app._get_current_object())
    ok = all(c.ok for c in checks)
    body = {"status": "ready" if ok else "not ready",
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks]}
    return jsonify(body), 200 if ok else 503


class _ServiceCollector:
    """Gauges read from the database at scrape time: a scrape costs a few aggregate queries."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from web.services import service

        with self.app.app_context():
            gv = health.gauges(service())
        for name, doc, value in [
            ("jobplan_deadlines_due", "Deadline checks that are due and not yet swept", gv.deadlines_due),
            ("jobplan_deadlines_overdue", "Running clocks past their due time", gv.deadlines_overdue),
            ("jobplan_sweep_lag_seconds", "Age of the oldest deadline check still waiting for a sweep",
             gv.sweep_lag_seconds),
            ("jobplan_mail_pending", "Messages in the outbox not yet sent", gv.mail_pending),
            ("jobplan_mail_oldest_pending_seconds", "Age of the oldest due message still waiting",
             gv.mail_oldest_pending_seconds),
            ("jobplan_mail_failed", "Messages the relay gave up on", gv.mail_failed),
        ]:
            yield GaugeMetricFamily(name, doc, value=value)


def _metrics_allowed() -> bool:
    """With JOBPLAN_METRICS_TOKEN set, the scraper sends it as a bearer token; without it, only this machine
    may scrape (the counts are not personal data, but they are the trust's business)."""
    token = current_app.config.get("JOBPLAN_METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    if not _metrics_allowed():
        return jsonify(title="Forbidden", status=403,
                       detail="metrics are served to this machine only, or with JOBPLAN_METRICS_TOKEN"), 403
    registry = current_app.extensions["jobplan_metrics"]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()
    latency = Histogram("jobplan_request_seconds", "Time to answer a request, by endpoint",
                        ["endpoint", "method", "status"], registry=registry, buckets=LATENCY_BUCKETS)
    registry.register(_ServiceCollector(app))
    app.extensions["jobplan_metrics"] = registry

    @app.before_request
    def _start_timer():
        g.jobplan_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("jobplan_started", None)
        if started is not None:  # the endpoint name, never the URL: ids would make a series per case
            latency.labels(request.endpoint or "unmatched", request.method,
                           str(response.status_code)).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
    configure_logging(app.config.get("JOBPLAN_LOG_FORMAT", "text"))


def configure_logging(fmt: str) -> None:
    """`JOBPLAN_LOG_FORMAT=json`: one JSON object a line (python-json-logger) for a log shipper."""
    if fmt != "json":
        return
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
