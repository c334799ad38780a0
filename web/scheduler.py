"""APScheduler wiring: the sweep over due deadlines and the mail relay, each on its own interval.

In production the scheduler is its own process (``jobplan scheduler``), and web workers start none.
On the embedded default (a SQLite database) ``jobplan serve`` starts one in-process, once per process,
and never in a reloader's watching parent. Both jobs are safe to run twice anyway (SKIP LOCKED claims,
unique outbox keys)."""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)
_started = {}
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}


def is_embedded(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def in_reloader_parent(app) -> bool:
    """Werkzeug's reloader runs the app in a child with WERKZEUG_RUN_MAIN=true; the parent only watches."""
    return bool(app.debug) and os.environ.get("WERKZEUG_RUN_MAIN") != "true"


def add_jobs(sched, app) -> None:
    sched.add_job(run_sweep, "interval", args=[app], seconds=app.config["JOBPLAN_SWEEP_SECONDS"], id="sweep")
    sched.add_job(run_mail, "interval", args=[app], seconds=app.config["JOBPLAN_MAIL_SECONDS"], id="mail")


def start_in_process(app):
    """The embedded default's scheduler, or None when this process must not run one."""
    if app in _started:
        return _started[app]
    if not is_embedded(app):
        log.info("not starting a scheduler in the web process: run `jobplan scheduler` as its own process")
        return None
    if in_reloader_parent(app):
        return None
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    add_jobs(sched, app)
    sched.start()
    _started[app] = sched
    return sched


def run_forever(app) -> None:
    """``jobplan scheduler``: one sweep and one mail run at once, then on their intervals until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    sched = BlockingScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    add_jobs(sched, app)
    run_sweep(app)
    run_mail(app)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass


def run_sweep(app):
    """One sweep in its own app context (APScheduler jobs have none of their own). Each batch of the sweep is
    its own unit of work, so this job opens none around it."""
    from web.services import service

    with app.app_context():
        try:
            report = service().sweep()
        except Exception:  # the next interval tries again; the job must not die
            log.exception("sweep failed")
            return None
        log.info(report.summary())
        _deactivate_leavers(service())
        return report


def _deactivate_leavers(svc) -> None:
    """Leave dates that have come: the people are deactivated, in their own unit of work (issue 17)."""
    from workflow.service.admin.staff import deactivate_leavers
    from workflow.store.uow import unit_of_work

    try:
        with unit_of_work(svc.session):
            left = deactivate_leavers(svc)
    except Exception:
        log.exception("deactivating leavers failed")
        return
    if left:
        log.info("deactivated %d leaver(s) whose leave date has come", len(left))


def run_mail(app, now=None):
    from workflow.timing.clock import FixedClock
    from workflow.delivery.mail import MailSettings, drain

    from web.services import service

    with app.app_context():
        svc = service()
        try:
            report = drain(svc.session, FixedClock(now) if now else svc.clock, MailSettings.from_config(app.config))
        except Exception:
            log.exception("mail relay failed")
            return None
        log.info(report.summary())
        return report
