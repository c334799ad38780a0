"""The emails a person was sent (or will be sent), readable in the web pages."""
from __future__ import annotations

from sqlalchemy import select

from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.store.models import OutboxMessage


def messages_for(svc, actor: Actor, case_id: int | None = None, limit: int = 200) -> list[OutboxMessage]:
    q = select(OutboxMessage).where(OutboxMessage.recipient_id == actor.person_id)
    if case_id is not None:
        q = q.where(OutboxMessage.case_id == case_id)
    return list(svc.session.scalars(q.order_by(OutboxMessage.id.desc()).limit(limit)))


def message_for(svc, actor: Actor, message_id: int) -> OutboxMessage:
    msg = svc.session.get(OutboxMessage, message_id)
    if msg is None or msg.recipient_id != actor.person_id:
        raise NotFound(f"message {message_id} was not found")
    return msg
