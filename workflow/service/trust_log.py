"""Trust-level facts in the one audit log: sign-ins (and failed attempts), API tokens issued and revoked, staff
imports, plan edits, managers and job titles changed.

They have no case, so ``Event.case_id`` is empty and ``Event.subject`` names what the fact is about
(``person:12``, ``api_token:3``, ``job_plan:7``, ``staff_import``, ``sign_in`` for an address nobody holds).
Only the trust-wide readers see them (``workflow.service.audit``, the master log). Each is written on the
session's connection, inside the transaction of the change it records, so the two stand or fall together."""
from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select

from workflow.actors import Actor
from workflow.store.models import Event

_event = Event.__table__

# The next seq within the subject: a count for a reader ("the 3rd sign-in of person 12"); ``id`` orders the log.
_APPEND = insert(_event).values(
    seq=select(func.coalesce(func.max(_event.c.seq), 0) + 1)
    .where(_event.c.case_id.is_(None), _event.c.subject == bindparam("for_subject")).scalar_subquery()
).returning(_event.c.id)

# actor_role for those who act outside any case role.
OPERATOR = "operator"        # someone at the server's command line (``jobplan token create``)
ANONYMOUS = "anonymous"      # a sign-in attempt that matched nobody's password
PERSON = "person"            # a person acting for themselves (signing in)


def subject_of(kind: str, ident: int | None = None) -> str:
    return kind if ident is None else f"{kind}:{ident}"


def record(svc, kind: str, subject: str, *, actor: Actor | None, role: str, payload: dict | None = None,
           reason: str | None = None) -> int:
    """Append one trust-level event in the caller's transaction; its id."""
    return svc.session.connection().execute(_APPEND, {
        "for_subject": subject, "case_id": None, "subject": subject, "at": svc.clock.now(), "kind": kind,
        "actor_id": actor.person_id if actor else None, "actor_role": role, "trigger": None, "from_state": None,
        "to_state": None, "payload": payload or {}, "reason": reason}).scalar_one()


def role_of(actor: Actor) -> str:
    return "system" if actor.is_system else PERSON


def plan_edited(svc, actor: Actor, plan, version, on_behalf_of: dict | None = None) -> None:
    """``on_behalf_of``: a deputy's edit, for whom and under which cover (``workflow.service.cover``)."""
    payload = {"kind": plan.kind, "person_id": plan.person_id, "team_id": plan.team_id, "version": version.number}
    if on_behalf_of:
        payload["on_behalf_of"] = on_behalf_of
    record(svc, "plan_edited", subject_of("job_plan", plan.id), actor=actor, role=role_of(actor), payload=payload,
           reason=version.note)
