"""The master log of all job planning activity, per individual and care group (002 7.6.8): every plan
version drafted, every signature, and every event of every case (opened, steps, reminders, breaches,
escalations), oldest first; for the trust-wide offices also the trust-level facts of the audit log (sign-ins,
API tokens, staff imports, plan edits); and a one-line-per-person summary."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from workflow.actors import Actor
from workflow.store.models import Case, Event, JobPlan, JobPlanVersion, Person, Signature
from workflow.service.report_scope import care_group_of, report_scope
from workflow.service.reports.common import approvals, latest_sign_off, staff_in_scope
from workflow.service.reports.compliance import window_start
from workflow.service.reports.table import Report
from workflow.policy.tags import ANNUAL_SIGN_OFF
from workflow.service.tagged import in_workflow

COLUMNS = [("at", "When (UTC)"), ("care_group", "Care group"), ("team", "Team"), ("person", "Practitioner"),
           ("staff_number", "Staff number"), ("staff_group", "Staff group"), ("activity", "Activity"),
           ("detail", "Detail"), ("plan_id", "Plan"), ("version", "Version"), ("case_id", "Case"),
           ("workflow", "Workflow"), ("from_state", "From"), ("to_state", "To"), ("by", "By"), ("role", "As"),
           ("reason", "Reason")]


def master_log(svc, actor: Actor, *, care_group_id: int | None = None, person_id: int | None = None,
               since: datetime | None = None, until: datetime | None = None) -> Report:
    scope = report_scope(svc.session, actor)
    s = svc.session
    people = {}

    def who(pid):
        if pid is None:
            return None
        if pid not in people:
            people[pid] = s.get(Person, pid)
        return people[pid]

    def base(person: Person) -> dict | None:
        cg = care_group_of(person)
        if scope is not None and (cg is None or cg.id not in scope):
            return None
        if care_group_id is not None and (cg is None or cg.id != care_group_id):
            return None
        if person_id is not None and person.id != person_id:
            return None
        return {"care_group": cg.name if cg else None, "team": person.team.name if person.team else None,
                "person": person.name, "staff_number": person.staff_number, "staff_group": person.staff_group}

    rows = []
    for v, plan in s.execute(select(JobPlanVersion, JobPlan).join(JobPlan, JobPlan.id == JobPlanVersion.job_plan_id)
                             .where(JobPlan.kind == "individual")):
        b = base(who(plan.person_id))
        if b:
            by = who(v.created_by_id)
            rows.append({**b, "at": v.created_at, "activity": "plan version drafted", "detail": v.note,
                         "plan_id": plan.id, "version": v.number, "by": by.name if by else "the system"})
    for sig, v, plan in s.execute(select(Signature, JobPlanVersion, JobPlan)
                                  .join(JobPlanVersion, JobPlanVersion.id == Signature.version_id)
                                  .join(JobPlan, JobPlan.id == JobPlanVersion.job_plan_id)):
        b = base(who(plan.person_id))
        if b:
            rows.append({**b, "at": sig.signed_at, "activity": "plan signed", "plan_id": plan.id,
                         "version": v.number, "by": who(sig.person_id).name, "role": sig.role})
    for ev, case in s.execute(select(Event, Case).join(Case, Case.id == Event.case_id)):
        b = base(who(case.subject_id))
        if b:
            by = who(ev.actor_id)
            rows.append({**b, "at": ev.at, "activity": ev.kind, "detail": ev.trigger, "plan_id": case.job_plan_id,
                         "case_id": case.id, "workflow": case.workflow, "from_state": ev.from_state,
                         "to_state": ev.to_state, "by": by.name if by else "the system", "role": ev.actor_role,
                         "reason": ev.reason})
    if scope is None:  # trust-level facts (sign-ins, tokens, imports, plan edits): the trust-wide offices only
        for ev in s.scalars(select(Event).where(Event.case_id.is_(None))):
            about = who(_person_concerned(ev))
            b = base(about) if about else (None if care_group_id or person_id else
                                           {"care_group": None, "team": None, "person": None, "staff_number": None,
                                            "staff_group": None})
            if b:
                by = who(ev.actor_id)
                rows.append({**b, "at": ev.at, "activity": ev.kind, "detail": ev.subject,
                             "by": by.name if by else ev.payload.get("operator") or ev.actor_role,
                             "role": ev.actor_role, "reason": ev.reason})
    rows = [r for r in rows if (since is None or r["at"] >= since) and (until is None or r["at"] <= until)]
    rows.sort(key=lambda r: (r["care_group"] or "", r["person"] or "", r["at"], r.get("case_id") or 0))
    return Report("master_log", "Master log of job planning activity", COLUMNS, rows)


def _person_concerned(ev: Event) -> int | None:
    """The person a trust-level event is about: its subject, or the person whose plan or token it concerns."""
    if ev.subject.startswith("person:"):
        return int(ev.subject.split(":", 1)[1])
    return (ev.payload or {}).get("person_id")


SUMMARY_COLUMNS = [("care_group", "Care group"), ("team", "Team"), ("person", "Practitioner"),
                   ("staff_number", "Staff number"), ("staff_group", "Staff group"), ("plan_id", "Latest plan"),
                   ("current_version", "Current version"), ("agreed_version", "Agreed version"),
                   ("agreed_at", "Agreed"), ("signed_off_at", "Last approved"),
                   ("sign_off_state", "Sign-off case state"), ("compliant", "Approved in last 12 months")]


def master_log_summary(svc, actor: Actor, *, as_of: datetime | None = None) -> Report:
    """One row per practitioner: the latest plan, its versions, the last sign-off, the case state."""
    scope = report_scope(svc.session, actor)
    as_of = as_of or svc.clock.now()
    s = svc.session
    latest = latest_sign_off(approvals(svc), as_of)
    since = window_start(as_of)
    rows = []
    for st in staff_in_scope(svc, scope):
        p = st.person
        plan = s.scalars(select(JobPlan).where(JobPlan.kind == "individual", JobPlan.person_id == p.id)
                         .order_by(JobPlan.id.desc())).first()
        case = s.scalars(select(Case).where(Case.job_plan_id == plan.id, in_workflow(svc.policies, ANNUAL_SIGN_OFF))
                         .order_by(Case.id.desc())).first() if plan else None
        off = latest.get(p.id)
        rows.append({"care_group": st.care_group, "team": st.team, "person": p.name, "staff_number": p.staff_number,
                     "staff_group": p.staff_group, "plan_id": plan.id if plan else None,
                     "current_version": plan.current_version if plan else None,
                     "agreed_version": plan.agreed_version if plan else None,
                     "agreed_at": plan.agreed_at if plan else None, "signed_off_at": off.at if off else None,
                     "sign_off_state": case.state if case else None,
                     "compliant": bool(off and off.at >= since)})
    rows.sort(key=lambda r: (r["care_group"], r["team"], r["person"]))
    return Report("master_log_summary", "Job planning status by practitioner", SUMMARY_COLUMNS, rows)
