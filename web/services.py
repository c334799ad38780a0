"""The service layer for the current app context: every view, command and job goes through it. A module of its
own, so the doors (pages, API, CLI, scheduler) reach the service without importing the app factory."""
from __future__ import annotations

from flask import current_app

from workflow.service import JobPlanning, Settings

from web.extensions import db


def service() -> JobPlanning:
    ext = current_app.extensions["jobplan"]
    return JobPlanning(db.session, ext["policies"], ext["clock"], ext["engine"],
                       Settings(base_url=current_app.config["JOBPLAN_BASE_URL"]))
