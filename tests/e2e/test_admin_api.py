"""Issue 17 item 2-3, attacked: every administration endpoint answers other roles' tokens with 403 (or 404),
crafted input with 422 naming the field, and a stale or missing If-Match with 409 / 428; leavers, dated role
assignments, the panel list's review date, accounts and governance data do what the issue says."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.test_sign_in import csrf_token, login
from tests.factories import make_trust_admin
from workflow.store.models import Event, OutboxMessage, Person, RoleAssignment



@pytest.fixture
def admin(svc, trust):
    return make_trust_admin(svc.session, trust)


def _problem(r, status, field=None):
    body = r.get_json()
    assert r.status_code == status, (r.status_code, body)
    if field:  # a schema error nests its fields under the location (one 422 shape is issue 17 item 9's)
        errors = body.get("errors") or {}
        assert field in errors or field in errors.get("json", {}), body
        assert body["detail"], body
    return body


NOT_ADMIN = ("md", "hr", "ceo", "directorate", "amd", "manager", "doctor")


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_issue_17_only_the_trust_admin_creates_care_groups_and_assigns_roles(client, auth, trust, admin, who):
    h = auth(getattr(trust, who))
    body = _problem(client.post("/api/v1/org-units", headers=h, json={"kind": "care_group", "name": "X"}), 403)
    assert "administrator" in body["detail"]
    _problem(client.post("/api/v1/role-assignments", headers=h,
                         json={"person_id": trust.doctor.id, "role": "medical_director"}), 403)
    unit = client.get(f"/api/v1/org-units/{trust.team.id}", headers=h)
    _problem(client.patch(f"/api/v1/org-units/{trust.team.id}", headers={**h, "If-Match": unit.headers["ETag"]},
                          json={"name": "Renamed"}), 403)
    ok = client.post("/api/v1/org-units", headers=auth(admin), json={"kind": "care_group", "name": "X"})
    assert ok.status_code == 201


@pytest.mark.parametrize("who", ("md", "ceo", "directorate", "amd", "manager", "doctor"))
def test_issue_17_people_and_accounts_are_kept_by_the_admin_and_hr_only(client, auth, trust, admin, who):
    h = auth(getattr(trust, who))
    _problem(client.post("/api/v1/people", headers=h, json={"name": "New", "email": "new@example.org"}), 403)
    _problem(client.post(f"/api/v1/people/{trust.colleague.id}/invitation", headers=h), 403)
    _problem(client.get(f"/api/v1/people/{trust.colleague.id}/handover", headers=h), 403)
    for keeper in (admin, trust.hr):
        r = client.post("/api/v1/people", headers=auth(keeper),
                        json={"name": "New", "email": f"new.{keeper.id}@example.org"})
        assert r.status_code == 201, r.get_json()


def test_7_8_12_the_panel_list_is_kept_by_the_ce_office_and_the_admin_only(client, auth, trust, admin):
    for who in ("hr", "md", "doctor", "amd"):
        _problem(client.post("/api/v1/panel-list/members", headers=auth(getattr(trust, who)),
                             json={"person_id": trust.chair.id}), 403)
        _problem(client.post("/api/v1/panel-list/reviews", headers=auth(getattr(trust, who)),
                             json={"reviewed_on": "2027-02-01"}), 403)
    assert client.post("/api/v1/panel-list/members", headers=auth(trust.ceo),
                       json={"person_id": trust.chair.id}).status_code == 201


def test_issue_17_anonymous_callers_get_401(client):
    for method, path in (("post", "/api/v1/org-units"), ("post", "/api/v1/people"),
                         ("post", "/api/v1/role-assignments"), ("get", "/api/v1/panel-list"),
                         ("put", "/api/v1/me/preferences")):
        assert getattr(client, method)(path, json={}).status_code == 401


CRAFTED = [
    ("post", "/api/v1/org-units", {"kind": "trust", "name": "Second trust"}, "kind"),
    ("post", "/api/v1/org-units", {"kind": "team", "name": "Orphan"}, "parent_id"),
    ("post", "/api/v1/org-units", {"kind": "care_group", "name": "   "}, "name"),
    ("post", "/api/v1/org-units", {"kind": "care_group", "name": "Mental Health"}, "name"),
    ("post", "/api/v1/org-units", {"kind": "care_group", "name": "X", "colour": "red"}, "colour"),
    ("post", "/api/v1/people", {"name": "A", "email": "not-an-email"}, "email"),
    ("post", "/api/v1/people", {"name": "A", "email": "p1@example.org"}, "email"),
    ("post", "/api/v1/people", {"name": "A", "email": "a@example.org", "contracted_pas": 10,
                                "contracted_hours": 37.5}, "contracted_pas"),
    ("post", "/api/v1/people", {"name": "A", "email": "a@example.org", "staff_group": "astronaut"}, "staff_group"),
    ("post", "/api/v1/people", {"name": "A", "email": "a@example.org", "start_date": "2027-02-30"}, "start_date"),
    ("post", "/api/v1/people", {"name": "A", "email": "a@example.org", "start_date": "2027-02-01",
                                "leave_date": "2026-01-01"}, "leave_date"),
    ("post", "/api/v1/people", {"name": "A", "email": "a@example.org", "contracted_pas": -1}, "contracted_pas"),
    ("post", "/api/v1/people", {"name": "A", "email": "a@example.org", "manager_id": 999999}, "manager_id"),
    ("post", "/api/v1/role-assignments", {"person_id": "{doctor}", "role": "emperor"}, "role"),
    ("post", "/api/v1/role-assignments", {"person_id": "{doctor}", "role": "associate_medical_director"}, "org_unit_id"),
    ("post", "/api/v1/role-assignments", {"person_id": "{doctor}", "role": "associate_medical_director",
                                          "org_unit_id": "{team}"}, "org_unit_id"),
    ("post", "/api/v1/role-assignments", {"person_id": "{doctor}", "role": "hr", "valid_from": "2027-05-01",
                                          "valid_to": "2027-04-01"}, "valid_to"),
    ("post", "/api/v1/role-assignments", {"person_id": "{md}", "role": "medical_director"}, "role"),
    ("post", "/api/v1/panel-list/reviews", {"reviewed_on": "2030-01-01"}, "reviewed_on"),
    ("put", "/api/v1/agreed-splits", {"job_title": "Nurse", "dcc": 0.9, "spa": 0.9, "other": 0}, "dcc"),
    ("post", "/api/v1/risks", {"care_group_id": "{group}", "title": "T", "description": "D", "likelihood": 9,
                               "impact": 1}, "likelihood"),
    ("put", "/api/v1/me/preferences", {"daily_digest": "sometimes"}, "daily_digest"),
]


@pytest.mark.parametrize("method,path,body,field", CRAFTED, ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CRAFTED])
def test_issue_17_crafted_input_is_a_422_that_names_the_field_and_writes_nothing(client, auth, trust, admin, svc,
                                                                                method, path, body, field):
    ids = {"{doctor}": trust.doctor.id, "{team}": trust.team.id, "{md}": trust.md.id, "{group}": trust.care_group.id}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    who = trust.directorate if "splits" in path or "risks" in path else admin
    before = svc.session.query(Event).count()
    _problem(getattr(client, method)(path, headers=auth(who), json=body), 422, field)
    svc.session.expire_all()
    assert svc.session.query(Event).count() == before + 1  # only the token issued for the request


def test_issue_17_a_manager_chain_never_loops(client, auth, trust, admin):
    h = auth(admin)
    tag = client.get(f"/api/v1/people/{trust.manager.id}", headers=h).headers["ETag"]
    r = client.patch(f"/api/v1/people/{trust.manager.id}", headers={**h, "If-Match": tag},
                     json={"manager_id": trust.doctor.id})
    assert "through the chain" in _problem(r, 422, "manager_id")["detail"]
    r = client.patch(f"/api/v1/people/{trust.manager.id}", headers={**h, "If-Match": tag},
                     json={"manager_id": trust.manager.id})
    _problem(r, 422, "manager_id")


def test_issue_17_an_edit_needs_if_match_and_the_second_of_two_edits_from_one_read_is_a_409(client, auth, trust,
                                                                                          admin):
    h = auth(admin)
    for path, body in ((f"/api/v1/people/{trust.doctor.id}", {"job_title": "Consultant"}),
                       (f"/api/v1/org-units/{trust.team.id}", {"name": "Adult Mental Health"})):
        assert client.patch(path, headers=h, json=body).status_code == 428
        tag = client.get(path, headers=h).headers["ETag"]
        first = client.patch(path, headers={**h, "If-Match": tag}, json=body)
        assert first.status_code == 200 and first.headers["ETag"] != tag
        second = client.patch(path, headers={**h, "If-Match": tag}, json=body)
        assert "changed since you loaded it" in _problem(second, 409)["detail"]
    a = client.post("/api/v1/role-assignments", headers=h, json={"person_id": trust.colleague.id, "role": "hr"})
    tag = a.headers["ETag"]
    path = f"/api/v1/role-assignments/{a.get_json()['id']}"
    assert client.patch(path, headers={**h, "If-Match": tag}, json={"valid_to": "2027-12-31"}).status_code == 200
    _problem(client.patch(path, headers={**h, "If-Match": tag}, json={"valid_to": "2027-06-30"}), 409)


def test_issue_17_a_leaver_is_deactivated_and_their_open_cases_are_listed_not_lost(client, auth, trust, admin, svc,
                                                                                 sign_off):
    h = auth(admin)
    leaver_token = auth(trust.manager)
    tag = client.get(f"/api/v1/people/{trust.manager.id}", headers=h).headers["ETag"]
    r = client.patch(f"/api/v1/people/{trust.manager.id}", headers={**h, "If-Match": tag},
                     json={"leave_date": "2027-03-01"})
    assert r.status_code == 200 and r.get_json()["active"] is False
    handover = client.get(f"/api/v1/people/{trust.manager.id}/handover", headers=h).get_json()
    assert [c["id"] for c in handover["open_cases"]] == [sign_off.case.id]
    assert handover["open_cases"][0]["as"] == "clinical_manager"
    assert {p["id"] for p in handover["managed_people"]} == {trust.doctor.id, trust.colleague.id}
    case = client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.directorate)).get_json()
    assert case["closed_at"] is None
    assert client.get("/api/v1/cases", headers=leaver_token).status_code == 401
    kinds = [e.kind for e in svc.session.scalars(select(Event).where(Event.subject == f"person:{trust.manager.id}"))]
    assert "person_left" in kinds


def test_issue_17_a_leave_date_ahead_is_recorded_and_the_person_stays_active(client, auth, trust, admin):
    h = auth(admin)
    tag = client.get(f"/api/v1/people/{trust.doctor.id}", headers=h).headers["ETag"]
    r = client.patch(f"/api/v1/people/{trust.doctor.id}", headers={**h, "If-Match": tag},
                     json={"leave_date": "2027-09-30"})
    assert r.get_json()["active"] is True and r.get_json()["leave_date"] == "2027-09-30"


def test_issue_17_a_role_is_held_only_between_its_first_and_last_day(client, auth, trust, admin, clock):
    h = auth(admin)
    later = client.post("/api/v1/role-assignments", headers=h,
                        json={"person_id": trust.colleague.id, "role": "hr", "valid_from": "2027-04-01"})
    assert later.status_code == 201
    colleague = auth(trust.colleague)
    _problem(client.post("/api/v1/people", headers=colleague, json={"name": "N", "email": "n@example.org"}), 403)
    clock.advance(days=31)  # 1 April 2027: now HR
    assert client.post("/api/v1/people", headers=colleague,
                       json={"name": "N", "email": "n@example.org"}).status_code == 201
    # HR's own assignment ends yesterday: HR may no longer.
    hr_row = client.get(f"/api/v1/role-assignments?person={trust.hr.id}", headers=h).get_json()[0]
    tag = client.get(f"/api/v1/role-assignments/{hr_row['id']}", headers=h).headers["ETag"]
    assert client.patch(f"/api/v1/role-assignments/{hr_row['id']}", headers={**h, "If-Match": tag},
                        json={"valid_to": "2027-03-31"}).status_code == 200
    _problem(client.post("/api/v1/people", headers=auth(trust.hr), json={"name": "M", "email": "m@example.org"}), 403)
    current = client.get("/api/v1/role-assignments?role=hr&current=true", headers=h).get_json()
    assert trust.hr.id not in {a["person_id"] for a in current}


def test_issue_17_the_last_administrator_cannot_end_their_own_role(client, auth, trust, admin):
    h = auth(admin)
    row = client.get("/api/v1/role-assignments?role=trust_admin", headers=h).get_json()[0]
    tag = client.get(f"/api/v1/role-assignments/{row['id']}", headers=h).headers["ETag"]
    _problem(client.patch(f"/api/v1/role-assignments/{row['id']}", headers={**h, "If-Match": tag},
                          json={"valid_to": "2027-03-01"}), 422, "valid_to")


def test_7_8_12_a_panel_list_past_its_review_date_is_flagged(client, auth, trust, admin, clock):
    h = auth(admin)
    never = client.get("/api/v1/panel-list", headers=h).get_json()
    assert never["review_overdue"] is True and never["last_reviewed_on"] is None and never["review_months"] == 12
    assert {m["person_id"] for m in never["members"]} == {p.id for p in trust.panel_list}
    reviewed = client.post("/api/v1/panel-list/reviews", headers=auth(trust.ceo),
                           json={"reviewed_on": "2027-02-28", "note": "BMA and BDA agreed"}).get_json()
    assert reviewed["review_overdue"] is False and reviewed["review_due_on"] == "2028-02-28"
    clock.advance(days=366)  # 1 March 2028
    assert client.get("/api/v1/panel-list", headers=h).get_json()["review_overdue"] is True


def test_issue_17_an_invitation_emails_a_one_time_link_with_which_the_person_sets_a_password(client, auth, trust,
                                                                                           admin, svc):
    r = client.post(f"/api/v1/people/{trust.colleague.id}/invitation", headers=auth(trust.hr))
    assert r.status_code == 201 and r.get_json()["email"] == trust.colleague.email and "url" not in r.get_json()
    mail = svc.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == trust.colleague.id))
    path = re.search(r"https?://[^/\s]+(/account/set-password/\S+)", mail.body_text).group(1)
    done = client.post(path, data={"password": "a long enough pass", "confirm": "a long enough pass",
                                   "csrf_token": csrf_token(client)})
    assert done.status_code == 302
    assert login(client, trust.colleague.email, "a long enough pass").status_code == 302


def test_issue_17_a_disabled_account_signs_in_by_no_route_and_its_sessions_end(app, client, auth, trust, admin, svc):
    from tests.e2e.test_sign_in import with_password
    from tests.security.test_sessions_and_headers import FreshClient

    app.test_client_class = FreshClient
    browser = app.test_client()
    login(browser, trust.doctor.email, with_password(svc, trust.doctor))
    assert browser.get("/").status_code == 200
    token = auth(trust.doctor)
    h = auth(admin)
    tag = client.get(f"/api/v1/people/{trust.doctor.id}", headers=h).headers["ETag"]
    _problem(client.put(f"/api/v1/people/{trust.doctor.id}/account", headers={**h, "If-Match": tag},
                        json={"enabled": "maybe"}), 422, "enabled")
    r = client.put(f"/api/v1/people/{trust.doctor.id}/account", headers={**h, "If-Match": tag}, json={"enabled": False})
    assert r.status_code == 200 and r.get_json()["sign_in_disabled"] is True and r.get_json()["active"] is True
    assert browser.get("/").status_code == 302
    assert client.get("/api/v1/cases", headers=token).status_code == 401
    assert login(app.test_client(), trust.doctor.email, with_password(svc, trust.doctor)).status_code != 302
    _problem(client.post(f"/api/v1/people/{trust.doctor.id}/invitation", headers=h), 409)
    tag = r.headers["ETag"]
    assert client.put(f"/api/v1/people/{trust.doctor.id}/account", headers={**h, "If-Match": tag},
                      json={"enabled": True}).get_json()["sign_in_disabled"] is False
    svc.session.expire_all()
    assert {e.kind for e in svc.session.scalars(select(Event).where(Event.subject == f"person:{trust.doctor.id}"))} >= {
        "account_disabled", "account_enabled"}


def test_issue_17_each_person_chooses_the_daily_digest_for_themselves(client, auth, trust, svc):
    h = auth(trust.doctor)
    assert client.get("/api/v1/me/preferences", headers=h).get_json() == {"daily_digest": False}
    assert client.put("/api/v1/me/preferences", headers=h, json={"daily_digest": True}).get_json() == {
        "daily_digest": True}
    svc.session.expire_all()
    assert svc.session.get(Person, trust.doctor.id).wants_digest is True
    assert svc.session.get(Person, trust.colleague.id).wants_digest is False


def test_004_an_agreed_split_and_002_7_10_a_risk_with_its_owner_feed_the_reports(client, auth, trust):
    h = auth(trust.directorate)
    _problem(client.put("/api/v1/agreed-splits", headers=auth(trust.doctor),
                        json={"job_title": "Consultant", "dcc": 0.75, "spa": 0.25, "other": 0}), 403)
    r = client.put("/api/v1/agreed-splits", headers=h,
                   json={"job_title": "Consultant", "band": "", "dcc": 0.75, "spa": 0.25, "other": 0})
    assert r.status_code == 200
    assert [s["job_title"] for s in client.get("/api/v1/agreed-splits", headers=h).get_json()] == ["Consultant"]
    risk = client.post("/api/v1/risks", headers=auth(trust.amd), json={
        "care_group_id": trust.care_group.id, "title": "Two vacancies", "description": "Rota gaps", "likelihood": 4,
        "impact": 3, "owner_id": trust.amd.id})
    assert risk.status_code == 201 and risk.get_json()["score"] == 12 and risk.get_json()["owner_id"] == trust.amd.id
    report = client.get("/api/v1/reports/risks", headers=h).get_json()
    assert [(row["title"], row["owner"]) for row in report["rows"]] == [("Two vacancies", trust.amd.name)]


def test_issue_17_two_edits_at_once_from_one_read_end_in_one_winner(app, client, auth, trust, admin, svc):
    from tests.security.test_appointment import _race

    h = auth(admin)
    tag = client.get(f"/api/v1/people/{trust.doctor.id}", headers=h).headers["ETag"]
    answers = _race(app, [("patch", f"/api/v1/people/{trust.doctor.id}",
                           {"headers": {**h, "If-Match": tag}, "json": {"job_title": f"Title {i}"}}) for i in range(6)])
    assert sorted(code for code, _ in answers) == [200] + [409] * 5, answers
    winner = next(body for code, body in answers if code == 200)
    svc.session.rollback()
    assert svc.session.get(Person, trust.doctor.id).job_title == winner["job_title"]


def test_issue_17_the_same_role_assigned_twice_at_once_is_held_once(app, client, auth, trust, admin, svc):
    from tests.security.test_appointment import _race

    h = auth(admin)
    answers = _race(app, [("post", "/api/v1/role-assignments",
                           {"headers": h, "json": {"person_id": trust.colleague.id, "role": "job_planning_lead"}})] * 6)
    codes = sorted(code for code, _ in answers)
    assert codes[0] == 201 and codes[1:] and all(c in (409, 422) for c in codes[1:]), answers
    svc.session.rollback()
    assert len(svc.session.scalars(select(RoleAssignment).where(RoleAssignment.role == "job_planning_lead")).all()) == 1


def test_issue_17_a_leave_date_ahead_deactivates_the_person_when_it_comes(app, client, auth, trust, admin, svc, clock):
    from web.scheduler import run_sweep

    h = auth(admin)
    tag = client.get(f"/api/v1/people/{trust.colleague.id}", headers=h).headers["ETag"]
    client.patch(f"/api/v1/people/{trust.colleague.id}", headers={**h, "If-Match": tag}, json={"leave_date": "2027-03-10"})
    run_sweep(app)
    svc.session.rollback()  # the sweep committed in its own session
    assert svc.session.get(Person, trust.colleague.id).active is True
    clock.advance(days=9)  # 10 March 2027
    run_sweep(app)
    svc.session.rollback()  # the sweep committed in its own session
    assert svc.session.get(Person, trust.colleague.id).active is False
    events = svc.session.scalars(select(Event).where(Event.subject == f"person:{trust.colleague.id}",
                                                     Event.kind == "person_left")).all()
    assert [e.actor_role for e in events] == ["system"]


def test_issue_17_a_token_limited_to_another_role_does_not_carry_the_administrators(client, auth, trust, admin, svc):
    svc.session.add(RoleAssignment(person_id=admin.id, role="hr", org_unit_id=trust.trust.id))
    svc.session.commit()
    as_hr = auth(admin, ["hr"])
    _problem(client.post("/api/v1/org-units", headers=as_hr, json={"kind": "care_group", "name": "X"}), 403)
    assert client.post("/api/v1/people", headers=as_hr, json={"name": "N", "email": "n@example.org"}).status_code == 201
    as_admin = auth(admin, ["trust_admin"])
    assert client.post("/api/v1/org-units", headers=as_admin,
                       json={"kind": "care_group", "name": "X"}).status_code == 201
