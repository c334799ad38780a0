"""Reading a stored plan for its totals, its findings under the policy's content rules, and the change
from the previous agreed plan. Used by the ``plan_complete`` condition, the service and the reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.store.models import JobPlan, JobPlanVersion, Person
from workflow.policy.model import Policy, StaffGroupRules
from workflow.timing.calendar import add_months
from workflow.content.calculations import PlanTotals, compare_totals, plan_totals
from workflow.content.rules import Finding, PlanFacts, evaluate


@dataclass(frozen=True)
class Assessment:
    plan_id: int
    version: int
    totals: PlanTotals
    findings: list[Finding]
    comparison: list[dict]
    previous_plan_id: int | None

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "blocker"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def as_dict(self) -> dict:
        """Plain JSON-safe data, for an API or a page."""
        t = self.totals
        return {
            "plan_id": self.plan_id, "version": self.version, "previous_plan_id": self.previous_plan_id,
            "totals": {"hours": t.hours, "pas": t.pas, "total_hours": t.total_hours, "total_pas": t.total_pas,
                       "direct_contact_hours": t.direct_contact_hours, "contracted_hours": t.contracted_hours,
                       "contracted_pas": t.contracted_pas, "additional_pas": t.additional_pas,
                       "difference_hours": t.difference_hours, "dcc_spa_ratio": t.dcc_spa_ratio, "wte": t.wte,
                       "split": t.split()},
            "complete": not self.blockers,
            "findings": [f.as_dict() for f in self.findings],
            "comparison": self.comparison,
        }


def version_of(plan: JobPlan, number: int | None = None) -> JobPlanVersion | None:
    number = number or plan.current_version
    return next((v for v in plan.versions if v.number == number), None)


def totals_for(plan: JobPlan, content: dict, policy: Policy, on: date | None = None) -> PlanTotals:
    person = plan.person
    rules = policy.rules_for(person.staff_group if person else None)
    post = content.get("post") or {}
    c_pas, c_hours = post.get("contracted_pas"), post.get("contracted_hours")
    if c_pas is None and c_hours is None and person is not None:
        c_pas, c_hours = person.contracted_pas, person.contracted_hours
        if c_hours is not None:
            c_pas = None
    return plan_totals(content, pa_hours=policy.pa_hours, contracted_pas=c_pas, contracted_hours=c_hours,
                       full_time_pas=rules.full_time_pas, full_time_hours=rules.full_time_hours,
                       weeks_per_year=rules.weeks_per_year, on=on)


def team_plan_agreed(session: Session, person: Person, on: date) -> bool | None:
    """002 7.4: is there a team plan for the person's team, agreed in the 12 months up to ``on``?"""
    if person.team_id is None:
        return None
    since = datetime.combine(add_months(on, -12), time(0), tzinfo=timezone.utc)
    found = session.scalar(select(JobPlan.id).where(JobPlan.kind == "team", JobPlan.team_id == person.team_id,
                                                    JobPlan.agreed_version.is_not(None), JobPlan.agreed_at >= since))
    return found is not None


def previous_agreed_plan(session: Session, plan: JobPlan) -> JobPlan | None:
    owner = (JobPlan.person_id == plan.person_id) if plan.kind == "individual" else (JobPlan.team_id == plan.team_id)
    q = (select(JobPlan).where(owner, JobPlan.kind == plan.kind, JobPlan.id != plan.id,
                               JobPlan.agreed_version.is_not(None))
         .order_by(JobPlan.agreed_at.desc(), JobPlan.id.desc()))
    if plan.agreed_at is not None:
        q = q.where(JobPlan.agreed_at <= plan.agreed_at)
    return session.scalars(q).first()


def assess_plan(session: Session, plan: JobPlan, policy: Policy, on: date, number: int | None = None) -> Assessment:
    version = version_of(plan, number)
    content = version.content if version else {}
    person = plan.person
    rules: StaffGroupRules = policy.rules_for(person.staff_group if person else None)
    totals = totals_for(plan, content, policy, on)
    findings: list[Finding] = []
    if plan.kind == "individual":
        facts = PlanFacts(content=content, totals=totals, full_time_pas=rules.full_time_pas, on=on,
                          team_plan_agreed=team_plan_agreed(session, person, on))
        findings = evaluate(rules.rules, facts)
    prev = previous_agreed_plan(session, plan)
    prev_totals = None
    if prev is not None:
        pv = version_of(prev, prev.agreed_version)
        prev_totals = totals_for(prev, pv.content if pv else {}, policy, on)
    return Assessment(plan.id, version.number if version else 0, totals, findings,
                      compare_totals(totals, prev_totals), prev.id if prev else None)
