"""Issue 17 item 7 on the pages: a manager names a deputy on the Cover page (dates as people write them, refusals in
the error-summary pattern keeping what was typed), the case page says who covers for whom until when and shows the
deputy's acts as done on the manager's behalf, and the cover is ended from the same page."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from tests.e2e.test_sign_in import csrf_token, login, with_password
from tests.integration.helpers import sign_off_case
from workflow.service.cover import name_deputy
from workflow.store.models import DeputyCover


def _signed_in(app, svc, person):
    client = app.test_client()
    assert login(client, person.email, with_password(svc, person)).status_code == 302
    return client


def _form(client, deputy_id, starts=("1", "3", "2027"), ends=("12", "3", "2027"), **extra):
    data = {"csrf_token": csrf_token(client, "/account/preferences"), "deputy_id": str(deputy_id), "reason": "annual leave", **extra}
    for name, (d, m, y) in (("starts_on", starts), ("ends_on", ends)):
        data.update({f"{name}[day]": d, f"{name}[month]": m, f"{name}[year]": y})
    return data


def test_issue17_7_a_manager_names_a_deputy_on_the_cover_page_and_ends_it(app, svc, trust):
    client = _signed_in(app, svc, trust.manager)
    page = client.get("/cover").get_data(as_text=True)
    assert 'href="/cover"' in page and "Name a deputy" in page
    r = client.post("/cover", data=_form(client, trust.other_manager.id))
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get("/cover").get_data(as_text=True)
    assert "Other Manager covers for Clinical Manager from 1 March 2027 to 12 March 2027" in page
    assert "In force" in page
    cover_id = svc.session.scalar(select(DeputyCover.id))
    r = client.post(f"/cover/{cover_id}/end", data={"csrf_token": csrf_token(client, "/cover")})
    assert r.status_code == 302
    svc.session.rollback()
    assert svc.session.get(DeputyCover, cover_id).ended_at is not None
    assert "Ended early" in client.get("/cover").get_data(as_text=True)


def test_issue17_7_refusals_show_the_reason_at_the_field_and_keep_what_was_typed(app, svc, trust):
    client = _signed_in(app, svc, trust.manager)
    r = client.post("/cover", data=_form(client, trust.other_manager.id, starts=("5", "3", "2027"),
                                         ends=("4", "3", "2027")))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "There is a problem" in html and 'href="#ends-on"' in html
    assert "The last day of cover is before its first day" in html and 'value="2027"' in html
    r = client.post("/cover", data=_form(client, trust.doctor.id))  # someone they manage
    assert r.status_code == 422 and 'href="#deputy-id"' in r.get_data(as_text=True)
    r = client.post("/cover", data=_form(client, trust.other_manager.id, starts=("31", "2", "2027")))
    assert r.status_code == 422 and "must be a real date" in r.get_data(as_text=True)
    assert svc.session.scalar(select(func.count(DeputyCover.id))) == 0


def test_issue17_7_a_practitioner_gets_no_form_and_cannot_post_one(app, svc, trust):
    client = _signed_in(app, svc, trust.doctor)
    assert "Name a deputy" not in client.get("/cover").get_data(as_text=True)
    r = client.post("/cover", data=_form(client, trust.doctor.id, manager_id=str(trust.manager.id)))
    assert r.status_code == 403
    assert svc.session.scalar(select(func.count(DeputyCover.id))) == 0


def test_issue17_7_the_case_page_shows_the_cover_and_the_deputys_act_on_the_managers_behalf(app, svc, trust):
    case_id = sign_off_case(svc, trust)
    svc.fire(actor(trust.doctor), case_id, "sign")
    name_deputy(svc, actor(trust.manager), trust.manager.id, trust.other_manager.id, date(2027, 3, 1),
                date(2027, 3, 12))
    svc.fire(actor(trust.other_manager), case_id, "sign")
    client = _signed_in(app, svc, trust.doctor)
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Other Manager is covering for Clinical Manager until 12 March 2027" in html
    assert ("Other Manager on behalf of Clinical Manager (deputy cover 1 March 2027 to 12 March 2027) as Clinical "
            "Manager") in html
    assert "On behalf of" not in html  # not shown again as a recorded field


@pytest.mark.browser
def test_issue17_7_the_cover_page_and_a_covered_case_pass_axe(svc, trust, browser, live_server, passwords):
    from tests.e2e.browser import Visitor, describe

    case_id = sign_off_case(svc, trust)
    name_deputy(svc, actor(trust.manager), trust.manager.id, trust.other_manager.id, date(2027, 3, 1),
                date(2027, 3, 12))
    v = Visitor(browser, live_server, "cover")
    v.sign_in(trust.manager)
    violations = []
    for url in ("/cover", f"/cases/{case_id}"):
        assert v.page.goto(url).status == 200, url
        violations += [(url, x) for x in v.axe()]
    v.page.goto("/cover")
    v.page.click("button:has-text('Name deputy')")  # nothing chosen: the error summary, still accessible
    violations += [("/cover refused", x) for x in v.axe()]
    assert "There is a problem" in v.page.content()
    v.shot("cover-refused")
    v.close()
    assert violations == [], describe(violations)


def test_issue17_7_the_deputys_team_page_lists_the_managers_people_while_covering(app, svc, trust):
    client = _signed_in(app, svc, trust.other_manager)
    assert trust.doctor.name not in client.get("/team").get_data(as_text=True)
    name_deputy(svc, actor(trust.manager), trust.manager.id, trust.other_manager.id, date(2027, 3, 1),
                date(2027, 3, 12), "annual leave")
    page = client.get("/team").get_data(as_text=True)
    assert trust.doctor.name in page and f"You are covering for {trust.manager.name}" in page
    assert f"Start sign-off<span class=\"nhsuk-u-visually-hidden\"> for {trust.doctor.name}" in page
