"""The annual round's pages: start this year's round over a team, a care group or the trust; run it batch by
batch; its progress by team (issue 17 item 5)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from workflow.errors import NotFound, WorkflowError
from workflow.service import rounds

from web.pages import bp
from web.pages.session import signed_in
from web.services import service

LABELS = {"not_started": "Not started", "meeting_held": "Meeting held", "signed": "Signed", "approved": "Approved",
          "disputed": "Disputed", "overdue": "Overdue", "skipped": "Skipped"}


@bp.get("/rounds")
@signed_in
def round_list(actor):
    svc = service()
    units = rounds.units_for(svc, actor)
    if not units:
        abort(403)
    return render_template("pages/rounds.html", units=units, rounds=rounds.list_rounds(svc, actor))


@bp.post("/rounds")
@signed_in
def round_start(actor):
    svc = service()
    try:
        unit_id = int(request.form.get("org_unit_id", ""))
    except ValueError:
        flash("Choose the team, care group or trust to start the round for.", "warning")
        return redirect(url_for("pages.round_list"))
    try:
        rnd = rounds.start_round(svc, actor, unit_id)
        rounds.run_batch(svc, actor, rnd.id)
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.round_list"))
    return redirect(url_for("pages.round_page", round_id=rnd.id))


@bp.get("/rounds/<int:round_id>")
@signed_in
def round_page(actor, round_id):
    svc = service()
    try:
        progress = rounds.progress(svc, actor, round_id)
    except NotFound:
        abort(404)
    return render_template("pages/round.html", p=progress, labels=LABELS, statuses=rounds.STATUSES)


@bp.post("/rounds/<int:round_id>/batches")
@signed_in
def round_continue(actor, round_id):
    try:
        rounds.run_batch(service(), actor, round_id)
    except NotFound:
        abort(404)
    return redirect(url_for("pages.round_page", round_id=round_id))
