"""APScheduler wiring. In production the scheduler is its own process (``jobplan scheduler``); on the
embedded default ``jobplan serve`` starts one in-process, once (never under a reloader)."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)
_started = {}


def start_in_process(app):
    if app in _started:
        return _started[app]
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": 30})
    sched.add_job(lambda: run_sweep(app), "interval", seconds=app.config["JOBPLAN_SWEEP_SECONDS"], id="sweep")
    sched.start()
    _started[app] = sched
    return sched


def run_sweep(app):
    """One sweep in its own app context (APScheduler jobs have none of their own)."""
    from .app import service

    with app.app_context():
        report = service().sweep()
        log.info(report.summary())
