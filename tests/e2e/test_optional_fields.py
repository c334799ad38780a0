"""Issue 18 item 5: a field a form marks optional may be left empty. Every such field is found on its page (the
plan editor's "Optional." hints, the administration pages' "(optional)" labels, the steps' optional payload
fields) and left empty, the rest filled in, and the form must save. A new optional label on a page this file
does not cover fails ``test_issue_18_5_every_optional_label_in_the_templates_is_covered_here``."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

import workflow.content.rules  # noqa: F401  (the rule vocabulary, for loading policies)
from tests.conftest import actor
from tests.e2e.test_admin_api import admin  # noqa: F401  (fixture)
from tests.e2e.test_sign_in import csrf_token, login, with_password
from tests.factories import complete_plan
from web.pages.forms import FormState, payload_from_form
from web.pages.plan_editor import fields_of, kind_of
from workflow.content.categories import SECTIONS
from workflow.rules.payload import validate_payload
from workflow.store.models import JobPlan

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
FORM_SECTIONS = [s for s in ("post",) + SECTIONS if kind_of(s) in ("rows", "record")]
# A valid answer for each field the editor requires, by name (else by type).
SAMPLES = {"start": "09:00", "end": "13:00", "frequency": "1 in 6", "hours_per_year": "10", "pas": "1"}


def _required_answers(section: str) -> dict:
    form = {}
    for f in fields_of(section):
        if not f.required:
            continue
        if f.type == "date":
            year = "2028" if f.name == "end" else "2027"
            form.update({f"{f.name}[day]": "1", f"{f.name}[month]": "4", f"{f.name}[year]": year})
        elif f.type == "choice":
            form[f.name] = f.choices[0]
        elif f.type == "bool":
            form[f.name] = "no"
        else:
            form[f.name] = SAMPLES.get(f.name, "Written in full")
    return form


def _optional_on_page(page: str) -> set[str]:
    """The fields whose hint on the page begins "Optional."."""
    hints = re.findall(r'id="field-([a-z-]+)-hint"\s*>\s*(?:For example, 27 3 2027\. )?Optional\.', page)
    return {h.replace("-", "_") for h in hints}


@pytest.fixture
def editor(client, svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    svc.session.commit()
    login(client, trust.manager.email, with_password(svc, trust.manager))
    return client, plan.id


@pytest.mark.parametrize("section", FORM_SECTIONS)
def test_issue_18_5_every_field_the_editor_marks_optional_may_be_left_empty(editor, svc, section):
    client, plan = editor
    url = f"/plans/{plan}/edit/{section}"
    page = client.get(url).get_data(as_text=True)
    optional = _optional_on_page(page)
    assert optional == {f.name for f in fields_of(section) if not f.required and not (f.hint or "").startswith("Needed")}
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    empty = {name: "" for name in optional}
    for f in fields_of(section):
        if f.name in optional and f.type == "date":
            empty.update({f"{f.name}[day]": "", f"{f.name}[month]": "", f"{f.name}[year]": ""})
    r = client.post(url, data={"csrf_token": csrf_token(client, url), "version": version, **empty,
                               **_required_answers(section), "action": "save" if kind_of(section) == "record" else "add"})
    assert r.status_code == 302, re.findall(r'nhsuk-error-message">.*?</span>(.*?)</', r.get_data(as_text=True), re.S)
    svc.session.rollback()
    content = svc.session.get(JobPlan, plan).versions[-1].content
    saved = content[section][-1] if kind_of(section) == "rows" else content[section]
    defaults = {"weeks": "every", "direct_contact": False, "category": "DCC", "pas": 0.0, "agreed_by_amd": False}
    assert {name: saved.get(name) for name in optional} == {
        name: defaults.get(name) if name in defaults and section != "schedule" or name in ("weeks", "direct_contact")
        else ([] if name == "linked_activities" else None) for name in optional}


def test_issue_18_5_sessions_and_times_say_when_they_are_needed_instead_of_optional_001_form(editor):
    client, plan = editor
    page = client.get(f"/plans/{plan}/edit/private_practice").get_data(as_text=True)
    assert not {"sessions", "times"} & _optional_on_page(page)
    assert page.count("Needed if you answered yes to any of the three questions above") == 2


def test_issue_18_5_every_optional_payload_field_of_every_step_may_be_left_empty(policies):
    checked = 0
    for pid in policies.ids():
        for wf in policies.latest(pid).workflows.values():
            for spec in wf.transitions:
                if all(f.required for f in spec.payload):
                    continue
                form = MultiDict()
                for f in spec.payload:
                    if f.required:
                        if f.type in ("date", "datetime"):
                            form.update({f"{f.name}[day]": "1", f"{f.name}[month]": "3", f"{f.name}[year]": "2027",
                                         f"{f.name}-time": "10:00"})
                        else:
                            form[f.name] = {"bool": "yes", "int": "2", "number": "2", "person": "1",
                                            "choice": (f.choices or ("x",))[0]}.get(f.type, "Written in full")
                    elif f.type in ("date", "datetime"):
                        form.update({f"{f.name}[day]": "", f"{f.name}[month]": "", f"{f.name}[year]": ""})
                    else:
                        form[f.name] = ""
                state = FormState()
                payload = payload_from_form(spec, form, state)
                assert state.errors == {}, (pid, spec.trigger, state.errors)
                validate_payload(spec, payload)  # raises if an optional field were needed after all
                checked += 1
    assert checked >= 10


def _as(client, svc, person):
    login(client, person.email, with_password(svc, person))
    return client


def _post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_issue_18_5_the_administration_pages_optional_fields_may_be_left_empty(client, svc, trust, admin):  # noqa: F811
    c = _as(client, svc, admin)
    r = _post(c, "/admin/people/new", {"name": "New Starter", "email": "new.starter@example.org", "staff_number": "",
                                       "job_title": "", "contract": "", "basis": "pas", "start_date[day]": "",
                                       "start_date[month]": "", "start_date[year]": "", "leave_date[day]": "",
                                       "leave_date[month]": "", "leave_date[year]": ""})
    assert r.status_code == 302
    r = _post(c, "/admin/roles", {"person_id": str(trust.colleague.id), "role": "medical_directorate",
                                  "org_unit_id": "", "valid_from[day]": "", "valid_from[month]": "",
                                  "valid_from[year]": "", "valid_to[day]": "", "valid_to[month]": "", "valid_to[year]": ""})
    assert r.status_code == 302
    c = _as(client.application.test_client(), svc, trust.directorate)
    r = _post(c, "/admin/governance", {"action": "split", "job_title": "Consultant", "band": "", "dcc": "75",
                                       "spa": "25", "other": "0"})
    assert r.status_code == 302
    c = _as(client.application.test_client(), svc, admin)  # the panel list is the administrator's to keep
    r = _post(c, "/admin/panel-list", {"action": "review", "reviewed_on[day]": "1", "reviewed_on[month]": "3",
                                       "reviewed_on[year]": "2027", "note": ""})
    assert r.status_code == 302


COVERED = {"Staff number (optional)", "Job title (optional)", "Start date (optional)", "Leave date (optional)",
           "First day (optional)", "Last day (optional)", "Band (optional)", "Note (optional)",
           "Note for the record (optional)", "Reason (optional)"}


def test_issue_18_5_every_optional_label_in_the_templates_is_covered_here():
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        found |= set(re.findall(r'"([^"{}]*\(optional\))"', path.read_text()))
    assert found == COVERED


def test_issue_18_5_a_steps_note_for_the_record_may_be_left_empty(client, svc, trust, sign_off):
    c = _as(client, svc, trust.doctor)
    url = f"/cases/{sign_off.case.id}/do/sign"
    token = csrf_token(c, url)
    page = c.get(url).get_data(as_text=True)
    assert "Note for the record (optional)" in page
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    r = c.post(url, data={**hidden, "csrf_token": token, "reason": ""})
    assert r.status_code == 302
    assert svc.case_events(actor(trust.doctor), sign_off.case.id)[-1].trigger == "sign"


def test_issue_18_5_a_covers_reason_may_be_left_empty_issue_17_7(app, svc, trust):
    from sqlalchemy import select

    from tests.e2e.test_cover_pages import _form, _signed_in
    from workflow.store.models import DeputyCover

    client = _signed_in(app, svc, trust.manager)
    assert "Reason (optional)" in client.get("/cover").get_data(as_text=True)
    r = client.post("/cover", data=_form(client, trust.other_manager.id, reason=""))
    assert r.status_code == 302, r.get_data(as_text=True)
    svc.session.rollback()
    assert svc.session.scalars(select(DeputyCover.deputy_id)).all() == [trust.other_manager.id]
