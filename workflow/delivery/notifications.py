"""Queueing email in the outbox, in the same transaction as the change that caused it.

A message names the case, what happened, what is due and by when, who waits on whom, what to do next,
and links to the case page, in plain text and HTML (``workflow.delivery.templates``). A transition whose
payload carries a ``datetime`` field (``meeting_at``, ``hearing_at``: the moment of a meeting or hearing)
is an invitation: its messages carry an iCalendar (.ics) request for that moment, at the place entered in the
step's ``location`` field, named as the field's ``invitation`` says. Each reader's subject says what they
must do and by when (``workflow.delivery.reader``). Delivery, and the daily
digest for people who chose one, are ``workflow.delivery.mail``'s job, after commit."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from workflow.store import rows
from workflow.access import holders_of
from workflow.store.deadline_rules import NOT_CLOSED
from workflow.timing.deadlines import spec_for
from workflow.delivery import reader as reader_side
from workflow.delivery.templates import Body, invitation_ics, render_html, render_text
from workflow.store.models import CaseParticipant, Deadline, NoticeAddress, Person
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
    for d in open_deadlines(ctx):
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
    seats = [r for r, spec in policy.roles.items() if spec.scope == "participant" and r in wf.roles_named]
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


def open_deadlines(ctx) -> list:
    """The case's open clocks, earliest first: as the step opened them, or read back."""
    if ctx.open_deadlines is not None:
        return sorted(ctx.open_deadlines, key=lambda d: d.due_at)
    return list(ctx.session.scalars(select(Deadline).where(
        Deadline.case_id == ctx.case.id, Deadline.status.in_(NOT_CLOSED),
        Deadline.closed_at.is_(None)).order_by(Deadline.due_at)))


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


def address_for(session, unit, purpose: str) -> str | None:
    """The mailbox the trust set for ``purpose`` on ``unit`` or the nearest unit above it (a team, its care
    group, the trust); None when none is set."""
    while unit is not None:
        found = session.scalar(select(NoticeAddress.email).where(NoticeAddress.org_unit_id == unit.id,
                                                                 NoticeAddress.purpose == purpose))
        if found:
            return found
        unit = unit.parent
    return None


def notify_addresses(ctx, event, purposes: tuple[str, ...]) -> list[str]:
    """Queue the step's message to each shared mailbox named by purpose (002 7.6.7: the care group and Finance
    receive the agreed plan), at the address the trust set nearest the practitioner; the addresses sent to."""
    sent = []
    subject_person = ctx.case.subject
    for purpose in purposes:
        address = address_for(ctx.session, subject_person.team if subject_person is not None else None, purpose)
        if address is None or address in sent:
            continue
        state = ctx.workflow.state(ctx.case.state).title
        title = f"{ctx.workflow.title} for {subject_person.name}: {state}"
        plan = ctx.case.job_plan
        details = [f"{ctx.spec.title}: recorded by {ctx.actor_name} as {ctx.policy.roles[ctx.role].title}.",
                   *([f"The plan in force: version {plan.agreed_version or plan.current_version} of job plan "
                      f"{plan.id}."] if plan is not None else []),
                   f"You receive this as the trust's {purpose.replace('_', ' ')} address for job planning notices "
                   f"(Policy {ctx.spec.clause})."]
        body = case_body(ctx, title, details)
        row = dict(dedupe_key=f"event:{event.id}:address:{purpose}", case_id=ctx.case.id, recipient_id=None,
                   to_address=address, subject=title, body_text=render_text(body), body_html=render_html(body),
                   attachments=[], created_at=ctx.now, status="pending", attempts=0, next_attempt_at=ctx.now)
        if rows.queue_message(ctx.connection, row):
            sent.append(address)
    return sent


def meeting_times(ctx) -> list[tuple[str, datetime]]:
    """The invitation rule: every ``datetime`` field of the transition's payload is the moment of a meeting."""
    if ctx.spec is None:
        return []
    return [(f.name, ctx.values[f.name]) for f in ctx.spec.payload
            if f.type == "datetime" and isinstance(ctx.values.get(f.name), datetime)]


@dataclass
class Outcome:
    """What the service adds to a step's message: the lines that say what was decided and what the reader may
    do about it, the letter as an attachment, and (optionally) the subject for each reader."""

    details: list[str] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    subject: Callable[[Person], str] | None = None


def invitation_attachments(ctx, recipients: list[Person], reader: Person | None = None) -> tuple[list[str], list[dict]]:
    """The invitation's lines and its .ics, named from ``reader``'s side ("Your appeal hearing"), at the place
    entered in the step's ``location`` field, if any."""
    lines, attachments = [], []
    meetings = meeting_times(ctx)
    host = (ctx.settings.base_url.split("//", 1)[-1].split("/", 1)[0] or "jobplan") if meetings else None
    place = ctx.values.get("location") if isinstance(ctx.values.get("location"), str) else None
    for name, at in meetings:
        spec = next((f for f in ctx.spec.payload if f.name == name), None)
        label = (spec.label if spec else None) or name.replace("_", " ")
        event_name = (spec.invitation if spec else None) or ctx.spec.title
        title = (reader_side.invitation_title(event_name, reader, ctx.case.subject) if reader is not None
                 else f"{event_name} for {ctx.case.subject.name}")
        lines.append(f"{label}: {format_moment(ctx.policy, at)}. The calendar invitation is attached.")
        if place:
            lines.append(f"Where: {place}")
        ics = invitation_ics(
            uid=f"case-{ctx.case.id}-{name}@{host}", sequence=ctx.event.seq, start=at, summary=title,
            description=f"{title} (Policy {ctx.spec.clause}). {case_url(ctx)}", location=place,
            url=case_url(ctx), organizer=_organizer(ctx), attendees=[p.email for p in recipients], stamp=ctx.now)
        slug = re.sub(r"[^a-z0-9]+", "-", event_name.lower()).strip("-") or "meeting"
        attachments.append({"filename": f"{slug}.ics", "content_type": ICS_CONTENT_TYPE, "content": ics})
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
        if value is None or value == "" or f.type in ("datetime", "documents", "plan"):  # a plan: its version is named
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


def _recipients(ctx, roles: tuple[str, ...]) -> tuple[list[Person], dict[int, set[str]]]:
    """Everyone holding one of ``roles`` but the actor, and each one's roles on the case among those the step
    notifies or the new state waits on (what decides what they are asked to do)."""
    people: list[Person] = []
    held: dict[int, set[str]] = {}
    waiting = tuple(ctx.workflow.state(ctx.case.state).waiting_on)
    for role in dict.fromkeys((*roles, *waiting)):
        for person in holders_of(ctx.session, ctx.case, ctx.policy, role):
            held.setdefault(person.id, set()).add(role)
            if role in roles and person.id not in {p.id for p in people} and ctx.actor.person_id != person.id:
                people.append(person)
    return people, held


def subject_for(ctx, reader: Person, ask, meetings: list[tuple[str, datetime]]) -> str:
    """What the reader must do and by when; else the meeting they are invited to; else where the case stands."""
    if ask is not None:
        return ask.sentence()
    if meetings:
        name, at = meetings[0]
        spec = next((f for f in ctx.spec.payload if f.name == name), None)
        title = reader_side.invitation_title((spec.invitation if spec else None) or ctx.spec.title, reader,
                                             ctx.case.subject)
        return f"{title}: {format_moment(ctx.policy, at)}"
    state = ctx.workflow.state(ctx.case.state).title
    if reader.id == ctx.case.subject_id:
        return f"Your {ctx.workflow.title[0].lower()}{ctx.workflow.title[1:]}: {state}"
    return f"{ctx.workflow.title} for {ctx.case.subject.name}: {state}"


def acting_as(ctx, event) -> str:
    """"Dr A as Clinical Manager", or for a deputy "Dr A on behalf of Dr B (deputy cover) as Clinical Manager"."""
    behalf = getattr(event, "on_behalf_of", None)
    who = f"{ctx.actor_name} on behalf of {behalf['manager']} (deputy cover)" if behalf else ctx.actor_name
    return f"{who} as {ctx.policy.roles[ctx.role].title}"


def notify_transition(ctx, event, roles: tuple[str, ...], outcome: Outcome | None = None) -> list[Person]:
    """Queue the step's message to everyone holding one of ``roles`` but the actor, each written from its
    reader's side; who was sent one."""
    people, held = _recipients(ctx, roles)
    if not people:
        return []
    outcome = outcome or Outcome()
    clocks = open_deadlines(ctx)
    meetings = meeting_times(ctx)
    recorded, started = recorded_lines(ctx), started_clock_lines(ctx)
    sent = []
    for person in people:
        ask = reader_side.ask_for(ctx, person, held.get(person.id, set()), clocks)
        invite_lines, attachments = invitation_attachments(ctx, people, person)
        subject = outcome.subject(person) if outcome.subject else subject_for(ctx, person, ask, meetings)
        details = [*outcome.details, *invite_lines,
                   f"{ctx.spec.title}: recorded by {acting_as(ctx, event)}.",
                   *([] if outcome.details else [*recorded, *started])]  # an outcome says it in its own words
        if ctx.reason:
            details.append(f"Reason: {ctx.reason}")
        body = case_body(ctx, subject, details)
        if queue(ctx, person, f"event:{event.id}:to:{person.id}", subject, body,
                 [*attachments, *outcome.attachments]):
            sent.append(person)
    return sent
