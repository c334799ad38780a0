"""Who is signing in: a password, an API token or an identity provider's user, turned into an Actor.
The checks of what that actor may then do stay in ``workflow.access``."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from workflow.actors import Actor
from workflow.errors import InvalidPayload, NotFound
from workflow.store.models import ApiToken, Person
from workflow.service.passwords import verify_password
from workflow.service import trust_log
from workflow.store.uow import operation

TOKEN_PREFIX = "jpt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def person_by_email(svc, email: str) -> Person | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    return svc.session.scalar(select(Person).where(func.lower(Person.email) == email))


def can_sign_in(person: Person) -> bool:
    """An active person whose account is not disabled (by any route: password, identity provider, token)."""
    return person.active and not person.sign_in_disabled


def check_password(svc, email: str, password: str) -> Person | None:
    """The active person with this email and password, else None (the same answer for every failure)."""
    person = person_by_email(svc, email)
    if person is None or not can_sign_in(person) or not verify_password(person.password_hash, password):
        return None
    return person


def sign_in(svc, email: str, password: str) -> Person | None:
    """``check_password``, recorded in the audit log either way: who signed in, or which address was tried
    (never the password)."""
    email = email or ""
    with operation(svc.session):
        person = None if "\x00" in email else check_password(svc, email, password)
        _record_sign_in(svc, person, email, via="password")
    return person


def person_for_oidc_user(svc, userinfo: dict) -> Person | None:
    """Map an identity provider's user to a person here by email. An address the provider says it has
    not verified is refused, and so is a person marked inactive. Recorded in the audit log either way."""
    email = userinfo.get("email") if isinstance(userinfo.get("email"), str) else None
    with operation(svc.session):
        person = None
        if email and "\x00" not in email and userinfo.get("email_verified") is not False:
            person = person_by_email(svc, email)
            person = person if person is not None and can_sign_in(person) else None
        _record_sign_in(svc, person, email or "", via="identity provider")
    return person


MAX_RECORDED_EMAIL = 320


def _record_sign_in(svc, person: Person | None, email: str, *, via: str) -> None:
    if person is not None:
        trust_log.record(svc, "sign_in", trust_log.subject_of("person", person.id), actor=Actor.person(person.id),
                         role=trust_log.PERSON, payload={"via": via})
        return
    tried = email.strip().lower()[:MAX_RECORDED_EMAIL].replace("\x00", "\\0")
    known = None if "\x00" in email else person_by_email(svc, email)
    subject = trust_log.subject_of("person", known.id) if known else "sign_in"
    trust_log.record(svc, "sign_in_failed", subject, actor=None, role=trust_log.ANONYMOUS,
                     payload={"via": via, "email": tried})


@dataclass(frozen=True)
class IssuedToken:
    id: int
    secret: str  # shown once; only its hash is kept


def known_roles(svc) -> set[str]:
    """Roles a token may be limited to: the policies' (but the system's) and the trust-level roles (issue 17)."""
    from workflow.access.capabilities import TRUST_ROLES

    return ({name for p in svc.policies.all() for name, r in p.roles.items() if r.scope != "system"}
            | set(TRUST_ROLES) | {p.settings.appeal_panel_list_role for p in svc.policies.all()})


def create_token(svc, person_id: int, name: str, roles: list[str] | None = None, *,
                 actor: Actor | None = None, operator: str | None = None) -> IssuedToken:
    """An API token for a person, limited to ``roles`` (all of the person's roles when empty). Recorded in the
    audit log: by ``actor``, or (the command line) by the server account ``operator``."""
    roles = sorted(set(roles or []))
    unknown = set(roles) - known_roles(svc)
    if unknown:
        raise InvalidPayload(f"unknown roles: {', '.join(sorted(unknown))}", fields={"roles": ["unknown role"]})
    with operation(svc.session):
        person = svc.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"person {person_id} was not found")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(person_id=person.id, name=name, token_hash=_digest(secret), roles=roles,
                       created_at=svc.clock.now())
        svc.session.add(row)
        svc.session.flush()
        issued = IssuedToken(row.id, secret)
        _record_token(svc, "token_created", row, actor, operator, {"name": name, "roles": roles})
    return issued


def revoke_token(svc, token_id: int, *, actor: Actor | None = None, operator: str | None = None) -> None:
    with operation(svc.session):
        row = svc.session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"API token {token_id} was not found")
        if row.revoked_at is None:
            row.revoked_at = svc.clock.now()
            _record_token(svc, "token_revoked", row, actor, operator, {"name": row.name})


def _record_token(svc, kind: str, row: ApiToken, actor: Actor | None, operator: str | None, payload: dict) -> None:
    payload = {**payload, "person_id": row.person_id}
    if actor is None:
        payload["operator"] = operator or "unknown"
    trust_log.record(svc, kind, trust_log.subject_of("api_token", row.id), actor=actor,
                     role=trust_log.PERSON if actor else trust_log.OPERATOR, payload=payload)


def list_tokens(svc) -> list[ApiToken]:
    return list(svc.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def actor_for_token(svc, secret: str) -> Actor | None:
    """The actor an API token stands for, or None if it is unknown, revoked or its person inactive."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    row = svc.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if row is None or row.revoked_at is not None or not can_sign_in(row.person):
        return None
    return Actor.person(row.person_id, row.person.name, only_roles=row.roles or None)
