"""Team plans first through the pages (issue 17 item 6; 002 7.4; 003): the clinical manager sees their team's
capacity in WTE, drafts the team job plan and agrees it, and the member's plan stops warning."""
from __future__ import annotations

import pytest

from tests.conftest import actor
from tests.e2e.browser import Visitor, describe
from tests.e2e.test_sign_in import csrf_token, login, with_password
from tests.factories import complete_plan
from workflow.service import plans

pytestmark = pytest.mark.browser
WARNING = "no agreed team job plan"


def test_team_page_manager_agrees_the_team_plan_and_the_warning_clears_002_7_4(svc, trust, browser, live_server,
                                                                              passwords):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    v = Visitor(browser, live_server, "team-plan").sign_in(trust.manager)
    v.page.goto(f"/plans/{plan.id}/edit")
    assert WARNING in v.page.inner_text("main")
    v.page.goto("/team")
    card = v.page.locator(f"#team-{trust.team.id}")
    assert "WTE" in card.locator(".team-capacity").inner_text()
    assert "No team job plan yet" in card.inner_text()
    found = [("team", x) for x in v.axe()]
    card.locator("button", has_text="Draft team job plan").click()
    v.page.wait_for_selector(".nhsuk-notification-banner--success")
    v.page.goto("/team")
    card = v.page.locator(f"#team-{trust.team.id}")
    card.locator("button", has_text="Agree the team job plan").click()
    v.page.wait_for_selector(".nhsuk-notification-banner--success")
    assert "agreed" in v.page.locator(f"#team-{trust.team.id} .team-plan-status").inner_text()
    v.shot("team-plan-agreed")
    found += [("team agreed", x) for x in v.axe()]
    v.page.goto(f"/plans/{plan.id}/edit")
    assert WARNING not in v.page.inner_text("main")
    v.page.set_viewport_size({"width": 375, "height": 800})
    v.page.goto("/team")
    v.shot("team-plan-phone")
    v.close()
    assert found == [], describe(found)


def test_team_page_another_manager_cannot_agree_this_teams_plan(svc, trust, client):
    tp = plans.create_team_plan(svc, actor(trust.manager), trust.team.id, {}, policy_id="cpft-medical-2017")
    login(client, trust.other_manager.email, with_password(svc, trust.other_manager))
    r = client.post(f"/team/plans/{tp.id}/agree", data={"csrf_token": csrf_token(client, "/team")})
    assert r.status_code == 302
    svc.session.expire_all()
    assert svc.session.get(type(tp), tp.id).agreed_version is None
