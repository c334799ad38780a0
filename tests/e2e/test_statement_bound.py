"""Issue 15: a request's statement count does not grow with the number of cases, for a trust-wide office
(the Medical Director) and a clinical manager, on the case list, the home page (inbox), the deadline list,
the dashboard, the audit log and the API's case list. Counted with a ``before_cursor_execute`` listener:
the same count at 50 and at 500 cases. A count, not a timing."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from tests.e2e.test_sign_in import login, with_password
from web.extensions import db
from workflow.store import rows
from workflow.store.models import Case, Deadline, Event, Person

PATHS = ["/cases", "/cases?page=3", "/cases?queue=governance", "/", "/dashboard", "/api/v1/cases?page_size=50",
         "/api/v1/deadlines", "/api/v1/audit/events?page_size=50"]


def add_cases(svc, trust, n: int) -> None:
    """``n`` open sign-offs, each of a different practitioner the clinical manager manages (seen by the offices
    too), each with a clock and its opening in the audit log, written in bulk."""
    policy = svc.policies.latest("cpft-medical-2017")
    wf = policy.workflow("sign_off")
    now = svc.clock.now()
    conn = svc.session.connection()
    start = svc.session.query(Person).count()
    for i in range(n):
        subject = conn.execute(insert(Person).returning(Person.id), {
            "name": f"Dr Bulk {start + i}", "email": f"bulk{start + i}@example.org", "staff_group": "consultant",
            "team_id": trust.team.id, "manager_id": trust.manager.id, "active": True,
            "wants_digest": False}).scalar_one()
        case_id = conn.execute(insert(Case).returning(Case.id), {
            "workflow": "sign_off", "policy_id": policy.id, "policy_version": policy.version, "state": wf.initial,
            "subject_id": subject, "manager_id": trust.manager.id,
            "data": {}, "opened_at": now, "updated_at": now, "version": 1}).scalar_one()
        conn.execute(insert(Deadline), {"case_id": case_id, "name": "sign_off", "state": wf.initial,
                                        "kind": "calendar", "starts_at": now,
                                        "due_at": now + timedelta(days=(i * 7) % 60 - 20),
                                        "status": "open", "reminders_sent": 0, "escalation_step": 0,
                                        "extensions": 0})
        rows.refresh_next_due(conn, case_id)  # as the deadlines' one writer does
        conn.execute(insert(Event), {"case_id": case_id, "seq": 1, "at": now, "kind": "opened", "actor_id": None,
                                     "actor_role": "system", "to_state": wf.initial, "payload": {}})
    svc.session.commit()


@contextmanager
def counting():
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements(client, path, headers) -> int:
    client.get(path, headers=headers)  # warm: caches that fill once per process do not count
    with counting() as seen:
        r = client.get(path, headers=headers)
    assert r.status_code in (200, 403), (path, r.status_code)
    return len(seen)


@pytest.mark.parametrize("who", ["md", "manager"])
def test_statements_per_request_do_not_grow_with_cases_issue_15(client, svc, trust, auth, who):
    person = {"md": trust.md, "manager": trust.manager}[who]
    login(client, person.email, with_password(svc, person))
    token = auth(person)
    add_cases(svc, trust, 50)
    small = {p: statements(client, p, token if p.startswith("/api") else {}) for p in PATHS}
    add_cases(svc, trust, 450)
    large = {p: statements(client, p, token if p.startswith("/api") else {}) for p in PATHS}
    assert large == small


REPORT_PATHS = ["/reports/master_log", "/reports/master_log?page=2", "/reports/risks", "/reports/consistency",
                "/api/v1/reports/master_log", "/api/v1/reports/compliance"]


def test_reports_statements_do_not_grow_with_cases_issue_15(client, svc, trust, auth):
    login(client, trust.md.email, with_password(svc, trust.md))
    token = auth(trust.md)
    add_cases(svc, trust, 50)
    small = {p: statements(client, p, token if p.startswith("/api") else {}) for p in REPORT_PATHS}
    add_cases(svc, trust, 450)
    large = {p: statements(client, p, token if p.startswith("/api") else {}) for p in REPORT_PATHS}
    assert large == small


def test_master_log_shows_a_page_and_its_download_streams_every_row_002_7_6_8_issue_15(client, svc, trust, auth):
    from workflow.service.reports.master_log import PAGE_ROWS

    login(client, trust.md.email, with_password(svc, trust.md))
    token = auth(trust.md)  # issuing it is itself in the log: before the pages are read
    add_cases(svc, trust, PAGE_ROWS + 30)  # one "opened" event each, and whatever the trust logged before
    first = client.get("/reports/master_log")
    assert first.status_code == 200
    assert first.get_data(as_text=True).count('<tr class="nhsuk-table__row">') == PAGE_ROWS + 1  # header + a page
    assert "page=2" in first.get_data(as_text=True)
    second = client.get("/reports/master_log?page=2").get_data(as_text=True)
    shown = PAGE_ROWS + second.count('<tr class="nhsuk-table__row">') - 1
    api = client.get("/api/v1/reports/master_log?page=2", headers=token).get_json()
    assert api["page"] == 2 and api["more"] is False and len(api["rows"]) == shown - PAGE_ROWS
    download = client.get("/reports/master_log.csv?page=2")  # a download is every row, whatever the page
    assert download.is_streamed
    lines = download.get_data(as_text=True).strip().splitlines()
    assert len(lines) - 1 == shown >= PAGE_ROWS + 30


def _cursor_paths(client, token) -> list[str]:
    """The second page of the case and deadline lists by cursor (the next_cursor of the first), and a deep
    page by number."""
    import json

    out = []
    for path in ("/api/v1/cases?page_size=20", "/api/v1/deadlines?page_size=20"):
        meta = json.loads(client.get(path, headers=token).headers["X-Pagination"])
        out.append(f"{path}&cursor={meta['next_cursor']}")
    return out + ["/api/v1/cases?page_size=20&page=2", "/api/v1/deadlines?page_size=20&page=2"]


@pytest.mark.parametrize("who", ["md", "manager"])
def test_cursor_pages_statements_do_not_grow_with_cases_issue_15(client, svc, trust, auth, who, monkeypatch):
    from workflow.service import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 100)  # 50 cases counted, 500 more than the cap: the same statements
    person = {"md": trust.md, "manager": trust.manager}[who]
    token = auth(person)
    add_cases(svc, trust, 50)
    small = [statements(client, p, token) for p in _cursor_paths(client, token)]
    add_cases(svc, trust, 450)
    large = [statements(client, p, token) for p in _cursor_paths(client, token)]
    assert large == small and max(large) <= 8


def add_teams(svc, trust, n: int) -> None:
    """``n`` more teams in the care group, each with two consultants, one of whom has an approved plan."""
    from workflow.store.models import JobPlan, OrgUnit

    policy = svc.policies.latest("cpft-medical-2017")
    now = svc.clock.now()
    conn = svc.session.connection()
    start = svc.session.query(OrgUnit).count()
    for i in range(n):
        team = conn.execute(insert(OrgUnit).returning(OrgUnit.id), {"kind": "team", "name": f"Team {start + i}",
                                                                     "parent_id": trust.care_group.id,
                                                                     "row_version": 1}).scalar_one()
        for k in range(2):
            person = conn.execute(insert(Person).returning(Person.id), {
                "name": f"Dr Team {start + i}-{k}", "email": f"team{start + i}-{k}@example.org",
                "staff_group": "consultant", "team_id": team, "manager_id": trust.manager.id, "active": True,
                "wants_digest": False}).scalar_one()
            plan = conn.execute(insert(JobPlan).returning(JobPlan.id), {
                "kind": "individual", "person_id": person, "policy_id": policy.id, "created_at": now,
                "row_version": 1, "current_version": 1, "interim": False}).scalar_one()
            case_id = conn.execute(insert(Case).returning(Case.id), {
                "workflow": "sign_off", "policy_id": policy.id, "policy_version": policy.version, "state": "agreed",
                "subject_id": person, "manager_id": trust.manager.id, "job_plan_id": plan, "data": {},
                "opened_at": now, "updated_at": now, "version": 1}).scalar_one()
            conn.execute(insert(Event), {"case_id": case_id, "seq": 1, "at": now - timedelta(days=30 * (k + 1)),
                                         "kind": "transition", "actor_id": None, "actor_role": "system",
                                         "trigger": "accept_governance_check" if k else "sign",
                                         "to_state": "agreed", "payload": {}})
    svc.session.commit()


def test_dashboard_statements_do_not_grow_with_teams_people_or_approvals_002_7_6_9_issue_15(client, svc, trust, auth):
    login(client, trust.md.email, with_password(svc, trust.md))
    token = auth(trust.md)
    paths = ["/dashboard", "/api/v1/reports/compliance"]
    add_teams(svc, trust, 3)
    small = {p: statements(client, p, token if p.startswith("/api") else {}) for p in paths}
    add_teams(svc, trust, 30)
    large = {p: statements(client, p, token if p.startswith("/api") else {}) for p in paths}
    assert large == small
    body = client.get("/api/v1/reports/compliance", headers=token).get_json()
    assert "Team 38" in str(body)  # the new teams are in the report
