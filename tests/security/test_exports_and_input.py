"""Issue 13 items 3 and 8, end to end through HTTP on whichever database the suite runs on (the NUL
probes matter on PostgreSQL, which refuses the character): exports carry no live formula, and crafted
input is a 4xx with a message, never a 5xx, leaving nothing half-written. Also issue 15: downloads
stream."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from tests.e2e.conftest import etag_of, multipart
from tests.e2e.test_sign_in import csrf_token, login, with_password
from tests.factories import complete_plan
from workflow import limits
from workflow.store.models import Event, JobPlanVersion, OutboxMessage, Person
from workflow.service.reports.export import FORMULA_TRIGGERS, to_csv, to_xlsx
from workflow.service.reports.table import Report

PROBLEM = "application/problem+json"
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\uff1d1+1"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture(autouse=True)
def no_propagation(app):
    """Report a server error as a 500 response, as production does, rather than raising it in the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False


@pytest.fixture
def hostile(svc, trust, sign_off):
    """Formula-like text where a person can put it: a name, a team, a plan note, a step's reason."""
    trust.doctor.name = HOSTILE[0]
    trust.team.name = HOSTILE[1]
    svc.session.commit()
    plan = sign_off.plan
    svc.edit_job_plan(actor(trust.manager), plan.id, complete_plan(), note=HOSTILE[2])
    svc.fire(actor(trust.doctor), sign_off.case.id, "sign", {}, reason=HOSTILE[3])
    svc.fire(actor(trust.manager), sign_off.case.id, "sign", {}, reason=HOSTILE[4])  # a full-width "="
    return sign_off


def csv_cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def assert_no_live_csv_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not (cell.startswith(FORMULA_TRIGGERS) and not NUMBER.match(cell)), cell


def xlsx_formulas(body: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheets = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")}
    return [n for n, xml in sheets.items() if b"<f>" in xml or b"<f " in xml]


# ---- item 3: exports cannot carry formulas -------------------------------------------------------

@pytest.mark.parametrize("name", ["master_log", "capacity"])
def test_item3_report_downloads_carry_no_formula_in_csv_or_xlsx(client, auth, trust, hostile, name):
    h = auth(trust.directorate)
    r = client.get(f"/api/v1/reports/{name}?format=csv", headers=h)
    assert r.status_code == 200
    rows = csv_cells(r.data)
    assert_no_live_csv_formula(rows)
    text = [c for row in rows for c in row]
    assert "'" + HOSTILE[1] in text  # the team name is kept, made inert
    if name == "master_log":
        assert {"'" + HOSTILE[0], "'" + HOSTILE[2], "'" + HOSTILE[3]} <= set(text)
    r = client.get(f"/api/v1/reports/{name}?format=xlsx", headers=h)
    assert r.status_code == 200
    assert xlsx_formulas(r.data) == []
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    values = {c.value for row in ws.iter_rows() for c in row}
    assert HOSTILE[1] in values  # the text itself, as a string cell
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_item3_the_page_downloads_carry_no_formula(app, svc, trust, hostile):
    page = app.test_client()
    login(page, trust.directorate.email, with_password(svc, trust.directorate))
    r = page.get("/reports/master_log.csv")
    assert r.status_code == 200
    assert_no_live_csv_formula(csv_cells(r.data))
    r = page.get("/reports/master_log.xlsx")
    assert r.status_code == 200 and xlsx_formulas(r.data) == []


def test_item3_audit_event_csv_carries_no_formula(client, auth, trust, hostile):
    for url in ("/api/v1/audit/events.csv", f"/api/v1/cases/{hostile.case.id}/events.csv"):
        r = client.get(url, headers=auth(trust.md))
        assert r.status_code == 200
        rows = csv_cells(r.data)
        assert_no_live_csv_formula(rows)
        reason = rows[0].index("reason")
        assert {"'" + HOSTILE[3], "'" + HOSTILE[4]} <= {row[reason] for row in rows}


def test_item3_numbers_stay_numbers_and_only_text_is_neutralised():
    report = Report("t", "T", [("n", "N"), ("x", "X"), ("t", "Text")],
                    [{"n": -3, "x": -1.5, "t": "-1.5"}, {"n": 10, "x": 0.25, "t": "=1+1"}])
    rows = csv_cells(to_csv(report).encode())
    assert rows[1] == ["-3", "-1.5", "'-1.5"] and rows[2] == ["10", "0.25", "'=1+1"]
    body = to_xlsx(report)
    assert xlsx_formulas(body) == []
    ws = openpyxl.load_workbook(io.BytesIO(body)).active
    cells = list(ws.iter_rows(min_row=2))
    assert [c.value for c in cells[0][:2]] == [-3, -1.5] and cells[0][0].data_type == "n"
    assert cells[0][2].value == "-1.5" and cells[0][2].data_type == "s"
    assert cells[1][2].value == "=1+1" and cells[1][2].data_type == "s" and cells[1][2].quotePrefix


def test_issue15_report_and_audit_downloads_stream(app, auth, trust, sign_off):
    """The view hands Flask an iterator of chunks, not a finished body (the test client would hide that)."""
    h = auth(trust.md)
    for url in ("/api/v1/reports/compliance?format=csv", "/api/v1/reports/compliance?format=xlsx",
                "/api/v1/audit/events.csv"):
        with app.test_request_context(url, headers=h):
            resp = app.full_dispatch_request()
            try:
                assert resp.status_code == 200 and resp.is_streamed, url
            finally:
                resp.close()


# ---- item 8: crafted input is a 4xx, never a 5xx ---------------------------------------------------

def assert_problem(r, status):
    assert r.status_code == status, r.data[:300]
    assert r.mimetype == PROBLEM
    return r.get_json()


def _events(svc):
    svc.session.expire_all()
    return svc.session.scalar(select(func.count(Event.id)))


def test_item8_nul_in_a_query_is_a_400_on_the_api_and_the_pages(app, client, auth, svc, trust):
    body = assert_problem(client.get("/api/v1/people?name=a%00b", headers=auth(trust.manager)), 400)
    assert "NUL" in body["detail"] and "name" in body["errors"]
    assert_problem(client.get("/api/v1/cases?state=%00", headers=auth(trust.manager)), 400)
    page = app.test_client()
    login(page, trust.doctor.email, with_password(svc, trust.doctor))
    r = page.get("/cases?q=a%00b")
    assert r.status_code == 400 and b"NUL" in r.data


def test_item8_nul_in_a_reason_is_refused_and_nothing_is_recorded(client, auth, svc, trust, sign_off):
    h = auth(trust.doctor)
    before = _events(svc)
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign",
                    headers={**h, "If-Match": etag_of(client, h, sign_off.case.id)}, json={"reason": "a\x00b"})
    assert "reason" in assert_problem(r, 400)["detail"]
    assert _events(svc) == before


def test_item8_nul_in_a_form_field_of_a_page_is_refused(app, svc, trust, sign_off):
    page = app.test_client()
    login(page, trust.doctor.email, with_password(svc, trust.doctor))
    url = f"/cases/{sign_off.case.id}/do/record_failure_to_agree"
    before = _events(svc)
    r = page.post(url, data={"csrf_token": csrf_token(page, url), "points_not_agreed": "SPA\x00", "reason": "x"})
    assert r.status_code == 400 and b"NUL" in r.data
    assert _events(svc) == before


def test_item8_nul_in_a_plan_note_is_refused(client, auth, svc, trust, sign_off):
    h = auth(trust.manager)
    url = f"/api/v1/plans/{sign_off.plan.id}"
    r = client.put(url, headers={**h, "If-Match": client.get(url, headers=h).headers["ETag"]},
                   json={"content": complete_plan(), "note": "a\x00b"})
    assert_problem(r, 400)
    assert svc.session.scalar(select(func.count(JobPlanVersion.id))) == 1


def test_item8_nul_in_a_staff_import_cell_is_a_422_naming_the_line(client, auth, svc, trust):
    text = ("id,name,email,role,staff group,contract,care group,team,manager\n"
            "E1,Dr Ada Lane,ada@example.org,Consultant,Consultant,10 PA,Surgery,Ortho,\n"
            "E2,Dr B\x00,b@example.org,Consultant,Consultant,10 PA,Surgery,Ortho,\n")
    before = svc.session.scalar(select(func.count(Person.id)))
    r = client.post("/api/v1/people/import", headers=auth(trust.hr), **multipart(text.encode(), "esr.csv", "text/csv"))
    assert "line 3" in assert_problem(r, 422)["detail"]
    assert svc.session.scalar(select(func.count(Person.id))) == before


def test_item8_nul_in_an_upload_filename_is_refused(client, auth, trust, sign_off):
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/documents", headers=auth(trust.doctor),
                    **multipart(b"evidence", "diary\x00.txt", "text/plain"))
    assert_problem(r, 400)
    assert client.get(f"/api/v1/cases/{sign_off.case.id}/documents", headers=auth(trust.doctor)).get_json() == []


def test_item8_json_nested_5000_deep_is_a_400(client, auth, trust, sign_off):
    h = auth(trust.doctor)
    r = client.post(f"/api/v1/cases/{sign_off.case.id}/triggers/sign",
                    headers={**h, "If-Match": etag_of(client, h, sign_off.case.id)},
                    data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert "nested" in assert_problem(r, 400)["detail"]


def test_item8_a_100000_digit_integer_is_a_4xx_in_json_query_and_path(app, client, auth, svc, trust):
    h = auth(trust.manager)
    big = "9" * 100_000
    r = client.post("/api/v1/cases", headers=h, content_type="application/json",
                    data='{"workflow": "sign_off", "subject_id": %s}' % big)
    assert "digits" in assert_problem(r, 400)["detail"]
    assert client.get(f"/api/v1/cases?person={big}", headers=h).status_code == 400
    assert client.get(f"/api/v1/cases/{big}", headers=h).status_code == 404
    page = app.test_client()
    login(page, trust.doctor.email, with_password(svc, trust.doctor))
    for url in (f"/cases/{big}", "/cases/99999999999", "/plans/99999999999", f"/mail/{big}"):
        assert page.get(url).status_code == 404, url


def test_item8_mail_missing_or_someone_elses_is_a_404(app, svc, trust, sign_off):
    from workflow.store import rows

    rows.queue_message(svc.session.connection(), rows.message_row(
        dedupe_key="probe", case_id=sign_off.case.id, recipient_id=trust.manager.id, to_address=trust.manager.email,
        subject="For the manager", body_text="private", created_at=svc.clock.now()))
    svc.session.commit()
    theirs = svc.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "probe"))
    page = app.test_client()
    login(page, trust.doctor.email, with_password(svc, trust.doctor))
    assert page.get(f"/mail/{theirs}").status_code == 404
    assert page.get("/mail/999999").status_code == 404


def test_item8_a_1mb_comment_and_a_14000_row_schedule_are_refused(client, auth, svc, trust, sign_off):
    h = auth(trust.manager)
    url = f"/api/v1/plans/{sign_off.plan.id}"
    tag = client.get(url, headers=h).headers["ETag"]
    body = assert_problem(client.put(url, headers={**h, "If-Match": tag},
                                     json={"content": complete_plan(other_comments="x" * 1_000_000)}), 422)
    assert "other_comments" in body["errors"]
    row = complete_plan()["schedule"][0]
    r = client.put(url, headers={**h, "If-Match": tag}, json={"content": complete_plan(schedule=[row] * 14_000)})
    assert r.status_code == 413
    body = assert_problem(client.put(url, headers={**h, "If-Match": tag},
                                     json={"content": complete_plan(schedule=[row] * (limits.PLAN_LIST_ITEMS + 1))}),
                          422)
    assert "schedule" in body["errors"]
    assert svc.session.scalar(select(func.count(JobPlanVersion.id))) == 1


def test_item8_a_reason_over_the_limit_is_refused_by_the_service_for_the_pages_too(app, svc, trust, sign_off):
    page = app.test_client()
    login(page, trust.doctor.email, with_password(svc, trust.doctor))
    url = f"/cases/{sign_off.case.id}/do/record_failure_to_agree"
    before = _events(svc)
    r = page.post(url, data={"csrf_token": csrf_token(page, url), "points_not_agreed": "SPA",
                             "reason": "x" * (limits.REASON_CHARS + 1)})
    assert r.status_code == 422 and f"at most {limits.REASON_CHARS} characters".encode() in r.data
    assert _events(svc) == before


def test_item8_the_limits_are_stated_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["Fire"]["properties"]["reason"]["maxLength"] == limits.REASON_CHARS
    assert schemas["PlanEdit"]["properties"]["note"]["maxLength"] == limits.NOTE_CHARS
    assert f"at most {limits.PLAN_LIST_ITEMS}" in schemas["PlanEdit"]["properties"]["content"]["description"]
    path = spec["paths"]["/api/v1/cases/{case_id}"]
    ids = [p for p in path.get("parameters", []) + path["get"].get("parameters", []) if p["name"] == "case_id"]
    assert ids and ids[0]["schema"]["maximum"] == 2**31 - 1
