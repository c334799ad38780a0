"""Finding cases and their deadlines, with the filters the API and pages offer. Visibility comes from
``svc.list_cases`` / ``svc.get_case`` (``workflow.access``); these only narrow further."""
from __future__ import annotations

from sqlalchemy import or_, select

from .. import access
from ..actors import Actor
from ..models import Case, Deadline


def find_cases(svc, actor: Actor, *, state=None, policy_id=None, workflow=None, role=None, person_id=None,
               overdue=None, open_only=False) -> list[Case]:
    """Cases the actor may see. ``role``: only where the actor holds that role; ``overdue``: only cases
    with (True) or without (False) a deadline past due and not met."""
    cases = svc.list_cases(actor, state=state, workflow=workflow, policy_id=policy_id, subject_id=person_id,
                           open_only=open_only)
    if role:
        lookup = access.CaseRoles(svc.session, actor, cases)
        cases = [c for c in cases if role in lookup.roles(c, svc.policy_of(c))]
    if overdue is not None and cases:
        late = overdue_case_ids(svc, [c.id for c in cases])
        cases = [c for c in cases if (c.id in late) == overdue]
    return cases


def overdue_deadlines_query(svc):
    now = svc.clock.now()
    return select(Deadline).where(or_(Deadline.status == "breached",
                                      (Deadline.status == "open") & (Deadline.due_at < now)))


def overdue_case_ids(svc, case_ids: list[int]) -> set[int]:
    q = overdue_deadlines_query(svc).where(Deadline.case_id.in_(case_ids))
    return {d.case_id for d in svc.session.scalars(q)}


def case_deadlines(svc, actor: Actor, case_id: int) -> list[Deadline]:
    svc.get_case(actor, case_id)
    return list(svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)))


def list_deadlines(svc, actor: Actor, *, status=None, overdue=None) -> list[Deadline]:
    """Deadlines of every case the actor may see, soonest first."""
    visible = [c.id for c in svc.list_cases(actor)]
    if not visible:
        return []
    q = select(Deadline).where(Deadline.case_id.in_(visible)).order_by(Deadline.due_at, Deadline.id)
    if status:
        q = q.where(Deadline.status == status)
    rows = list(svc.session.scalars(q))
    if overdue is not None:
        late = {d.id for d in svc.session.scalars(overdue_deadlines_query(svc).where(Deadline.case_id.in_(visible)))}
        rows = [d for d in rows if (d.id in late) == overdue]
    return rows


def start_case(svc, actor: Actor, workflow: str, subject_id: int, *, policy_id=None, job_plan_id=None) -> Case:
    """Start a case; its clinical manager is the practitioner's manager on the trust's record."""
    return svc.start_case(actor, workflow, subject_id, policy_id=policy_id, job_plan_id=job_plan_id)
