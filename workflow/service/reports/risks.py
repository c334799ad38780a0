"""Risks raised during job planning (002 7.10, numbered 7.8.14-7.8.18): owned by the care group, scored
(likelihood x impact, 1-5 each); a score of 12 or more is escalated via the Medical Directorate, and only
those appear on the highlight and annual reports."""
from __future__ import annotations

from sqlalchemy import select

from workflow.actors import Actor
from workflow.errors import InvalidPayload, NotFound, PermissionDenied
from workflow.store import rows
from workflow.store.models import JobPlan, OrgUnit, Person, RoleAssignment, Risk
from workflow.service import trust_log
from workflow.store.uow import operation
from workflow.service.report_scope import report_scope
from workflow.service.reports.table import Report

ESCALATION_SCORE = 12  # 002 7.8.17-7.8.18


def _may_raise(svc, actor: Actor, group: OrgUnit) -> bool:
    try:
        scope = report_scope(svc.session, actor)
    except PermissionDenied:
        scope = set()
    if scope is None or group.id in scope:
        return True
    # a clinical manager of someone in the care group (7.8.16: risks are raised by the care group)
    managed = svc.session.scalars(select(Person).where(Person.manager_id == actor.person_id)).all()
    return any(p.team and p.team.ancestor("care_group") and p.team.ancestor("care_group").id == group.id
               for p in managed)


def raise_risk(svc, actor: Actor, care_group_id: int, *, title: str, description: str, likelihood: int,
               impact: int, job_plan_id: int | None = None, owner_id: int | None = None) -> Risk:
    problems = {}
    for name, v in (("likelihood", likelihood), ("impact", impact)):
        if not isinstance(v, int) or not 1 <= v <= 5:
            problems[name] = ["a whole number from 1 to 5"]
    if not (title or "").strip():
        problems["title"] = ["required"]
    if problems:
        raise InvalidPayload(f"the risk needs valid values for: {', '.join(problems)}", fields=problems)
    with operation(svc.session):
        group = svc.session.get(OrgUnit, care_group_id)
        if group is None or group.kind != "care_group":
            raise NotFound(f"care group {care_group_id} was not found")
        if not _may_raise(svc, actor, group):
            raise PermissionDenied("job planning risks are raised by the care group (its AMD or clinical managers) "
                                   "or the Medical Directorate (002 7.8.14, 7.8.16)")
        if job_plan_id is not None and svc.session.get(JobPlan, job_plan_id) is None:
            raise NotFound(f"job plan {job_plan_id} was not found")
        owner = svc.session.get(Person, owner_id) if owner_id is not None else None
        if owner_id is not None and (owner is None or not owner.active):
            raise InvalidPayload(f"the risk's owner must be a current member of staff; person {owner_id} is not",
                                 fields={"owner_id": ["not a current member of staff"]})
        now = svc.clock.now()
        risk = Risk(care_group_id=group.id, job_plan_id=job_plan_id, title=title.strip(), description=description,
                    likelihood=likelihood, impact=impact, score=likelihood * impact, status="open",
                    raised_by_id=actor.person_id, owner_id=owner_id, raised_at=now)
        svc.session.add(risk)
        svc.session.flush()
        trust_log.record(svc, "risk_raised", trust_log.subject_of("risk", risk.id), actor=actor,
                         role=trust_log.role_of(actor), payload={"care_group_id": group.id, "score": risk.score,
                                                                 "owner_id": owner_id, "title": risk.title})
        if risk.score >= ESCALATION_SCORE:
            risk.escalated_at = now
            _notify_directorate(svc, risk, group, now)
    return risk


def _notify_directorate(svc, risk: Risk, group: OrgUnit, now) -> None:
    holders = svc.session.scalars(select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
                                  .where(RoleAssignment.role == "medical_directorate", Person.active.is_(True))
                                  .distinct()).all()
    base = svc.settings.base_url.rstrip("/")
    for p in holders:
        rows.queue_message(svc.session.connection(), rows.message_row(
            dedupe_key=f"risk:{risk.id}:escalated:{p.id}", recipient_id=p.id, to_address=p.email,
            subject=f"Job planning risk escalated (score {risk.score}): {risk.title}",
            body_text="\n".join([
                f"A job planning risk raised by {group.name} scores {risk.score} "
                f"(likelihood {risk.likelihood} x impact {risk.impact}).",
                f"Risks scoring {ESCALATION_SCORE} or more are escalated via the Medical Directorate and "
                "included in the highlight and annual reports (002 7.10).",
                f"Risk: {risk.title}", f"{risk.description}", f"Risk register: {base}/reports/risks"]),
            created_at=now))


def close_risk(svc, actor: Actor, risk_id: int) -> Risk:
    with operation(svc.session):
        risk = svc.session.get(Risk, risk_id)
        if risk is None:
            raise NotFound(f"risk {risk_id} was not found")
        if not _may_raise(svc, actor, risk.care_group):
            raise PermissionDenied("risks are closed by their care group or the Medical Directorate (002 7.10)")
        risk.status, risk.closed_at = "closed", svc.clock.now()
        trust_log.record(svc, "risk_closed", trust_log.subject_of("risk", risk.id), actor=actor,
                         role=trust_log.role_of(actor), payload={})
    return risk


COLUMNS = [("id", "Risk"), ("care_group", "Care group"), ("title", "Risk"), ("likelihood", "Likelihood"),
           ("impact", "Impact"), ("score", "Score"), ("escalated", "Escalated to the Medical Directorate"),
           ("escalated_at", "Escalated"), ("status", "Status"), ("owner", "Owner"), ("raised_by", "Raised by"), ("raised_at", "Raised"),
           ("job_plan_id", "Plan")]


def risk_register(svc, actor: Actor, *, escalated_only: bool = False, open_only: bool = False) -> Report:
    """All risks in scope, highest score first; ``escalated_only`` gives the highlight report (7.8.18)."""
    scope = report_scope(svc.session, actor)
    q = select(Risk).order_by(Risk.score.desc(), Risk.raised_at, Risk.id)
    if scope is not None:
        q = q.where(Risk.care_group_id.in_(scope))
    if escalated_only:
        q = q.where(Risk.score >= ESCALATION_SCORE)
    if open_only:
        q = q.where(Risk.status == "open")
    rows = []
    for r in svc.session.scalars(q):
        by = svc.session.get(Person, r.raised_by_id) if r.raised_by_id else None
        rows.append({"id": r.id, "care_group": r.care_group.name, "title": r.title, "likelihood": r.likelihood,
                     "impact": r.impact, "score": r.score, "escalated": r.escalated_at is not None,
                     "escalated_at": r.escalated_at, "status": r.status,
                     "owner": svc.session.get(Person, r.owner_id).name if r.owner_id else None, "raised_by": by.name if by else None,
                     "raised_at": r.raised_at, "job_plan_id": r.job_plan_id})
    title = "Job planning risks scoring 12 or more (highlight report)" if escalated_only else "Job planning risks"
    return Report("risks", title, COLUMNS, rows)
