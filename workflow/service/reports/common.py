"""What several reports share: the staff in scope, and when each plan was signed off by both parties."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from workflow.store.models import JobPlan, JobPlanVersion, Person, Signature
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
