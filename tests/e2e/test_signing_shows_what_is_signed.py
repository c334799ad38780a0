"""Signing shows what is signed (issue 18 item 4), walked in Chromium: the sign form names the version and its
PAs and links to the plan and its PDF; after each signature the case page stops waiting on the signer, stops
offering them "Sign", lists who signed which version and when, and the message names the state the case is
really in (002 7.5: both sign the same version)."""
from __future__ import annotations

from tests.conftest import actor
from tests.e2e.browser import Visitor


def _waiting_on(page) -> str:
    return page.locator(".nhsuk-summary-list__row", has_text="Waiting on").inner_text()


def _sign(v, case_id):
    v.page.goto(f"/cases/{case_id}/do/sign")
    card = v.page.inner_text("#what-is-signed")
    v.page.click("form#main-form button.nhsuk-button")
    return card, v.page.inner_text("main")


def test_7_5_signature_state_after_each_signature(svc, browser, live_server, passwords, trust, sign_off):
    case_id = sign_off.case.id
    doctor = Visitor(browser, live_server, "sign-doctor").sign_in(trust.doctor)
    card, after = _sign(doctor, case_id)
    assert "You are signing: version 1 of the" in card and "job plan, Dr Practitioner" in card
    assert "Programmed activities" in card and "DCC : SPA" in card
    assert doctor.page.locator("#what-is-signed a", has_text="Download it as a PDF").count() == 0  # left the form
    assert ("Sign the job plan: done. The case is now at ‘Awaiting both signatures’, waiting on Clinical Manager"
            f" ({trust.manager.name})") in after
    waiting = _waiting_on(doctor.page)
    assert trust.doctor.name not in waiting and trust.manager.name in waiting
    assert doctor.page.get_by_role("link", name="Sign the job plan").count() == 0
    rows = doctor.page.locator("#signatures tbody tr").all_inner_texts()
    assert len(rows) == 1 and "1 (current)" in rows[0] and trust.doctor.name in rows[0]
    doctor.page.goto(f"/cases/{case_id}/do/sign")  # typed by hand: not open any more
    assert "That step is not open to you" in doctor.page.inner_text("main")
    doctor.close()

    manager = Visitor(browser, live_server, "sign-manager").sign_in(trust.manager)
    manager.page.goto(f"/cases/{case_id}/do/sign")
    links = manager.page.locator("#what-is-signed a")
    assert links.nth(0).get_attribute("href").endswith(f"/plans/{sign_off.plan.id}?version=1")
    assert links.nth(1).get_attribute("href").endswith(f"/plans/{sign_off.plan.id}/pdf?version=1")
    _, after = _sign(manager, case_id)
    assert "The case is now at ‘Second-level sign-off by the Associate Medical Director’, waiting on" in after
    rows = manager.page.locator("#signatures tbody tr").all_inner_texts()
    assert len(rows) == 2 and any(trust.manager.name in r for r in rows)
    svc.session.rollback()
    assert svc.get_case(actor(trust.manager), case_id).state == "second_level_review"
    manager.close()
