"""What one firing of a trigger carries through conditions, actions, deadlines and notifications, and the
follow-up commands a step leaves for the service to run after it, in the same unit of work."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from workflow.actors import Actor
from workflow.rules.facts import SessionFacts
from workflow.rules.follow_ups import FireParent, FireSelf, FollowUp, StartChild, StartCycle  # noqa: F401  (re-exported)
from workflow.store.models import Case, Person
from workflow.policy.model import Policy, TransitionSpec, Workflow

if TYPE_CHECKING:
    from workflow.timing.deadlines import OpenedDeadline
    from workflow.service.core import JobPlanning, Settings




@dataclass
class FireContext:
    """One step's facts: who acts in which role, on which case, under which rule, with what values, at what
    moment; and what the step has written so far (its event) and asked for next (``after``)."""

    service: "JobPlanning"
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
    settings: "Settings"
    actor_person: "Person | None" = None  # the Person acting (None for the scheduler)
    actor_name: str = ""
    connection: Connection | None = None  # the session's, in this transaction: for the Core statements of rows.py
    event: "AppendedEvent | None" = None
    after: list[FollowUp] = field(default_factory=list)
    open_deadlines: "list[OpenedDeadline] | None" = None  # the case's open clocks, when this step opened them all

    @property
    def facts(self) -> SessionFacts:
        """What the conditions may ask beyond the case, answered in this step's session."""
        return SessionFacts(self.session, self.case, self.policy)


@dataclass(frozen=True)
class AppendedEvent:
    """The audit event a step wrote (the row itself is in ``event``)."""

    id: int
    seq: int
    on_behalf_of: dict | None = None  # a deputy's act: the manager and the cover (workflow.service.cover.on_behalf)


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
