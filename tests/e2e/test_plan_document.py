"""Issue 18, "The plan as a document": the plan page reads at a glance (a weekly timetable, PA totals by category
against the contract, the DCC:SPA split, on-call and objectives in words, plain labels, named by year and person),
and the same plan prints as a PDF with the trust's name, page numbers and who signed which version and when."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import actor
from tests.e2e.test_sign_in import login, with_password
from workflow.content import document
from workflow.content.calculations import plan_totals
from workflow.service.demo import demo_plan

PYTHON_TEXT = re.compile(r"(Band|:) None\b|\bFalse\b|\bTrue\b|\['|\{'")


def _visible_text(html: str) -> str:
    body = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_the_document_names_the_plan_by_year_and_person_and_shows_no_python_values():
    content = demo_plan(10, 2.5)
    doc = document.build(content, plan_totals(content, contracted_pas=10), version=2, owner="Dr Ellis",
                         title=document.title_for(start=__import__("datetime").date(2027, 2, 1), owner="Dr Ellis"))
    assert doc.title == "2026/27 job plan, Dr Ellis"  # February 2027 is in the 2026/27 financial year
    assert doc.total_pas == "10" and doc.contracted_pas == "10" and doc.balance == "matches the contract"
    assert doc.dcc_spa == "7.5 DCC : 2.5 SPA (75% : 25%)"
    assert [label for label, _ in doc.timetable] == ["Morning", "Afternoon"]
    monday_morning = doc.timetable[0][1]["Monday"]
    assert monday_morning[0].activity == "Outpatient clinic" and monday_morning[0].time == "09:00–13:00"
    text = repr([s.items for s in doc.sections + doc.objectives]) + repr(doc.on_call)
    lines = [line for s in doc.sections + doc.objectives for line in s.items] + doc.on_call
    assert not any(PYTHON_TEXT.search(line) for line in lines), text
    assert "Linked to: Outpatient clinic" in [i for o in doc.objectives for i in o.items]
    assert ("No other NHS work, professional non-NHS work or other paid employment declared"
            in [i for s in doc.sections for i in s.items])


def test_more_pas_than_the_contract_is_said_in_words():
    content = demo_plan(10.5, 2.5)
    doc = document.build(content, plan_totals(content, contracted_pas=10), version=1, owner="X", title="t")
    assert doc.balance == "0.5 PAs more than the contract"


def test_the_plan_page_shows_the_timetable_totals_and_who_signed_which_version(client, svc, trust, sign_off):
    svc.fire(actor(trust.doctor), sign_off.case.id, "sign")
    login(client, trust.manager.email, with_password(svc, trust.manager))
    page = client.get(f"/plans/{sign_off.plan.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    text = _visible_text(html)
    assert "job plan, Dr Practitioner" in text and "Job plan " + str(sign_off.plan.id) not in text
    assert "Weekly timetable" in text and "Outpatient clinic" in text
    assert re.search(r"Total\s+10\b", text) and "10 PAs: the plan matches the contract" in text
    assert "Practitioner" in text and "Dr Practitioner" in text.split("Signatures", 1)[1]
    assert not PYTHON_TEXT.search(text), PYTHON_TEXT.search(text).group(0)
    assert "Band None" not in text and "Other nhs work" not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian's poppler-utils) is not installed")
def test_the_pdf_shows_the_trust_the_person_the_pa_total_the_signatures_and_page_numbers(client, svc, trust,
                                                                                        sign_off, tmp_path):
    svc.fire(actor(trust.doctor), sign_off.case.id, "sign")
    svc.fire(actor(trust.manager), sign_off.case.id, "sign")
    login(client, trust.doctor.email, with_password(svc, trust.doctor))
    r = client.get(f"/plans/{sign_off.plan.id}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert "job-plan-dr-practitioner" in r.headers["Content-Disposition"]
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Test Trust" in text and "Dr Practitioner" in text
    assert re.search(r"Total\s+10\b", text)
    signatures = text.split("Signatures", 1)[1]
    assert "Dr Practitioner" in signatures and "Clinical Manager" in signatures
    assert "Page 1 of" in text


def test_someone_who_may_not_see_the_plan_gets_404_for_its_pdf(client, svc, trust, sign_off):
    login(client, trust.outsider.email, with_password(svc, trust.outsider))
    assert client.get(f"/plans/{sign_off.plan.id}/pdf").status_code == 404
    assert client.get(f"/plans/{sign_off.plan.id}").status_code == 404
