"""The API's resources through HTTP: what a caller may do now, firing with ETags, plans and their diff,
evidence documents, the audit log, policies."""
from __future__ import annotations

import csv
import hashlib
import io

from tests.e2e.conftest import etag_of, multipart
from tests.factories import complete_plan

PDF = b"%PDF-1.4\n% work diary\n"


def test_case_detail_lists_only_the_steps_the_caller_may_take_now_002_7_5(client, auth, trust, sign_off):
    r = client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.doctor))
    body = r.get_json()
    assert body["state"] == "awaiting_signatures" and body["my_roles"] == ["practitioner"]
    steps = {t["trigger"]: t for t in body["triggers"]}
    assert set(steps) == {"sign", "record_failure_to_agree"}
    assert steps["record_failure_to_agree"]["payload"][0]["name"] == "points_not_agreed"
    assert r.headers["ETag"] == f'"case-{sign_off.case.id}-v{body["version"]}"'
    assert [d["name"] for d in body["deadlines"]] == ["sign_off"]
    amd = client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.amd)).get_json()
    assert amd["my_roles"] == ["associate_medical_director"] and amd["triggers"] == []


def test_both_sign_through_the_api_and_the_case_moves_to_second_level_002_7_5(client, auth, trust, sign_off):
    cid = sign_off.case.id
    h = auth(trust.doctor)
    r = client.post(f"/api/v1/cases/{cid}/triggers/sign", headers={**h, "If-Match": etag_of(client, h, cid)}, json={})
    assert r.status_code == 200 and r.get_json()["to_state"] == "awaiting_signatures"
    m = auth(trust.manager)
    r = client.post(f"/api/v1/cases/{cid}/triggers/sign", headers={**m, "If-Match": r.headers["ETag"]}, json={})
    assert r.status_code == 200
    assert client.get(f"/api/v1/cases/{cid}", headers=m).get_json()["state"] == "second_level_review"


def test_case_filters_state_role_person_overdue(client, auth, trust, sign_off, svc, clock):
    h = auth(trust.md)
    ids = lambda q: [c["id"] for c in client.get(f"/api/v1/cases{q}", headers=h).get_json()]  # noqa: E731
    assert ids("?state=awaiting_signatures") == [sign_off.case.id]
    assert ids("?state=draft") == []
    assert ids(f"?person={trust.doctor.id}&policy=cpft-medical-2017&workflow=sign_off") == [sign_off.case.id]
    assert ids("?role=medical_director") == [sign_off.case.id]
    assert ids("?role=practitioner") == []
    assert ids("?overdue=true") == []
    clock.advance(days=40)  # 25 Feb + 28 days has passed (002 7.5)
    assert ids("?overdue=true") == [sign_off.case.id]
    assert [d["name"] for d in client.get("/api/v1/deadlines?overdue=true", headers=h).get_json()] == ["sign_off"]


def test_plan_edit_needs_if_match_and_makes_a_new_version_with_a_diff_002_7_5(client, auth, trust, sign_off):
    h = auth(trust.manager)
    pid = sign_off.plan.id
    r = client.get(f"/api/v1/plans/{pid}", headers=h)
    tag = r.headers["ETag"]
    content = complete_plan(other_comments="The Monday clinic moves to the new outpatient building.")
    r = client.put(f"/api/v1/plans/{pid}", headers={**h, "If-Match": tag}, json={"content": content, "note": "clinic"})
    assert r.status_code == 200 and r.get_json()["number"] == 2
    stale = client.put(f"/api/v1/plans/{pid}", headers={**h, "If-Match": tag}, json={"content": {}})
    assert stale.status_code == 409
    diff = client.get(f"/api/v1/plans/{pid}/diff?from=1&to=2", headers=h).get_json()
    assert diff["patch"] == [{"op": "replace", "path": "/other_comments",
                              "value": "The Monday clinic moves to the new outpatient building."}]
    assert [v["number"] for v in client.get(f"/api/v1/plans/{pid}/versions", headers=h).get_json()] == [1, 2]
    assert client.get(f"/api/v1/plans/{pid}", headers=auth(trust.outsider)).status_code == 404


def test_documents_are_checksummed_never_overwritten_and_named_as_evidence_002_7_8_3(client, auth, trust, sign_off,
                                                                                       svc):
    from tests.conftest import actor

    r = svc.fire(actor(trust.doctor), sign_off.case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    dis = r.started_case_ids[0]
    h = auth(trust.doctor)
    up = client.post(f"/api/v1/cases/{dis}/documents", headers=h, **multipart(PDF, "diary.pdf", "application/pdf"))
    assert up.status_code == 201
    doc = up.get_json()
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["size"] == len(PDF)
    again = client.post(f"/api/v1/cases/{dis}/documents", headers=h, **multipart(PDF, "diary.pdf", "application/pdf"))
    assert again.get_json()["id"] != doc["id"]  # same name, a new document; the first is untouched
    with client.get(f"/api/v1/cases/{dis}/documents/{doc['id']}/content", headers=h) as content:
        assert content.data == PDF
    exe = client.post(f"/api/v1/cases/{dis}/documents", headers=h, **multipart(b"MZ\x90", "x.pdf", "application/pdf"))
    assert exe.status_code == 422
    bad_type = client.post(f"/api/v1/cases/{dis}/documents", headers=h,
                           **multipart(b"#!/bin/sh", "x.sh", "application/x-sh"))
    assert bad_type.status_code == 422
    assert client.get(f"/api/v1/cases/{dis}/documents", headers=auth(trust.outsider)).status_code == 404
    payload = {"nature": "n", "reasons": "r", "evidence_summary": "e", "consequences": "c", "proposed_solution": "p"}
    r = client.post(f"/api/v1/cases/{dis}/triggers/raise_formal_disagreement",
                    headers={**h, "If-Match": etag_of(client, h, dis)},
                    json={"payload": {**payload, "evidence": [doc["id"], 999]}})
    assert r.status_code == 422 and "evidence" in r.get_json()["errors"]
    r = client.post(f"/api/v1/cases/{dis}/triggers/raise_formal_disagreement",
                    headers={**h, "If-Match": etag_of(client, h, dis)},
                    json={"payload": {**payload, "evidence": [doc["id"]]}})
    assert r.status_code == 200 and r.get_json()["to_state"] == "referred"


def test_audit_is_paginated_and_exported_as_csv_002_7_6_8(client, auth, trust, sign_off):
    h = auth(trust.directorate)
    page = client.get("/api/v1/audit/events?page=1&page_size=1", headers=h).get_json()
    # The case's two events, and the trust-level one of the token issued for this request (issue 13, item 10).
    assert page["total"] == 3 and len(page["items"]) == 1 and page["items"][0]["kind"] == "opened"
    page2 = client.get("/api/v1/audit/events?page=2&page_size=1", headers=h).get_json()
    assert page2["items"][0]["trigger"] == "record_meeting"
    r = client.get(f"/api/v1/cases/{sign_off.case.id}/events.csv", headers=h)
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert r.mimetype == "text/csv" and [row["kind"] for row in rows] == ["opened", "transition"]
    assert client.get("/api/v1/audit/events", headers=auth(trust.outsider)).get_json()["total"] == 0


def test_policies_list_detail_and_mermaid_diagram(client, auth, trust):
    h = auth(trust.doctor)
    # every loaded version: a case keeps the version it started on, so version 1 stays beside version 2
    assert [(p["id"], p["version"]) for p in client.get("/api/v1/policies", headers=h).get_json()] == [
        ("cpft-medical-2017", 1), ("cpft-medical-2017", 2), ("non-medical-afc-2022", 1),
        ("salaried-dental-2007", 1), ("salaried-dental-2007", 2)]
    detail = client.get("/api/v1/policies/cpft-medical-2017", headers=h).get_json()
    assert {w["name"] for w in detail["workflows"]} == {"sign_off", "disagreement", "appeal", "new_starter"}
    d = client.get("/api/v1/policies/cpft-medical-2017/diagram?workflow=appeal", headers=h).get_json()[0]
    assert d["text"].startswith("stateDiagram-v2") and "window_open --> lodged: lodge_appeal [practitioner]" in d["text"]
    assert client.get("/api/v1/policies/nope", headers=h).status_code == 404
    assert client.get("/api/v1/policies/cpft-medical-2017/diagram?workflow=nope", headers=h).status_code == 404


def test_a_manager_reads_their_team_and_starts_a_sign_off_and_an_interim_plan_through_the_api_002_7_4_3(
        client, auth, svc, trust):
    from datetime import date

    trust.colleague.start_date = date(2027, 2, 20)
    svc.session.commit()
    h = auth(trust.manager)
    team = {m["person"]["id"]: m for m in client.get("/api/v1/team", headers=h).get_json()}
    assert team[trust.colleague.id]["can_start_interim"] and not team[trust.doctor.id]["can_start_interim"]
    r = client.post(f"/api/v1/people/{trust.colleague.id}/interim-plan", headers=h)
    assert r.status_code == 201 and r.get_json()["workflow"] == "new_starter" and r.headers["ETag"]
    assert client.post(f"/api/v1/people/{trust.colleague.id}/interim-plan", headers=h).status_code == 409
    r = client.post(f"/api/v1/people/{trust.doctor.id}/sign-off", headers=h)
    assert r.status_code == 201 and (r.get_json()["workflow"], r.get_json()["state"]) == ("sign_off", "draft")
    again = client.post(f"/api/v1/people/{trust.doctor.id}/sign-off", headers=h)
    assert again.status_code == 409 and "already has a sign-off under way" in again.get_json()["detail"]
    assert client.post(f"/api/v1/people/{trust.doctor.id}/sign-off", headers=auth(trust.outsider)).status_code == 403
    team = {m["person"]["id"]: m for m in client.get("/api/v1/team", headers=h).get_json()}
    assert team[trust.doctor.id]["open_sign_off_id"] == r.get_json()["id"]
