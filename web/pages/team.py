"""A clinical manager's team: who has a plan in force, whose sign-off is under way, whose review is due,
a button to start this year's sign-off, and for someone new one to start their interim plan (002 7.4.3)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from workflow.errors import WorkflowError
from workflow.service import plans as plan_service
from workflow.service.team import start_interim_plan, start_sign_off, team_of
from workflow.service.team_plans import draft_next_team_plan, teams_managed

from web.services import service
from web.pages import bp
from web.pages.session import signed_in


@bp.get("/team")
@signed_in
def team(actor):
    svc = service()
    return render_template("pages/team.html", members=team_of(svc, actor), now=svc.clock.now(),
                           teams=teams_managed(svc, actor))


@bp.post("/team/teams/<int:team_id>/plan")
@signed_in
def team_plan_draft(actor, team_id):
    """Draft the team's job plan (002 7.4), a copy of the last agreed one; edited through the API's team plan."""
    try:
        plan = draft_next_team_plan(service(), actor, team_id)
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.team"))
    flash("Team job plan drafted: agree it with the team before the individual plans (002 7.4).", "success")
    return redirect(url_for("pages.plan_page", plan_id=plan.id))


@bp.post("/team/plans/<int:plan_id>/agree")
@signed_in
def team_plan_agree(actor, plan_id):
    svc = service()
    try:
        plan_service.get_plan(svc, actor, plan_id)
        plan_service.agree_team_plan(svc, actor, plan_id)
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.team"))
    flash("Team job plan agreed: the members' plans no longer warn that there is none (002 7.4).", "success")
    return redirect(url_for("pages.team"))


@bp.post("/team/<int:person_id>/sign-off")
@signed_in
def team_start_sign_off(actor, person_id):
    return _start(start_sign_off, actor, person_id,
                  "Sign-off started: hold the job planning meeting, then record its date.",
                  "Start this year's job plan sign-off",
                  "This opens the sign-off case: you hold the job planning meeting, record its date, and then you "
                  "both sign the same version of the plan within 28 days (Policy 7.5).")


@bp.post("/team/<int:person_id>/interim-plan")
@signed_in
def team_start_interim_plan(actor, person_id):
    return _start(start_interim_plan, actor, person_id,
                  "Interim plan started: draft it, then start its sign-off from this case within the first month.",
                  "Start an interim job plan",
                  "This opens the new starter's interim plan case: it is expected to be agreed within the first "
                  "month from their start date (Policy 7.4.3).")


def _start(starter, actor, person_id: int, done: str, question: str, what: str):
    """Start a case from the team page, once the manager has confirmed it (the first post asks, the second,
    with ``confirmed``, starts); a refusal comes back to the team page with its reason."""
    if request.form.get("confirmed") != "yes":
        from workflow.service.people import get_person

        try:
            person = get_person(service(), actor, person_id)
        except WorkflowError as exc:
            flash(exc.message, "warning")
            return redirect(url_for("pages.team"))
        return render_template("pages/confirm_start.html", person=person, question=question, what=what,
                               action=request.path)
    try:
        case = starter(service(), actor, person_id)
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.team"))
    flash(done, "success")
    return redirect(url_for("pages.case_page", case_id=case.id))
