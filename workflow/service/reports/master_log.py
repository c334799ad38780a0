"""The master log of all job planning activity, per individual and care group (002 7.6.8): every plan
version drafted, every signature, and every event of every case (opened, steps, reminders, breaches,
escalations), oldest first; for the trust-wide offices also the trust-level facts of the audit log (sign-ins,
API tokens, staff imports, plan edits); and a one-line-per-person summary."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, and_, cast, func, literal, null, or_, select, true, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased

from workflow.actors import Actor
from workflow.store.models import Case, Event, JobPlan, JobPlanVersion, OrgUnit, Person, Signature
from workflow.service.report_scope import report_scope
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


PAGE_ROWS = 200  # a page of the master log on screen; a download streams every row


def master_log(svc, actor: Actor, *, care_group_id: int | None = None, person_id: int | None = None,
               since: datetime | None = None, until: datetime | None = None, page: int | None = 1) -> Report:
    """Every activity in scope, by care group, practitioner, then time: one SQL query that filters, orders and
    pages in the database (``page``: ``PAGE_ROWS`` rows; ``None``: every row, read as the caller iterates, for a
    download that streams). What is loaded is what is shown, however many cases the trust keeps."""
    scope = report_scope(svc.session, actor)
    s = svc.session
    teams = _teams(s)  # a trust's teams (hundreds at most): their care group, for the order and the scope
    allowed = [tid for tid, (cg_id, _, _) in teams.items()
               if (scope is None or cg_id in scope) and (care_group_id is None or cg_id == care_group_id)]
    by = aliased(Person)

    def in_reach(person_col):
        terms = [person_col.in_(select(Person.id).where(Person.team_id.in_(allowed)))]
        if scope is None and care_group_id is None:
            terms.append(person_col.in_(select(Person.id).where(Person.team_id.is_(None))))
        cond = or_(*terms)
        return and_(cond, person_col == person_id) if person_id is not None else cond

    def when_ok(at_col):
        return and_(at_col >= since if since is not None else true(), at_col <= until if until is not None else true())

    nothing = null()
    drafted = (select(JobPlanVersion.created_at.label("at"), JobPlan.person_id.label("pid"),
                      literal("plan version drafted").label("activity"), JobPlanVersion.note.label("detail"),
                      JobPlan.id.label("plan_id"), JobPlanVersion.number.label("version"),
                      cast(nothing, Integer).label("case_id"),  # typed, so PostgreSQL can match the UNION's columns
                      cast(nothing, String).label("workflow"), cast(nothing, String).label("from_state"),
                      cast(nothing, String).label("to_state"), JobPlanVersion.created_by_id.label("by_id"),
                      cast(nothing, String).label("role"), cast(nothing, String).label("reason"),
                      literal("the system").label("by_else"))
               .join(JobPlan, JobPlan.id == JobPlanVersion.job_plan_id)
               .where(JobPlan.kind == "individual", in_reach(JobPlan.person_id), when_ok(JobPlanVersion.created_at)))
    signed = (select(Signature.signed_at, JobPlan.person_id, literal("plan signed"), nothing, JobPlan.id,
                     JobPlanVersion.number, nothing, nothing, nothing, nothing, Signature.person_id, Signature.role,
                     nothing, nothing)
              .join(JobPlanVersion, JobPlanVersion.id == Signature.version_id)
              .join(JobPlan, JobPlan.id == JobPlanVersion.job_plan_id)
              .where(in_reach(JobPlan.person_id), when_ok(Signature.signed_at)))
    stepped = (select(Event.at, Case.subject_id, Event.kind, Event.trigger, Case.job_plan_id, nothing, Case.id,
                      Case.workflow, Event.from_state, Event.to_state, Event.actor_id, Event.actor_role, Event.reason,
                      literal("the system"))
               .join(Case, Case.id == Event.case_id)
               .where(in_reach(Case.subject_id), when_ok(Event.at)))
    parts = [drafted, signed, stepped]
    if scope is None:  # trust-level facts (sign-ins, tokens, imports, plan edits): the trust-wide offices only
        about = sql_case((Event.subject.like("person:%"), cast(func.substr(Event.subject, 8), Integer)),
                         else_=Event.payload["person_id"].as_integer())
        reach = in_reach(about)
        if care_group_id is None and person_id is None:
            reach = or_(reach, about.is_(None))
        parts.append(select(Event.at, about, Event.kind, Event.subject, nothing, nothing, nothing, nothing, nothing,
                            nothing, Event.actor_id, Event.actor_role, Event.reason,
                            func.coalesce(Event.payload["operator"].as_string(), Event.actor_role))
                     .where(Event.case_id.is_(None), reach, when_ok(Event.at)))
    log = union_all(*parts).subquery("activity")
    subject, team = aliased(Person), aliased(OrgUnit)
    named = {tid: cg for tid, (_, cg, _) in teams.items() if cg is not None}
    care_group = sql_case(named, value=subject.team_id, else_=null()) if named else null()
    q = (select(log, subject.name.label("person"), subject.staff_number, subject.staff_group,
                care_group.label("care_group"), team.name.label("team"), by.name.label("by_name"))
         .outerjoin(subject, subject.id == log.c.pid)
         .outerjoin(team, team.id == subject.team_id)
         .outerjoin(by, by.id == log.c.by_id)
         .order_by(func.coalesce(care_group, ""), func.coalesce(subject.name, ""), log.c.at,
                   func.coalesce(log.c.case_id, 0)))
    report = Report("master_log", "Master log of job planning activity", COLUMNS, [])
    if page is None:  # read in chunks as the file is written (no server-side cursor: it would not outlive
        report.rows = _chunks(s, q)  # the request's transaction on PostgreSQL), never the whole log at once
        return report
    rows = [_row(r) for r in s.execute(q.offset((page - 1) * PAGE_ROWS).limit(PAGE_ROWS + 1))]
    report.rows, report.page = rows[:PAGE_ROWS], page
    report.more = len(rows) > PAGE_ROWS
    return report


DOWNLOAD_CHUNK = 2000


def _chunks(session, q):
    at = 0
    while True:
        chunk = session.execute(q.offset(at).limit(DOWNLOAD_CHUNK)).all()
        yield from (_row(r) for r in chunk)
        if len(chunk) < DOWNLOAD_CHUNK:
            return
        at += DOWNLOAD_CHUNK


def _row(r) -> dict:
    return {"at": r.at, "care_group": r.care_group, "team": r.team, "person": r.person,
            "staff_number": r.staff_number, "staff_group": r.staff_group, "activity": r.activity, "detail": r.detail,
            "plan_id": r.plan_id, "version": r.version, "case_id": r.case_id, "workflow": r.workflow,
            "from_state": r.from_state, "to_state": r.to_state, "by": r.by_name or r.by_else, "role": r.role,
            "reason": r.reason}


def _teams(session) -> dict[int, tuple[int | None, str | None, str]]:
    """Each team's (care group id, care group name, team name): what ``care_group_of`` gives its people."""
    units = {u.id: u for u in session.scalars(select(OrgUnit))}
    out = {}
    for u in units.values():
        cg = u.ancestor("care_group")
        out[u.id] = (cg.id if cg else None, cg.name if cg else None, u.name)
    return out


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
