"""A clinical manager's team: who has a plan in force, whose sign-off is under way, whose review is due,
a button to start this year's sign-off, and for someone new one to start their interim plan (002 7.4.3)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from workflow.errors import WorkflowError
from workflow.service.team import start_interim_plan, start_sign_off, team_of

from web.services import service
from web.pages import bp
from web.pages.session import signed_in


@bp.get("/team")
@signed_in
def team(actor):
    svc = service()
    return render_template("pages/team.html", members=team_of(svc, actor), now=svc.clock.now())


@bp.post("/team/<int:person_id>/sign-off")
@signed_in
def team_start_sign_off(actor, person_id):
    return _start(start_sign_off, actor, person_id,
                  "Sign-off started: hold the job planning meeting, then record its date.")


@bp.post("/team/<int:person_id>/interim-plan")
@signed_in
def team_start_interim_plan(actor, person_id):
    return _start(start_interim_plan, actor, person_id,
                  "Interim plan started: draft it, then start its sign-off from this case within the first month.")


def _start(starter, actor, person_id: int, done: str):
    """Start a case from the team page; a refusal comes back to the team page with its reason."""
    try:
        case = starter(service(), actor, person_id)
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.team"))
    flash(done, "success")
    return redirect(url_for("pages.case_page", case_id=case.id))
