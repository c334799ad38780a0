"""Issue 18 item 6: any two versions can be compared (two pickers), this year's plan against last year's included,
in the editor's words: section titles, rows from 1, field labels. Probed with another person's plan, a reader who
may not see it, and crafted picker values."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tests.conftest import actor
from tests.e2e.test_sign_in import login, with_password
from tests.factories import complete_plan
from workflow.service import plans


def last_and_this_years_plans(svc, trust, *, drop_row: int | None = None) -> tuple[int, int]:
    """Last year's plan, agreed at version 1; this year's, copied from it, with row 7 moved to Fulbourn (and row
    ``drop_row``, counted from 1, removed) at version 2."""
    last = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    last.agreed_version, last.agreed_at = 1, datetime(2026, 4, 1, tzinfo=timezone.utc)
    this = plans.start_next_plan(svc, actor(trust.manager), trust.doctor.id, period_start=date(2027, 4, 1))
    content = dict(this.versions[0].content)
    content["schedule"] = [dict(r) for r in content["schedule"]]
    content["schedule"][6]["location"] = "Fulbourn"
    if drop_row is not None:
        del content["schedule"][drop_row - 1]
    svc.edit_job_plan(actor(trust.manager), this.id, content, note="moved a clinic")
    svc.session.commit()
    return last.id, this.id


@pytest.fixture
def two_years(svc, trust):
    """``last_and_this_years_plans``: the ids of last year's plan and this year's."""
    return last_and_this_years_plans(svc, trust)


def _as(client, svc, person):
    login(client, person.email, with_password(svc, person))
    return client


def test_issue_18_6_this_years_plan_against_last_years_in_the_editors_words(client, svc, trust, two_years):
    last, this = two_years
    c = _as(client, svc, trust.doctor)
    page = c.get(f"/plans/{this}/compare").get_data(as_text=True)
    # both pickers list every version of both plans, grouped by plan
    assert page.count(f'value="{last}-1"') == 2 and page.count(f'value="{this}-2"') == 2
    r = c.get(f"/plans/{this}/compare?from={last}-1&to={this}-2")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Weekly schedule</td><td class=\"nhsuk-table__cell\">row 7 › Location" in page
    assert "Fulbourn" in page and "schedule › 6" not in page and "schedule › 7 › location" not in page


def test_issue_18_6_any_two_versions_of_one_plan_either_way_round(client, svc, trust, two_years):
    _, this = two_years
    c = _as(client, svc, trust.manager)
    page = c.get(f"/plans/{this}/compare?from={this}-2&to={this}-1").get_data(as_text=True)
    assert "row 7 › Location" in page and "Changed" in page
    same = c.get(f"/plans/{this}/compare?from={this}-1&to={this}-1").get_data(as_text=True)
    assert "The two versions have the same content" in same
    # the plan page's history links to the comparison, and its old ?from=&to= links still arrive there
    assert f"/plans/{this}/compare?from={this}-1&amp;to={this}-2" in c.get(f"/plans/{this}").get_data(as_text=True)
    moved = c.get(f"/plans/{this}?from=1&to=2")
    assert moved.status_code == 302 and f"/plans/{this}/compare?from={this}-1" in moved.headers["Location"]


def test_issue_18_6_another_persons_plan_is_refused_and_an_unseen_plan_is_not_found(client, svc, trust, two_years):
    _, this = two_years
    theirs = svc.create_job_plan(actor(trust.manager), trust.colleague.id, complete_plan()).id
    svc.session.commit()
    c = _as(client, svc, trust.manager)  # manages both, so may see both plans
    r = c.get(f"/plans/{this}/compare?from={theirs}-1&to={this}-1")
    assert r.status_code == 422 and "same person" in r.get_data(as_text=True)
    assert f'value="{theirs}-1"' not in c.get(f"/plans/{this}/compare").get_data(as_text=True)
    for crafted in ("abc", f"{this}-", f"{this}-99", "99999-1", f"{this}-1-1", "-1", "1" * 40 + "-1", ""):
        r = c.get(f"/plans/{this}/compare", query_string={"from": crafted, "to": f"{this}-1"})
        assert r.status_code == 422, crafted
        assert "choose a version" in r.get_data(as_text=True).lower()
    outsider = _as(client.application.test_client(), svc, trust.outsider)
    assert outsider.get(f"/plans/{this}/compare").status_code == 404

