"""Issue 17 "Done when": a trust sets itself up from an empty database through the API only — bootstrap, care
groups and teams, people, roles, the approved panel list — and runs a team's sign-offs to approved plans."""
from __future__ import annotations

import re

from flask_migrate import stamp
from sqlalchemy import select

from tests.factories import complete_plan
from web.cli import main
from workflow.store.models import OutboxMessage, Person


def _cli(app, *args):
    result = app.test_cli_runner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _token(app, email):
    return {"Authorization": "Bearer " + re.search(r"(jpt_\S+)", _cli(app, "token", "create", email, "--name", "setup")).group(1)}


def _ok(r, status=200):
    assert r.status_code == status, (r.status_code, r.get_json())
    return r.get_json()


def setup_trust(app, client):
    """The Monday-morning set-up, as an integrator would script it. Returns the people's ids and the admin's headers."""
    stamp()
    assert "is set up" in _cli(app, "trust", "init", "--name", "Fenland Community NHS Trust", "--admin",
                               "admin@fenland.example")
    admin = _token(app, "admin@fenland.example")
    group = _ok(client.post("/api/v1/org-units", headers=admin, json={"kind": "care_group", "name": "Mental Health"}),
                201)
    team = _ok(client.post("/api/v1/org-units", headers=admin,
                           json={"kind": "team", "name": "Adult Psychiatry", "parent_id": group["id"]}), 201)

    def person(name, email, **more):
        return _ok(client.post("/api/v1/people", headers=admin, json={"name": name, "email": email, **more}), 201)

    md = person("Dr Helen Marsh", "md@fenland.example", staff_group="consultant", contracted_pas=10)
    amd = person("Dr Ruth Okafor", "amd@fenland.example", staff_group="consultant", care_group_id=group["id"])
    lead = person("Sana Iqbal", "lead@fenland.example")
    hr = person("Owen Price", "hr@fenland.example")
    ceo = person("Mark Ridley", "ceo@fenland.example")
    cd = person("Dr James Hale", "cd@fenland.example", staff_group="consultant", care_group_id=group["id"],
                team_id=team["id"], contracted_pas=10)
    doctors = [person(f"Dr {n}", f"{n.lower()}@fenland.example", staff_group="consultant", contracted_pas=10,
                      start_date="2020-01-06", care_group_id=group["id"], team_id=team["id"], manager_id=cd["id"],
                      job_title="Consultant Psychiatrist")
               for n in ("Byrne", "Carter")]
    panel = [person(f"Dr Panel {i}", f"panel{i}@fenland.example") for i in range(1, 4)]
    for who, role, unit in ((md, "medical_director", None), (amd, "associate_medical_director", group["id"]),
                            (lead, "medical_directorate", None), (lead, "job_planning_lead", None),
                            (hr, "hr", None), (ceo, "chief_executive_office", None)):
        _ok(client.post("/api/v1/role-assignments", headers=admin,
                        json={"person_id": who["id"], "role": role, "org_unit_id": unit}), 201)
    for p in panel:
        _ok(client.post("/api/v1/panel-list/members", headers=admin, json={"person_id": p["id"]}), 201)
    listed = _ok(client.post("/api/v1/panel-list/reviews", headers=admin, json={"reviewed_on": "2027-02-15"}), 201)
    assert [m["person_id"] for m in listed["members"]] == [p["id"] for p in panel]
    assert listed["review_overdue"] is False and listed["review_due_on"] == "2028-02-15"
    return {"admin": admin, "group": group, "team": team, "md": md, "amd": amd, "lead": lead, "hr": hr, "ceo": ceo,
            "cd": cd, "doctors": doctors, "panel": panel}


def test_issue_17_a_trust_sets_itself_up_through_the_api_and_runs_a_teams_sign_offs_to_approved_plans(app, client,
                                                                                                       svc):
    t = setup_trust(app, client)
    cd, amd, lead = (_token(app, t[k]["email"]) for k in ("cd", "amd", "lead"))
    doctors = {d["id"]: _token(app, d["email"]) for d in t["doctors"]}
    # Accounts: each doctor is invited by email and sets their own password with the link.
    for d in t["doctors"]:
        _ok(client.post(f"/api/v1/people/{d['id']}/invitation", headers=t["admin"]), 201)
    mails = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == "Your job planning account")).all()
    assert sorted(m.to_address for m in mails) == sorted(d["email"] for d in t["doctors"])
    # The round for the team: the clinical manager starts each sign-off through the existing API.
    for d in t["doctors"]:
        case = _ok(client.post(f"/api/v1/people/{d['id']}/sign-off", headers=cd), 201)
        plan = _ok(client.get(f"/api/v1/plans/{case['job_plan_id']}", headers=cd))
        tag = client.get(f"/api/v1/plans/{plan['id']}", headers=cd).headers["ETag"]
        _ok(client.put(f"/api/v1/plans/{plan['id']}", headers={**cd, "If-Match": tag},
                       json={"content": complete_plan(), "note": "agreed at the meeting"}))

        def fire(headers, trigger, payload=None):
            etag = client.get(f"/api/v1/cases/{case['id']}", headers=headers).headers["ETag"]
            return _ok(client.post(f"/api/v1/cases/{case['id']}/triggers/{trigger}",
                                   headers={**headers, "If-Match": etag}, json={"payload": payload or {}}))

        fire(cd, "record_meeting", {"meeting_date": "2027-02-25"})
        fire(doctors[d["id"]], "sign")
        fire(cd, "sign")
        fire(amd, "approve_second_level")
        fire(lead, "accept_governance_check")
        assert _ok(client.get(f"/api/v1/cases/{case['id']}", headers=cd))["state"] == "agreed"
        agreed = _ok(client.get(f"/api/v1/plans/{case['job_plan_id']}", headers=cd))
        assert agreed["agreed_version"] == agreed["current_version"] == 2
    assert svc.session.scalar(select(Person.id).where(Person.email == "admin@fenland.example")) is not None
