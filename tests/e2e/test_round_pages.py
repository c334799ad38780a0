"""The annual round through the pages in a real browser (issue 17 item 5): the AMD starts their care group's
round, continues it batch by batch, and reads the progress by team; another care group's AMD cannot see it."""
from __future__ import annotations

import pytest

from tests.e2e.browser import Visitor, describe

pytestmark = pytest.mark.browser


def test_round_page_amd_starts_the_care_groups_round_and_sees_progress_by_team(svc, trust, browser, live_server,
                                                                              passwords, monkeypatch):
    from workflow.service import rounds

    monkeypatch.setattr(rounds, "BATCH", 3)  # several batches from a small trust
    monkeypatch.setattr(rounds.run_batch, "__defaults__", (3,))
    v = Visitor(browser, live_server, "round-amd").sign_in(trust.amd)
    v.page.click("a:has-text('Annual round')")
    v.page.select_option("select[name=org_unit_id]", label=f"{trust.care_group.name} (care group)")
    found = [("start", x) for x in v.axe()]
    v.shot("round-start")
    v.page.click("button:has-text(\"Start this year's round\")")
    v.page.wait_for_selector("#round-progress")
    assert "3 of" in v.page.inner_text("#round-progress")
    while v.page.locator("button:has-text('Continue with the next batch')").count():
        v.page.click("button:has-text('Continue with the next batch')")
        v.page.wait_for_selector("#round-progress")
    assert "the round is finished" in v.page.inner_text("#round-progress")
    row = v.page.locator("#round-teams tr", has_text=trust.team.name)
    assert row.locator("td[data-status=not_started]").inner_text() == "2"
    assert trust.manager.name in v.page.inner_text("#round-skipped")
    found += [("progress", x) for x in v.axe()]
    v.shot("round-progress")
    url = v.page.url
    v.page.set_viewport_size({"width": 375, "height": 800})
    v.shot("round-progress-phone")
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    v.close()
    other = Visitor(browser, live_server, "round-other-amd").sign_in(trust.other_amd)
    assert other.page.goto(url).status == 404
    other.close()
    doctor = Visitor(browser, live_server, "round-doctor").sign_in(trust.doctor)
    assert doctor.page.goto("/rounds").status == 403
    doctor.close()
    assert found == [], describe(found)
