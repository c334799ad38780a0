"""Issue 17 item 9: the OpenAPI document says what the API does: If-Match is a declared parameter of every
change that needs it, report downloads list their CSV and XLSX media types, every list that pages declares
X-Pagination, and the new operations are there."""
from __future__ import annotations

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_openapi_if_match_is_a_declared_required_header(client):
    paths = _spec(client)["paths"]
    for path, method in (("/api/v1/cases/{case_id}/triggers/{trigger}", "post"), ("/api/v1/plans/{plan_id}", "put")):
        params = paths[path][method].get("parameters", [])
        assert {"in": "header", "name": "If-Match", "required": True} .items() <= next(
            p for p in params if p["name"] == "If-Match").items(), path


def test_openapi_report_downloads_list_csv_and_xlsx(client):
    content = _spec(client)["paths"]["/api/v1/reports/{name}"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv", XLSX} <= set(content)


def test_openapi_every_paged_list_declares_x_pagination(client):
    paths = _spec(client)["paths"]
    for path in ("/api/v1/cases", "/api/v1/rounds"):
        assert "X-Pagination" in paths[path]["get"]["responses"]["200"]["headers"], path


def test_openapi_declares_participants_rounds_and_the_422_location(client):
    spec = _spec(client)
    assert "get" in spec["paths"]["/api/v1/cases/{case_id}/participants"]
    assert "post" in spec["paths"]["/api/v1/rounds/{round_id}/batches"]
    assert "415" in spec["paths"]["/api/v1/rounds"]["post"]["responses"]
    assert "location" in spec["components"]["schemas"]["Problem"]["properties"]
    assert spec["components"]["schemas"]["Deadline"]["properties"]["last_day"]["format"] == "date"


def test_openapi_plan_content_is_a_typed_schema(client):
    schemas = _spec(client)["components"]["schemas"]
    assert {"schedule", "objectives", "post"} <= set(schemas["JobPlanContent"]["properties"])
    for name in ("PlanCreate", "PlanEdit", "JobPlanVersion"):
        assert schemas[name]["properties"]["content"]["allOf"] == [{"$ref": "#/components/schemas/JobPlanContent"}]


def test_every_data_list_pages_with_page_and_x_pagination(client, auth, trust, sign_off):
    h = auth(trust.manager)
    for url in ("/api/v1/cases", "/api/v1/deadlines", "/api/v1/people", "/api/v1/org-units", "/api/v1/plans",
                f"/api/v1/plans/{sign_off.plan.id}/versions", f"/api/v1/cases/{sign_off.case.id}/participants",
                f"/api/v1/cases/{sign_off.case.id}/deadlines", f"/api/v1/cases/{sign_off.case.id}/documents",
                "/api/v1/team", f"/api/v1/teams/{trust.team.id}/plans", "/api/v1/rounds"):
        r = client.get(url + "?page=1&page_size=1", headers=h)
        assert r.status_code == 200 and "X-Pagination" in r.headers, url
        assert len(r.get_json()) <= 1, url


def test_openapi_declares_the_deputy_cover_operations_issue17_7(client, auth, trust):
    paths = _spec(client)["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/covers"])
    assert "X-Pagination" in paths["/api/v1/covers"]["get"]["responses"]["200"]["headers"]
    assert {"409", "415", "422"} <= set(paths["/api/v1/covers"]["post"]["responses"])
    assert "post" in paths["/api/v1/covers/{cover_id}/end"] and "get" in paths["/api/v1/covers/{cover_id}"]
    r = client.get("/api/v1/covers?page=1&page_size=1", headers=auth(trust.manager))
    assert r.status_code == 200 and "X-Pagination" in r.headers
