"""Browser sign-in sessions the server can end (issue 13 item 5). Flask's cookie is signed, not secret
to the browser: deleting it at sign-out leaves any copy working. So the cookie also carries a random key
whose row here must be open, recently used and not too old on every request.

A row per session (rather than only a per-person counter) because sign-out ends one browser's session
and leaves the person's others alone, idle time is per session, and the rows show who is signed in where.
A password change (issue 17) calls ``end_all_for_person(..., reason="password_changed")``."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from workflow.store.models import Person, SignInSession
from workflow.store.uow import operation

# last_seen_at is written at most this often, so reading pages is not a write per request.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Limits:
    """Idle: the longest gap between two requests. Absolute: the longest a sign-in lasts however busy."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(svc, person_id: int) -> str:
    """Open a session for a person who has just proved who they are; the key goes into their cookie."""
    key = secrets.token_urlsafe(32)
    now = svc.clock.now()
    with operation(svc.session):
        svc.session.add(SignInSession(person_id=person_id, key_hash=_digest(key), started_at=now, last_seen_at=now))
    return key


def resume(svc, key: str | None, person_id: int, limits: Limits) -> bool:
    """Whether the session with this key is still open for this person, ending it if it has run out."""
    if not key:
        return False
    row = svc.session.scalar(select(SignInSession).where(SignInSession.key_hash == _digest(key)))
    if row is None or row.person_id != person_id or row.ended_at is not None:
        return False
    now = svc.clock.now()
    ending = ("inactive" if not row.person.active or row.person.sign_in_disabled else "expired" if now - row.started_at > limits.absolute
              else "idle" if now - row.last_seen_at > limits.idle else None)
    if ending is None and now - row.last_seen_at < TOUCH_EVERY:
        return True
    with operation(svc.session):
        values = {"ended_at": now, "end_reason": ending} if ending else {"last_seen_at": now}
        svc.session.execute(update(SignInSession).where(SignInSession.id == row.id, SignInSession.ended_at.is_(None))
                            .values(**values))
    return ending is None


def end(svc, key: str | None, reason: str = "signed_out") -> None:
    """Sign-out: end this browser's session (nothing to do if it has none or it has already ended)."""
    if not key:
        return
    with operation(svc.session):
        svc.session.execute(update(SignInSession)
                            .where(SignInSession.key_hash == _digest(key), SignInSession.ended_at.is_(None))
                            .values(ended_at=svc.clock.now(), end_reason=reason))


def end_all_for_person(svc, person_id: int, reason: str = "signed_out_everywhere") -> int:
    """End every open session of a person ("sign out everywhere", a password change); how many ended.
    API tokens are separate credentials with their own revocation (``signin.revoke_token``)."""
    with operation(svc.session):
        result = svc.session.execute(update(SignInSession)
                                     .where(SignInSession.person_id == person_id, SignInSession.ended_at.is_(None))
                                     .values(ended_at=svc.clock.now(), end_reason=reason))
    return result.rowcount


def open_for_person(svc, person_id: int, limits: Limits) -> list[SignInSession]:
    """The person's sessions that would still be accepted now, newest first."""
    now = svc.clock.now()
    rows = svc.session.scalars(select(SignInSession).join(Person)
                               .where(SignInSession.person_id == person_id, SignInSession.ended_at.is_(None),
                                      Person.active.is_(True))
                               .order_by(SignInSession.started_at.desc(), SignInSession.id.desc()))
    return [r for r in rows if now - r.started_at <= limits.absolute and now - r.last_seen_at <= limits.idle]


def is_key_of(row: SignInSession, key: str | None) -> bool:
    return bool(key) and row.key_hash == _digest(key)
