"""Home: what is waiting on me, overdue first; my job plans; the emails I was sent."""
from __future__ import annotations

from flask import render_template

from workflow.service import mailbox
from workflow.service.inbox import inbox, inbox_counts

from web.services import service
from web.pages import bp
from web.pages.session import signed_in


@bp.get("/")
@signed_in
def home(actor):
    svc = service()
    waiting = inbox(svc, actor, waiting=True, limit=HOME_LIMIT)
    watching = inbox(svc, actor, waiting=False, limit=HOME_LIMIT)
    counts = inbox_counts(svc, actor) if HOME_LIMIT in (len(waiting), len(watching)) else None
    from workflow.store.models import JobPlan, Person
    from sqlalchemy import select

    me = svc.session.get(Person, actor.person_id)
    plans = list(svc.session.scalars(select(JobPlan).where(JobPlan.person_id == actor.person_id)
                                     .order_by(JobPlan.id.desc())))
    return render_template("pages/home.html", me=me, waiting=waiting, watching=watching, counts=counts, plans=plans,
                           now=svc.clock.now())


HOME_LIMIT = 50  # of each list; the rest are a search away (the case list), so home stays one screen


@bp.get("/mail")
@signed_in
def mail(actor):
    return render_template("pages/mail.html", messages=mailbox.messages_for(service(), actor))


@bp.get("/mail/<int:message_id>")
@signed_in
def mail_message(actor, message_id):
    return render_template("pages/mail_message.html", message=mailbox.message_for(service(), actor, message_id))
