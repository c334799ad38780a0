"""The annual round through the API (issue 17 item 5): started by the lead or the care group's AMD, in batches,
resumable; probed with other roles' tokens and crafted input."""
from sqlalchemy import func, select

from workflow.store.models import Case, RoleAssignment


def test_round_api_amd_starts_runs_batches_and_reads_progress_by_team(client, svc, trust, auth):
    h = auth(trust.amd)
    r = client.post("/api/v1/rounds", json={"org_unit_id": trust.care_group.id, "batch_size": 3}, headers=h)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["handled"] == 3 and not body["finished"] and body["total"] > 3
    rid = body["id"]
    while not body["finished"]:
        body = client.post(f"/api/v1/rounds/{rid}/batches", json={"batch_size": 5}, headers=h).get_json()
    assert body["handled"] == body["total"]
    adult = next(t for t in body["teams"] if t["team_id"] == trust.team.id)
    assert adult["counts"]["not_started"] == 2  # the doctor and the colleague; the rest have no manager
    assert {s["name"] for s in body["skipped"]} >= {trust.manager.name}
    cases = svc.session.scalar(select(func.count(Case.id)))
    again = client.post("/api/v1/rounds", json={"org_unit_id": trust.care_group.id}, headers=h)
    assert again.status_code == 201 and again.get_json()["id"] == rid
    assert svc.session.scalar(select(func.count(Case.id))) == cases  # a second run adds nothing
    listed = client.get("/api/v1/rounds", headers=h)
    assert [x["id"] for x in listed.get_json()] == [rid] and "X-Pagination" in listed.headers


def test_round_api_refuses_other_roles_and_hides_rounds_from_them(client, svc, trust, auth):
    rid = client.post("/api/v1/rounds", json={"org_unit_id": trust.team.id, "batch_size": 1},
                      headers=auth(trust.amd)).get_json()["id"]
    other = auth(trust.other_amd)
    assert client.post("/api/v1/rounds", json={"org_unit_id": trust.team.id}, headers=other).status_code == 403
    assert client.get(f"/api/v1/rounds/{rid}", headers=other).status_code == 404
    assert client.post(f"/api/v1/rounds/{rid}/batches", json={}, headers=other).status_code == 404
    assert client.get("/api/v1/rounds", headers=other).get_json() == []
    assert client.post("/api/v1/rounds", json={"org_unit_id": trust.team.id},
                       headers=auth(trust.manager)).status_code == 403
    # The AMD's token limited to another role holds no round.
    limited = auth(trust.amd, ["clinical_manager"])
    assert client.get(f"/api/v1/rounds/{rid}", headers=limited).status_code == 404
    assert client.post("/api/v1/rounds", json={"org_unit_id": trust.trust.id},
                       headers=auth(trust.amd)).status_code == 403  # the whole trust is the lead's


def test_round_api_crafted_input_is_a_422_and_writes_nothing(client, svc, trust, auth):
    h = auth(trust.amd)
    for body in ({"org_unit_id": "x"}, {"org_unit_id": trust.team.id, "batch_size": 0},
                 {"org_unit_id": trust.team.id, "batch_size": 10**6}, {"org_unit_id": 2**40}, {}, []):
        r = client.post("/api/v1/rounds", json=body, headers=h)
        assert r.status_code == 422, (body, r.status_code)
    assert client.post("/api/v1/rounds", json={"org_unit_id": 999999}, headers=h).status_code == 404
    assert svc.session.scalar(select(func.count(Case.id))) == 0


def test_round_api_the_job_planning_lead_runs_the_whole_trust(client, svc, trust, auth):
    svc.session.add(RoleAssignment(person_id=trust.job_planning_team.id, role="job_planning_lead",
                                   org_unit_id=trust.trust.id))
    svc.session.commit()
    body = client.post("/api/v1/rounds", json={"org_unit_id": trust.trust.id, "batch_size": 200},
                       headers=auth(trust.job_planning_team)).get_json()
    assert body["finished"] and {t["team_id"] for t in body["teams"]} >= {trust.team.id, trust.other_team.id}


def test_round_cli_runs_the_same_round_in_batches_and_a_second_run_adds_nothing(app, svc, trust):
    from web.cli import main

    run = app.test_cli_runner().invoke
    result = run(main, ["round", "start", trust.team.name, "--as", trust.amd.email, "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "2 of 5 people handled" in result.output and "2 sign-offs started, 3 skipped" in result.output
    cases = svc.session.scalar(select(func.count(Case.id)))
    again = run(main, ["round", "start", str(trust.team.id), "--as", trust.amd.email])
    assert again.exit_code == 0 and svc.session.scalar(select(func.count(Case.id))) == cases
    refused = run(main, ["round", "start", trust.team.name, "--as", trust.other_amd.email])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert refused.output.count("\n") == 1 and "Associate Medical Director" in refused.output


def test_api_a_body_of_the_wrong_content_type_is_a_415_issue_17_item_9(client, svc, trust, auth, sign_off):
    h = auth(trust.amd)
    r = client.post("/api/v1/rounds", data="org_unit_id=1", headers={**h, "Content-Type": "text/plain"})
    assert r.status_code == 415 and "application/json" in r.get_json()["detail"]
    r = client.post("/api/v1/rounds", data={"org_unit_id": str(trust.team.id)}, headers=h)  # a form, not JSON
    assert r.status_code == 415
    r = client.post("/api/v1/people/import", json={"file": "x"}, headers=auth(trust.hr))
    assert r.status_code == 415 and "multipart/form-data" in r.get_json()["detail"]
    assert svc.session.scalar(select(func.count(Case.id))) == 1  # only the fixture's
    ok = client.post("/api/v1/rounds", json={"org_unit_id": trust.team.id},
                     headers={**h, "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 201


def test_api_one_422_shape_for_schema_and_step_errors_issue_17_item_9(client, trust, auth, sign_off):
    h = auth(trust.doctor)
    tag = client.get(f"/api/v1/cases/{sign_off.case.id}", headers=h).headers["ETag"]
    step = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/record_failure_to_agree",
                       headers={**h, "If-Match": tag}, json={"payload": {"points_not_agreed": ""}}).get_json()
    schema = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers={**h, "If-Match": tag},
                         json={"payload": {}, "unexpected": 1}).get_json()
    assert set(step) == set(schema) and step["status"] == schema["status"] == 422
    assert step["location"] == "payload" and schema["location"] == "json"
    assert isinstance(step["errors"]["points_not_agreed"], list) and isinstance(schema["errors"]["unexpected"], list)
