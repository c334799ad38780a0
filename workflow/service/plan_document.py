"""A job plan as the document people read, sign and print: the content in words (workflow.content.document),
who signed which version and when, the steps of its sign-off, and the trust's name. The page and the PDF
both ask here, through the same visibility rule as every other read of a plan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflow.actors import Actor
from workflow.content import document
from workflow.content.assess import totals_for
from workflow.store.models import Case, Event, JobPlan, OrgUnit, Person, Signature
from workflow.service.plans import get_plan, today, version


@dataclass(frozen=True)
class Step:
    at: datetime
    title: str
    by: str


@dataclass(frozen=True)
class PlanRecord:
    plan: JobPlan
    doc: document.PlanDocument
    trust: str
    status: str
    steps: list[Step]


def _trust_name(svc, plan: JobPlan) -> str:
    unit = plan.person.team if plan.person is not None and plan.person.team is not None else (
        svc.session.get(OrgUnit, plan.team_id) if plan.team_id else None)
    trust = unit.ancestor("trust") if unit is not None else None
    trust = trust or svc.session.scalar(select(OrgUnit).where(OrgUnit.kind == "trust").order_by(OrgUnit.id))
    return trust.name if trust is not None else ""


def title_of(svc, plan: JobPlan) -> str:
    """"2026/27 job plan, Dr Ellis": by year and person, never by number."""
    start = plan.period_start or plan.created_at.date()
    owner = plan.person.name if plan.person is not None else (
        svc.session.get(OrgUnit, plan.team_id).name if plan.team_id else "")
    return document.title_for(start=start, owner=owner, interim=plan.interim, team=plan.kind == "team")


def _role_title(policy, role: str) -> str:
    spec = policy.roles.get(role)
    return spec.title if spec is not None else role.replace("_", " ").capitalize()


def plan_record(svc, actor: Actor, plan_id: int, number: int | None = None) -> PlanRecord:
    plan = get_plan(svc, actor, plan_id)
    policy = svc.policies.latest(plan.policy_id)
    shown = version(plan, number or plan.current_version)
    names = dict(svc.session.execute(
        select(Person.id, Person.name).join(Signature, Signature.person_id == Person.id)
        .where(Signature.version_id.in_([v.id for v in plan.versions]))).all())
    signatures = [document.SignatureLine(v.number, _role_title(policy, s.role), names.get(s.person_id, ""), s.signed_at)
                  for v in plan.versions for s in sorted(v.signatures, key=lambda s: s.signed_at)]
    doc = document.build(shown.content, totals_for(plan, shown.content, policy, today(svc, policy)),
                         title=title_of(svc, plan), owner=plan.person.name if plan.person else "",
                         version=shown.number, signatures=signatures)
    if plan.agreed_version == shown.number:
        status = f"Agreed on {document.long_date(plan.agreed_at.date())}"
    elif plan.agreed_version:
        status = f"Being agreed: version {plan.agreed_version} stays in force until this one is agreed"
    else:
        status = "Not agreed yet"
    return PlanRecord(plan, doc, _trust_name(svc, plan), status, _steps(svc, plan))


def _steps(svc, plan: JobPlan) -> list[Step]:
    """The sign-off's steps on the cases this plan went through, in order, with who took them."""
    rows = svc.session.execute(
        select(Event, Case, Person.name).join(Case, Event.case_id == Case.id)
        .outerjoin(Person, Event.actor_id == Person.id)
        .where(Case.job_plan_id == plan.id, Event.trigger.is_not(None)).order_by(Event.at, Event.id)).all()
    out = []
    for event, case, name in rows:
        policy = svc.policy_of(case)
        spec = policy.workflow(case.workflow).transition(event.trigger, event.from_state or "")
        title = spec.title if spec is not None else event.trigger.replace("_", " ").capitalize()
        by = f"{name} ({_role_title(policy, event.actor_role)})" if name else "The service, automatically"
        out.append(Step(event.at, title, by))
    return out
