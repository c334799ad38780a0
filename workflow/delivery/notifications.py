"""Queueing email in the outbox, in the same transaction as the change that caused it.

A message names the case, what happened, what is due and by when, who waits on whom, what to do next,
and links to the case page, in plain text and HTML (``workflow.delivery.templates``). A transition whose
payload carries a ``datetime`` field (``meeting_at``, ``hearing_at``: the moment of a meeting or hearing)
is an invitation: its messages carry an iCalendar (.ics) request for that moment. Delivery, and the daily
digest for people who chose one, are ``workflow.delivery.mail``'s job, after commit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from workflow.store import rows
from workflow.access import holders_of
from workflow.store.deadline_rules import NOT_CLOSED
from workflow.timing.deadlines import spec_for
from workflow.delivery.templates import Body, invitation_ics, render_html, render_text
from workflow.store.models import CaseParticipant, Deadline, Person
from workflow.timing.wording import format_day, format_due, format_moment, format_when  # noqa: F401  (re-exported)

ICS_CONTENT_TYPE = "text/calendar; method=REQUEST; charset=utf-8"


def case_url(ctx) -> str:
    return f"{ctx.settings.base_url.rstrip('/')}/cases/{ctx.case.id}"


def case_summary(ctx) -> list[tuple[str, str]]:
    """Which case, where it stands, what is due by when, who waits on whom, and the next step."""
    case, policy, wf = ctx.case, ctx.policy, ctx.workflow
    state = wf.state(case.state)
    rows = [("Case", f"{case.id}: {wf.title} for {case.subject.name} ({policy.title}, version {policy.version})"),
            ("Now", state.title)]
    open_deadlines = ctx.open_deadlines
    if open_deadlines is None:
        open_deadlines = ctx.session.scalars(select(Deadline).where(
            Deadline.case_id == case.id, Deadline.status.in_(NOT_CLOSED),
            Deadline.closed_at.is_(None)).order_by(Deadline.due_at)).all()
    else:
        open_deadlines = sorted(open_deadlines, key=lambda d: d.due_at)
    for d in open_deadlines:
        try:
            label = spec_for(policy, case.workflow, d).label
        except KeyError:
            label = d.name.replace("_", " ")
        status = {"breached": " (overdue)", "paused": " (paused)"}.get(d.status, "")
        rows.append(("Due", f"{label}: by the end of {format_due(policy, d.due_at)}{status}"))
    if state.waiting_on:
        waited = []
        for role in state.waiting_on:
            names = ", ".join(p.name for p in holders_of(ctx.session, case, policy, role))
            waited.append(f"{policy.roles[role].title} ({names})" if names else policy.roles[role].title)
        if policy.role_with_scope("subject") not in state.waiting_on:
            who = f"{case.subject.name} waits on {' and '.join(waited)}"
        elif len(waited) == 1:
            who = f"The trust waits on {waited[0]}"
        else:
            who = f"Each waits on the other: {' and '.join(waited)}"
        rows.append(("Who waits on whom", who))
    seats = [r for r in policy.roles if policy.roles[r].scope == "participant"
             and any(r in t.roles or r in t.notify for t in wf.transitions)]
    if seats:  # the seats of this case, by name (002 7.8.12: the practitioner learns who was allocated)
        held = ctx.session.execute(select(CaseParticipant.role, Person.name).join(Person, Person.id ==
                                   CaseParticipant.person_id).where(CaseParticipant.case_id == case.id,
                                   CaseParticipant.status == "active", CaseParticipant.role.in_(seats))
                                   .order_by(CaseParticipant.id)).all()
        for seat in seats:
            names = ", ".join(n for r, n in held if r == seat)
            if names:
                rows.append((policy.roles[seat].title, names))
    if state.next_step:
        rows.append(("What to do next", state.next_step))
    return rows


def case_body(ctx, headline: str, details: list[str] | None = None) -> Body:
    return Body(headline=headline, details=list(details or []), summary=case_summary(ctx), link=case_url(ctx))


def case_summary_lines(ctx) -> list[str]:
    """The summary as text lines (kept for callers that build their own lines)."""
    return case_body(ctx, "").lines()[2:]


def queue(ctx, recipient: Person, dedupe_key: str, subject: str, body: Body | list[str], attachments=None) -> bool:
    """Add one message unless one with the same key already exists (a retried sweep or request): one
    INSERT … ON CONFLICT DO NOTHING on the key. False when it existed."""
    if not isinstance(body, Body):
        body = Body(headline=body[0] if body else subject, details=list(body[1:]))
    row = dict(dedupe_key=dedupe_key, case_id=ctx.case.id if ctx.case is not None else None,
               recipient_id=recipient.id, to_address=recipient.email, subject=subject, body_text=render_text(body),
               body_html=render_html(body), attachments=attachments or [], created_at=ctx.now, status="pending",
               attempts=0, next_attempt_at=ctx.now)
    return rows.queue_message(ctx.connection, row)


def meeting_times(ctx) -> list[tuple[str, datetime]]:
    """The invitation rule: every ``datetime`` field of the transition's payload is the moment of a meeting."""
    if ctx.spec is None:
        return []
    return [(f.name, ctx.values[f.name]) for f in ctx.spec.payload
            if f.type == "datetime" and isinstance(ctx.values.get(f.name), datetime)]


def invitation_attachments(ctx, recipients: list[Person]) -> tuple[list[str], list[dict]]:
    lines, attachments = [], []
    meetings = meeting_times(ctx)
    host = (ctx.settings.base_url.split("//", 1)[-1].split("/", 1)[0] or "jobplan") if meetings else None
    for name, at in meetings:
        label = next((f.label for f in ctx.spec.payload if f.name == name), None) or name.replace("_", " ")
        lines.append(f"{label}: {format_moment(ctx.policy, at)}. The calendar invitation is attached.")
        ics = invitation_ics(
            uid=f"case-{ctx.case.id}-{name}@{host}", sequence=ctx.event.seq, start=at,
            summary=f"{ctx.spec.title} — case {ctx.case.id}, {ctx.case.subject.name}",
            description=f"{ctx.spec.title} ({ctx.policy.source_document} {ctx.spec.clause}). {case_url(ctx)}",
            url=case_url(ctx), organizer=_organizer(ctx), attendees=[p.email for p in recipients], stamp=ctx.now)
        attachments.append({"filename": f"{name.replace('_', '-')}.ics", "content_type": ICS_CONTENT_TYPE,
                            "content": ics})
    return lines, attachments


def _organizer(ctx) -> str:
    return ctx.actor_person.email if ctx.actor_person is not None else "job-planning@localhost"


def recorded_lines(ctx) -> list[str]:
    """What the step recorded, field by field, so the message carries it (002 7.8.5: the decision itself,
    in writing; issue 16 item 9). A person field names the person; a datetime is the invitation's."""
    if ctx.spec is None:
        return []
    out = []
    for f in ctx.spec.payload:
        value = ctx.values.get(f.name)
        if value is None or value == "" or f.type in ("datetime", "documents"):
            continue
        if f.type == "person":
            person = ctx.session.get(Person, value)
            value = person.name if person else value
        elif f.type == "date" and hasattr(value, "year"):
            value = format_day(value)
        elif f.type == "bool":
            value = "yes" if value else "no"
        out.append(f"{f.label or f.name.replace('_', ' ')}: {value}")
    return out


def started_clock_lines(ctx) -> list[str]:
    """The time limits of a case this step opens, from today: the decision's message says by when an appeal
    must be lodged (002 7.8.5, 7.8.8), before the appeal case itself exists (its clocks open after)."""
    from workflow.timing.calendar import calendar_for

    if ctx.spec is None:
        return []
    out = []
    cal = calendar_for(ctx.policy)
    for name, params in ctx.spec.actions:
        if name != "start_case" or params.get("workflow") not in ctx.policy.workflows:
            continue
        child = ctx.policy.workflows[params["workflow"]]
        for spec in child.state(child.initial).deadlines:
            if spec.runs_from != "entered":
                continue
            due = cal.due_at(cal.local_date(ctx.now), spec.amount, spec.unit, spec.counting)
            out.append(f"{spec.label}: the last day is {format_due(ctx.policy, due)}.")
    return out


def notify_transition(ctx, event, roles: tuple[str, ...]) -> list[Person]:
    """Queue the step's message to everyone holding one of ``roles`` but the actor; who was sent one."""
    people: list[Person] = []
    seen = set()
    for role in roles:
        for person in holders_of(ctx.session, ctx.case, ctx.policy, role):
            if person.id in seen or (ctx.actor.person_id == person.id):
                continue
            seen.add(person.id)
            people.append(person)
    if not people:
        return []
    invite_lines, attachments = invitation_attachments(ctx, people)
    details = [f"Recorded by {ctx.actor_name} as {ctx.policy.roles[ctx.role].title}."] + invite_lines
    details += recorded_lines(ctx) + started_clock_lines(ctx)
    if ctx.reason:
        details.append(f"Reason: {ctx.reason}")
    body = case_body(ctx, f"{ctx.spec.title} — case {ctx.case.id}", details)
    subject = f"[Job planning] {'Invitation' if attachments else 'Case'} {ctx.case.id}: {ctx.spec.title}"
    return [person for person in people
            if queue(ctx, person, f"event:{event.id}:to:{person.id}", subject, body, attachments)]
