"""Long case lists come in pages: the API's 100 a page with X-Pagination, the pages' 50 with the NHS
pagination pattern, the earliest deadline first, filters kept from page to page."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import actor
from tests.factories import practitioners
from tests.e2e.test_sign_in import login, with_password


@pytest.fixture
def many_cases(svc, trust):
    """56 sign-offs, one for each of 56 practitioners the clinical manager manages (a person has one sign-off
    under way at a time, issue 13 item 9)."""
    cases = []
    for doctor in practitioners(svc.session, trust, 56):
        plan = svc.create_job_plan(actor(trust.manager), doctor.id, {})
        cases.append(svc.start_case(actor(trust.manager), "sign_off", doctor.id, job_plan_id=plan.id).id)
    return cases


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


def test_a_person_field_lists_the_names_that_match_a_search_002_7_8_4(client, svc, trust, sign_off):
    from workflow.store.models import Person

    for i in range(55):  # a directory longer than one list
        svc.session.add(Person(name=f"Dr Staff {i:02d}", email=f"staff{i}@example.org", staff_group="consultant",
                               active=True))
    svc.session.commit()
    r = svc.fire(actor(trust.doctor), sign_off.case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    disagreement = r.started_case_ids[0]
    svc.fire(actor(trust.doctor), disagreement, "raise_formal_disagreement", {
        "nature": "SPA cut", "reasons": "revalidation", "evidence_summary": "diary", "consequences": "no CPD",
        "proposed_solution": "keep 1.5 SPA"})
    login(client, trust.md.email, with_password(svc, trust.md))
    url = f"/cases/{disagreement}/do/appoint_mediator"
    page = client.get(url).get_data(as_text=True)
    assert page.count("<option") == 51 and "find by name to list others" in page  # "Choose a person" and 50
    found = client.get(url + "?q=staff 4").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", found)
    assert [o.strip() for o in options[1:]] == [f"Dr Staff {i}" for i in range(40, 50)]
    assert "No one's name contains" in client.get(url + "?q=zz%25").get_data(as_text=True)  # % is a letter here


def test_the_directory_finds_people_by_part_of_their_name(client, auth, trust):
    names = [p["name"] for p in client.get("/api/v1/people?name=PRACT", headers=auth(trust.doctor)).get_json()]
    assert names == [trust.doctor.name]
