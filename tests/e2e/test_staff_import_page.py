"""The staff import as a page (issue 17 item 4): HR uploads the extract, reads the preview with the unknown
columns named, and imports it; a practitioner cannot reach the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.browser import Visitor, describe
from tests.e2e.test_staff_import import DATED
from workflow.store.models import Person

pytestmark = pytest.mark.browser


def test_import_page_previews_then_imports_issue_17_item_4(svc, trust, browser, live_server, passwords, tmp_path):
    path = tmp_path / "esr.csv"
    path.write_text(DATED)
    v = Visitor(browser, live_server, "staff-import").sign_in(trust.hr)
    v.page.click("a:has-text('Import staff')")
    found = [("form", x) for x in v.axe()]
    v.page.set_input_files("input[name=file]", str(path))
    v.page.click("button:has-text('Preview the import')")
    v.page.wait_for_selector("#import-outcome")
    assert "nothing has been written" in v.page.inner_text("#import-outcome")
    assert "shoe size" in v.page.inner_text("#unknown-columns")
    assert "2 created" in v.page.inner_text("#import-summary")
    found += [("preview", x) for x in v.axe()]
    v.shot("staff-import-preview")
    svc.session.rollback()
    assert svc.session.scalar(select(Person).where(Person.staff_number == "E200")) is None
    v.page.click("button:has-text('Import these rows')")
    v.page.wait_for_selector(".nhsuk-notification-banner--success")
    assert "Imported" in v.page.inner_text("#import-outcome")
    svc.session.rollback()
    fay = svc.session.scalar(select(Person).where(Person.staff_number == "E201"))
    assert fay is not None and fay.active and fay.manager.staff_number == "E200"
    v.close()
    doctor = Visitor(browser, live_server, "staff-import-doctor").sign_in(trust.doctor)
    assert doctor.page.goto("/people/import").status == 403
    doctor.close()
    assert found == [], describe(found)
