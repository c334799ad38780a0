"""Issue 15: the API's long lists page by keyset. The case list pages in the case list page's order (earliest
open clock first, cases with none last, then id) and the deadline list soonest first; each page's
X-Pagination and ``Link: rel="next"`` carry an opaque cursor naming the last row's key, so page 1,000 costs
what page 1 costs and rows added while a reader pages do not shift the next page. Counts stop at 1,000 and
say "more than". The audit log pages by ``after`` (the last event's id)."""
from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tests.e2e.test_case_lists import many_cases  # noqa: F401  (fixture)
from tests.e2e.test_sign_in import login, with_password
from workflow.service import keyset
from workflow.store import rows
from workflow.store.models import Case, Deadline, Person


def mixed_cases(svc, trust, n: int, *, first_due: int = -5) -> list[int]:
    """``n`` open sign-offs of practitioners the clinical manager manages: every fifth with no open clock
    (next_due_at empty), the others due on a few days, so many share a due moment (ties broken by id)."""
    policy = svc.policies.latest("cpft-medical-2017")
    wf = policy.workflow("sign_off")
    now = svc.clock.now()
    conn = svc.session.connection()
    start = svc.session.query(Person).count()
    out = []
    for i in range(n):
        subject = conn.execute(insert(Person).returning(Person.id), {
            "name": f"Dr Keyset {start + i}", "email": f"keyset{start + i}@example.org", "staff_group": "consultant",
            "team_id": trust.team.id, "manager_id": trust.manager.id, "active": True,
            "wants_digest": False}).scalar_one()
        case_id = conn.execute(insert(Case).returning(Case.id), {
            "workflow": "sign_off", "policy_id": policy.id, "policy_version": policy.version, "state": wf.initial,
            "subject_id": subject, "manager_id": trust.manager.id, "data": {}, "opened_at": now, "updated_at": now,
            "version": 1}).scalar_one()
        if i % 5:
            conn.execute(insert(Deadline), {"case_id": case_id, "name": "sign_off", "state": wf.initial,
                                            "kind": "calendar", "starts_at": now,
                                            "due_at": now + timedelta(days=first_due + (i * 7) % 13),
                                            "status": "open", "reminders_sent": 0, "escalation_step": 0,
                                            "extensions": 0})
            rows.refresh_next_due(conn, case_id)
        out.append(case_id)
    svc.session.commit()
    return out


def page_order(svc) -> list[int]:
    """Every case in the case list page's order, as the database holds them."""
    cases = svc.session.execute(select(Case.id, Case.next_due_at)).all()
    return [c.id for c in sorted(cases, key=lambda c: (c.next_due_at is None, c.next_due_at or 0, c.id))]


def walk(client, url, h) -> tuple[list[int], int]:
    """Follow the Link header's rel="next" from ``url`` to the end: the ids seen, and how many pages."""
    seen, pages = [], 0
    while url:
        r = client.get(url, headers=h)
        assert r.status_code == 200, r.get_json()
        seen += [x["id"] for x in r.get_json()]
        pages += 1
        link = r.headers.get("Link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        assert (url is None) == ("next_cursor" not in json.loads(r.headers["X-Pagination"]))
    return seen, pages


def test_the_api_case_list_pages_in_the_page_order_by_cursor_every_case_once_issue_15(client, svc, trust, auth):
    mixed_cases(svc, trust, 57)
    h = auth(trust.manager)
    expected = page_order(svc)
    seen, pages = walk(client, "/api/v1/cases?page_size=10", h)
    assert seen == expected and pages == 6
    by_number = [x["id"] for p in range(1, 7) for x in client.get(f"/api/v1/cases?page_size=10&page={p}",
                                                                   headers=h).get_json()]
    assert by_number == expected
    meta = json.loads(client.get("/api/v1/cases?page_size=10&page=2", headers=h).headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"], meta["previous_page"], meta["next_page"]) == (57, 6, 2, 1, 3)
    login(client, trust.manager.email, with_password(svc, trust.manager))  # the page shows the same order
    listed = re.findall(r"Case (\d+)</span>", client.get("/cases").get_data(as_text=True))
    assert [int(x) for x in listed] == expected[:50]


def test_a_case_list_cursor_names_values_so_a_case_added_meanwhile_does_not_shift_the_next_page_issue_15(
        client, svc, trust, auth):
    mixed_cases(svc, trust, 30)
    h = auth(trust.manager)
    first = client.get("/api/v1/cases?page_size=10", headers=h)
    cursor = json.loads(first.headers["X-Pagination"])["next_cursor"]
    second = [x["id"] for x in client.get(f"/api/v1/cases?page_size=10&cursor={cursor}", headers=h).get_json()]
    assert second == page_order(svc)[10:20]
    mixed_cases(svc, trust, 2, first_due=-30)  # due before everything listed: they go to the head of the list
    again = [x["id"] for x in client.get(f"/api/v1/cases?page_size=10&cursor={cursor}", headers=h).get_json()]
    assert again == second
    assert [x["id"] for x in client.get("/api/v1/cases?page_size=10&page=2", headers=h).get_json()] != second


def test_after_names_a_case_of_the_list_and_the_page_after_it_follows_issue_15(client, auth, trust, svc):
    mixed_cases(svc, trust, 25)
    h = auth(trust.manager)
    order = page_order(svc)
    r = client.get(f"/api/v1/cases?page_size=10&after={order[12]}", headers=h)
    assert [c["id"] for c in r.get_json()] == order[13:23]
    stranger = client.get(f"/api/v1/cases?after={order[0]}", headers=auth(trust.outsider))
    assert stranger.status_code == 422 and "after" in stranger.get_json()["errors"]  # not in their list


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CRAFTED = ["x", "%%%", _b64(b"not json"), _b64(b"[1, 2, 3]"), _b64(b'["2027-01-01T00:00:00+00:00"]'),
           _b64(b'["2027-01-01T00:00:00+00:00", "7"]'), _b64(b'["2027-01-01T00:00:00+00:00", true]'),
           _b64(b'["2027-01-01T00:00:00+00:00", 0]'), _b64(b'["2027-01-01T00:00:00+00:00", 99999999999]'),
           _b64(b'["yesterday", 7]'), _b64(b'["2027-01-01T00:00:00", 7]'), _b64(b'[5, 7]'), _b64(b'{"a": 1}'),
           _b64("[\"2027-01-01\u00e9\", 1]".encode("latin-1")), "A" * 201]


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/deadlines"])
@pytest.mark.parametrize("cursor", CRAFTED)
def test_a_crafted_cursor_is_a_422_naming_the_field_issue_15(client, auth, trust, path, cursor):
    r = client.get(f"{path}?cursor={cursor}", headers=auth(trust.md))
    assert r.status_code == 422, (cursor, r.status_code)
    assert list(r.get_json()["errors"]) == ["cursor"]


def test_a_deadline_cursor_has_a_due_moment_issue_15(client, auth, trust):
    r = client.get(f"/api/v1/deadlines?cursor={keyset.encode(None, 3)}", headers=auth(trust.md))
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["cursor"]
    assert client.get(f"/api/v1/cases?cursor={keyset.encode(None, 3)}", headers=auth(trust.md)).status_code == 200


def test_the_deadline_list_pages_soonest_first_by_cursor_issue_15(client, svc, trust, auth):
    mixed_cases(svc, trust, 60)
    h = auth(trust.manager)
    whole = sorted(svc.session.execute(select(Deadline.id, Deadline.due_at)).all(), key=lambda d: (d.due_at, d.id))
    seen, pages = walk(client, "/api/v1/deadlines?page_size=7", h)
    assert seen == [d.id for d in whole] and pages == -(-len(whole) // 7)
    meta = json.loads(client.get("/api/v1/deadlines?page_size=7", headers=h).headers["X-Pagination"])
    assert meta["total"] == len(whole) and meta["page"] == 1
    late, _ = walk(client, "/api/v1/deadlines?page_size=7&overdue=true", h)  # a filter is kept from page to page
    assert late == [d.id for d in whole if d.due_at <= svc.clock.now()] and late
    assert walk(client, "/api/v1/deadlines", auth(trust.outsider))[0] == []


def test_counts_stop_at_the_cap_and_say_more_than_issue_15(client, svc, trust, auth, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 20)
    mixed_cases(svc, trust, 26)
    h = auth(trust.manager)
    meta = json.loads(client.get("/api/v1/cases?page_size=10&page=2", headers=h).headers["X-Pagination"])
    assert meta["more_than"] == 20 and "total" not in meta and "total_pages" not in meta
    assert (meta["page"], meta["next_page"]) == (2, 3)
    meta = json.loads(client.get("/api/v1/cases?page_size=10&page=3", headers=h).headers["X-Pagination"])
    assert "next_page" not in meta and "next_cursor" not in meta  # the last page says so without a count
    meta = json.loads(client.get("/api/v1/deadlines?page_size=10", headers=h).headers["X-Pagination"])
    assert meta["total"] == 20 and meta["total_pages"] == 2  # 20 clocks (every fifth case has none): counted
    import web.pages.cases as case_pages

    monkeypatch.setattr(case_pages, "CASES_PER_PAGE", 10)
    login(client, trust.manager.email, with_password(svc, trust.manager))
    first = client.get("/cases").get_data(as_text=True)
    assert "Cases 1 to 10 of more than 20," in first and 'href="/cases?page=2"' in first and "Page 2 of" not in first
    last = client.get("/cases?page=3").get_data(as_text=True)
    assert "Cases 21 to 26 of more than 20," in last and "page=4" not in last and 'href="/cases?page=2"' in last


def test_the_audit_log_pages_by_keyset_issue_15(client, auth, trust, many_cases):  # noqa: F811
    h = auth(trust.md)
    whole = client.get("/api/v1/audit/events?page_size=500", headers=h).get_json()
    everything = [e["id"] for e in whole["items"]]
    seen, after = [], None
    while True:
        page = client.get("/api/v1/audit/events?page_size=25" + (f"&after={after}" if after else ""),
                          headers=h).get_json()
        assert page["total"] == len(everything) and page["page"] == len(seen) // 25 + 1
        seen += [e["id"] for e in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == everything
    assert client.get("/api/v1/audit/events?after=999999", headers=h).status_code == 422  # names no event


def test_a_keyset_page_shows_only_what_the_caller_may_see_issue_15(client, auth, trust, many_cases):  # noqa: F811
    h = auth(trust.outsider)
    assert client.get(f"/api/v1/cases?cursor={keyset.encode(None, 1)}", headers=h).get_json() == []
    assert client.get("/api/v1/audit/events", headers=h).get_json()["items"] == []


def test_the_audit_log_counts_to_the_cap_and_its_cursor_still_walks_every_event_issue_15(
        client, auth, trust, many_cases, monkeypatch):  # noqa: F811
    h = auth(trust.md)
    everything = [e["id"] for e in client.get("/api/v1/audit/events?page_size=500", headers=h).get_json()["items"]]
    monkeypatch.setattr(keyset, "COUNT_CAP", 30)
    seen, after, pages = [], None, []
    while True:
        page = client.get("/api/v1/audit/events?page_size=25" + (f"&after={after}" if after else ""),
                          headers=h).get_json()
        assert page["total"] is None and page["more_than"] == 30
        pages.append(page["page"])
        seen += [e["id"] for e in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == everything and len(everything) > 50
    assert pages[:2] == [1, 2] and pages[-1] is None  # past the first 30 rows a cursor's page is not numbered
