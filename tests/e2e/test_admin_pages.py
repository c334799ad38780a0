"""Issue 17 "Done when": the key steps of setting a trust up, through the pages in Chromium — the first
administrator's link, care groups and teams, people, a role, the approved panel list and its review, an
invitation — at 1280 px, and the administration pages fit a 375 px phone."""
from __future__ import annotations

import re

import pytest
from flask_migrate import stamp
from sqlalchemy import select

from tests.e2e.browser import Visitor
from web.cli import main
from workflow.store.models import OrgUnit, OutboxMessage, Person, RoleAssignment

pytestmark = pytest.mark.browser
PASSWORD = "four random words here"


def _choose(page, field, label):
    page.select_option(f"#{field}", label=label)


def _date(page, name, day, month, year):
    page.fill(f"input[name='{name}[day]']", str(day))
    page.fill(f"input[name='{name}[month]']", str(month))
    page.fill(f"input[name='{name}[year]']", str(year))


def _flash(page, text):
    page.wait_for_selector(f".nhsuk-notification-banner:has-text('{text}')")


def test_issue_17_a_trust_is_set_up_through_the_pages(app, svc, browser, live_server):
    stamp()
    out = app.test_cli_runner().invoke(main, ["trust", "init", "--name", "Fenland Community NHS Trust",
                                              "--admin", "admin@fenland.example"]).output
    link = re.search(r"https?://[^/\s]+(/account/set-password/\S+)", out).group(1)
    v = Visitor(browser, live_server, "admin-setup")
    page = v.page
    try:
        page.goto(link)
        page.fill("#password", PASSWORD)
        page.fill("#confirm", PASSWORD)
        page.click("button:has-text('Set password')")
        page.wait_for_url("**/login")
        page.fill("#email", "admin@fenland.example")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(lambda url: "/login" not in url)
        page.click("a:has-text('Administration')")
        page.click("a:has-text('Care groups and teams')")
        # A team with no care group is refused with its reason, and nothing is written.
        _choose(page, "kind", "Team")
        page.fill("#name", "Adult Psychiatry")
        page.click("button:has-text('Add')")
        page.wait_for_selector(".nhsuk-error-summary:has-text('belongs to a care group')")
        v.shot("team-refused")
        _choose(page, "kind", "Care group")
        page.fill("#name", "Mental Health")
        _choose(page, "parent-id", "None: a care group sits under the trust")
        page.click("button:has-text('Add')")
        _flash(page, "Mental Health added")
        _choose(page, "kind", "Team")
        page.fill("#name", "Adult Psychiatry")
        _choose(page, "parent-id", "Mental Health")
        page.click("button:has-text('Add')")
        _flash(page, "Adult Psychiatry added")
        v.shot("organisation")

        for name, email, manager in (("Dr James Hale", "hale@fenland.example", None),
                                     ("Dr Alice Byrne", "byrne@fenland.example", "Dr James Hale")):
            page.goto("/admin/people/new")
            page.fill("#name", name)
            page.fill("#email", email)
            _choose(page, "staff-group", "Consultant")
            _choose(page, "unit-id", "Mental Health: Adult Psychiatry")
            if manager:
                _choose(page, "manager-id", manager)
            page.fill("#contract", "10")
            _date(page, "start_date", 6, 1, 2020)
            page.click("button:has-text('Add person')")
            page.wait_for_selector(f"h1:has-text('{name}')")
        v.shot("person")
        page.click("button:has-text('Email an invitation')")
        _flash(page, "Invitation sent to byrne@fenland.example")

        page.goto("/admin/roles")
        _choose(page, "person-id", "Dr James Hale")
        _choose(page, "role", "Associate Medical Director")
        _choose(page, "org-unit-id", "Mental Health")
        page.click("button:has-text('Assign')")
        _flash(page, "Role assigned")
        v.shot("roles")

        page.goto("/admin/panel-list")
        assert "Review overdue" in page.inner_text("#review-flag")
        _choose(page, "person-id", "Dr Alice Byrne")
        page.click("button:has-text('Add to the list')")
        _flash(page, "Added to the list")
        _date(page, "reviewed_on", 28, 2, 2027)
        page.click("button:has-text('Record the review')")
        _flash(page, "Review recorded")
        assert "next review due by 28 February 2028" in page.inner_text("#review-flag")
        v.shot("panel")

        for path in ("/admin", "/admin/organisation", "/admin/people", "/admin/people/new", "/admin/roles",
                     "/admin/panel-list", "/account/preferences"):
            page.set_viewport_size({"width": 375, "height": 900})
            page.goto(path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 375, (path, wide)
        v.shot("phone")
    finally:
        v.close()
    svc.session.expire_all()
    team = svc.session.scalar(select(OrgUnit).where(OrgUnit.name == "Adult Psychiatry"))
    assert team.parent.name == "Mental Health"
    byrne = svc.session.scalar(select(Person).where(Person.email == "byrne@fenland.example"))
    assert byrne.manager.name == "Dr James Hale" and byrne.team_id == team.id and byrne.contracted_pas == 10
    amd = svc.session.scalar(select(RoleAssignment).where(RoleAssignment.role == "associate_medical_director"))
    assert amd.org_unit.name == "Mental Health"
    assert svc.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == byrne.id)) is not None
