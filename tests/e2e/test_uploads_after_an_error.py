"""Uploads after a form error (issue 18 item 11; 002 7.8.3 evidence): the refused form names the files already
attached, each can be left out by unticking it, and sending the same file again does not attach a copy."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import actor
from tests.e2e.browser import Visitor
from workflow.store.models import Document, Event


def test_7_8_3_a_refused_form_names_the_attached_files_and_lets_one_be_removed(svc, browser, live_server,
                                                                               passwords, trust, sign_off):
    r = svc.fire(actor(trust.doctor), sign_off.case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    dis = r.started_case_ids[0]
    svc.session.commit()
    v = Visitor(browser, live_server, "uploads").sign_in(trust.doctor)
    v.page.goto(f"/cases/{dis}/do/raise_formal_disagreement")
    diary = {"name": "work-diary.txt", "mimeType": "text/plain", "buffer": b"six weeks of diaries"}
    v.page.set_input_files("input[name='evidence-upload']", [diary])
    v.page.click("form#main-form button.nhsuk-button")  # refused: the text fields are empty
    v.page.wait_for_selector(".nhsuk-error-summary")
    box = v.page.get_by_label("work-diary.txt")
    assert box.is_checked()
    v.page.set_input_files("input[name='evidence-upload']", [diary])  # the same file again
    v.page.click("form#main-form button.nhsuk-button")
    v.page.wait_for_selector(".nhsuk-error-summary")
    assert v.page.get_by_label("work-diary.txt").count() == 1
    svc.session.rollback()
    assert svc.session.scalar(select(func.count()).select_from(Document).where(Document.case_id == dis)) == 1
    for name in ("nature", "reasons", "evidence_summary", "consequences", "proposed_solution"):
        v.page.fill(f"[name='{name}']", "as discussed")
    v.page.get_by_label("work-diary.txt").uncheck()
    v.page.click("form#main-form button.nhsuk-button")
    assert "Raise a formal disagreement with the Medical Director: done" in v.page.inner_text("main")
    svc.session.rollback()
    event = svc.session.scalar(select(Event).where(Event.case_id == dis, Event.trigger == "raise_formal_disagreement"))
    assert not event.payload.get("evidence")
    v.close()
