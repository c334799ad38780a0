"""Every error code of the API, from real requests, as RFC 9457 problem documents."""
from __future__ import annotations

from tests.e2e.conftest import etag_of, multipart
from workflow.service import signin
from workflow.service.documents import MAX_DOCUMENT_BYTES

PROBLEM = "application/problem+json"


def assert_problem(r, status):
    assert r.status_code == status, r.data
    assert r.mimetype == PROBLEM
    body = r.get_json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body


def test_401_without_credentials_names_the_bearer_scheme(client):
    body = assert_problem(client.get("/api/v1/cases"), 401)
    assert "token" in body["detail"]


def test_401_for_an_unknown_token(client):
    assert_problem(client.get("/api/v1/cases", headers={"Authorization": "Bearer jpt_nonsense"}), 401)
    assert_problem(client.get("/api/v1/cases", headers={"Authorization": "Basic abc"}), 401)


def test_401_for_a_revoked_token(client, svc, trust):
    issued = signin.create_token(svc, trust.md.id, "to revoke")
    h = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/cases", headers=h).status_code == 200
    signin.revoke_token(svc, issued.id)
    assert_problem(client.get("/api/v1/cases", headers=h), 401)


def test_openapi_document_and_docs_need_no_sign_in(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and "/api/v1/cases/{case_id}/triggers/{trigger}" in r.get_json()["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/api/v1/docs/assets/swagger-ui-bundle.js" in page.data
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:  # shipped by swagger-ui-bundle, no CDN
        assert asset.status_code == 200 and asset.mimetype == "text/javascript"


def test_403_when_the_role_may_see_but_not_do_the_step_002_7_5(client, auth, trust, sign_off):
    h = auth(trust.doctor)  # the practitioner sees the case, but recording the meeting is the manager's
    tag = etag_of(client, h, sign_off.case.id)
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/return_to_signatories", headers={**h, "If-Match": tag},
                    json={"payload": {"return_reason": "other"}, "reason": "x"})
    assert_problem(r, 409)  # not possible in this state at all
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/record_failure_to_agree",
                    headers={**auth(trust.amd), "If-Match": tag}, json={"payload": {"points_not_agreed": "x"}})
    body = assert_problem(r, 403)
    assert "Practitioner" in body["detail"]


def test_404_for_a_case_outside_the_callers_scope(client, auth, trust, sign_off):
    body = assert_problem(client.get(f"/api/v1/cases/{sign_off.case.id}", headers=auth(trust.outsider)), 404)
    assert body["detail"] == f"case {sign_off.case.id} was not found"
    assert_problem(client.get("/api/v1/cases/999999", headers=auth(trust.md)), 404)


def test_409_on_a_stale_if_match(client, auth, trust, sign_off):
    h = auth(trust.doctor)
    old = etag_of(client, h, sign_off.case.id)
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers={**h, "If-Match": old}, json={})
    assert r.status_code == 200 and r.headers["ETag"] != old
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers={**auth(trust.manager), "If-Match": old},
                    json={})
    assert assert_problem(r, 409)["code"] == "stale_version"


def test_428_when_if_match_is_missing(client, auth, trust, sign_off):
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers=auth(trust.doctor), json={})
    assert_problem(r, 428)
    r = client.put(f"/api/v1/plans/{sign_off.plan.id}", headers=auth(trust.manager), json={"content": {}})
    assert_problem(r, 428)


def test_422_carries_marshmallow_field_errors(client, auth, trust, sign_off):
    h = auth(trust.doctor)
    tag = etag_of(client, h, sign_off.case.id)
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/record_failure_to_agree",
                    headers={**h, "If-Match": tag}, json={"payload": {"points_not_agreed": ""}})
    assert assert_problem(r, 422)["errors"] == {"points_not_agreed": ["must not be empty"]}
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers={**h, "If-Match": tag},
                    json={"payload": {}, "unexpected": 1})
    body = assert_problem(r, 422)
    assert "unexpected" in body["errors"] and body["location"] == "json"
    r = client.get("/api/v1/cases?person=abc", headers=h)
    body = assert_problem(r, 422)
    assert "person" in body["errors"] and body["location"] == "query"


def test_bad_input_is_never_a_500(client, auth, trust, sign_off):
    h = {**auth(trust.doctor), "If-Match": '"case-1-v1"', "Content-Type": "application/json"}
    for body in (b"{not json", b"[]", b'"text"', b"null", b'{"payload": []}'):
        r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign", headers=h, data=body)
        assert 400 <= r.status_code < 500 and r.mimetype == PROBLEM, (body, r.status_code)
    assert client.get("/api/v1/plans/1/diff?from=1&to=99", headers=h).status_code == 404


def test_413_for_a_document_over_the_limit(client, auth, trust, sign_off):
    h = auth(trust.doctor)
    big = b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/documents", headers=h,
                    **multipart(big, "diary.pdf", "application/pdf"))
    assert assert_problem(r, 413)["code"] == "document_too_large"
    huge = b"0" * (13 * 1024 * 1024)  # past the request limit: refused before the view runs
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/documents", headers=h,
                    **multipart(huge, "diary.pdf", "application/pdf"))
    assert_problem(r, 413)


def test_405_and_unknown_paths_are_problems_too(client, auth, trust):
    assert_problem(client.delete("/api/v1/cases", headers=auth(trust.md)), 405)
    assert_problem(client.get("/api/v1/nothing-here", headers=auth(trust.md)), 404)


def test_starting_a_case_naming_any_manager_or_an_unknown_workflow_is_a_422_not_a_500(client, auth, trust):
    r = client.post("/api/v1/cases", headers=auth(trust.directorate),
                    json={"workflow": "sign_off", "subject_id": trust.doctor.id, "manager_id": 999999})
    assert_problem(r, 422)
    r = client.post("/api/v1/cases", headers=auth(trust.directorate),
                    json={"workflow": "no_such_workflow", "subject_id": trust.doctor.id})
    assert_problem(r, 422)
