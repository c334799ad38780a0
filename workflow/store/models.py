"""The persistent records: organisation, people and roles, job plans, cases, events, deadlines, outbox.

Plain SQLAlchemy 2 declarative models; ``web`` hands ``Base`` to Flask-SQLAlchemy as its model class,
so the domain never imports Flask."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, TypeDecorator, UniqueConstraint, event)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, relationship

from workflow.store import deadline_rules
from workflow.store import audit_triggers


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware datetime")
        return (value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    registry = registry(type_annotation_map={datetime: UTCDateTime, dict: JSON, list: JSON})


ORG_KINDS = ("trust", "care_group", "team")


class NoticeAddress(Base):
    """A shared mailbox the trust names for a purpose of notice (002 7.6.7: the care group and Finance receive the
    agreed plan). Set on the trust, a care group or a team; a practitioner's notice goes to the nearest one above
    them. A policy step names purposes (``notify_addresses``); a purpose with no address sends nothing."""

    __tablename__ = "notice_address"
    __table_args__ = (UniqueConstraint("org_unit_id", "purpose", name="uq_notice_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(320))


class OrgUnit(Base):
    __tablename__ = "org_unit"
    __table_args__ = (CheckConstraint(f"kind in {ORG_KINDS}", name="org_unit_kind"),
                      UniqueConstraint("kind", "name", "parent_id", name="uq_org_unit_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # If-Match of an edit
    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id])

    def ancestor(self, kind: str) -> "OrgUnit | None":
        unit: OrgUnit | None = self
        while unit is not None and unit.kind != kind:
            unit = unit.parent
        return unit


class Person(Base):
    __tablename__ = "person"
    # Nobody is their own clinical manager (issue 13 item 1): the staff import refuses it, the database too.
    __table_args__ = (CheckConstraint("manager_id IS NULL OR manager_id <> id", name="person_not_own_manager"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    staff_group: Mapped[str | None] = mapped_column(String(60))
    job_title: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    leave_date: Mapped[date | None] = mapped_column(Date)  # a leaver is deactivated (issue 17)
    contracted_pas: Mapped[float | None] = mapped_column(Float)
    contracted_hours: Mapped[float | None] = mapped_column(Float)
    wants_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    # The account, apart from the staff record: a disabled account signs in by no route (password, identity
    # provider, API token, a one-time link) while the person stays in their workflows.
    sign_in_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # If-Match of an edit
    # The last day of the latest deputy cover arranged for this person and not ended (``DeputyCover``); empty:
    # none. Read with the manager a step already loaded, so a step for a manager who names no deputy asks nothing
    # more; written only by ``workflow.service.cover``, under this row's lock.
    covered_until: Mapped[date | None] = mapped_column(Date)

    team: Mapped[OrgUnit | None] = relationship()
    manager: Mapped["Person | None"] = relationship(remote_side=[id])
    roles: Mapped[list["RoleAssignment"]] = relationship(back_populates="person", cascade="all, delete-orphan")


class RoleAssignment(Base):
    """A person holds a role, optionally over an organisation unit (an AMD over a care group)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "org_unit_id", name="uq_role_assignment"),
                      CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                                      name="role_assignment_dates"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(60), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    # Held from the first to the last day (local dates, both included); empty: since always, until ended.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # If-Match of an edit

    person: Mapped[Person] = relationship(back_populates="roles")
    org_unit: Mapped[OrgUnit | None] = relationship()


class JobPlan(Base):
    """A person's (or a team's) job plan for a period; its content lives in numbered versions."""

    __tablename__ = "job_plan"
    __table_args__ = (CheckConstraint("kind in ('individual', 'team')", name="job_plan_kind"),
                      CheckConstraint("(kind = 'individual' AND person_id IS NOT NULL) OR "
                                      "(kind = 'team' AND team_id IS NOT NULL)", name="job_plan_owner"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="individual")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    policy_id: Mapped[str] = mapped_column(String(80))
    period_start: Mapped[date | None] = mapped_column(Date)
    interim: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    agreed_version: Mapped[int | None] = mapped_column(Integer)
    agreed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The open sitting (issue 18 item 5): the version one editor is still amending, and their last change.
    sitting_version: Mapped[int | None] = mapped_column(Integer)
    sitting_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    sitting_touched_at: Mapped[datetime | None]

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    versions: Mapped[list["JobPlanVersion"]] = relationship(back_populates="job_plan", order_by="JobPlanVersion.number")
    __mapper_args__ = {"version_id_col": row_version}


class JobPlanVersion(Base):
    __tablename__ = "job_plan_version"
    __table_args__ = (UniqueConstraint("job_plan_id", "number", name="uq_job_plan_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_plan_id: Mapped[int] = mapped_column(ForeignKey("job_plan.id"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str | None] = mapped_column(Text)

    job_plan: Mapped[JobPlan] = relationship(back_populates="versions")
    signatures: Mapped[list["Signature"]] = relationship(back_populates="version")


class Signature(Base):
    """A signature binds one person, in one role, to one version: an edit makes a new version, so
    signatures on the old one no longer count (002 7.5: both sign the same plan)."""

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("version_id", "role", name="uq_signature_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("job_plan_version.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(60))
    signed_at: Mapped[datetime]

    version: Mapped[JobPlanVersion] = relationship(back_populates="signatures")


class Case(Base):
    """One run of one workflow of one pinned policy version."""

    __tablename__ = "workflow_case"
    __table_args__ = (Index("ix_case_state", "policy_id", "workflow", "state"),
                      Index("ix_case_open", "closed_at", "id"),  # open-case lists (inbox, queues), by id
                      # Case lists and inboxes, earliest open clock first (NULL, none open, sorts last on both
                      # databases with NULLS LAST), and the same within a state (what waits on whom).
                      Index("ix_case_next_due", "next_due_at", "id"),
                      Index("ix_case_state_next_due", "state", "next_due_at", "id"),
                      CheckConstraint("(closed_at IS NULL) OR (closed_at >= opened_at)", name="case_closed_after_open"),
                      CheckConstraint("manager_id IS NULL OR manager_id <> subject_id", name="case_manager_not_subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str] = mapped_column(String(60))
    policy_id: Mapped[str] = mapped_column(String(80))
    policy_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    job_plan_id: Mapped[int | None] = mapped_column(ForeignKey("job_plan.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_case.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # When the case's earliest clock still running (open, breached or paused) falls due; NULL if none. Derived
    # from its deadlines by their one writer (``workflow.store.rows.refresh_next_due``), in the same transaction,
    # so lists order and page by an index instead of working it out per query.
    next_due_at: Mapped[datetime | None]

    subject: Mapped[Person] = relationship(foreign_keys=[subject_id])
    manager: Mapped[Person | None] = relationship(foreign_keys=[manager_id])
    job_plan: Mapped[JobPlan | None] = relationship()
    parent: Mapped["Case | None"] = relationship(remote_side=[id])
    participants: Mapped[list["CaseParticipant"]] = relationship(back_populates="case")
    # ``version`` is the optimistic lock, bumped by ``workflow.store.rows.save_case`` (the one writer of case rows;
    # the ORM's own version_id_col would be a second mechanism for the same column).


class CaseParticipant(Base):
    """Someone named on a case: mediator, panel members, representative. ``status`` keeps objections."""

    __tablename__ = "case_participant"
    __table_args__ = (Index("ix_participant_person_status", "person_id", "status"),)  # the cases one sits on

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("workflow_case.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="active")
    name: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    added_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="participants")
    person: Mapped[Person | None] = relationship()


class Event(Base):
    """The audit log: facts with who, in which role, when, what and why. Appended, never edited (the database
    refuses UPDATE and DELETE: ``workflow.store.audit_triggers``).

    A case's event has ``case_id`` and its ``seq`` in that case's log. A trust-level fact (a sign-in, a token
    issued, a staff import, a plan edited, a manager changed) has no case: ``subject`` names what it is about
    (``person:12``, ``api_token:3``, ``job_plan:7``, ``staff_import``) and ``seq`` counts within that subject."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_event_seq"), Index("ix_event_at", "at"),
                      Index("ix_event_at_id", "at", "id"),  # the log's keyset pages
                      CheckConstraint("case_id IS NOT NULL OR subject IS NOT NULL", name="event_names_what"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_case.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(80), index=True)
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    actor_role: Mapped[str] = mapped_column(String(60))
    trigger: Mapped[str | None] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(60))
    to_state: Mapped[str | None] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Person | None] = relationship()


DEADLINE_STATUSES = ("open", "met", "breached", "cancelled", "expired", "paused")


DEADLINE_OPEN_STATUSES = deadline_rules.NOT_CLOSED  # a clock still running (or stopped for a while)


class Deadline(Base):
    """A clock of a case. ``next_check_at`` is when the sweep must next look at it (a reminder, the
    breach, the next escalation step); the sweep reads only rows with status open/breached and
    next_check_at <= now, through the index below."""

    __tablename__ = "deadline"
    __table_args__ = (Index("ix_deadline_due", "status", "next_check_at"),
                      Index("ix_deadline_due_at_id", "due_at", "id"),  # the deadline list's keyset pages
                      Index("ix_deadline_case_open", "case_id", "status", "due_at"),  # a case's earliest open clock
                      CheckConstraint(deadline_rules.status_check(), name="deadline_status"),
                      CheckConstraint(deadline_rules.consistency_check(), name="deadline_status_consistent"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("workflow_case.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")
    next_check_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()

    # The named rules of workflow.store.deadline_rules, so callers ask the deadline rather than read its columns.
    @property
    def is_open(self) -> bool:
        return deadline_rules.is_open(self)

    def is_overdue(self, now: datetime) -> bool:
        return deadline_rules.is_overdue(self, now)

    def last_day(self, tz: str) -> date:
        """The last permitted local day in the trust calendar's zone ``tz`` (the policy's calendar.timezone)."""
        return deadline_rules.deadline_last_day(self.due_at, tz)


class OutboxMessage(Base):
    """An email waiting to leave. Written in the transaction that caused it; ``dedupe_key`` makes a
    second sweep or a retried request harmless."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_case.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A machine client's credential. Only the SHA-256 of the secret is kept (the secret is random and
    long, so a slow hash adds nothing); ``roles`` limits the roles it acts in; revoked tokens stay as a record."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class SignInLink(Base):
    """A one-time link that lets a person set their password: the first administrator's (``jobplan trust
    init``), an invitation, or a reset. Only the SHA-256 of its secret is kept; it works once, until it expires."""

    __tablename__ = "sign_in_link"
    __table_args__ = (CheckConstraint("purpose in ('bootstrap', 'invite', 'reset')", name="sign_in_link_purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


SESSION_END_REASONS = ("signed_out", "signed_out_everywhere", "password_changed", "idle", "expired", "inactive")


class SignInSession(Base):
    """A browser's sign-in, so the server can end it: the cookie carries a random key, of which only the
    SHA-256 is kept. Ending a session stamps ``ended_at`` and why; ended rows stay as a record."""

    __tablename__ = "sign_in_session"
    __table_args__ = (
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="sign_in_session_end_has_reason"),
        CheckConstraint(f"end_reason IS NULL OR end_reason IN {SESSION_END_REASONS}", name="sign_in_session_end_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))

    person: Mapped[Person] = relationship()


class Document(Base):
    """Evidence attached to a case (002 7.8.3 evidence, 7.8.8 appeal papers). Stored once with its
    SHA-256; a new upload is a new row, never an overwrite."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("workflow_case.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    uploaded_by: Mapped[Person | None] = relationship()


@event.listens_for(Document, "before_update")
def _documents_are_never_overwritten(mapper, connection, target):
    raise RuntimeError("documents are never overwritten: upload a new one")


@event.listens_for(Event, "before_update")
def _events_are_append_only(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(Event, "before_delete")
def _events_are_never_deleted(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


audit_triggers.attach(Event.__table__)


# ---- Governance records: risks, consistency templates and variances, audit samples (issue 8) --------

class Risk(Base):
    """A risk raised during job planning, owned by a care group (002 7.10: 7.8.16); scored likelihood x
    impact; a score of 12 or more is escalated to the Medical Directorate (7.8.17) and reported (7.8.18)."""

    __tablename__ = "job_planning_risk"
    __table_args__ = (CheckConstraint("likelihood BETWEEN 1 AND 5 AND impact BETWEEN 1 AND 5", name="risk_scale"),
                      CheckConstraint("score = likelihood * impact", name="risk_score"),
                      CheckConstraint("status in ('open', 'closed')", name="risk_status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    care_group_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    job_plan_id: Mapped[int | None] = mapped_column(ForeignKey("job_plan.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[int]
    impact: Mapped[int]
    score: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="open")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # who manages the risk (002 7.10)
    raised_at: Mapped[datetime]
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    care_group: Mapped[OrgUnit] = relationship()


class PanelListReview(Base):
    """A review of the approved appeal panel list (002 7.8.12: the list is "regularly reviewed"). Appended; the
    latest counts, and a list whose last review is older than the policy's interval is flagged."""

    __tablename__ = "panel_list_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(60), index=True)  # the list: settings.appeal_panel_list_role
    reviewed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime]


class AgreedSplit(Base):
    """The DCC / SPA / other split agreed for a role and band (004 consistency panel: "agreed templates")."""

    __tablename__ = "agreed_split"
    __table_args__ = (UniqueConstraint("job_title", "band", name="uq_agreed_split"),
                      CheckConstraint("abs(dcc + spa + other - 1.0) < 0.0001", name="agreed_split_sums_to_one"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job_title: Mapped[str] = mapped_column(String(200))
    band: Mapped[str] = mapped_column(String(40), default="")
    dcc: Mapped[float] = mapped_column(Float)
    spa: Mapped[float] = mapped_column(Float)
    other: Mapped[float] = mapped_column(Float)
    tolerance: Mapped[float] = mapped_column(Float, default=0.05)
    agreed_at: Mapped[datetime]
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class VarianceRecord(Base):
    """The consistency panel's view of a plan version outside its agreed split: warranted, or not and with
    what actions (004 consistency panel, steps 7-8). Appended; the latest for a version counts."""

    __tablename__ = "consistency_variance"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_plan_id: Mapped[int] = mapped_column(ForeignKey("job_plan.id"), index=True)
    version_number: Mapped[int]
    warranted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime]


class AuditSample(Base):
    """A 360 audit sample of completed plans (002 10: 10% a year), reproducible from its recorded seed and
    population."""

    __tablename__ = "audit_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    fraction: Mapped[float] = mapped_column(Float)
    seed: Mapped[str] = mapped_column(String(40))
    population: Mapped[list] = mapped_column(JSON, default=list)
    sample: Mapped[list] = mapped_column(JSON, default=list)
    drawn_at: Mapped[datetime]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class JobPlanRound(Base):
    """This year's round for a team, a care group or the whole trust (issue 17 item 5): started in one action,
    run in batches of people in id order; ``cursor`` is the last person handled, so a run that stopped resumes
    where it left off. One round per unit and year: starting it again resumes it."""

    __tablename__ = "job_plan_round"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", name="uq_job_plan_round_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)

    org_unit: Mapped[OrgUnit] = relationship()
    members: Mapped[list["RoundMember"]] = relationship(back_populates="round", order_by="RoundMember.person_id")


class RoundMember(Base):
    """What the round did for one person: started their sign-off (the case), or skipped them and why."""

    __tablename__ = "round_member"
    __table_args__ = (UniqueConstraint("round_id", "person_id", name="uq_round_member"),
                      CheckConstraint("outcome in ('started', 'skipped')", name="round_member_outcome"),
                      CheckConstraint("(outcome = 'started') = (case_id IS NOT NULL)", name="round_member_started_case"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("job_plan_round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_case.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[JobPlanRound] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()
    case: Mapped[Case | None] = relationship()


class DeputyCover(Base):
    """A clinical manager who is away names a deputy for a date range (issue 17 item 7): from ``starts_on`` to
    ``ends_on``, local dates of the trust, both included, the deputy holds the manager's role on the manager's
    cases (``workflow.access.cover``), never on their own. Ending it early sets ``ended_at``; the row stays as the
    record. One cover for a manager at a time: ``workflow.service.cover`` refuses an overlap."""

    __tablename__ = "deputy_cover"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="deputy_cover_dates"),
                      CheckConstraint("deputy_id <> manager_id", name="deputy_cover_not_own_deputy"),
                      Index("ix_deputy_cover_deputy", "deputy_id", "ends_on"),
                      Index("ix_deputy_cover_manager", "manager_id", "ends_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    arranged_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    arranged_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    manager: Mapped[Person] = relationship(foreign_keys=[manager_id])
    deputy: Mapped[Person] = relationship(foreign_keys=[deputy_id])
    arranged_by: Mapped[Person | None] = relationship(foreign_keys=[arranged_by_id])
    ended_by: Mapped[Person | None] = relationship(foreign_keys=[ended_by_id])
