"""Who is signing in: a password, an API token or an identity provider's user, turned into an Actor.
The checks of what that actor may then do stay in ``workflow.access``."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from ..actors import Actor
from ..errors import InvalidPayload, NotFound
from ..models import ApiToken, Person
from ..passwords import verify_password
from .uow import operation

TOKEN_PREFIX = "jpt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def person_by_email(svc, email: str) -> Person | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    return svc.session.scalar(select(Person).where(func.lower(Person.email) == email))


def check_password(svc, email: str, password: str) -> Person | None:
    """The active person with this email and password, else None (the same answer for every failure)."""
    person = person_by_email(svc, email)
    if person is None or not person.active or not verify_password(person.password_hash, password):
        return None
    return person


def person_for_oidc_user(svc, userinfo: dict) -> Person | None:
    """Map an identity provider's user to a person here by email. An address the provider says it has
    not verified is refused, and so is a person marked inactive."""
    email = userinfo.get("email")
    if not email or userinfo.get("email_verified") is False:
        return None
    person = person_by_email(svc, email)
    return person if person is not None and person.active else None


@dataclass(frozen=True)
class IssuedToken:
    id: int
    secret: str  # shown once; only its hash is kept


def known_roles(svc) -> set[str]:
    return {name for p in svc.policies.all() for name, r in p.roles.items() if r.scope != "system"}


def create_token(svc, person_id: int, name: str, roles: list[str] | None = None) -> IssuedToken:
    """An API token for a person, limited to ``roles`` (all of the person's roles when empty)."""
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
    return issued


def revoke_token(svc, token_id: int) -> None:
    with operation(svc.session):
        row = svc.session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"API token {token_id} was not found")
        if row.revoked_at is None:
            row.revoked_at = svc.clock.now()


def list_tokens(svc) -> list[ApiToken]:
    return list(svc.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def actor_for_token(svc, secret: str) -> Actor | None:
    """The actor an API token stands for, or None if it is unknown, revoked or its person inactive."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    row = svc.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if row is None or row.revoked_at is not None or not row.person.active:
        return None
    return Actor.person(row.person_id, row.person.name, only_roles=row.roles or None)
