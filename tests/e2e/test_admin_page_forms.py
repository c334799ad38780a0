"""Issue 17's administration pages, attacked without a browser: other roles are refused, a form without its
CSRF token is refused, bad input comes back 422 with the reason and writes nothing, a form read before
someone else's save is a 409; the forgotten-password page answers the same for any address."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.e2e.test_admin_api import admin  # noqa: F401  (fixture)
from tests.e2e.test_sign_in import csrf_token, login, with_password
from workflow.store.models import OrgUnit, OutboxMessage, Person


def _signed_in(client, svc, person):
    assert login(client, person.email, with_password(svc, person)).status_code == 302
    return client


@pytest.mark.parametrize("who", ("doctor", "manager", "amd", "md"))
def test_issue_17_administration_pages_refuse_other_roles(client, svc, trust, who):
    _signed_in(client, svc, getattr(trust, who))
    for path in ("/admin", "/admin/organisation", "/admin/people", "/admin/people/new", "/admin/roles",
                 "/admin/panel-list", f"/admin/people/{trust.doctor.id}"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/account/preferences")
    r = client.post("/admin/organisation", data={"kind": "care_group", "name": "Sneaky", "csrf_token": token})
    assert r.status_code == 403
    assert svc.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.name == "Sneaky")) == 0


def test_issue_17_hr_keeps_people_but_not_the_organisation_or_roles(client, svc, trust):
    _signed_in(client, svc, trust.hr)
    assert client.get("/admin/people/new").status_code == 200
    assert client.get("/admin/organisation").status_code == 403
    assert client.get("/admin/roles").status_code == 403


def test_issue_17_an_administration_form_without_its_csrf_token_is_refused(client, svc, trust, admin):  # noqa: F811
    _signed_in(client, svc, admin)
    r = client.post("/admin/organisation", data={"kind": "care_group", "name": "Forged"})
    assert r.status_code == 400
    assert svc.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.name == "Forged")) == 0


def test_issue_17_a_bad_person_form_comes_back_422_with_its_reasons_and_writes_nothing(client, svc, trust,
                                                                                      admin):  # noqa: F811
    _signed_in(client, svc, admin)
    token = csrf_token(client, "/admin/people/new")
    before = svc.session.scalar(select(func.count(Person.id)))
    r = client.post("/admin/people/new", data={"csrf_token": token, "name": "New Doctor", "email": "nd@example.org",
                                               "start_date[day]": "31", "start_date[month]": "2",
                                               "start_date[year]": "2027"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Start date must be a real date" in page and "nhsuk-error-summary" in page
    r = client.post("/admin/people/new", data={"csrf_token": token, "name": "New Doctor", "email": "p1@example.org"})
    assert r.status_code == 422 and "is already the address of person" in r.get_data(as_text=True)
    assert svc.session.scalar(select(func.count(Person.id))) == before


def test_issue_17_a_person_form_read_before_someone_elses_save_is_a_409(client, svc, trust, admin):  # noqa: F811
    _signed_in(client, svc, admin)
    token = csrf_token(client, f"/admin/people/{trust.doctor.id}")
    form = {"csrf_token": token, "name": trust.doctor.name, "email": trust.doctor.email,
            "version": str(trust.doctor.row_version), "job_title": "Consultant"}
    assert client.post(f"/admin/people/{trust.doctor.id}", data=form).status_code == 302
    again = client.post(f"/admin/people/{trust.doctor.id}", data={**form, "job_title": "Locum"})
    assert again.status_code == 409 and "changed since you loaded it" in again.get_data(as_text=True)
    svc.session.expire_all()
    assert svc.session.get(Person, trust.doctor.id).job_title == "Consultant"


def test_issue_17_a_leaver_page_lists_what_they_leave_open(client, svc, trust, admin, sign_off):  # noqa: F811
    _signed_in(client, svc, admin)
    token = csrf_token(client, f"/admin/people/{trust.manager.id}")
    r = client.post(f"/admin/people/{trust.manager.id}", data={
        "csrf_token": token, "name": trust.manager.name, "email": trust.manager.email,
        "version": str(trust.manager.row_version), "unit_id": str(trust.team.id), "staff_group": "consultant",
        "leave_date[day]": "1", "leave_date[month]": "3", "leave_date[year]": "2027"})
    assert r.status_code == 302
    page = client.get(f"/admin/people/{trust.manager.id}").get_data(as_text=True)
    assert f"Case {sign_off.case.id}" in page and trust.doctor.name in page and "Nothing of theirs has been closed" in page


def test_issue_17_the_forgotten_password_page_answers_alike_and_emails_only_an_account(client, svc, trust):
    token = csrf_token(client, "/account/reset")
    known = client.post("/account/reset", data={"csrf_token": token, "email": trust.doctor.email})
    unknown = client.post("/account/reset", data={"csrf_token": token, "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in known.get_data(as_text=True) and "Check your email" in unknown.get_data(as_text=True)
    sent = svc.session.scalars(select(OutboxMessage.to_address)).all()
    assert sent == [trust.doctor.email]


def test_issue_17_preferences_are_your_own(client, svc, trust):
    _signed_in(client, svc, trust.doctor)
    token = csrf_token(client, "/account/preferences")
    assert client.post("/account/preferences", data={"csrf_token": token, "daily_digest": "yes"}).status_code == 302
    svc.session.expire_all()
    assert svc.session.get(Person, trust.doctor.id).wants_digest is True
