"""Queueing email in the outbox, in the same transaction as the change that caused it.

A message names the case, what happened, what is due and by when, who holds the ball, what to do next,
and links to the case page. Delivery is ``workflow.mail``'s job, after commit."""
from __future__ import annotations

from html import escape

from sqlalchemy import select

from .models import Deadline, OutboxMessage, Person


def format_when(policy, at) -> str:
    from .trust_calendar import calendar_for

    local = at.astimezone(calendar_for(policy).tz)
    return f"{local.day} {local:%B %Y}"


def case_summary_lines(ctx) -> list[str]:
    case, policy, wf = ctx.case, ctx.policy, ctx.workflow
    state = wf.state(case.state)
    lines = [f"Case {case.id}: {wf.title} for {case.subject.name} ({policy.title}, version {policy.version})",
             f"Now: {state.title}"]
    if state.waiting_on:
        waiting = ", ".join(policy.roles[r].title for r in state.waiting_on)
        lines.append(f"Waiting on: {waiting}")
    if state.next_step:
        lines.append(f"Next step: {state.next_step}")
    open_deadlines = ctx.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.status.in_(("open", "breached")), Deadline.closed_at.is_(None))).all()
    for d in open_deadlines:
        lines.append(f"Due: {d.name.replace('_', ' ')} by the end of {format_when(policy, d.due_at - _one_second())}")
    lines.append(f"Open the case: {ctx.settings.base_url.rstrip('/')}/cases/{case.id}")
    return lines


def _one_second():
    from datetime import timedelta

    return timedelta(seconds=1)


def queue(ctx, recipient: Person, dedupe_key: str, subject: str, lines: list[str], attachments=None) -> OutboxMessage | None:
    """Add one message unless one with the same key already exists (a retried sweep or request)."""
    existing = ctx.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    text = "\n".join(lines) + "\n"
    html = "<html><body>" + "".join(f"<p>{escape(line)}</p>" for line in lines) + "</body></html>"
    msg = OutboxMessage(dedupe_key=dedupe_key, case_id=ctx.case.id if ctx.case is not None else None,
                        recipient_id=recipient.id, to_address=recipient.email, subject=subject, body_text=text,
                        body_html=html, attachments=attachments or [], created_at=ctx.now, status="pending",
                        attempts=0, next_attempt_at=ctx.now)
    ctx.session.add(msg)
    return msg


def notify_transition(ctx, event, roles: tuple[str, ...]) -> list[OutboxMessage]:
    from .access import holders_of

    sent = []
    seen = set()
    for role in roles:
        for person in holders_of(ctx.session, ctx.case, ctx.policy, role):
            if person.id in seen or (ctx.actor.person_id == person.id):
                continue
            seen.add(person.id)
            lines = [f"{ctx.spec.title} — recorded by {ctx.actor_name} as {ctx.policy.roles[ctx.role].title}."]
            if ctx.reason:
                lines.append(f"Reason: {ctx.reason}")
            lines += case_summary_lines(ctx)
            msg = queue(ctx, person, f"event:{event.id}:to:{person.id}",
                        f"[Job planning] Case {ctx.case.id}: {ctx.spec.title}", lines)
            if msg:
                sent.append(msg)
    return sent
