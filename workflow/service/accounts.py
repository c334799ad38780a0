"""Accounts: a trust's first administrator, and one-time links with which a person sets their own password
(issue 17, "Bootstrap" and "Accounts"). The link's secret is shown once and only its SHA-256 is kept, as
for API tokens; it works once, until it expires, and issuing a new one voids the person's older ones."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from workflow.errors import ConditionFailed, InvalidPayload, NotFound
from workflow.store.models import OrgUnit, Person, RoleAssignment, SignInLink
from workflow.service.passwords import hash_password
from workflow.service import sessions
from workflow.store.uow import operation

TRUST_ADMIN = "trust_admin"  # a trust-level office, held by assignment; no policy routes work to it
LINK_LIFETIME = {"bootstrap": timedelta(hours=24), "invite": timedelta(days=7), "reset": timedelta(hours=1)}
PASSWORD_MIN, PASSWORD_MAX = 12, 500  # NCSC: length over composition rules; the cap keeps hashing bounded
LINK_PATH = "/account/set-password/"


@dataclass(frozen=True)
class IssuedLink:
    person: Person
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class TrustInit:
    created: bool
    message: str
    link: IssuedLink | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(svc, person: Person, purpose: str) -> IssuedLink:
    """Inside the caller's transaction: a new link for ``person``; their unused older links stop working."""
    if not person.active:
        raise ConditionFailed(f"{person.name}'s account is disabled: enable it before sending a link")
    now = svc.clock.now()
    svc.session.execute(update(SignInLink).where(SignInLink.person_id == person.id, SignInLink.used_at.is_(None))
                        .values(used_at=now))
    secret = secrets.token_urlsafe(32)
    expires = now + LINK_LIFETIME[purpose]
    svc.session.add(SignInLink(person_id=person.id, purpose=purpose, token_hash=_digest(secret), created_at=now,
                               expires_at=expires))
    svc.session.flush()
    return IssuedLink(person, svc.settings.base_url.rstrip("/") + LINK_PATH + secret, expires)


def link_for_email(svc, email: str, purpose: str = "reset") -> IssuedLink:
    """A fresh link for the person with this email (an operator's `jobplan account link`)."""
    with operation(svc.session):
        person = svc.session.scalar(select(Person).where(Person.email == email.strip().lower()))
        if person is None:
            raise NotFound(f"no person with email {email}")
        return issue_link(svc, person, purpose)


def _usable(svc, secret: str) -> SignInLink:
    link = svc.session.scalar(select(SignInLink).where(SignInLink.token_hash == _digest(secret or "")))
    if link is None or link.used_at is not None:
        raise NotFound("this link has been used or replaced: ask for a new one")
    if link.expires_at <= svc.clock.now():
        raise NotFound("this link has expired: ask for a new one")
    if not link.person.active:
        raise NotFound("this account is disabled: ask your trust's administrator")
    return link


def person_for_link(svc, secret: str) -> Person:
    """Whose link this is, if it still works (to greet them on the set-password page)."""
    return _usable(svc, secret).person


def set_password_with_link(svc, secret: str, password: str, confirm: str) -> Person:
    """Set the person's password and use the link up, in one transaction; every browser signed in as
    them is signed out (a password change ends all sessions)."""
    with operation(svc.session):
        link = _usable(svc, secret)
        check_new_password(password, confirm, link.person)
        link.person.password_hash = hash_password(password)
        link.used_at = svc.clock.now()
        sessions.end_all_for_person(svc, link.person.id, reason="password_changed")
        return link.person


def check_new_password(password: str, confirm: str, person: Person) -> None:
    errors = {}
    if len(password or "") < PASSWORD_MIN:
        errors["password"] = [f"Enter a password of at least {PASSWORD_MIN} characters"]
    elif len(password) > PASSWORD_MAX:
        errors["password"] = [f"Enter a password of at most {PASSWORD_MAX} characters"]
    elif password.strip().lower() in {person.email.lower(), person.name.lower()}:
        errors["password"] = ["Choose a password that is not your name or email address"]
    elif password != confirm:
        errors["confirm"] = ["The two passwords are not the same"]
    if errors:
        raise InvalidPayload("the password was not set", fields=errors)


def init_trust(svc, name: str, admin_email: str, admin_name: str | None = None) -> TrustInit:
    """`jobplan trust init`: on an empty database, the trust and its first administrator with a one-time link.
    Run again, it changes nothing and says so."""
    name, email = (name or "").strip(), (admin_email or "").strip().lower()
    if not name or "@" not in email:
        raise InvalidPayload("a trust needs a name and its administrator an email address",
                             fields={"name": ["required"]} if not name else {"admin": ["not an email address"]})
    with operation(svc.session):
        existing = svc.session.scalar(select(OrgUnit).where(OrgUnit.kind == "trust").order_by(OrgUnit.id))
        if existing is not None:
            return TrustInit(False, f"{existing.name} is already set up here: nothing changed. To sign in again, "
                                    "ask an administrator for a link (`jobplan account link EMAIL`)")
        trust = OrgUnit(kind="trust", name=name)
        admin = svc.session.scalar(select(Person).where(Person.email == email))
        if admin is None:
            admin = Person(name=admin_name or email.split("@")[0], email=email, active=True, wants_digest=False)
        svc.session.add_all([trust, admin])
        svc.session.flush()
        svc.session.add(RoleAssignment(person_id=admin.id, role=TRUST_ADMIN, org_unit_id=trust.id))
        link = issue_link(svc, admin, "bootstrap")
    return TrustInit(True, f"{name} is set up, with {email} as its administrator", link)
