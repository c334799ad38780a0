"""What a condition may ask about a case beyond the case itself: the facts that live in other rows (who was
involved in the dispute, who holds a seat, which clocks closed, which follow-on case is open, how the plan
assesses). Conditions ask ``ctx.facts``, never the database session, so each condition's rule is a plain
function of the case, the policy, the values and these answers, and can be tested without a database
(``tests/unit/test_conditions.py``). ``SessionFacts`` answers from the step's own session and transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.policy.model import Policy
from workflow.store.deadline_rules import DeadlineStatus
from workflow.store.models import Case, CaseParticipant, Deadline, JobPlan


@dataclass(frozen=True)
class OpenChild:
    id: int
    workflow: str


class CaseFacts(Protocol):
    def involved_people(self) -> set[int]:
        """Everyone involved in the dispute so far (its parties, whoever acted, every participant)."""

    def has_holder(self, role: str) -> bool:
        """Someone holds ``role`` on the case."""

    def closed_lodging_window(self, now: datetime) -> datetime | None:
        """The due moment of a lodging window ("right") of the current state that has closed by ``now``."""

    def open_child(self) -> OpenChild | None:
        """A case started from this one that is still open."""

    def participants(self) -> list:
        """The case's seats, as rows with ``person_id``, ``role``, ``status`` and ``data``, in the order named."""

    def assess_plan(self, plan: JobPlan, on: date):
        """The content rules' findings on the plan's current version (``workflow.content.assess``)."""


@dataclass(frozen=True)
class SessionFacts:
    """The facts, read in the step's session (its transaction, its locks)."""

    session: Session
    case: Case
    policy: Policy

    def involved_people(self) -> set[int]:
        from workflow.access import involved_people

        return involved_people(self.session, self.case)

    def has_holder(self, role: str) -> bool:
        from workflow.access import holders_of

        return bool(holders_of(self.session, self.case, self.policy, role))

    def closed_lodging_window(self, now: datetime) -> datetime | None:
        return self.session.scalars(select(Deadline.due_at).where(
            Deadline.case_id == self.case.id, Deadline.state == self.case.state, Deadline.kind == "right",
            Deadline.status.in_((DeadlineStatus.OPEN.value, DeadlineStatus.EXPIRED.value)),
            Deadline.due_at <= now)).first()

    def open_child(self) -> OpenChild | None:
        row = self.session.execute(select(Case.id, Case.workflow).where(
            Case.parent_id == self.case.id, Case.closed_at.is_(None))).first()
        return OpenChild(row.id, row.workflow) if row else None

    def participants(self) -> list[CaseParticipant]:
        return list(self.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == self.case.id)
                                         .order_by(CaseParticipant.id)))

    def assess_plan(self, plan: JobPlan, on: date):
        from workflow.content.assess import assess_plan

        return assess_plan(self.session, plan, self.policy, on)
