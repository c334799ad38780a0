"""No internal jargon in the reports (issue 18 item 9): one date format ("27 November 2026"), no seed file
names, and groups named as people name them."""
from __future__ import annotations

import re

from tests.conftest import actor
from workflow.service.reports import compliance


def test_9_the_compliance_report_writes_dates_out_and_names_no_seed_files(svc, trust):
    report = compliance.compliance_report(svc, actor(trust.directorate))
    text = " ".join([report.title, *report.notes])
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}", report.title)
    assert "004" not in text and "002" not in text and "Policy 7.6.9" in text
    assert report.rows[0]["group"] == "All staff in scope"
