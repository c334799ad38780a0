"""Issue 17 item 9: who holds which seat on a case, a case's links to its parent and child cases, a deadline's
last day beside its due moment, and the format of typed fields in each step's field list."""
from __future__ import annotations


def test_participants_list_every_seat_not_only_the_last_named_002_7_8_10(client, auth, trust, dispute):
    h = auth(trust.doctor)
    seats = client.get(f"/api/v1/cases/{dispute.appeal}/participants", headers=h).get_json()
    by_role = {s["role"]: s for s in seats}
    assert by_role["practitioner"]["person_id"] == trust.doctor.id
    assert by_role["clinical_manager"]["person_id"] == trust.manager.id
    assert by_role["panel_chair"]["person_id"] == trust.chair.id and by_role["panel_chair"]["status"] == "active"
    assert client.get(f"/api/v1/cases/{dispute.appeal}/participants",
                      headers=auth(trust.outsider)).status_code == 404
    assert client.get(f"/api/v1/cases/{dispute.appeal}/participants",
                      headers=auth(trust.other_amd)).status_code == 404


def test_a_case_links_its_parent_and_child_cases(client, auth, trust, dispute):
    h = auth(trust.doctor)
    sign_off = client.get(f"/api/v1/cases/{dispute.sign_off}", headers=h).get_json()
    assert dispute.disagreement in sign_off["child_ids"]
    assert f"/api/v1/cases/{dispute.disagreement}" in sign_off["links"]["children"]
    disagreement = client.get(f"/api/v1/cases/{dispute.disagreement}", headers=h).get_json()
    assert disagreement["parent_id"] == dispute.sign_off
    assert disagreement["links"]["parent"] == f"/api/v1/cases/{dispute.sign_off}"
    assert dispute.appeal in disagreement["child_ids"]
    assert sign_off["links"]["participants"] == f"/api/v1/cases/{dispute.sign_off}/participants"


def test_a_deadline_carries_its_last_local_day_beside_due_at(client, auth, trust, sign_off):
    body = client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.manager)).get_json()
    clock = next(d for d in body["deadlines"] if d["name"] == "sign_off")
    assert clock["last_day"] == "2027-03-25"  # 28 days from the meeting on 25 February (002 7.5)
    assert clock["due_at"].startswith("2027-03-26T00:00:00")  # the end of that day, local midnight
    listed = client.get("/api/v1/deadlines", headers=auth(trust.manager)).get_json()
    assert all("last_day" in d for d in listed)


def test_typed_fields_state_their_format_in_the_trigger_field_list(client, auth, trust, svc):
    from tests.conftest import actor

    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id)
    body = client.get(f"/api/v1/cases/{case.id}", headers=auth(trust.manager)).get_json()
    fields = {f["name"]: f for t in body["triggers"] for f in t["payload"]}
    assert "ISO 8601" in fields["meeting_at"]["format"] and "offset" in fields["meeting_at"]["format"]
    assert fields["meeting_date"]["format"].startswith("date: YYYY-MM-DD")
    assert fields["location"]["format"] is None


def test_reassign_api_amd_moves_the_cases_other_roles_are_refused_issue_17_item_7(client, auth, trust, sign_off):
    url = f"/api/v1/people/{trust.manager.id}/cases/reassign"
    body = {"to_manager_id": trust.other_manager.id, "reason": "on leave"}
    assert client.post(url, json=body, headers=auth(trust.other_amd)).status_code == 403
    assert client.post(url, json=body, headers=auth(trust.manager)).status_code == 403
    assert client.post(url, json={**body, "to_manager_id": "x"}, headers=auth(trust.amd)).status_code == 422
    assert client.post(url, json={**body, "reason": ""}, headers=auth(trust.amd)).status_code == 422
    r = client.post(url, json=body, headers=auth(trust.amd))
    assert r.status_code == 200 and r.get_json()["case_ids"] == [sign_off.case.id]
    case = client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.other_manager)).get_json()
    assert case["manager_id"] == trust.other_manager.id and "clinical_manager" in case["my_roles"]
    again = client.post(url, json=body, headers=auth(trust.amd))
    assert again.status_code == 200 and again.get_json()["case_ids"] == []


def test_reassign_is_shown_on_the_case_page_issue_17_item_7(client, svc, trust, sign_off):
    from tests.e2e.test_sign_in import login, with_password
    from tests.conftest import actor
    from workflow.service.reassign import reassign_cases

    reassign_cases(svc, actor(trust.amd), trust.manager.id, trust.other_manager.id, "on leave until May")
    login(client, trust.other_manager.email, with_password(svc, trust.other_manager))
    html = client.get(f"/cases/{sign_off.case.id}").get_data(as_text=True)
    assert f"Cases reassigned: {trust.manager.name} to {trust.other_manager.name}" in html
    assert "on leave until May" in html
