"""The mail relay: drains the outbox to an SMTP server, or (the embedded default, no SMTP host set) to
``.eml`` files in a folder.

- A message is claimed in its own short transaction with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL;
  SQLite's BEGIN IMMEDIATE serialises relays), sent while the row is locked, and marked ``sent`` in the
  same transaction only after the server accepted it. Two relays never hold the same row, and a sent row
  is never picked again: nothing is sent twice. (Should the process die between the server's "250 OK" and
  the commit, the message goes again on the next run, with the same ``Message-ID``, which mail systems use
  to drop the duplicate: the one window SMTP itself leaves open.)
- While the server is unreachable nothing is marked: each due message's next attempt moves back
  exponentially (30 s, 1, 2, 4 … minutes, at most an hour) and is tried again; nothing is lost. A message
  the server refuses for good (5xx) is marked ``failed`` with the server's answer, for a person to look at.
- People who chose a daily digest (``Person.wants_digest``) get one message a day at ``DIGEST_HOUR``
  local time with everything queued for them before then; the folded messages are marked ``digested``.
"""
from __future__ import annotations

import base64
import email.policy
import logging
import os
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from workflow.delivery.templates import render_digest
from workflow.store import rows
from workflow.store.models import OutboxMessage, Person
from workflow.store.uow import unit_of_work

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
DIGEST_HOUR = 7  # local time in the trust calendar's zone (MailSettings.timezone)
DEFAULT_TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class MailSettings:
    mail_from: str = "job-planning@localhost"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_dir: str | None = None
    timeout: float = 30.0
    timezone: str = DEFAULT_TIMEZONE  # the trust calendar's zone: digests go out at DIGEST_HOUR there

    @classmethod
    def from_config(cls, config) -> "MailSettings":
        return cls(mail_from=config["JOBPLAN_MAIL_FROM"], smtp_host=config.get("JOBPLAN_SMTP_HOST") or None,
                   smtp_port=int(config.get("JOBPLAN_SMTP_PORT") or 25), smtp_user=config.get("JOBPLAN_SMTP_USER"),
                   smtp_password=config.get("JOBPLAN_SMTP_PASSWORD"),
                   smtp_starttls=bool(config.get("JOBPLAN_SMTP_STARTTLS")), mail_dir=config.get("JOBPLAN_MAIL_DIR"),
                   timezone=config.get("JOBPLAN_TIMEZONE") or DEFAULT_TIMEZONE)


@dataclass
class RelayReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    digests: list[int] = field(default_factory=list)
    error: str | None = None
    not_yet_due: int = 0                       # pending, queued for a later moment (not retries of this run)
    first_due_at: datetime | None = None       # when the earliest of those falls due
    timezone: str = DEFAULT_TIMEZONE           # the zone the summary tells times in
    held_for_digest: int = 0                   # due, but folded into their reader's next daily digest

    def summary(self) -> str:
        text = (f"mail: {len(self.sent)} sent, {len(self.digests)} digests made, {len(self.deferred)} deferred, "
                f"{len(self.failed)} refused")
        text += f" ({self.error})" if self.error else ""
        if self.not_yet_due:
            when = self.first_due_at.astimezone(ZoneInfo(self.timezone)).strftime("%d %b %Y %H:%M %Z")
            text += (f"; {self.not_yet_due} {_messages(self.not_yet_due)} waiting, not due yet "
                     f"(the first at {when})")
        if self.held_for_digest:
            text += (f"; {self.held_for_digest} {_messages(self.held_for_digest)} held for their reader's next "
                     f"daily digest")
        return text


def _messages(n: int) -> str:
    return "message" if n == 1 else "messages"


class TransientError(Exception):
    """The server could not be reached or said "try later": try again after a while."""


class PermanentError(Exception):
    """The server refused this message for good."""


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def build_message(msg: OutboxMessage, mail_from: str) -> EmailMessage:
    em = EmailMessage(policy=email.policy.SMTP)  # CRLF line ends; long headers fold as RFC 5322 says
    em["From"] = mail_from
    em["To"] = msg.to_address
    em["Subject"] = msg.subject
    em["Date"] = format_datetime(msg.created_at)
    # Stable per outbox row: a resend after a crash carries the same id (see the module docstring).
    domain = mail_from.rsplit("@", 1)[-1] or "jobplan"
    em["Message-ID"] = f"<outbox-{msg.id}.{re.sub(r'[^A-Za-z0-9.-]', '.', msg.dedupe_key)}@{domain}>"
    em["X-Jobplan-Key"] = msg.dedupe_key
    em.set_content(msg.body_text)
    if msg.body_html:
        em.add_alternative(msg.body_html, subtype="html")
    for att in msg.attachments or []:
        maintype, _, rest = att["content_type"].partition("/")
        subtype, *params = [p.strip() for p in rest.split(";")]
        extra = dict(p.split("=", 1) for p in params if "=" in p and not p.startswith("charset"))
        if "content_base64" in att:  # a binary document: a letter as PDF
            em.add_attachment(base64.b64decode(att["content_base64"]), maintype=maintype, subtype=subtype,
                              filename=att["filename"])
        elif maintype == "text":
            em.add_attachment(att["content"], subtype=subtype, charset="utf-8", filename=att["filename"],
                              params=extra)
        else:
            em.add_attachment(att["content"].encode(), maintype=maintype, subtype=subtype,
                              filename=att["filename"], params=extra)
    return em


class SmtpTransport:
    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.conn: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        try:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
            if s.smtp_starttls:
                conn.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                conn.login(s.smtp_user, s.smtp_password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP server {s.smtp_host}:{s.smtp_port} unavailable: {exc}") from exc
        self.conn = conn

    def send(self, em: EmailMessage) -> None:
        try:
            refused = self.conn.send_message(em)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(exc, next(iter(exc.recipients.values()), (0, b""))[0]) from exc
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc, exc.smtp_code) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(str(exc)) from exc
        if refused:
            raise PermanentError(f"refused: {refused}")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None


def _classify(exc, code: int) -> Exception:
    return PermanentError(str(exc)) if 500 <= code < 600 else TransientError(str(exc))


class DirectoryTransport:
    """The embedded default: each message becomes ``<id>.eml`` in the mail folder, written atomically."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransientError(f"mail folder {self.folder}: {exc}") from exc

    def send(self, em: EmailMessage) -> None:
        key = em["X-Jobplan-Key"]
        name = re.sub(r"[^A-Za-z0-9.-]", "_", em["Message-ID"].strip("<>"))[:180] + ".eml"
        tmp = self.folder / f".{name}.tmp"
        try:
            tmp.write_bytes(em.as_bytes())
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            raise TransientError(f"cannot write {name} for {key}: {exc}") from exc

    def close(self) -> None:
        pass


def transport_for(settings: MailSettings):
    if settings.smtp_host:
        return SmtpTransport(settings)
    if not settings.mail_dir:
        raise ValueError("no SMTP host and no mail folder: set JOBPLAN_SMTP_HOST or JOBPLAN_MAIL_DIR")
    return DirectoryTransport(settings.mail_dir)


def pending_query(now: datetime):
    """Due messages, except those waiting for their reader's daily digest."""
    digest_readers = select(Person.id).where(Person.wants_digest.is_(True)).scalar_subquery()
    return (select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                   or_(OutboxMessage.recipient_id.is_(None), OutboxMessage.recipient_id.not_in(digest_readers),
                       OutboxMessage.dedupe_key.like("digest:%")))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))


def drain(session, clock, settings: MailSettings, *, transport=None, limit: int = 500) -> RelayReport:
    """Send what is due now; return what happened. Safe to run in several processes at once."""
    now = clock.now()
    report = RelayReport(timezone=settings.timezone)
    report.digests = assemble_digests(session, now, settings.timezone)
    transport = transport or transport_for(settings)
    try:
        transport.open()
    except TransientError as exc:
        report.error = str(exc)
        _defer_due(session, now, str(exc), report, limit)
        return report
    try:
        for _ in range(limit):
            with unit_of_work(session, write=True):
                msg = session.scalars(pending_query(now).limit(1).with_for_update(skip_locked=True)).first()
                if msg is None:
                    break
                conn = session.connection()
                try:
                    transport.send(build_message(msg, settings.mail_from))
                except PermanentError as exc:
                    rows.message_failed(conn, msg.id, str(exc))
                    report.failed.append(msg.id)
                    continue
                except TransientError as exc:
                    report.error = str(exc)
                    _defer(conn, msg, now, str(exc))
                    report.deferred.append(msg.id)
                    break
                rows.message_sent(conn, msg.id, now)
                report.sent.append(msg.id)
        if report.error:  # the server went away part-way: the rest wait for the next attempt too
            _defer_due(session, now, report.error, report, limit)
    finally:
        transport.close()
    _count_waiting(session, now, report)
    return report


def _count_waiting(session, now: datetime, report: RelayReport) -> None:
    """What stays in the outbox after this run and why, so a person is not told "nothing to do" while
    messages queued for a later moment (a sweep run with a future ``--now``, a retry) sit there."""
    later = select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > now)
    if report.deferred:
        later = later.where(OutboxMessage.id.not_in(report.deferred))  # counted as deferred already
    report.not_yet_due, report.first_due_at = session.execute(later).one()
    report.held_for_digest = session.scalar(
        select(func.count()).select_from(OutboxMessage).join(Person, Person.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
               Person.wants_digest.is_(True), OutboxMessage.dedupe_key.not_like("digest:%")))


def _defer(conn, msg: OutboxMessage, now: datetime, error: str) -> None:
    rows.message_deferred(conn, msg.id, now + backoff(msg.attempts + 1), error)


def _defer_due(session, now, error, report, limit) -> None:
    with unit_of_work(session, write=True):
        for msg in session.scalars(pending_query(now).limit(limit).with_for_update(skip_locked=True)):
            _defer(session.connection(), msg, now, error)
            report.deferred.append(msg.id)


def digest_cutoff(now: datetime, timezone_name: str = DEFAULT_TIMEZONE) -> datetime:
    """The latest digest time at or before ``now``: DIGEST_HOUR local time, today or yesterday."""
    tz = ZoneInfo(timezone_name)
    local = now.astimezone(tz)
    cut = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=tz)
    if cut > local:
        cut = datetime.combine(local.date() - timedelta(days=1), time(DIGEST_HOUR), tzinfo=tz)
    return cut.astimezone(timezone.utc)


def assemble_digests(session, now: datetime, timezone_name: str = DEFAULT_TIMEZONE) -> list[int]:
    """Fold each digest reader's messages queued before the latest cut-off into one message, keyed by
    person and day, in one transaction with marking the folded ones ``digested``."""
    cutoff = digest_cutoff(now, timezone_name)
    day = cutoff.astimezone(ZoneInfo(timezone_name)).date()
    made = []
    with unit_of_work(session, write=True):
        held = session.scalars(
            select(OutboxMessage).join(Person, Person.id == OutboxMessage.recipient_id)
            .where(Person.wants_digest.is_(True), OutboxMessage.status == "pending",
                   OutboxMessage.created_at < cutoff, ~OutboxMessage.dedupe_key.like("digest:%"))
            .order_by(OutboxMessage.recipient_id, OutboxMessage.created_at, OutboxMessage.id)
            .with_for_update(skip_locked=True)).all()
        by_person: dict[int, list[OutboxMessage]] = {}
        for m in held:
            by_person.setdefault(m.recipient_id, []).append(m)
        for person_id, msgs in by_person.items():
            key = f"digest:{person_id}:{day.isoformat()}"
            n = 1
            while session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
                n += 1  # a message queued late for a day already digested goes in a second digest
                key = f"digest:{person_id}:{day.isoformat()}:{n}"
            text, html = render_digest([(m.subject, m.body_text, m.body_html) for m in msgs])
            conn = session.connection()
            rows.queue_message(conn, rows.message_row(
                dedupe_key=key, recipient_id=person_id, to_address=msgs[-1].to_address,
                subject=f"[Job planning] Your daily digest for {day.day} {day:%B %Y}: {len(msgs)} "
                        f"message{'s' if len(msgs) != 1 else ''}",
                body_text=text, body_html=html, attachments=[a for m in msgs for a in (m.attachments or [])],
                created_at=now))
            rows.messages_digested(conn, [m.id for m in msgs])
            made.append(session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)))
    return made


@dataclass(frozen=True)
class MailFile:
    name: str
    to: str
    subject: str
    date: str
    text: str
    html: str | None
    attachments: tuple[str, ...]


def read_mail_folder(folder: str, *, to: str | None = None, limit: int = 100) -> list[MailFile]:
    """The embedded default's sent mail, newest first, for the web pages to show (optionally one person's)."""
    import email

    path = Path(folder)
    if not path.is_dir():
        return []
    out = []
    for f in sorted(path.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        if to is not None and str(m["To"]).strip() != to:
            continue
        plain, html = m.get_body(("plain",)), m.get_body(("html",))
        # str().strip(): a folded long header keeps the fold's leading space when read back
        out.append(MailFile(name=f.name, to=str(m["To"]).strip(), subject=str(m["Subject"]).strip(),
                            date=str(m["Date"]).strip(),
                            text=plain.get_content() if plain else "", html=html.get_content() if html else None,
                            attachments=tuple(a.get_filename() or "" for a in m.iter_attachments())))
        if len(out) >= limit:
            break
    return out
