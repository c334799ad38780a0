"""Issue 13, items 1 and 9, probed through HTTP as an attacker would: nobody appoints themselves (the
clinical manager is the trust's record; every person named to a seat is checked by the service), and a
race to start a sign-off, an interim plan or a case ends in one winner. Runs on SQLite and on PostgreSQL
(JOBPLAN_TEST_DATABASE_URL); the races only ever lost on PostgreSQL, where nothing serialised them."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import actor
from tests.e2e.conftest import auth, client, dispute, etag_of, multipart, sign_off  # noqa: F401  (fixtures)
from tests.factories import complete_plan
from tests.integration.test_policy_non_medical import in_dispute
from workflow.store.models import Case, JobPlan, Person

THREADS = 20


def _attackers(trust):
    """Practitioners and panel members: people with no office and no one to manage."""
    return [trust.doctor, trust.colleague, trust.outsider, trust.nominee, trust.chair, *trust.panel_list]


def _targets(trust):
    return [trust.doctor, trust.colleague, trust.outsider, trust.nominee, trust.md, trust.amd, trust.dentist,
            trust.nurse]


def test_item_1_no_practitioner_or_panel_member_becomes_anyones_manager_48_pairs(client, auth, svc, trust):
    """The probe that answered 201 for 48 of 48 pairs: naming oneself as ``manager_id``. Now the field is
    refused outright, and without it the caller is not entitled to start anyone's sign-off."""
    pairs = [(a, t) for a in _attackers(trust) for t in _targets(trust) if a.id != t.id]
    assert len(pairs) >= 48
    headers = {a.id: auth(a) for a in _attackers(trust)}
    for attacker, target in pairs:
        h = headers[attacker.id]
        named = client.post("/api/v1/cases", headers=h,
                            json={"workflow": "sign_off", "subject_id": target.id, "manager_id": attacker.id})
        assert named.status_code == 422, (attacker.name, target.name, named.get_json())
        assert "trust's record" in named.get_json()["errors"]["manager_id"][0]
        plain = client.post("/api/v1/cases", headers=h, json={"workflow": "sign_off", "subject_id": target.id})
        assert plain.status_code == 403, (attacker.name, target.name, plain.get_json())
        team_route = client.post(f"/api/v1/people/{target.id}/sign-off", headers=h)
        assert team_route.status_code == 403, (attacker.name, target.name, team_route.get_json())
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id))) == 0
    assert svc.session.scalar(select(func.count(JobPlan.id))) == 0


def test_item_1_an_office_cannot_name_a_manager_either_and_the_case_gets_the_one_on_record(client, auth, trust):
    h = auth(trust.directorate)
    r = client.post("/api/v1/cases", headers=h, json={"workflow": "sign_off", "subject_id": trust.doctor.id,
                                                      "manager_id": trust.directorate.id})
    assert r.status_code == 422
    r = client.post("/api/v1/cases", headers=h, json={"workflow": "sign_off", "subject_id": trust.doctor.id})
    assert r.status_code == 201 and r.get_json()["manager_id"] == trust.manager.id
    case = client.get(f"/api/v1/cases/{r.get_json()['id']}", headers=auth(trust.manager)).get_json()
    assert case["my_roles"] == ["clinical_manager"]


def test_item_1_a_colleague_cannot_forge_the_managers_signature_and_the_real_manager_signs(client, auth, svc, trust):
    """The reported story: a colleague started the doctor's sign-off naming themselves manager, signed as
    Clinical Manager, and the real manager was refused. Now the colleague never gets a case to sign."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    forger = auth(trust.colleague)
    r = client.post("/api/v1/cases", headers=forger, json={"workflow": "sign_off", "subject_id": trust.doctor.id,
                                                           "job_plan_id": plan.id, "manager_id": trust.colleague.id})
    assert r.status_code == 422, r.get_json()
    r = client.post("/api/v1/cases", headers=auth(trust.manager),
                    json={"workflow": "sign_off", "subject_id": trust.doctor.id, "job_plan_id": plan.id})
    assert r.status_code == 201 and r.get_json()["manager_id"] == trust.manager.id
    case_id = r.get_json()["id"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=forger).status_code == 404
    assert client.get(f"/api/v1/plans/{plan.id}", headers=forger).status_code in (403, 404)
    assert _fire(client, auth, trust.manager, case_id, "record_meeting", {"meeting_date": "2027-02-25"}).status_code == 200
    signed = _fire(client, auth, trust.manager, case_id, "sign", {})
    assert signed.status_code == 200, signed.get_json()


def test_item_1_nobody_is_their_own_manager_in_the_record_or_on_a_case(client, auth, svc, trust):
    csv = f"id,name,email,manager\nT900,Eve Self,eve@example.org,T900\n{trust.doctor.staff_number},Dr Practitioner," \
          f"{trust.doctor.email},{trust.doctor.staff_number}\n"
    r = client.post("/api/v1/people/import", headers=auth(trust.hr), **multipart(csv.encode(), "s.csv", "text/csv"))
    assert r.status_code == 200
    assert [row["status"] for row in r.get_json()["rows"]] == ["refused", "refused"]
    assert all("their own manager" in row["messages"][0] for row in r.get_json()["rows"])
    svc.session.rollback()
    with pytest.raises(IntegrityError):  # the database refuses it too, whoever writes
        svc.session.execute(text("UPDATE person SET manager_id = id WHERE id = :id"), {"id": trust.doctor.id})
        svc.session.flush()
    svc.session.rollback()
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id)
    with pytest.raises(IntegrityError):
        svc.session.execute(text("UPDATE workflow_case SET manager_id = subject_id WHERE id = :id"), {"id": case.id})
        svc.session.flush()
    svc.session.rollback()


def test_item_1_post_cases_keeps_the_team_routes_sign_off_under_way_rule(client, auth, svc, trust):
    h = auth(trust.manager)
    first = client.post(f"/api/v1/people/{trust.doctor.id}/sign-off", headers=h)
    assert first.status_code == 201
    second = client.post("/api/v1/cases", headers=h, json={"workflow": "sign_off", "subject_id": trust.doctor.id})
    assert second.status_code == 409, second.get_json()
    assert f"already has a sign-off under way (case {first.get_json()['id']})" in second.get_json()["detail"]
    by_api = client.post("/api/v1/cases", headers=h, json={"workflow": "sign_off", "subject_id": trust.colleague.id})
    assert by_api.status_code == 201
    assert client.post(f"/api/v1/people/{trust.colleague.id}/sign-off", headers=h).status_code == 409
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id))) == 2


def _fire(client, auth, who, case_id, trigger, payload, seen_by=None):
    """Fire as ``who``, with the case's current ETag as ``seen_by`` (default ``who``) reads it."""
    h = auth(who)
    tag = etag_of(client, auth(seen_by) if seen_by else h, case_id)
    return client.post(f"/api/v1/cases/{case_id}/triggers/{trigger}", json={"payload": payload},
                       headers={**h, "If-Match": tag})


def test_item_1_a_mediator_must_hold_the_office_the_policy_names_004_stage_2(client, auth, svc, trust):
    _, _, dis = in_dispute(svc, trust)
    assert _fire(client, auth, trust.nurse, dis, "request_mediation", {"reasons": "SPA"}).status_code == 200
    for who, trigger, named in ((trust.hr, "assign_hr_mediator", trust.consistency_chair),
                                (trust.hr, "assign_hr_mediator", trust.jpt_member),
                                (trust.job_planning_team, "assign_job_planning_mediator", trust.hr_adviser)):
        r = _fire(client, auth, who, dis, trigger, {"person": named.id})
        assert r.status_code == 422, (trigger, named.name, r.get_json())
        assert "the trust's record does not show them there" in r.get_json()["errors"]["person"][0]
    assert _fire(client, auth, trust.hr, dis, "assign_hr_mediator", {"person": trust.hr_adviser.id}).status_code == 200
    assert _fire(client, auth, trust.job_planning_team, dis, "assign_job_planning_mediator",
                 {"person": trust.jpt_member.id}).status_code == 200


def test_item_1_no_seat_goes_to_a_leaver_or_a_party_to_the_dispute_002_7_8_10(client, auth, svc, trust, dispute):
    trust.nominee.active = False
    svc.session.commit()
    r = _fire(client, auth, trust.doctor, dispute.appeal, "nominate_panel_member", {"person": trust.nominee.id})
    assert r.status_code == 422 and "no longer active" in r.get_json()["errors"]["person"][0]
    r = _fire(client, auth, trust.doctor, dispute.appeal, "nominate_panel_member", {"person": 2_000_000})
    assert r.status_code == 422
    r = _fire(client, auth, trust.doctor, dispute.appeal, "nominate_panel_member", {"person": trust.doctor.id})
    assert r.status_code in (409, 422)  # the practitioner cannot sit on their own panel
    trust.nominee.active = True
    svc.session.commit()
    r = _fire(client, auth, trust.doctor, dispute.appeal, "nominate_panel_member", {"person": trust.nominee.id})
    assert r.status_code == 200, r.get_json()


def test_item_1_only_the_named_party_fills_a_seat_or_names_a_representative_002_7_8_10_13(
        client, auth, svc, trust, dispute):
    """Guards that held before issue 13 and must keep holding: an outsider or a panel member cannot put
    themselves on someone's panel, nor name the practitioner's representative; nobody names a lawyer."""
    for intruder in (trust.colleague, trust.panel_list[0], trust.nominee):
        r = _fire(client, auth, intruder, dispute.appeal, "nominate_panel_member", {"person": intruder.id},
                  seen_by=trust.doctor)
        assert r.status_code in (403, 404), (intruder.name, r.get_json())
    r = _fire(client, auth, trust.colleague, dispute.appeal, "name_representative",
              {"representative_name": "Me", "representative_type": "work_colleague"}, seen_by=trust.doctor)
    assert r.status_code == 404
    r = _fire(client, auth, trust.ceo, dispute.appeal, "name_representative",
              {"representative_name": "Trust Counsel", "representative_type": "work_colleague"})
    assert r.status_code == 403
    r = _fire(client, auth, trust.doctor, dispute.appeal, "name_representative",
              {"representative_name": "A Solicitor", "representative_type": "legal"})
    assert r.status_code == 409 and "7.8.13" in r.get_json()["detail"]
    r = _fire(client, auth, trust.ceo, dispute.appeal, "allocate_list_member", {"person": trust.ceo.id})
    assert r.status_code == 422  # the list member is chosen by the service (7.8.11), never named by a client


# ---- item 9: races end in one winner -----------------------------------------------------------

def _race(app, requests):
    """Each request in its own thread, app context and database session, all released at once."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def worker(i):
        method, url, kwargs = requests[i]
        c = app.test_client()
        barrier.wait()
        r = getattr(c, method)(url, **kwargs)
        answers[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def _one_winner(answers, loser_code=409):
    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [loser_code] * (len(answers) - 1), answers
    assert all("already" in body["detail"] for code, body in answers if code != 201)


def test_item_9_twenty_concurrent_sign_offs_for_one_person_make_one_case(app, client, auth, svc, trust):
    h = auth(trust.manager)
    _one_winner(_race(app, [("post", f"/api/v1/people/{trust.doctor.id}/sign-off", {"headers": h})] * THREADS))
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id)).where(Case.subject_id == trust.doctor.id)) == 1
    assert svc.session.scalar(select(func.count(JobPlan.id))) == 1  # the losers' plan copies rolled back


def test_item_9_twenty_concurrent_interim_plans_for_one_new_starter_make_one_case_002_7_4_3(
        app, client, auth, svc, trust):
    svc.session.get(Person, trust.colleague.id).start_date = date(2027, 2, 20)
    svc.session.commit()
    h = auth(trust.manager)
    _one_winner(_race(app, [("post", f"/api/v1/people/{trust.colleague.id}/interim-plan", {"headers": h})] * THREADS))
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id))) == 1
    assert svc.session.scalar(select(func.count(JobPlan.id))) == 1


def test_item_9_post_cases_and_the_team_route_racing_for_one_person_make_one_case(app, client, auth, svc, trust):
    h = auth(trust.manager)
    body = {"workflow": "sign_off", "subject_id": trust.doctor.id}
    requests = [("post", "/api/v1/cases", {"headers": h, "json": body})] * (THREADS // 2)
    requests += [("post", f"/api/v1/people/{trust.doctor.id}/sign-off", {"headers": h})] * (THREADS // 2)
    _one_winner(_race(app, requests))
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id))) == 1


def test_item_9_twenty_concurrent_post_cases_make_one_case(app, client, auth, svc, trust):
    h = auth(trust.manager)
    body = {"workflow": "sign_off", "subject_id": trust.doctor.id}
    _one_winner(_race(app, [("post", "/api/v1/cases", {"headers": h, "json": body})] * THREADS))
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id))) == 1
