"""Team plans first (002 7.4) through the API (issue 17 item 6): drafted, edited and agreed by the team's
planners with If-Match; agreeing clears the members' "no agreed team job plan" warning; a clinical manager
reads their team's capacity in WTE (003). Other roles' tokens are refused or told nothing exists."""
from __future__ import annotations

from tests.conftest import actor
from tests.factories import complete_plan

TEAM_CONTENT = {"objectives": [{"kind": "team", "text": "Cover all SPA work"}]}


def _warnings(client, h, plan_id):
    return client.get(f"/api/v1/plans/{plan_id}", headers=h).get_json()


def test_team_plan_api_drafted_edited_agreed_clears_the_warning_002_7_4(client, svc, trust, auth):
    from workflow.service import plans

    manager = auth(trust.manager)
    r = client.post(f"/api/v1/teams/{trust.team.id}/plans", headers=manager,
                    json={"policy_id": "cpft-medical-2017", "content": TEAM_CONTENT})
    assert r.status_code == 201, r.get_json()
    plan_id, tag = r.get_json()["id"], r.headers["ETag"]
    member = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    assert "team_plan_first" in [w.rule for w in plans.assess(svc, actor(trust.manager), member.id).warnings]
    assert client.put(f"/api/v1/team-plans/{plan_id}", headers=manager,
                      json={"content": TEAM_CONTENT}).status_code == 428
    edited = client.put(f"/api/v1/team-plans/{plan_id}", headers={**manager, "If-Match": tag},
                        json={"content": {**TEAM_CONTENT, "other_comments": "agreed at the team meeting"}})
    assert edited.status_code == 200 and edited.get_json()["number"] == 2
    stale = client.post(f"/api/v1/team-plans/{plan_id}/agree", headers={**manager, "If-Match": tag})
    assert stale.status_code == 409
    agreed = client.post(f"/api/v1/team-plans/{plan_id}/agree", headers={**manager, "If-Match": edited.headers["ETag"]})
    assert agreed.status_code == 200 and agreed.get_json()["agreed_version"] == 2
    svc.session.expire_all()
    assert "team_plan_first" not in [w.rule for w in plans.assess(svc, actor(trust.manager), member.id).warnings]
    listed = client.get(f"/api/v1/teams/{trust.team.id}/plans", headers=manager).get_json()
    assert [p["id"] for p in listed] == [plan_id]


def test_team_plan_api_refuses_other_roles(client, svc, trust, auth):
    r = client.post(f"/api/v1/teams/{trust.team.id}/plans", headers=auth(trust.manager),
                    json={"policy_id": "cpft-medical-2017", "content": TEAM_CONTENT})
    plan_id, tag = r.get_json()["id"], r.headers["ETag"]
    for person in (trust.outsider, trust.other_amd, trust.other_manager):
        h = auth(person)
        created = client.post(f"/api/v1/teams/{trust.team.id}/plans", headers=h,
                              json={"policy_id": "cpft-medical-2017", "content": {}})
        assert created.status_code in (403, 404), person.name
        assert client.post(f"/api/v1/team-plans/{plan_id}/agree", headers={**h, "If-Match": tag}).status_code in (403, 404)
    # the practitioner of the team is not one of its planners
    assert client.post(f"/api/v1/team-plans/{plan_id}/agree",
                       headers={**auth(trust.doctor), "If-Match": tag}).status_code in (403, 404)
    assert client.post(f"/api/v1/teams/{trust.other_team.id}/plans", headers=auth(trust.manager),
                       json={"policy_id": "cpft-medical-2017", "content": {}}).status_code == 403
    for body in ({"policy_id": "nope", "content": {}}, {"policy_id": "cpft-medical-2017", "content": []},
                 {"policy_id": "cpft-medical-2017"}):
        assert client.post(f"/api/v1/teams/{trust.team.id}/plans", headers=auth(trust.manager),
                           json=body).status_code in (404, 422), body


def test_team_capacity_api_a_clinical_manager_sees_their_team_in_wte_003(client, svc, trust, auth):
    svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(10, 2.5))
    body = client.get(f"/api/v1/teams/{trust.team.id}/capacity", headers=auth(trust.manager)).get_json()
    assert body["staff"] >= 2 and body["wte"] >= 1.0 and "clinical_wte" in body
    assert client.get(f"/api/v1/teams/{trust.team.id}/capacity", headers=auth(trust.other_manager)).status_code in (403, 404)
    assert client.get(f"/api/v1/teams/{trust.team.id}/capacity", headers=auth(trust.outsider)).status_code in (403, 404)
