"""Issue 15: the dashboard's figures are aggregates in SQL (GROUP BY under the reader's scope), and equal what
the old code gave when it read every person and every approval into Python (kept below as the specification),
on a mixed trust: care groups and teams nested below teams, people with no team or no care group, leavers,
staff groups no policy covers, approvals inside and outside the 12 months (002 7.6.9, 10; 004 KPIs), steps
of the same name that approve nothing, team plans, open and closed cases in several stages."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import insert, select

from tests.conftest import actor
from tests.integration.test_stage_times_sql import reference as stage_reference
from workflow.store.models import Case, Deadline, Event, JobPlan, OrgUnit, Person
from workflow.service.report_scope import care_group_of, in_scope, report_scope
from workflow.service.reports.common import approval_steps
from workflow.service.reports.compliance import TARGET, compliance_report, window_start
from workflow.service.reports.stages import headline_counts, stage_times


# ---- the old code, as it was: every person and every approval read into Python --------------------------

def old_compliance_rows(svc, who, as_of):
    scope = report_scope(svc.session, who)
    groups = {g for p in svc.policies.all() for g in p.staff_groups}
    staff = []
    for p in svc.session.scalars(select(Person).where(Person.active.is_(True), Person.staff_group.in_(groups))
                                 .order_by(Person.id)).all():
        if in_scope(scope, p):
            cg = care_group_of(p)
            staff.append((p, p.team.name if p.team else "(no team)", cg.name if cg else "(no care group)"))
    steps = approval_steps(svc.policies)
    offs = sorted(((pid, at) for pid, pol, ver, wf, trig, at in svc.session.execute(
        select(JobPlan.person_id, Case.policy_id, Case.policy_version, Case.workflow, Event.trigger, Event.at)
        .join(Case, Case.id == Event.case_id).join(JobPlan, JobPlan.id == Case.job_plan_id)
        .where(JobPlan.kind == "individual", Event.trigger.in_({s[3] for s in steps}))).all()
        if (pol, ver, wf, trig) in steps), key=lambda s: s[1])
    latest = {}
    for pid, at in offs:
        if at <= as_of:
            latest[pid] = at
    ids = {p.id for p, _, _ in staff}
    ok = {pid for pid, at in latest.items() if pid in ids and at >= window_start(as_of)}

    def row(dimension, group, n, k):
        share = k / n if n else None
        return {"dimension": dimension, "group": group, "staff": n, "compliant": k, "not_compliant": n - k,
                "share": share, "target": TARGET, "meets_target": None if share is None else share > TARGET + 1e-12,
                "to_reach_target": 0 if not n else max(0, min(n, math.floor(TARGET * n + 1e-9) + 1) - k)}

    rows = [row("trust" if scope is None else "scope", "All staff in scope", len(staff), len(ok))]
    for dim, key in (("care_group", lambda s: s[2]), ("team", lambda s: f"{s[2]} / {s[1]}"),
                     ("staff_group", lambda s: s[0].staff_group)):
        counts = defaultdict(lambda: [0, 0])
        for s in staff:
            c = counts[key(s)]
            c[0] += 1
            c[1] += s[0].id in ok
        rows += [row(dim, g, n, k) for g, (n, k) in sorted(counts.items())]
    return rows


def old_headline_counts(svc, who):
    from workflow.policy.tags import APPEAL, MEDIATION

    scope = report_scope(svc.session, who)
    now = svc.clock.now()
    from workflow.store.deadline_rules import is_overdue

    cases = [c for c in svc.session.scalars(select(Case)) if c.closed_at is None and in_scope(scope, c.subject)]
    tagged = {t: {(p.id, p.version, name) for p in svc.policies.all() for name, wf in p.workflows.items()
                  if t in wf.tags} for t in (MEDIATION, APPEAL)}
    open_ids = {c.id for c in cases}
    overdue = sum(1 for d in svc.session.scalars(select(Deadline)) if d.case_id in open_ids and is_overdue(d, now))
    return {"open_cases": len(cases), "overdue_deadlines": overdue,
            "open_mediations": sum((c.policy_id, c.policy_version, c.workflow) in tagged[MEDIATION] for c in cases),
            "open_appeals": sum((c.policy_id, c.policy_version, c.workflow) in tagged[APPEAL] for c in cases)}


# ---- a mixed trust -------------------------------------------------------------------------------------

def mixed_trust(svc, trust, clock):
    s = svc.session
    service = OrgUnit(kind="team", name="Older Adults", parent=trust.team)  # a team below a team
    loose = OrgUnit(kind="team", name="Unattached", parent=trust.trust)  # a team under no care group
    s.add_all([service, loose])
    s.flush()
    now = clock.now()
    units = [trust.team, trust.other_team, trust.ward, service, loose, None]
    groups = ["consultant", "specialty_doctor", "nurse", "ahp", "salaried_dentist", "porter", None]
    steps = sorted(approval_steps(svc.policies))
    conn = s.connection()
    people = []
    for i in range(70):
        unit = units[i % len(units)]
        people.append(conn.execute(insert(Person).returning(Person.id), {
            "name": f"Dr Mixed {i}", "email": f"mixed{i}@example.org", "staff_group": groups[i % len(groups)],
            "team_id": unit.id if unit else None, "manager_id": trust.manager.id, "active": i % 11 != 3,
            "wants_digest": False}).scalar_one())
    for i, pid in enumerate(people):
        kind = "team" if i % 13 == 5 else "individual"
        plan = conn.execute(insert(JobPlan).returning(JobPlan.id), {
            "kind": kind, "person_id": pid if kind == "individual" else None,
            "team_id": trust.team.id if kind == "team" else None, "policy_id": steps[i % len(steps)][0],
            "created_at": now, "row_version": 1, "current_version": 1, "interim": False}).scalar_one()
        pol, ver, wf, trig = steps[i % len(steps)]
        wrong_wf = i % 7 == 2  # the approving trigger's name in a workflow where it approves nothing
        closed = now - timedelta(days=3) if i % 4 == 0 else None
        case_id = conn.execute(insert(Case).returning(Case.id), {
            "workflow": "disagreement" if wrong_wf else wf, "policy_id": pol, "policy_version": ver,
            "state": "draft", "subject_id": pid, "manager_id": trust.manager.id, "job_plan_id": plan, "data": {},
            "opened_at": now - timedelta(days=500), "updated_at": now, "closed_at": closed,
            "version": 1}).scalar_one()
        for seq, days_ago in enumerate((400 - (i * 37) % 420, (i * 53) % 380 - 10)[: 1 + i % 2], start=1):
            conn.execute(insert(Event), {"case_id": case_id, "seq": seq, "at": now - timedelta(days=days_ago),
                                         "kind": "transition", "actor_id": None, "actor_role": "system",
                                         "trigger": trig if i % 9 != 4 else "sign", "to_state": "agreed",
                                         "payload": {}})
        status = ["open", "met", "breached", "paused"][i % 4]
        conn.execute(insert(Deadline), {"case_id": case_id, "name": "review", "state": "draft", "kind": "calendar",
                                        "starts_at": now - timedelta(days=60),
                                        "due_at": now + timedelta(days=(i * 5) % 40 - 20), "status": status,
                                        "closed_at": now if status in ("met", "breached") else None,
                                        "paused_at": now if status == "paused" else None,
                                        "reminders_sent": 0, "escalation_step": 0, "extensions": 0})
    s.commit()
    # some real stages too, with time between the steps
    from tests.factories import complete_plan

    for person in (trust.doctor, trust.colleague):
        plan = svc.create_job_plan(actor(trust.manager), person.id, complete_plan())
        case = svc.start_case(actor(trust.manager), "sign_off", person.id, job_plan_id=plan.id)
        clock.advance(days=2)
        svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-02"})
        clock.advance(days=4 if person is trust.doctor else 1)
    s.commit()


def test_dashboard_figures_in_sql_equal_the_old_fold_on_a_mixed_trust_002_7_6_9_issue_15(svc, trust, clock):
    mixed_trust(svc, trust, clock)
    now = clock.now()
    for who in (trust.md, trust.amd, trust.other_amd, trust.hr):
        for as_of in (now, now - timedelta(days=200), now + timedelta(days=30)):
            got = compliance_report(svc, actor(who), as_of=as_of).rows
            assert got == old_compliance_rows(svc, actor(who), as_of), (who.name, as_of)
        assert headline_counts(svc, actor(who)) == old_headline_counts(svc, actor(who))
    rows = compliance_report(svc, actor(trust.md)).rows
    assert {r["dimension"] for r in rows} == {"trust", "care_group", "team", "staff_group"}
    assert any(r["group"] == "(no care group)" for r in rows) and 0 < rows[0]["compliant"] < rows[0]["staff"]


def test_stage_times_in_sql_equal_the_old_fold_on_a_mixed_trust_issue_15(svc, trust, clock):
    mixed_trust(svc, trust, clock)
    names = {(w.title, st.title): (name, st.name) for p in svc.policies.all() for name, w in p.workflows.items()
             for st in w.states}
    got = {}
    for row in stage_times(svc, actor(trust.md)).rows:
        key = names.get((row["workflow"], row["stage"]))
        got[key or (row["workflow"], row["stage"])] = (row["cases"], row["median_days"], row["longest_days"],
                                                       row["open_now"])
    expected = {k: v for k, v in stage_reference(svc).items()}
    assert got == expected and len(got) >= 3
