"""What several reports share: the staff in scope, when each plan was signed by both parties, and when it was approved."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from workflow.store.models import Case, Event, JobPlan, JobPlanVersion, OrgUnit, Person, Signature
from workflow.service.report_scope import care_group_of, in_scope

BOTH_PARTIES = ("practitioner", "clinical_manager")  # 002 7.5


@dataclass(frozen=True)
class StaffRow:
    person: Person
    team: str
    care_group: str


def staff_in_scope(svc, scope) -> list[StaffRow]:
    """Active people in a staff group some loaded policy covers: those who must have a job plan."""
    groups = {g for p in svc.policies.all() for g in p.staff_groups}
    # The organisation's units in one statement: each person's team and its care group are then found in the
    # session, not read team by team (the dashboard's statements stay the same however many teams: issue 15).
    units = svc.session.scalars(select(OrgUnit)).all()  # noqa: F841  (held, so the session keeps them)
    people = svc.session.scalars(select(Person).where(Person.active.is_(True), Person.staff_group.in_(groups))
                                 .order_by(Person.id)).all()
    out = []
    for p in people:
        if in_scope(scope, p):
            cg = care_group_of(p)
            out.append(StaffRow(p, p.team.name if p.team else "(no team)", cg.name if cg else "(no care group)"))
    return out


@dataclass(frozen=True)
class SignOff:
    person_id: int
    plan_id: int
    version: int
    at: datetime


def sign_offs(session) -> list[SignOff]:
    """Every version of an individual plan signed by both parties, dated by the second signature."""
    rows = session.execute(
        select(JobPlan.person_id, JobPlan.id, JobPlanVersion.number, Signature.role, Signature.signed_at)
        .join(JobPlanVersion, JobPlanVersion.job_plan_id == JobPlan.id)
        .join(Signature, Signature.version_id == JobPlanVersion.id)
        .where(JobPlan.kind == "individual", Signature.role.in_(BOTH_PARTIES))).all()
    by_version: dict[tuple, dict] = {}
    for person_id, plan_id, number, role, at in rows:
        by_version.setdefault((person_id, plan_id, number), {})[role] = at
    return sorted((SignOff(pid, plan, n, max(sigs.values())) for (pid, plan, n), sigs in by_version.items()
                   if all(r in sigs for r in BOTH_PARTIES)), key=lambda s: (s.at, s.plan_id))


AGREEING_ACTION = "mark_plan_agreed"  # the one action that makes a version the agreed plan (workflow.rules.actions)


def approval_steps(policies) -> set[tuple[str, int, str, str]]:
    """(policy id, version, workflow, trigger) of every step that makes a plan the agreed one: accepted at the
    governance check (002 7.6.5), signed where there is no further check (001 26.9), approved at the second
    level (004), or a decided version adopted (002 7.8.5, 7.8.9)."""
    return {(p.id, p.version, w.name, t.trigger) for p in policies.all() for w in p.workflows.values()
            for t in w.transitions if any(a == AGREEING_ACTION for a, _ in t.actions)}


def approvals(svc) -> list[SignOff]:
    """Every approval of an individual plan, dated by the event of the step that approved it (004 KPI: "an
    active e-job plan is one reviewed and approved in the past 12 months"; 002 10). Signatures on a version
    the governance check returned are not an approval."""
    steps = approval_steps(svc.policies)
    if not steps:
        return []
    rows = svc.session.execute(
        select(JobPlan.person_id, JobPlan.id, Case.policy_id, Case.policy_version, Case.workflow, Event.trigger,
               Event.at)
        .join(Case, Case.id == Event.case_id).join(JobPlan, JobPlan.id == Case.job_plan_id)
        .where(JobPlan.kind == "individual", Event.trigger.in_({s[3] for s in steps}))).all()
    return sorted((SignOff(pid, plan_id, 0, at) for pid, plan_id, pol, ver, wf, trig, at in rows
                   if (pol, ver, wf, trig) in steps), key=lambda s: (s.at, s.plan_id))


def approved_between(svc, since: datetime, until: datetime):
    """A SELECT of the people with an approval of their individual plan (``approvals``) at or after ``since``
    and at or before ``until``: for an aggregate to count, without loading any."""
    from sqlalchemy import and_, false, or_

    steps = sorted(approval_steps(svc.policies))
    step = or_(*[and_(Case.policy_id == p, Case.policy_version == v, Case.workflow == w, Event.trigger == t)
                 for p, v, w, t in steps]) if steps else false()
    return (select(JobPlan.person_id).join(Case, Case.job_plan_id == JobPlan.id).join(Event, Event.case_id == Case.id)
            .where(JobPlan.kind == "individual", Event.trigger.in_(sorted({s[3] for s in steps})), step,
                   Event.at >= since, Event.at <= until))


def latest_sign_off(offs: list[SignOff], until: datetime) -> dict[int, SignOff]:
    """Each person's most recent sign-off at or before ``until``."""
    out: dict[int, SignOff] = {}
    for s in offs:
        if s.at <= until:
            out[s.person_id] = s
    return out


def local_day(svc, at: datetime) -> date:
    from workflow.timing.calendar import TrustCalendar

    return TrustCalendar().local_date(at)
