"""The governance reports through the API (issue 8): JSON rows, CSV and XLSX downloads that open, the
audit sample drawn and read back, and the reports refused to those who may not read them."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def test_compliance_report_as_json_csv_and_xlsx_002_7_6_9(client, auth, trust, sign_off):
    h = auth(trust.directorate)
    r = client.get("/api/v1/reports/compliance", headers=h)
    assert r.status_code == 200
    body = r.get_json()
    assert body["name"] == "compliance" and {"key": "share", "label": "Share"} in body["columns"]
    trust_row = next(row for row in body["rows"] if row["dimension"] == "trust")
    assert trust_row["target"] == 0.9 and trust_row["compliant"] == 0  # nothing signed off yet
    r = client.get("/api/v1/reports/compliance?format=csv", headers=h)
    assert r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["By"] == "trust"
    r = client.get("/api/v1/reports/compliance?format=xlsx", headers=h)
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    assert [c.value for c in sheet[1]][:2] == ["By", "Group"]


def test_reports_are_refused_to_a_practitioner_002_7_6_8(client, auth, trust):
    r = client.get("/api/v1/reports/master_log", headers=auth(trust.doctor))
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_unknown_report_and_bad_parameters(client, auth, trust):
    h = auth(trust.directorate)
    assert client.get("/api/v1/reports/salaries", headers=h).status_code == 404
    r = client.get("/api/v1/reports/quarterly_completion?financial_year=soon", headers=h)
    assert r.status_code == 422
    assert client.get("/api/v1/reports/audit_sample", headers=h).status_code == 422  # which sample?


def test_audit_sample_drawn_and_read_back_002_section_10(client, auth, trust):
    h = auth(trust.directorate)
    r = client.post("/api/v1/reports/audit_sample/draws", headers=h, json={"financial_year": 2026})
    assert r.status_code == 201
    sample = r.get_json()
    assert sample["seed"] and sample["year"] == 2026
    r = client.get(f"/api/v1/reports/audit_sample?sample_id={sample['id']}", headers=h)
    assert r.status_code == 200 and r.get_json()["name"] == "audit_sample"
    assert client.post("/api/v1/reports/audit_sample/draws", headers=auth(trust.amd),
                       json={"financial_year": 2026}).status_code == 403


def test_7_6_9_the_compliance_trend_by_month_through_the_api_and_refused_to_others(client, auth, trust, sign_off):
    body = client.get("/api/v1/reports/compliance_trend", headers=auth(trust.directorate)).get_json()
    assert body["name"] == "compliance_trend" and len(body["rows"]) == 12
    assert body["rows"][-1]["month"] == "March 2027" and body["rows"][-1]["as_of"] == "2027-03-01"
    assert {row["target"] for row in body["rows"]} == {0.9}
    for who in (trust.doctor, trust.manager):
        r = client.get("/api/v1/reports/compliance_trend", headers=auth(who))
        assert r.status_code == 403 and r.mimetype == "application/problem+json"
    amd = client.get("/api/v1/reports/compliance_trend", headers=auth(trust.amd)).get_json()
    assert amd["rows"][-1]["staff"] <= body["rows"][-1]["staff"]  # the care group only
