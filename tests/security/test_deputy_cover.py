"""Issue 17 item 7, deputy cover probed through HTTP as an attacker would: a practitioner cannot become the deputy
of their own manager and then sign their own plan as its clinical manager, whoever's token they use or whatever
they send; crafted dates are refused with the field named and leave nothing; other roles' tokens see and end
nothing; concurrent requests end in one cover. Runs on SQLite and on PostgreSQL (JOBPLAN_TEST_DATABASE_URL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import auth, client, dispute, etag_of, sign_off  # noqa: F401  (fixtures)
from tests.security.test_appointment import THREADS, _fire, _race
from workflow.store.models import Case, DeputyCover, Event, Signature

BODY = {"starts_on": "2027-03-01", "ends_on": "2027-03-12"}


def _covers(svc) -> int:
    svc.session.rollback()
    return svc.session.scalar(select(func.count(DeputyCover.id)))


def _sign(client, auth, who, case_id):
    h = auth(who)
    return client.post(f"/api/v1/cases/{case_id}/triggers/sign", json={"payload": {}},
                       headers={**h, "If-Match": etag_of(client, h, case_id)})


def test_issue17_7_a_practitioner_cannot_make_themselves_deputy_of_their_manager_and_sign_their_own_plan(
        client, auth, svc, trust, sign_off):
    case_id = sign_off.case.id
    assert _sign(client, auth, trust.doctor, case_id).status_code == 200  # the doctor signs as practitioner
    doctor = auth(trust.doctor)
    # 1. naming themselves deputy of their manager: not theirs to arrange (403), with any token they hold
    for body in ({"manager_id": trust.manager.id, "deputy_id": trust.doctor.id},
                 {"manager_id": trust.manager.id, "deputy_id": trust.colleague.id}):
        r = client.post("/api/v1/covers", headers=doctor, json={**BODY, **body})
        assert r.status_code == 403, r.get_json()
    # 2. as "the manager" of nobody, naming themselves or anyone: there is nothing of theirs to cover
    r = client.post("/api/v1/covers", headers=doctor, json={**BODY, "deputy_id": trust.colleague.id})
    assert r.status_code == 422 and "manager_id" in r.get_json()["errors"]
    # 3. nor can the manager, the AMD or HR name them: the deputy would act as manager on their own plan
    for who in (trust.manager, trust.amd, trust.hr):
        r = client.post("/api/v1/covers", headers=auth(who),
                        json={**BODY, "manager_id": trust.manager.id, "deputy_id": trust.doctor.id})
        assert r.status_code == 422 and "deputy_id" in r.get_json()["errors"], (who.name, r.get_json())
    assert _covers(svc) == 0
    # 4. so the second signature stays the manager's to give
    r = _sign(client, auth, trust.doctor, case_id)
    assert r.status_code in (403, 409), r.get_json()
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Signature.id))) == 1
    assert svc.session.get(Case, case_id).state == "awaiting_signatures"


def test_issue17_7_the_deputy_signs_through_the_api_and_the_case_says_on_whose_behalf(client, auth, svc, trust,
                                                                                      sign_off):
    case_id = sign_off.case.id
    assert _sign(client, auth, trust.doctor, case_id).status_code == 200
    deputy = auth(trust.other_manager)
    assert client.get(f"/api/v1/cases/{case_id}", headers=deputy).status_code == 404
    r = client.post("/api/v1/covers", headers=auth(trust.manager), json={**BODY, "deputy_id": trust.other_manager.id})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["manager"]["id"], body["deputy"]["id"], body["status"]) == (trust.manager.id,
                                                                             trust.other_manager.id, "in force")
    case = client.get(f"/api/v1/cases/{case_id}", headers=deputy).get_json()
    assert case["my_roles"] == ["clinical_manager"]
    assert case_id in {c["id"] for c in client.get("/api/v1/cases?open=true&role=clinical_manager",
                                                   headers=deputy).get_json()}
    assert _sign(client, auth, trust.other_manager, case_id).status_code == 200
    svc.session.rollback()
    event = svc.session.scalars(select(Event).where(Event.case_id == case_id, Event.trigger == "sign",
                                                    Event.actor_id == trust.other_manager.id)).one()
    assert event.payload["on_behalf_of"]["manager"] == trust.manager.name


@pytest.mark.parametrize("body,field", [
    ({"starts_on": "2027-03-05", "ends_on": "2027-03-04"}, "ends_on"),       # the end before the start
    ({"starts_on": "2027-13-01", "ends_on": "2027-03-04"}, "starts_on"),     # not a date
    ({"starts_on": "01/03/2027", "ends_on": "2027-03-04"}, "starts_on"),     # not ISO
    ({"starts_on": "1900-01-01", "ends_on": "1900-01-02"}, "starts_on"),     # far past
    ({"starts_on": "2027-02-28", "ends_on": "2027-03-04"}, "starts_on"),     # begun yesterday
    ({"starts_on": "2027-03-01", "ends_on": "9999-12-31"}, "ends_on"),       # far future
    ({"starts_on": "2027-03-01"}, "ends_on"),                                # missing
    ({"starts_on": 20270301, "ends_on": "2027-03-04"}, "starts_on"),         # a number
    ({**BODY, "deputy_id": "7"}, "deputy_id"),                               # a string id
    ({**BODY, "deputy_id": 2 ** 40}, "deputy_id"),                           # beyond 32 bits
    ({**BODY, "deputy_id": 99999}, "deputy_id"),                             # nobody
    ({**BODY, "valid_to": "2027-03-04"}, "valid_to"),                        # an unknown field
    ({**BODY, "reason": "x" * 5001}, "reason"),                              # too long
])
def test_issue17_7_crafted_input_is_a_422_naming_the_field_and_leaves_no_cover(client, auth, svc, trust, body, field):
    r = client.post("/api/v1/covers", headers=auth(trust.manager), json={"deputy_id": trust.other_manager.id, **body})
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"], r.get_json()
    assert _covers(svc) == 0


def test_issue17_7_a_body_that_is_not_json_is_a_415(client, auth, trust):
    r = client.post("/api/v1/covers", headers=auth(trust.manager), data="deputy_id=5",
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


def test_issue17_7_other_roles_tokens_neither_see_nor_end_a_cover(client, auth, svc, trust):
    r = client.post("/api/v1/covers", headers=auth(trust.manager), json={**BODY, "deputy_id": trust.other_manager.id})
    cover_id = r.get_json()["id"]
    for who in (trust.doctor, trust.colleague, trust.other_amd, trust.outsider, trust.chair):
        h = auth(who)
        assert client.get(f"/api/v1/covers/{cover_id}", headers=h).status_code == 404, who.name
        assert client.post(f"/api/v1/covers/{cover_id}/end", headers=h, json={}).status_code == 404, who.name
        assert client.get("/api/v1/covers", headers=h).get_json() == [], who.name
    # the manager's token limited to their practitioner role may not end it either
    limited = auth(trust.manager, roles=["practitioner"])
    assert client.post(f"/api/v1/covers/{cover_id}/end", headers=limited, json={}).status_code == 403
    assert client.post("/api/v1/covers", headers=limited,
                       json={"starts_on": "2027-04-01", "ends_on": "2027-04-02", "deputy_id": trust.md.id}
                       ).status_code == 403
    svc.session.rollback()
    assert svc.session.get(DeputyCover, cover_id).ended_at is None
    # the AMD of the care group ends it; a second end is a 409
    r = client.post(f"/api/v1/covers/{cover_id}/end", headers=auth(trust.amd), json={"reason": "back early"})
    assert r.status_code == 200 and r.get_json()["status"] == "ended early"
    assert client.post(f"/api/v1/covers/{cover_id}/end", headers=auth(trust.amd), json={}).status_code == 409


def test_issue17_7_an_overlapping_cover_is_a_409_that_names_the_cover_in_the_way(client, auth, trust):
    h = auth(trust.manager)
    assert client.post("/api/v1/covers", headers=h, json={**BODY, "deputy_id": trust.other_manager.id}).status_code == 201
    r = client.post("/api/v1/covers", headers=h, json={"starts_on": "2027-03-10", "ends_on": "2027-03-20",
                                                       "deputy_id": trust.md.id})
    assert r.status_code == 409 and "Other Manager already covers for Clinical Manager" in r.get_json()["detail"]


def test_issue17_7_twenty_concurrent_covers_for_one_manager_make_one(app, client, auth, svc, trust):
    h = auth(trust.manager)
    deputies = [trust.other_manager.id, trust.md.id, trust.directorate.id, trust.other_amd.id]
    requests = [("post", "/api/v1/covers", {"headers": h, "json": {**BODY, "deputy_id": deputies[i % 4]}})
                for i in range(THREADS)]
    answers = _race(app, requests)
    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [409] * (THREADS - 1), answers
    assert all("already covers" in body["detail"] for code, body in answers if code == 409)
    assert _covers(svc) == 1


def test_issue17_7_crossed_covers_racing_cannot_make_a_chain(app, client, auth, svc, trust):
    """A names B while B names A, for the same days, twenty times over: at most one side's cover stands (the
    other is refused as away, or as covering), never both."""
    a, b = trust.manager, trust.other_manager
    ha, hb = auth(a), auth(b)
    requests = []
    for i in range(THREADS):
        if i % 2:
            requests.append(("post", "/api/v1/covers", {"headers": ha, "json": {**BODY, "deputy_id": b.id}}))
        else:
            requests.append(("post", "/api/v1/covers", {"headers": hb, "json": {**BODY, "deputy_id": a.id}}))
    answers = _race(app, requests)
    assert sorted(code for code, _ in answers).count(201) == 1, answers
    assert all(code in (201, 409, 422) for code, _ in answers), answers
    assert _covers(svc) == 1


def test_issue17_7_the_managers_deputy_sits_on_no_panel_of_the_dispute_002_7_8_10(client, auth, svc, trust, dispute):
    """A deputy stands in for a party (the clinical manager): like the manager, they may not sit in judgement."""
    r = client.post("/api/v1/covers", headers=auth(trust.manager), json={**BODY, "deputy_id": trust.other_manager.id})
    assert r.status_code == 201
    cover_id = r.get_json()["id"]
    r = _fire(client, auth, trust.doctor, dispute.appeal, "nominate_panel_member", {"person": trust.other_manager.id})
    assert r.status_code == 422 and "cover for the practitioner's clinical manager" in r.get_json()["errors"]["person"][0]
    assert client.post(f"/api/v1/covers/{cover_id}/end", headers=auth(trust.manager), json={}).status_code == 200
    r = _fire(client, auth, trust.doctor, dispute.appeal, "nominate_panel_member", {"person": trust.other_manager.id})
    assert r.status_code == 200, r.get_json()
