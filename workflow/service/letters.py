"""Written outcomes: the Medical Director's decision letter to both parties (002 7.8.5)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.store.models import Case, Deadline, Event, Person
from workflow.policy.tags import APPEAL, APPEAL_WINDOW, DECISION_LETTER
from workflow.service.tagged import in_workflow


@dataclass(frozen=True)
class DecisionLetter:
    case: Case
    decided_at: datetime
    decided_by: str
    decision: str
    practitioner: Person
    manager: Person | None
    appeal_due_at: datetime | None
    appeal_case_id: int | None


def decision_letter(svc, actor: Actor, case_id: int) -> DecisionLetter:
    """The letter both parties receive when mediation ends without agreement and the Medical Director
    decides (002 7.8.5), with the appeal route and its last day (7.8.8)."""
    case = svc.get_case(actor, case_id)
    event = svc.session.scalar(select(Event).where(Event.case_id == case.id, Event.trigger.in_(_decision_triggers(svc, case)))
                               .order_by(Event.seq.desc()))
    if event is None:
        raise NotFound(f"case {case_id} has no recorded decision")
    appeal = svc.session.scalar(select(Case).where(Case.parent_id == case.id, in_workflow(svc.policies, APPEAL)))
    due = None
    if appeal is not None:
        due = svc.session.scalar(select(Deadline.due_at).where(Deadline.case_id == appeal.id,
                                                               Deadline.name.in_(_appeal_windows(svc, appeal))))
    author = svc.session.get(Person, event.actor_id) if event.actor_id else None
    return DecisionLetter(case, event.at, author.name if author else "The Medical Director",
                          event.payload.get("decision", ""), case.subject,
                          svc.session.get(Person, case.manager_id) if case.manager_id else None, due,
                          appeal.id if appeal else None)


def _decision_triggers(svc, case: Case) -> list[str]:
    """The steps of this case's workflow its policy tags as the Medical Director's decision (002 7.8.5)."""
    wf = svc.policy_of(case).workflows.get(case.workflow)
    return [t.trigger for t in wf.transitions_tagged(DECISION_LETTER)] if wf else []


def _appeal_windows(svc, appeal: Case) -> list[str]:
    """The appeal's deadline its policy tags as the window to lodge it (002 7.8.8)."""
    wf = svc.policy_of(appeal).workflow(appeal.workflow)
    return [d.name for s in wf.states for d in s.deadlines if APPEAL_WINDOW in d.tags]
