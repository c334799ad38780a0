"""Issue 15: the API's case and event lists page by keyset (``after``: the last id of the page before), so a
deep page costs what the first does, and the X-Pagination header stays true."""
from __future__ import annotations

import json

from tests.e2e.test_case_lists import many_cases  # noqa: F401  (fixture)


def test_the_case_list_pages_by_keyset_with_a_true_x_pagination_issue_15(client, auth, trust, many_cases):  # noqa: F811
    h = auth(trust.manager)
    ids = sorted(many_cases)
    r = client.get(f"/api/v1/cases?page_size=20&after={ids[39]}", headers=h)
    assert [c["id"] for c in r.get_json()] == ids[40:56]
    meta = json.loads(r.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"], meta["previous_page"]) == (56, 3, 3, 2)
    r = client.get(f"/api/v1/cases?page_size=20&after={ids[19]}", headers=h)
    assert [c["id"] for c in r.get_json()] == ids[20:40]
    assert json.loads(r.headers["X-Pagination"])["next_page"] == 3


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
    assert client.get(f"/api/v1/cases?after={min(many_cases)}", headers=h).get_json() == []
    assert client.get("/api/v1/audit/events", headers=h).get_json()["items"] == []
