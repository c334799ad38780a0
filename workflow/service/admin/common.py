"""What every administration change shares: the access decision (with the office it was done in, for the
audit log), the If-Match check under a row lock, and the audit event."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from workflow import access
from workflow.actors import Actor
from workflow.errors import InvalidPayload, NotFound, StaleVersion
from workflow.service import trust_log
from workflow.store.models import OrgUnit


def acting_role(svc, actor: Actor, capability: str, *, person=None, team=None) -> str:
    """Refuse (403, saying who may) unless the actor holds ``capability``; else the office they act in."""
    access.require(svc.session, actor, capability, person=person, team=team)
    offices = access.CAPABILITIES[capability].offices
    held = {a.role for a in access.held_assignments(svc.session, actor)}
    return next((r for r in offices if r in held), trust_log.role_of(actor))


def locked(svc, model, row_id: int, what: str, expected_version: int | None):
    """The row, locked for the change, if the caller saw its current version (409 otherwise)."""
    row = svc.session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"{what} {row_id} was not found")
    if expected_version is not None and row.row_version != expected_version:
        raise StaleVersion(f"{what} {row_id} has changed since you loaded it (now version {row.row_version}); "
                           "reload it and make your change again")
    return row


def bump(row) -> None:
    row.row_version = (row.row_version or 1) + 1


def audit(svc, actor: Actor, role: str, kind: str, subject: str, payload: dict, reason: str | None = None) -> None:
    trust_log.record(svc, kind, subject, actor=actor, role=role, payload=_jsonable(payload), reason=reason)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def the_trust(svc) -> OrgUnit:
    trust = svc.session.scalar(select(OrgUnit).where(OrgUnit.kind == "trust").order_by(OrgUnit.id))
    if trust is None:
        raise NotFound("this database has no trust yet: run `jobplan trust init --name NAME --admin EMAIL`")
    return trust


def refuse(field: str, message: str):
    raise InvalidPayload(message, fields={field: [message]})


def diff(before: dict, after: dict) -> dict:
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
