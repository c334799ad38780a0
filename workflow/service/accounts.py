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

from workflow.access.capabilities import TRUST_ADMIN  # a trust-level office, held by assignment; no policy routes work to it
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
    if not person.active or person.sign_in_disabled:
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
    if not link.person.active or link.person.sign_in_disabled:
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


# ---- invitations, resets and disabled accounts (issue 17 "Accounts") -------------------------------------

def _mail_link(svc, link: IssuedLink, subject: str, opening: str) -> None:
    """The link by email, through the outbox (it leaves after the commit); the link row is its dedupe key."""
    from workflow.store import rows

    row = svc.session.scalar(select(SignInLink).where(SignInLink.person_id == link.person.id)
                             .order_by(SignInLink.id.desc()).limit(1))
    now = svc.clock.now()
    rows.queue_message(svc.session.connection(), rows.message_row(
        dedupe_key=f"sign_in_link:{row.id}", recipient_id=link.person.id, to_address=link.person.email,
        subject=subject, body_text="\n\n".join([
            f"Dear {link.person.name},", opening,
            f"Set your password here (the link works once, until {link.expires_at:%d %B %Y %H:%M} UTC):\n{link.url}",
            "If you did not expect this email, ignore it: nothing changes until the link is used."]),
        created_at=now))


def invite(svc, actor, person_id: int) -> IssuedLink:
    """Invite a person by email to set their password (an administrator or HR; audited)."""
    from workflow.service.admin.common import acting_role, audit

    with operation(svc.session):
        person = svc.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"person {person_id} was not found")
        role = acting_role(svc, actor, "administer_accounts")
        link = issue_link(svc, person, "invite")
        _mail_link(svc, link, "Your job planning account",
                   "You have been given an account on the trust's job planning service.")
        audit(svc, actor, role, "account_invited", f"person:{person.id}", {"expires_at": link.expires_at.isoformat()})
    return link


def request_reset(svc, email: str) -> None:
    """Someone asks for a reset link: one is emailed if the address is an active account's. The caller answers
    the same either way, so the page does not tell who has an account."""
    from workflow.service import trust_log

    email = (email or "").strip().lower()
    if "@" not in email or "\x00" in email or len(email) > 320:
        raise InvalidPayload("Enter your email address", fields={"email": ["Enter your email address"]})
    with operation(svc.session):
        person = svc.session.scalar(select(Person).where(Person.email == email))
        if person is None or not person.active or person.sign_in_disabled:
            return
        link = issue_link(svc, person, "reset")
        _mail_link(svc, link, "Reset your job planning password",
                   "Someone (we hope you) asked to reset your password for the trust's job planning service.")
        trust_log.record(svc, "password_reset_requested", trust_log.subject_of("person", person.id), actor=None,
                         role=trust_log.ANONYMOUS, payload={})


def set_sign_in(svc, actor, person_id: int, enabled: bool, *, expected_version: int | None = None) -> Person:
    """Disable or enable a person's account: disabled, they sign in by no route and their sessions end now;
    the staff record, and their place in workflows, stay."""
    from workflow.service.admin.common import acting_role, audit, bump, locked

    with operation(svc.session):
        role = acting_role(svc, actor, "administer_accounts")
        person = locked(svc, Person, person_id, "person", expected_version)
        if person.id == actor.person_id and not enabled:
            raise InvalidPayload("You cannot disable your own account", fields={"enabled": ["your own account"]})
        if person.sign_in_disabled == (not enabled):
            return person
        person.sign_in_disabled = not enabled
        bump(person)
        if not enabled:
            sessions.end_all_for_person(svc, person.id, reason="inactive")
            svc.session.execute(update(SignInLink).where(SignInLink.person_id == person.id,
                                                         SignInLink.used_at.is_(None)).values(used_at=svc.clock.now()))
        audit(svc, actor, role, "account_enabled" if enabled else "account_disabled", f"person:{person.id}", {})
    return person
