"""The pages beyond the journey: every page checked with axe-core, forms that refuse bad input in the
NHS error-summary pattern and keep what was typed, core actions without JavaScript, a phone-sized
screen, sign-in and CSRF (issue 7)."""
from __future__ import annotations

import pytest

from tests.conftest import actor
from tests.e2e.browser import Visitor, describe
from tests.factories import complete_plan

pytestmark = pytest.mark.browser


@pytest.fixture
def dispute(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    sign_off = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
    svc.fire(actor(trust.manager), sign_off, "record_meeting", {"meeting_date": "2027-02-25"})
    r = svc.fire(actor(trust.doctor), sign_off, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    return {"plan": plan.id, "sign_off": sign_off, "disagreement": r.started_case_ids[0]}


def test_every_page_has_no_serious_accessibility_violations_wcag_2_2_aa(svc, trust, browser, live_server,
                                                                        passwords, dispute):
    from sqlalchemy import select

    from workflow.store.models import Deadline

    deadline = svc.session.scalar(select(Deadline.id).where(Deadline.case_id == dispute["disagreement"]))
    pages = {
        trust.directorate: ["/", "/dashboard", "/reports", "/reports/compliance", "/reports/master_log",
                            "/reports/stage_times", "/reports/audit_sample", "/cases", "/cases?queue=governance",
                            f"/plans/{dispute['plan']}", "/mail", "/logout",
                            f"/policies/cpft-medical-2017/2/disagreement?case={dispute['disagreement']}"],
        trust.md: ["/cases?queue=mediations", f"/cases/{dispute['disagreement']}",
                   f"/cases/{dispute['disagreement']}/deadlines/{deadline}"],
        trust.ceo: ["/cases?queue=appeals"],
        trust.manager: ["/team"],
        trust.doctor: [f"/cases/{dispute['sign_off']}", f"/cases/{dispute['disagreement']}/do/raise_formal_disagreement"],
    }
    anonymous = Visitor(browser, live_server, "a11y-anonymous")
    anonymous.page.goto("/login")
    found = [("/login", v) for v in anonymous.axe()]
    anonymous.close()
    for person, urls in pages.items():
        v = Visitor(browser, live_server, f"a11y-{person.name.split()[-1].lower()}").sign_in(person)
        for url in urls:
            response = v.page.goto(url)
            assert response.status == 200, url
            found += [(url, x) for x in v.axe()]
        v.close()
    assert found == [], describe(found)


def test_a_refused_form_shows_the_error_summary_and_keeps_what_was_typed_002_7_8_3(browser, live_server, passwords,
                                                                                  trust, dispute):
    v = Visitor(browser, live_server, "refusal").sign_in(trust.doctor)
    v.page.goto(f"/cases/{dispute['disagreement']}/do/raise_formal_disagreement")
    v.page.fill("textarea[name='nature']", "0.5 SPA moves to DCC")
    v.page.fill("textarea[name='reasons']", "Revalidation")
    v.page.click("form#main-form button.nhsuk-button")
    summary = v.page.locator(".nhsuk-error-summary")
    summary.wait_for(state="visible")  # the refused post has come back (is_visible does not wait)
    assert summary.is_visible() and "There is a problem" in summary.inner_text()
    assert "Enter the evidence from your point of view" in summary.inner_text()
    assert v.page.input_value("textarea[name='nature']") == "0.5 SPA moves to DCC"  # kept
    assert v.page.input_value("textarea[name='reasons']") == "Revalidation"
    v.page.click(".nhsuk-error-summary a:has-text('evidence from your point of view')")
    assert v.page.evaluate("document.activeElement.name") == "evidence_summary"
    assert v.page.title().startswith("Error: ")
    v.shot("error-summary")
    v.close()


def test_core_actions_work_without_javascript_002_7_5(app, svc, browser, live_server, passwords, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
    v = Visitor.__new__(Visitor)
    v.context = browser.new_context(base_url=live_server, java_script_enabled=False)
    v.page, v.name, v.shots = v.context.new_page(), "no-js", 0
    v.sign_in(trust.manager)
    v.page.goto(f"/cases/{case}/do/record_meeting")
    for part, value in (("day", "25"), ("month", "2"), ("year", "2027")):
        v.page.fill(f"input[name='meeting_date[{part}]']", value)
    v.page.click("form#main-form button.nhsuk-button")
    assert "Record the job planning meeting: done" in v.page.inner_text("main")
    svc.session.rollback()
    assert svc.get_case(actor(trust.manager), case).state == "awaiting_signatures"
    v.close()


def test_the_case_page_fits_a_phone_screen(browser, live_server, passwords, trust, dispute):
    v = Visitor.__new__(Visitor)
    v.context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                    is_mobile=True, has_touch=True)
    v.page, v.name, v.shots = v.context.new_page(), "phone", 0
    v.sign_in(trust.doctor)
    for url in (f"/cases/{dispute['disagreement']}", "/", f"/plans/{dispute['plan']}"):
        v.page.goto(url)
        overflow = v.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, overflow)
    v.shot("case")
    v.close()


def test_pages_need_a_sign_in_and_come_back_after_it(app, trust, passwords):
    client = app.test_client()
    r = client.get("/cases/1")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


def test_a_form_post_without_the_csrf_token_is_refused(app, trust, passwords, dispute):
    from flask import g

    client = app.test_client()
    g.pop("csrf_token", None)
    import re
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"email": trust.doctor.email, "password": passwords, "csrf_token": token})
    assert r.status_code == 302
    r = client.post(f"/cases/{dispute['disagreement']}/do/raise_formal_disagreement", data={"nature": "x"})
    assert r.status_code == 400


def test_a_manager_starts_this_years_sign_off_from_the_team_page_002_7_5(svc, browser, live_server, passwords, trust):
    v = Visitor(browser, live_server, "team").sign_in(trust.manager)
    v.page.goto("/team")
    v.page.get_by_role("button", name=f"Start sign-off for {trust.colleague.name}").click()
    # Issue 18 item 12: starting asks first, and nothing is started until the manager confirms.
    assert f"Start this year's job plan sign-off for {trust.colleague.name}?" in v.page.inner_text("h1")
    assert v.axe() == []
    svc.session.rollback()
    assert svc.list_cases(actor(trust.manager), subject_id=trust.colleague.id) == []
    v.page.get_by_role("button", name="Yes, start it").click()
    assert "Sign-off started" in v.page.inner_text("main")
    assert "Record the job planning meeting" in v.page.inner_text("main")
    v.shot("started")
    v.close()


def test_a_manager_starts_a_new_starters_interim_plan_from_the_team_page_002_7_4_3(svc, browser, live_server,
                                                                                   passwords, trust):
    from datetime import date

    trust.colleague.start_date = date(2027, 2, 20)
    svc.session.commit()
    v = Visitor(browser, live_server, "team-interim").sign_in(trust.manager)
    v.page.goto("/team")
    assert v.page.get_by_role("button", name=f"Start sign-off for {trust.doctor.name}").is_visible()
    v.page.get_by_role("button", name=f"Start interim plan for {trust.colleague.name}").click()
    v.page.get_by_role("button", name="Yes, start it").click()
    main = v.page.inner_text("main")
    assert "Interim plan started" in main and "Start the sign-off of the interim job plan" in main
    assert v.axe() == []
    v.page.goto("/team")
    assert v.page.get_by_role("link", name="Interim plan (new starter)").is_visible()
    assert v.page.get_by_role("button", name=f"Start interim plan for {trust.colleague.name}").count() == 0
    v.shot("team-with-interim-plan")
    v.close()


def test_a_manager_edits_the_plan_on_the_page_with_no_accessibility_violations_002_7_5(svc, browser, live_server,
                                                                                        passwords, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan()).id
    v = Visitor(browser, live_server, "plan-editor").sign_in(trust.manager)
    v.page.goto(f"/plans/{plan}")
    v.page.get_by_role("link", name="Edit this plan").click()
    assert v.axe() == []
    v.shot("sections")
    v.page.get_by_role("link", name="Change Weekly schedule").click()
    v.page.get_by_label("Tuesday").check()
    v.page.get_by_label("Start").fill("14:00")
    v.page.get_by_label("End").fill("13:00")
    v.page.get_by_label("Location").fill("Fulbourn")
    v.page.get_by_label("Activity", exact=True).fill("Teaching")
    v.page.get_by_label("SPA").check()
    v.page.get_by_role("button", name="Add the row").click()
    assert "must be after the start time" in v.page.inner_text(".nhsuk-error-summary")
    assert v.axe() == []
    v.page.get_by_label("End").fill("16:00")
    v.page.get_by_role("button", name="Add the row").click()
    assert "row added" in v.page.inner_text("main") and "Teaching" in v.page.inner_text("table")
    assert v.axe() == []
    v.shot("schedule")
    v.close()
