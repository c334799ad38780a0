"""Issue 18 items 5 and 6 in a real browser (Debian's Chromium): the schedule page's running totals after each
save and, with the page's script, while a row is typed; the activity type narrowed to the chosen category (and
all of it usable without the script); one version for a sitting, ended by Finish editing; and comparing any two
versions, this year's plan against last year's."""
from __future__ import annotations

import pytest

from tests.conftest import actor
from tests.e2e.browser import Visitor
from tests.factories import complete_plan
from workflow.store.models import JobPlan

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(svc, trust):
    p = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    svc.session.commit()
    return p.id


def _fill_row(page, *, day="Tuesday", start="09:00", end="13:00", pas="1", category="SPA", activity="Audit"):
    page.check(f"input[name='category'][value='{category}']")
    page.check(f"input[name='day'][value='{day}']")
    page.fill("input[name='start']", start)
    page.fill("input[name='end']", end)
    page.fill("input[name='location']", "Fulbourn")
    page.fill("textarea[name='activity'], input[name='activity']", activity)
    page.fill("input[name='pas']", pas)


def test_issue_18_5_the_schedule_page_keeps_a_running_total_and_a_sitting_is_one_version(browser, live_server, passwords,
                                                                                         svc, trust, plan):
    v = Visitor(browser, live_server, "editing").sign_in(trust.manager)
    page = v.page
    page.goto(f"/plans/{plan}/edit/schedule")
    total_before = float(page.inner_text("#running-total-pas"))
    # the activity type list follows the category: only SPA's types while SPA is chosen
    _fill_row(page)
    visible = page.eval_on_selector_all("#field-activity-type optgroup:not([hidden])", "gs => gs.map(g => g.label)")
    assert visible == ["Supporting Professional Activities (SPA)"]
    page.select_option("#field-activity-type", "Audit, quality improvement and service evaluation")
    preview = page.inner_text("#running-preview")
    assert f"{total_before + 1:g} PAs in all" in preview and "Not saved yet" in preview
    v.shot("schedule-typing")
    page.click("button:has-text('Add the row')")
    assert "row added" in page.locator(".nhsuk-notification-banner").inner_text()
    assert float(page.inner_text("#running-total-pas")) == total_before + 1
    assert "more than the contract" in page.inner_text("#running-contract")
    assert "You are editing version 2" in page.inner_text("#sitting")
    # a second row in the same sitting: still version 2
    _fill_row(page, day="Wednesday", category="DCC", activity="Ward round")
    page.click("button:has-text('Add the row')")
    assert "Saved in version 2, which you are still editing" in page.locator(".nhsuk-notification-banner").inner_text()
    assert float(page.inner_text("#running-total-pas")) == total_before + 2
    v.shot("schedule-after-two-saves")
    page.click("button:has-text('Finish editing')")
    page.wait_for_url(f"**/plans/{plan}")
    assert "You have finished editing. Version 2" in page.locator(".nhsuk-notification-banner").inner_text()
    svc.session.rollback()  # end the test's own read, to see what the browser's requests committed
    assert svc.session.get(JobPlan, plan).current_version == 2
    v.shot("plan-after-finishing")
    assert v.axe() == []
    v.close()


def test_issue_18_5_without_javascript_every_type_shows_and_a_mismatch_is_refused_by_name(browser, live_server,
                                                                                          passwords, svc, trust, plan):
    v = Visitor.__new__(Visitor)
    v.context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                    java_script_enabled=False)
    v.page, v.name, v.shots, v.csp_violations = v.context.new_page(), "editing-nojs", 0, []
    v.sign_in(trust.manager)
    page = v.page
    page.goto(f"/plans/{plan}/edit/schedule")
    groups = page.eval_on_selector_all("#field-activity-type optgroup", "gs => gs.map(g => g.label)")
    assert len(groups) == 4  # every category's list is there for a browser without the script
    _fill_row(page, category="DCC")
    page.select_option("#field-activity-type", "Research")  # an SPA type on a DCC row
    page.click("button:has-text('Add the row')")
    text = page.inner_text(".nhsuk-error-summary")
    assert "“Research” is a SPA activity type, not a DCC one" in text and "change the category" in text
    v.shot("type-refused")
    v.close()


def test_issue_18_6_comparing_this_years_plan_with_last_years_in_the_browser(browser, live_server, passwords, svc,
                                                                            trust):
    from tests.e2e.test_plan_compare import last_and_this_years_plans

    last_id, this_id = last_and_this_years_plans(svc, trust, drop_row=3)
    v = Visitor(browser, live_server, "compare").sign_in(trust.doctor)
    page = v.page
    page.goto(f"/plans/{this_id}")
    page.click("text=Compare any two versions")
    page.select_option("#compare-from", f"{last_id}-1")
    page.select_option("#compare-to", f"{this_id}-2")
    page.click("button:has-text('Compare')")
    table = page.inner_text("#changes + p + .nhsuk-table-container")
    assert "row 3" in table and "Removed" in table
    assert "row 6 (row 7 before)" in table and "Location" in table and "Fulbourn" in table
    assert "schedule › 6" not in table
    v.shot("compare-two-years")
    assert v.axe() == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    v.shot("compare-375")
    v.close()
