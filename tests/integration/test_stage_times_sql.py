"""Issue 15: the dashboard's stage times are worked out in SQL (window functions; on PostgreSQL the median
too) and give what the event-by-event fold over every case gave before."""
from __future__ import annotations

from collections import defaultdict
from statistics import median

from sqlalchemy import select

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.store.models import Case, Event
from workflow.service.reports.stages import stage_times


def reference(svc):
    """The fold the dashboard used to do over every case and event (kept here as the specification)."""
    now = svc.clock.now()
    cases = {c.id: c for c in svc.session.scalars(select(Case))}
    spans, open_now, entered = defaultdict(list), defaultdict(int), {}
    for e in svc.session.scalars(select(Event).where(Event.kind.in_(("opened", "transition")))
                                 .order_by(Event.case_id, Event.seq)):
        case = cases[e.case_id]
        if e.to_state is None:
            continue
        prev = entered.get(e.case_id)
        if prev is not None and prev[0] != e.to_state:
            spans[(case.workflow, prev[0])].append((e.at - prev[1]).total_seconds() / 86400)
        if prev is None or prev[0] != e.to_state:
            entered[e.case_id] = (e.to_state, e.at)
    for cid, (state, at) in entered.items():
        if cases[cid].closed_at is None:
            spans[(cases[cid].workflow, state)].append((now - at).total_seconds() / 86400)
            open_now[(cases[cid].workflow, state)] += 1
    return {(w, s): (len(d), round(median(d), 1), round(max(d), 1), open_now[(w, s)]) for (w, s), d in spans.items()}


def test_stage_times_in_sql_match_the_fold_over_events_issue_15(svc, trust, clock):
    for person in (trust.doctor, trust.colleague):
        plan = svc.create_job_plan(actor(trust.manager), person.id, complete_plan())
        case = svc.start_case(actor(trust.manager), "sign_off", person.id, job_plan_id=plan.id)
        clock.advance(days=3)
        svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-02"})
        clock.advance(days=5)
        if person is trust.doctor:
            svc.fire(actor(trust.doctor), case.id, "sign", {})
            clock.advance(days=2)
    report = stage_times(svc, actor(trust.md))
    expected = reference(svc)
    policy = svc.policies.latest("cpft-medical-2017")
    got = {}
    for row in report.rows:
        wf = next(w for w in policy.workflows.values() if w.title == row["workflow"])
        state = next(s.name for s in wf.states if s.title == row["stage"])
        got[(next(k for k, v in policy.workflows.items() if v is wf), state)] = (
            row["cases"], row["median_days"], row["longest_days"], row["open_now"])
    assert got == expected and len(got) >= 2
