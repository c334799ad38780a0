"""Which job plan is in force for a person.

The plan agreed last stays in force while a review, a disagreement or an appeal runs (002 7.7, 7.8):
only an agreement at sign-off, or a decision by the Medical Director or the board, changes it. This is
the answer every page, report and letter should use."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import access
from ..errors import NotFound, PermissionDenied
from ..models import Case, JobPlan, JobPlanVersion, Person

DISPUTE_WORKFLOWS = ("disagreement", "appeal")


@dataclass(frozen=True)
class PlanInForce:
    person_id: int
    job_plan_id: int
    version: int               # the agreed version, in force
    agreed_at: datetime | None
    interim: bool
    content: dict
    latest_version: int        # the newest draft, which may differ while a review or dispute runs
    disputed: bool             # a disagreement or appeal on this person's plan is open
    open_dispute_case_ids: tuple[int, ...]


def plan_in_force(svc, actor, person_id: int) -> PlanInForce | None:
    """The version in force for ``person_id`` (None if no plan has ever been agreed), and whether a
    dispute is running over its successor."""
    person = svc.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} was not found")
    _require_reader(svc, actor, person)
    plan = svc.session.scalars(select(JobPlan).where(JobPlan.person_id == person.id,
                                                     JobPlan.agreed_version.is_not(None))
                               .order_by(JobPlan.agreed_at.desc(), JobPlan.id.desc())).first()
    if plan is None:
        return None
    version = svc.session.scalar(select(JobPlanVersion).where(JobPlanVersion.job_plan_id == plan.id,
                                                              JobPlanVersion.number == plan.agreed_version))
    disputes = tuple(svc.session.scalars(select(Case.id).where(
        Case.subject_id == person.id, Case.workflow.in_(DISPUTE_WORKFLOWS), Case.closed_at.is_(None))
        .order_by(Case.id)))
    return PlanInForce(person.id, plan.id, plan.agreed_version, plan.agreed_at, plan.interim, dict(version.content),
                       plan.current_version, bool(disputes), disputes)


def _require_reader(svc, actor, person: Person) -> None:
    """The practitioner, their manager, and anyone holding a trust or care-group role may read it."""
    if actor.is_system or actor.person_id in (person.id, person.manager_id):
        return
    if access.assignments(svc.session, actor.person_id):
        return
    raise PermissionDenied("only the practitioner, their manager and the trust's job planning offices may see "
                           "which job plan is in force")
