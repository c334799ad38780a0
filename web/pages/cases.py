"""The case page (timeline, deadlines, who holds the ball, what I can do now), the form for each
step, and case lists with filters (the Medical Director's mediations, the appeals register, the
governance queue)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from workflow.errors import InvalidPayload, NotFound, StaleVersion, WorkflowError
from workflow.store.models import Case, CaseParticipant, Deadline, Person
from workflow.service import cases as case_queries
from workflow.service import keyset
from workflow.service import mailbox
from workflow.service import people as directory
from workflow.service.deadlines import changeable
from workflow.service.documents import list_documents
from workflow.service.inbox import open_deadlines, who_holds_the_ball
from workflow.service.outcomes import recommendation_before
from workflow.service.plan_document import plan_record, title_of
from workflow.service import seats
from workflow.service.cover import covers_on_case
from workflow.service.signing import signature_rows
from workflow.policy.tags import ANNUAL_SIGN_OFF, APPEAL, DECISION_LETTER, GOVERNANCE_QUEUE, MEDIATION, SECOND_LEVEL
from workflow.service.tagged import case_is, in_state, in_workflow

from web.services import service
from web.pages import bp
from web.pages.forms import FormState, anchor, apply_service_errors, payload_from_form
from web.pages.session import signed_in

# Named lists in the navigation: (title, workflow tag, state tag or None for all, open only)
QUEUES = {
    "mediations": ("Mediations", MEDIATION, None, True),
    "appeals": ("Appeals register", APPEAL, None, False),
    "governance": ("Governance check queue", ANNUAL_SIGN_OFF, GOVERNANCE_QUEUE, True),
    "second-level": ("Second-level sign-off", ANNUAL_SIGN_OFF, SECOND_LEVEL, True),
}


def _case_or_404(svc, actor, case_id):
    try:
        return svc.get_case(actor, case_id)
    except NotFound:
        abort(404)


@bp.get("/cases")
@signed_in
def case_list(actor):
    svc = service()
    queue = request.args.get("queue")
    title, workflow_tag, state_tag, open_only = QUEUES.get(queue, ("Cases", None, None, request.args.get("open") == "1"))
    workflow = None if queue in QUEUES else request.args.get("workflow") or None
    state = request.args.get("state") or None
    extra = []
    if workflow_tag:
        extra.append(in_workflow(svc.policies, workflow_tag))
    if state_tag:
        extra.append(in_state(svc.policies, workflow_tag, state_tag))
    found = case_queries.find_cases(svc, actor, workflow=workflow, state=state, open_only=open_only, extra=extra)
    appeals = workflow_tag == APPEAL or any(p.has_workflow_tagged(workflow, APPEAL) for p in svc.policies.all())
    counted = found.count()  # stops at 1,000: "more than 1,000", not a scan
    total = counted if counted <= keyset.COUNT_CAP else None
    pages = max(1, -(-counted // CASES_PER_PAGE)) if total is not None else None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    if pages is not None:
        page = min(page, pages)
    listed = found.rows(offset=(page - 1) * CASES_PER_PAGE, limit=CASES_PER_PAGE + 1)  # one more: a next page?
    rows = []
    for c, first in listed[:CASES_PER_PAGE]:
        wf = svc.policy_of(c).workflow(c.workflow)
        rows.append({"case": c, "workflow": wf.title, "state": wf.state(c.state).title, "deadline": first})
    now = svc.clock.now()
    here = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("pages/case_list.html", title=title, rows=rows, total=total, now=now, queue=queue,
                           page=page, pages=pages, cap=keyset.COUNT_CAP, first=(page - 1) * CASES_PER_PAGE + 1,
                           previous_url=url_for("pages.case_list", **here, page=page - 1) if page > 1 else None,
                           next_url=url_for("pages.case_list", **here, page=page + 1)
                           if len(listed) > CASES_PER_PAGE else None,
                           sittings=_sittings(svc, actor) if appeals else None)


CASES_PER_PAGE = 50  # earliest deadline first, so what is due soonest is on the first page


def _sittings(svc, actor):
    """The approved list with how often each member has sat (002 7.8.11), for those who oversee it."""
    from workflow.errors import PermissionDenied
    from workflow.rules.panel import panel_sittings

    try:
        return panel_sittings(svc, actor)
    except PermissionDenied:
        return None


@bp.get("/cases/<int:case_id>")
@signed_in
def case_page(actor, case_id):
    svc = service()
    case = _case_or_404(svc, actor, case_id)
    policy = svc.policy_of(case)
    wf = policy.workflow(case.workflow)
    events = svc.case_events(actor, case_id)
    deadlines = list(svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id)
                                         .order_by(Deadline.due_at)))
    children = list(svc.session.scalars(select(Case).where(Case.parent_id == case.id).order_by(Case.id)))
    participants = list(svc.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == case.id)))
    people = {p.id: p.name for p in svc.session.scalars(select(Person).where(
        Person.id.in_({e.actor_id for e in events if e.actor_id})))}
    labels = {(s.name, d.name): d for s in wf.states for d in s.deadlines}
    return render_template(
        "pages/case.html", case=case, policy=policy, wf=wf, state=wf.state(case.state), events=events,
        deadlines=deadlines, deadline_specs=labels, children=children, participants=participants,
        people=people, ball=who_holds_the_ball(svc, case), actions=svc.available_triggers(actor, case_id),
        my_roles=sorted(svc.roles_on(actor, case)), mail=mailbox.messages_for(svc, actor, case_id),
        now=svc.clock.now(), titles={t.trigger: t.title for t in wf.transitions},
        sittings=_sittings(svc, actor) if case_is(policy, case, APPEAL) and case.closed_at is None else None,
        documents=list_documents(svc, actor, case_id), changeable=changeable(svc, actor, case),
        decision_letter=any(e.trigger in {t.trigger for t in wf.transitions_tagged(DECISION_LETTER)} for e in events),
        signatures=signature_rows(svc, case) if case.job_plan_id else None,
        panel=seats.panel(svc, case), meetings=seats.meetings(svc, case),
        covers=covers_on_case(svc, case),
        plan_title=title_of(svc, case.job_plan) if case.job_plan_id else "")


@bp.route("/cases/<int:case_id>/deadlines/<int:deadline_id>", methods=["GET", "POST"])
@signed_in
def change_deadline(actor, case_id, deadline_id):
    """Extend, pause or resume a clock, with a reason recorded in the audit log (RULES: "normally" deadlines
    move only by a recorded extension, never silently)."""
    from datetime import date as _date

    from workflow.service import deadlines as deadline_service

    svc = service()
    case = _case_or_404(svc, actor, case_id)
    d = svc.session.get(Deadline, deadline_id)
    if d is None or d.case_id != case.id:
        abort(404)
    wf = svc.policy_of(case).workflow(case.workflow)
    spec = next((x for x in wf.state(d.state).deadlines if x.name == d.name), None)
    state = FormState(order=["action", "until", "reason"])
    if request.method == "POST":
        action = request.form.get("action", "")
        reason = request.form.get("reason", "").strip()
        state.values = {"action": action, "reason": reason,
                        "until": {p: request.form.get(f"until[{p}]", "") for p in ("day", "month", "year")}}
        if action not in ("extend", "pause", "resume"):
            state.add("action", "Select what to do with the deadline")
        if not reason:
            state.add("reason", "Enter the reason, which is recorded in the audit log")
        until = None
        if action == "extend":
            u = state.values["until"]
            try:
                until = _date(int(u["year"]), int(u["month"]), int(u["day"]))
            except ValueError:
                state.add("until", "Enter the new last day as a real date, for example 27 3 2027")
        if not state.errors:
            try:
                if action == "extend":
                    deadline_service.extend(svc, actor, deadline_id, reason=reason, until=until)
                elif action == "pause":
                    deadline_service.pause(svc, actor, deadline_id, reason=reason)
                else:
                    deadline_service.resume(svc, actor, deadline_id, reason=reason)
            except InvalidPayload as exc:
                state.add("until" if action == "extend" else "reason", exc.message)
            except WorkflowError as exc:
                state.add("_refused", exc.message)
            else:
                flash(f"Deadline {'extended' if action == 'extend' else action + 'd'}: {spec.label if spec else d.name}.",
                      "success")
                return redirect(url_for("pages.case_page", case_id=case_id))
    return render_template("pages/change_deadline.html", case=case, d=d, spec=spec, form=state,
                           now=svc.clock.now()), (422 if state.errors else 200)



@bp.route("/cases/<int:case_id>/do/<trigger>", methods=["GET", "POST"])
@signed_in
def trigger_form(actor, case_id, trigger):
    """One step of a case as a form: its fields from the policy, the clause it comes from, the clock
    that runs on it. Refusals come back in the NHS error-summary pattern with what was typed kept."""
    svc = service()
    case = _case_or_404(svc, actor, case_id)
    info = next((t for t in svc.available_triggers(actor, case_id) if t.trigger == trigger), None)
    wf = svc.policy_of(case).workflow(case.workflow)
    spec = wf.transition(trigger, case.state)
    if info is None or spec is None:
        flash(f"That step is not open to you on case {case_id} now.", "warning")
        return redirect(url_for("pages.case_page", case_id=case_id))
    state = FormState()
    if request.method == "POST":
        payload = payload_from_form(spec, request.form, state)
        _attach_uploads(svc, actor, case_id, spec, payload, state)
        reason = request.form.get("reason", "").strip() or None
        state.values["reason"] = reason or ""
        version = request.form.get("version", type=int)
        if not state.errors:
            try:
                result = svc.fire(actor, case_id, trigger, payload, expected_version=version, reason=reason)
            except InvalidPayload as exc:
                apply_service_errors(exc.details.get("fields"), state)
            except StaleVersion as exc:
                state.add("_version", exc.message)
            except WorkflowError as exc:
                state.add("_refused", exc.message)
            else:
                flash(_done_message(svc, spec, case_id, result), "success")
                target = result.started_case_ids[0] if result.started_case_ids else case_id
                return redirect(url_for("pages.case_page", case_id=target))
    clocks = open_deadlines(svc, [case_id])[case_id]
    return render_template("pages/trigger_form.html", case=case, wf=wf, spec=spec, form=state, anchor=anchor,
                           signing_what=_what_is_signed(svc, actor, case),
                           policy=svc.policy_of(case),
                           candidates=_candidates(svc, actor, spec, request.args.get("q"), _chosen(spec, state)),
                           search=request.args.get("q", ""), people_shown=PEOPLE_SHOWN, clocks=clocks,
                           now=svc.clock.now(), recommendation=recommendation_before(svc, actor, case_id, spec),
                           deadline_specs={d.name: d for d in wf.state(case.state).deadlines}), \
        (422 if state.errors else 200)


def _done_message(svc, spec, case_id, result) -> str:
    """The step done and the state the case is really in now (a signature may have moved it on by itself),
    and whom it waits on."""
    svc.session.expire_all()
    case = svc.session.get(Case, case_id)
    wf = svc.policy_of(case).workflow(case.workflow)
    ball = who_holds_the_ball(svc, case)
    waiting = "; ".join(f"{b.role_title}{' (' + ', '.join(b.people) + ')' if b.people else ''}" for b in ball)
    text = f"{spec.title}: done. The case is now at ‘{wf.state(case.state).title}’"
    return text + (f", waiting on {waiting}." if waiting and not case.closed_at else ".")


def _what_is_signed(svc, actor, case):
    """The plan a step on this case signs, approves or checks: its title, version and PA summary."""
    if case.job_plan_id is None:
        return None
    try:
        return plan_record(svc, actor, case.job_plan_id)
    except NotFound:
        return None


def _attach_uploads(svc, actor, case_id, spec, payload, state):
    """Evidence files of a documents field are attached to the case first (stored with a checksum, never
    overwritten); their ids join the payload and stay in the form, named by file and each with a box to
    untick, so a refused step needs no re-upload. The same file uploaded again is not attached twice."""
    import hashlib

    from workflow.service.documents import attach_document, get_document

    for f in spec.payload:
        if f.type != "documents":
            continue
        ids = [int(i) for i in request.form.getlist(f.name) if i.isdigit()]
        names, sums = {}, {}
        for i in list(ids):
            try:
                doc = get_document(svc, actor, case_id, i)
            except NotFound:
                ids.remove(i)
                continue
            names[str(i)], sums[doc.sha256] = doc.filename, i
        for upload in request.files.getlist(f"{f.name}-upload"):
            if not upload or not upload.filename:
                continue
            content = upload.read()
            if hashlib.sha256(content).hexdigest() in sums:
                continue  # already attached in this form: not a second copy
            try:
                doc = attach_document(svc, actor, case_id, upload.filename, upload.mimetype or "", content)
            except WorkflowError as exc:
                state.add(f.name, f"{upload.filename}: {exc.message}")
                continue
            ids.append(doc.id)
            names[str(doc.id)], sums[doc.sha256] = doc.filename, doc.id
        state.values[f.name] = [str(i) for i in ids]
        state.values[f"{f.name}-files"] = names
        if ids:
            payload[f.name] = ids
        else:
            payload.pop(f.name, None)


def _chosen(spec, state):
    return next((state.values.get(f.name) for f in spec.payload if f.type == "person" and state.values.get(f.name)),
                None)


PEOPLE_SHOWN = 50  # a person field lists this many; a name search narrows the directory to whom you mean


def _candidates(svc, actor, spec, search: str | None, chosen: str | None):
    """People to choose from for a person field (the service refuses anyone not allowed): those whose name
    contains the search, or the first of the directory; with whoever is already chosen."""
    if not any(f.type == "person" for f in spec.payload):
        return []
    people = directory.list_people(svc, actor, active=True, name=search, limit=PEOPLE_SHOWN + 1)
    if chosen and chosen.isdigit() and all(p.id != int(chosen) for p in people):
        try:
            people.insert(0, directory.get_person(svc, actor, int(chosen)))
        except NotFound:
            pass  # the service refuses the form with this id anyway
    return people


@bp.get("/cases/<int:case_id>/decision-letter")
@signed_in
def decision_letter(actor, case_id):
    from workflow.service.letters import decision_letter as letter_for

    try:
        letter = letter_for(service(), actor, case_id)
    except NotFound:
        abort(404)
    return render_template("pages/decision_letter.html", letter=letter)
