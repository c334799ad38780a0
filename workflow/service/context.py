"""What one firing of a trigger carries through conditions, actions, deadlines and notifications."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..actors import Actor
from ..models import Case
from ..policy.model import Policy, TransitionSpec, Workflow


@dataclass
class FireContext:
    service: object
    session: Session
    case: Case
    policy: Policy
    workflow: Workflow
    spec: TransitionSpec | None
    actor: Actor
    role: str
    values: dict
    reason: str | None
    now: datetime
    settings: object
    actor_person: object | None = None  # the Person acting (None for the scheduler)
    actor_name: str = ""
    connection: Connection | None = None  # the session's, in this transaction: for the Core statements of rows.py
    event: "AppendedEvent | None" = None
    after: list = field(default_factory=list)
    open_deadlines: list | None = None  # the case's open clocks, when this step has just opened them all


@dataclass(frozen=True)
class AppendedEvent:
    """The audit event a step wrote (the row itself is in ``event``)."""

    id: int
    seq: int


@dataclass(frozen=True)
class FireResult:
    case_id: int
    trigger: str
    from_state: str
    to_state: str
    event_id: int
    version: int
    started_case_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class TriggerInfo:
    trigger: str
    title: str
    dest: str
    roles: tuple[str, ...]
    clause: str
    payload: tuple
    reason_required: bool
    unavailable: str | None = None  # why a named condition refuses it now (it may change: e.g. a signature)
