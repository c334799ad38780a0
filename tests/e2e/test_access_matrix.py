"""Who may do what, through the API, on cases inside and outside each person's scope: every role against
every endpoint. The rules live in workflow/access.py and the policy (002 section 5 and 7.8); these tests
only ask over HTTP.

Scopes: the practitioner on their own cases (5.5); the clinical manager on those they manage (5.4); the
AMD on their care group (5.3); the Medical Director, the CE's office, the Medical Directorate and HR by
office (5.1, 5.2, 5.6, 5.7); a panel member only on the appeal they sit on (7.8.10)."""
from __future__ import annotations

import pytest

from tests.conftest import actor
from tests.factories import complete_plan
from tests.e2e.conftest import etag_of, multipart

PEOPLE = ["practitioner", "colleague", "outsider", "manager", "other_manager", "amd", "other_amd", "md", "ceo",
          "directorate", "hr", "panel_chair", "panel_list"]
CASES = ["sign_off", "disagreement", "appeal", "outsider_sign_off"]
OFFICES = {"md", "ceo", "directorate", "hr"}
DISPUTE = {"sign_off", "disagreement", "appeal"}
VISIBLE = {
    "practitioner": DISPUTE, "colleague": set(), "outsider": {"outsider_sign_off"}, "manager": DISPUTE,
    "other_manager": {"outsider_sign_off"}, "amd": DISPUTE, "other_amd": {"outsider_sign_off"},
    **{o: set(CASES) for o in OFFICES}, "panel_chair": {"appeal"}, "panel_list": set(),
}


def person(trust, key):
    return {"practitioner": trust.doctor, "colleague": trust.colleague, "outsider": trust.outsider,
            "manager": trust.manager, "other_manager": trust.other_manager, "amd": trust.amd,
            "other_amd": trust.other_amd, "md": trust.md, "ceo": trust.ceo, "directorate": trust.directorate,
            "hr": trust.hr, "panel_chair": trust.chair, "panel_list": trust.panel_list[-1]}[key]  # [0] is allocated first


@pytest.fixture
def cases(svc, trust, dispute):
    plan = svc.create_job_plan(actor(trust.other_manager), trust.outsider.id, complete_plan())
    other = svc.start_case(actor(trust.other_manager), "sign_off", trust.outsider.id, job_plan_id=plan.id)
    return {"sign_off": dispute.sign_off, "disagreement": dispute.disagreement, "appeal": dispute.appeal,
            "outsider_sign_off": other.id}


@pytest.fixture
def documents(svc, trust, cases):
    from workflow.service.documents import attach_document

    return {k: attach_document(svc, actor(trust.md), cid, f"{k}.txt", "text/plain", b"evidence").id
            for k, cid in cases.items()}


@pytest.mark.parametrize("who", PEOPLE)
def test_reading_a_case_and_attaching_evidence_by_scope_002_5_7_8_10(client, auth, trust, cases, documents, who):
    """Each person against every case (inside and outside their scope) and every case endpoint."""
    h = auth(person(trust, who))
    listed = {c["id"] for c in client.get("/api/v1/cases", headers=h).get_json()}
    logged = {e["case_id"] for e in client.get("/api/v1/audit/events?page_size=500", headers=h).get_json()["items"]}
    with client.get("/api/v1/audit/events.csv", headers=h) as r:
        cells = [line.split(",")[1] for line in r.get_data(as_text=True).splitlines()[1:]]
        exported = {int(c) if c else None for c in cells}
    # Trust-level events (tokens issued here; no case) are for the offices only (issue 13, item 10).
    assert (None in logged) == (None in exported) == (who in OFFICES), who
    timed = {d["case_id"] for d in client.get("/api/v1/deadlines", headers=h).get_json()}
    for case_key in CASES:
        cid = cases[case_key]
        expected = 200 if case_key in VISIBLE[who] else 404
        doc = documents[case_key]
        for path in ("", "/events", "/events.csv", "/deadlines", "/documents", f"/documents/{doc}",
                     f"/documents/{doc}/content"):
            with client.get(f"/api/v1/cases/{cid}{path}", headers=h) as r:
                assert r.status_code == expected, (who, case_key, path)
        assert (cid in listed) == (expected == 200), (who, case_key)
        assert (cid in logged) == (cid in exported) == (expected == 200), (who, case_key)
        if case_key in ("disagreement", "appeal"):  # the cases that have had deadlines
            assert (cid in timed) == (expected == 200), (who, case_key)
        r = client.post(f"/api/v1/cases/{cid}/documents", headers=h, **multipart(b"notes", "notes.txt", "text/plain"))
        assert r.status_code == (201 if expected == 200 else 404), (who, case_key)


def _fire(client, auth, trust, who, cid, trigger, payload=None):
    tag = etag_of(client, auth(trust.md), cid)  # a current ETag, so only the caller's rights decide
    return client.post(f"/api/v1/cases/{cid}/triggers/{trigger}", headers={**auth(person(trust, who)), "If-Match": tag},
                       json={"payload": payload or {}})


@pytest.mark.parametrize("who", PEOPLE)
def test_signing_is_for_the_practitioner_and_their_manager_002_7_5(client, auth, trust, sign_off, who):
    visible = {"practitioner", "manager", "amd"} | OFFICES
    expected = 200 if who in ("practitioner", "manager") else 403 if who in visible else 404
    assert _fire(client, auth, trust, who, sign_off.case.id, "sign").status_code == expected


@pytest.fixture
def panel(svc, trust, cases):
    """The panel completed, as the hearing needs (002 7.8.10): the practitioner's nominee and a list member."""
    svc.fire(actor(trust.doctor), cases["appeal"], "nominate_panel_member", {"person": trust.nominee.id})
    svc.fire(actor(trust.ceo), cases["appeal"], "allocate_list_member")
    return cases


@pytest.mark.parametrize("who", PEOPLE)
def test_the_hearing_is_recorded_by_the_chief_executives_office_002_7_8_8(client, auth, trust, panel, who):
    cases = panel
    expected = 200 if who == "ceo" else 403 if "appeal" in VISIBLE[who] else 404
    r = _fire(client, auth, trust, who, cases["appeal"], "hold_hearing", {"held_on": "2027-03-01"})
    assert r.status_code == expected


@pytest.mark.parametrize("who", PEOPLE)
def test_the_recommendation_is_for_the_panel_chair_or_the_ce_office_002_7_8_9(client, auth, svc, trust, panel, who):
    cases = panel
    svc.fire(actor(trust.ceo), cases["appeal"], "hold_hearing", {"held_on": "2027-03-01"})
    expected = 200 if who in ("panel_chair", "ceo") else 403 if "appeal" in VISIBLE[who] else 404
    r = _fire(client, auth, trust, who, cases["appeal"], "record_recommendation",
              {"recommendation": "dismiss_appeal", "summary": "The decision stands."})
    assert r.status_code == expected


@pytest.mark.parametrize("who", PEOPLE)
def test_a_sign_off_is_started_by_the_manager_or_the_directorate(client, auth, trust, who):
    r = client.post("/api/v1/cases", headers=auth(person(trust, who)),
                    json={"workflow": "sign_off", "subject_id": trust.doctor.id})
    assert r.status_code == (201 if who in ("manager", "directorate") else 403)


@pytest.mark.parametrize("who", PEOPLE)
def test_plans_are_read_within_scope_and_edited_by_the_two_parties_002_7_5(client, auth, trust, dispute, who):
    h = auth(person(trust, who))
    pid = dispute.plan.id
    readers = {"practitioner", "manager", "amd", "panel_chair"} | OFFICES
    r = client.get(f"/api/v1/plans/{pid}", headers=h)
    assert r.status_code == (200 if who in readers else 404)
    for path in ("/versions", "/versions/1", "/diff?from=1&to=1"):
        assert client.get(f"/api/v1/plans/{pid}{path}", headers=h).status_code == (200 if who in readers else 404)
    assert (pid in {p["id"] for p in client.get("/api/v1/plans", headers=h).get_json()}) == (who in readers)
    r = client.post("/api/v1/plans", headers=h, json={"person_id": trust.doctor.id, "content": {}})
    assert r.status_code == (201 if who in ("practitioner", "manager") else 403)
    tag = client.get(f"/api/v1/plans/{pid}", headers=auth(trust.md)).headers["ETag"]
    r = client.put(f"/api/v1/plans/{pid}", headers={**h, "If-Match": tag}, json={"content": {"schedule": []}})
    assert r.status_code == (200 if who in ("practitioner", "manager") else 403 if who in readers else 404)


@pytest.mark.parametrize("who", PEOPLE)
def test_directory_and_policies_are_open_to_everyone_signed_in_and_import_to_hr_002_5_7(client, auth, trust, who):
    h = auth(person(trust, who))
    for path in ("/api/v1/org-units", "/api/v1/people", f"/api/v1/people/{trust.doctor.id}", "/api/v1/policies",
                 "/api/v1/policies/cpft-medical-2017", "/api/v1/policies/cpft-medical-2017/diagram",
                 "/api/v1/deadlines"):
        assert client.get(path, headers=h).status_code == 200, path
    r = client.post("/api/v1/people/import", headers=h, **multipart(b"id,name,email\n", "esr.csv", "text/csv"))
    assert r.status_code == (200 if who in ("hr", "directorate") else 403)


# ---- whoever was involved may not mediate or sit on the panel ------------------------------------

@pytest.fixture
def referred(svc, trust, sign_off):
    r = svc.fire(actor(trust.doctor), sign_off.case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    dis = r.started_case_ids[0]
    svc.fire(actor(trust.doctor), dis, "raise_formal_disagreement", {
        "nature": "n", "reasons": "r", "evidence_summary": "e", "consequences": "c", "proposed_solution": "p"})
    return dis


@pytest.mark.parametrize("who,allowed", [("manager", False), ("practitioner", False), ("amd", True),
                                         ("colleague", True)])
def test_someone_involved_in_the_dispute_may_not_mediate_it_002_7_8_4(client, auth, trust, referred, who, allowed):
    r = _fire(client, auth, trust, "md", referred, "appoint_mediator", {"person": person(trust, who).id})
    assert r.status_code == (200 if allowed else 409)
    if not allowed:
        assert "involved" in r.get_json()["detail"]


def test_a_mediator_then_acts_on_that_dispute_only_002_7_8_4(client, auth, svc, trust, referred, sign_off):
    assert _fire(client, auth, trust, "md", referred, "appoint_mediator", {"person": trust.colleague.id}).status_code == 200
    h = auth(trust.colleague)
    assert client.get(f"/api/v1/cases/{referred}", headers=h).status_code == 200
    assert client.get(f"/api/v1/cases/{sign_off.case.id}", headers=h).status_code == 404
    r = _fire(client, auth, trust, "colleague", referred, "hold_mediation_meeting", {"held_on": "2027-03-01"})
    assert r.status_code == 200


@pytest.mark.parametrize("trigger,who,nominee,allowed", [
    # the chair's seat is filled in the fixture (one chair, 7.8.10): a new chair comes in by replacement
    ("replace_panel_member", "ceo", "manager", False),   # the clinical manager is a party (7.8.10)
    ("replace_panel_member", "ceo", "md", False),        # the Medical Director decided at mediation
    ("replace_panel_member", "ceo", "panel_list", True),
    ("nominate_panel_member", "practitioner", "amd", True),
    ("nominate_panel_member", "practitioner", "manager", False),
])
def test_someone_involved_may_not_sit_on_the_appeal_panel_002_7_8_10(client, auth, trust, dispute, trigger, who,
                                                                       nominee, allowed):
    payload = {"person": person(trust, nominee).id}
    tag = etag_of(client, auth(trust.md), dispute.appeal)
    body = {"payload": payload}
    if trigger == "replace_panel_member":
        body = {"payload": {**payload, "seat": "panel_chair"}, "reason": "the chair named is on leave"}
    r = client.post(f"/api/v1/cases/{dispute.appeal}/triggers/{trigger}",
                    headers={**auth(person(trust, who)), "If-Match": tag}, json=body)
    assert r.status_code == (200 if allowed else 409), r.get_json()
    if not allowed:
        assert "involved" in r.get_json()["detail"]
