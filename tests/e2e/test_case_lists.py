"""Long case lists come in pages: the API's 100 a page with X-Pagination, the pages' 50 with the NHS
pagination pattern, the earliest deadline first, filters kept from page to page."""
from __future__ import annotations

import json

import pytest

from tests.conftest import actor
from tests.e2e.test_sign_in import login, with_password


@pytest.fixture
def many_cases(svc, trust):
    """56 sign-offs of Dr Practitioner's plan (one case per plan version would do as well for a list)."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {})
    return [svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
            for _ in range(56)]


def test_the_api_lists_cases_a_page_at_a_time(client, auth, trust, many_cases):
    h = auth(trust.manager)
    r = client.get("/api/v1/cases?page_size=20&page=3", headers=h)
    assert r.status_code == 200
    assert [c["id"] for c in r.get_json()] == sorted(many_cases)[40:56]
    meta = json.loads(r.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"], meta["previous_page"]) == (56, 3, 3, 2)
    assert len(client.get("/api/v1/cases", headers=h).get_json()) == 56  # 100 a page by default
    assert client.get("/api/v1/cases?page_size=5000", headers=h).status_code == 422


def test_the_case_list_page_shows_fifty_and_links_to_the_next_page(client, svc, trust, many_cases):
    login(client, trust.manager.email, with_password(svc, trust.manager))
    first = client.get("/cases?workflow=sign_off").get_data(as_text=True)
    assert "Cases 1 to 50 of 56" in first and first.count('class="nhsuk-table__row"') == 51  # with the header
    assert 'href="/cases?workflow=sign_off&amp;page=2"' in first
    second = client.get("/cases?workflow=sign_off&page=2").get_data(as_text=True)
    assert "Cases 51 to 56 of 56" in second and second.count('class="nhsuk-table__row"') == 7
    assert 'href="/cases?workflow=sign_off&amp;page=1"' in second
    beyond = client.get("/cases?workflow=sign_off&page=9").get_data(as_text=True)
    assert "Cases 51 to 56 of 56" in beyond  # a page past the end shows the last one
