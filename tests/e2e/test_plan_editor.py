"""Editing a job plan on the page, section by section (001 ¶26 form; 002 7.1-7.2, 7.5, 7.6.5): each save a
new version through the service, refusals in the NHS error-summary pattern keeping what was typed."""
from __future__ import annotations

import re

import pytest

from tests.conftest import actor
from tests.e2e.test_sign_in import csrf_token, login, with_password
from tests.factories import complete_plan
from workflow.store.models import JobPlan

ROW = {"day": "Tuesday", "start": "09:00", "end": "13:00", "location": "Fulbourn", "activity": "Outpatient clinic",
       "category": "DCC", "pas": "1", "weeks": "every", "direct_contact": "yes"}


@pytest.fixture
def plan(svc, trust):
    return svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan()).id


@pytest.fixture
def manager(client, svc, trust):
    login(client, trust.manager.email, with_password(svc, trust.manager))
    return client


def _post(client, url, data):
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(url, data={"csrf_token": csrf_token(client, url), "version": version, **data})


def _current(svc, plan_id) -> tuple[int, dict]:
    """The plan's latest version number and its content, read afresh."""
    svc.session.expire_all()
    p = svc.session.get(JobPlan, plan_id)
    return p.current_version, next(v for v in p.versions if v.number == p.current_version).content


def test_a_manager_adds_a_schedule_row_as_a_new_version_002_7_5(manager, svc, plan):
    before, content = _current(svc, plan)
    rows = len(content["schedule"])
    r = _post(manager, f"/plans/{plan}/edit/schedule", {**ROW, "action": "add"})
    assert r.status_code == 302
    after, content = _current(svc, plan)
    assert after == before + 1 and len(content["schedule"]) == rows + 1
    row = content["schedule"][-1]
    assert (row["day"], row["start"], row["pas"], row["direct_contact"], row["activity"]) == \
        ("Tuesday", "09:00", 1.0, True, "Outpatient clinic")
    page = manager.get(r.headers["Location"]).get_data(as_text=True)
    assert "row added" in page and "Outpatient clinic" in page


def test_a_row_that_breaks_the_schema_is_refused_with_the_field_named_and_nothing_saved(manager, svc, plan):
    before, _ = _current(svc, plan)
    r = _post(manager, f"/plans/{plan}/edit/schedule", {**ROW, "end": "08:00", "action": "add"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "There is a problem" in page and "must be after the start time" in page
    assert 'value="Fulbourn"' in page  # what was typed is kept
    assert _current(svc, plan)[0] == before


def test_removing_a_row_asks_first_and_nothing_changes_until_confirmed(manager, svc, plan):
    number, before = _current(svc, plan)
    r = _post(manager, f"/plans/{plan}/edit/schedule", {"action": "remove-0"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Remove row 1?" in page and "Yes, remove row 1" in page and "No, keep it" in page
    assert _current(svc, plan) == (number, before)


def test_removing_a_row_and_saving_a_record_section(manager, svc, plan):
    _, before = _current(svc, plan)
    assert _post(manager, f"/plans/{plan}/edit/schedule", {"action": "remove-0", "confirmed": "yes"}).status_code == 302
    _, content = _current(svc, plan)
    assert content["schedule"] == before["schedule"][1:]
    r = _post(manager, f"/plans/{plan}/edit/post", {"job_title": "Consultant Psychiatrist", "band": "",
                                                     "specialty": "General adult", "contracted_pas": "10",
                                                     "contracted_hours": "", "start_date[day]": "",
                                                     "start_date[month]": "", "start_date[year]": "", "action": "save"})
    assert r.status_code == 302
    _, content = _current(svc, plan)
    assert (content["post"]["job_title"], content["post"]["contracted_pas"]) == ("Consultant Psychiatrist", 10.0)


def test_justifications_are_one_box_per_section_002_7_6_5(manager, svc, plan):
    r = _post(manager, f"/plans/{plan}/edit/justifications", {"why-equipment": "No special equipment is needed"})
    assert r.status_code == 302
    assert _current(svc, plan)[1]["justifications"] == {"equipment": "No special equipment is needed"}


def test_only_the_practitioner_and_their_manager_may_edit_002_7_5(client, svc, trust, plan):
    login(client, trust.directorate.email, with_password(svc, trust.directorate))
    assert client.get(f"/plans/{plan}").status_code == 200
    assert "Edit this plan" not in client.get(f"/plans/{plan}").get_data(as_text=True)
    assert client.get(f"/plans/{plan}/edit/schedule").status_code == 403


def test_an_edit_made_meanwhile_is_not_overwritten_and_what_was_typed_is_kept_issue_18_5(manager, svc, trust, plan):
    url = f"/plans/{plan}/edit/schedule"
    page = manager.get(url).get_data(as_text=True)
    stale = re.search(r'name="version" value="(\d+)"', page).group(1)
    _, content = _current(svc, plan)
    svc.edit_job_plan(actor(trust.doctor), plan, content, note="the practitioner's own edit")
    before, _ = _current(svc, plan)
    r = manager.post(url, data={"csrf_token": csrf_token(manager, url), "version": stale, **ROW,
                                "location": "Kept after the conflict", "action": "add"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Your change was not saved" in page and f"{trust.doctor.name} saved a change" in page
    assert 'value="Kept after the conflict"' in page  # nothing typed is lost
    assert _current(svc, plan)[0] == before
    fresh = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert fresh != stale
    again = manager.post(url, data={"csrf_token": csrf_token(manager, url), "version": fresh, **ROW,
                                    "location": "Kept after the conflict", "action": "add"})
    assert again.status_code == 302
    assert _current(svc, plan)[1]["schedule"][-1]["location"] == "Kept after the conflict"


def test_a_row_is_changed_in_place_keeping_its_position(manager, svc, plan):
    _, before = _current(svc, plan)
    url = f"/plans/{plan}/edit/schedule"
    form = manager.get(url + "?row=1").get_data(as_text=True)
    assert "Change row 2" in form and f'value="{before["schedule"][1]["location"]}"' in form
    r = _post(manager, url + "?row=1", {**ROW, "location": "Addenbrooke's", "row": "1", "action": "replace"})
    assert r.status_code == 302
    _, after = _current(svc, plan)
    assert after["schedule"][1]["location"] == "Addenbrooke's"
    assert after["schedule"][:1] + after["schedule"][2:] == before["schedule"][:1] + before["schedule"][2:]


def test_an_objective_with_a_date_and_linked_activities_round_trips_002_7_1(manager, svc, plan):
    url = f"/plans/{plan}/edit/objectives"
    r = _post(manager, url, {"kind": "personal", "text": "Cut clinic waits to 6 weeks", "specific": "clinic waits",
                             "measurable": "weeks waited", "achievable": "with one more session",
                             "realistic": "agreed with the team", "time_bound[day]": "31", "time_bound[month]": "3",
                             "time_bound[year]": "2028", "linked_activities": "Outpatient clinic\n\nAudit\n",
                             "action": "add"})
    assert r.status_code == 302
    _, content = _current(svc, plan)
    added = content["objectives"][-1]
    assert (added["time_bound"], added["linked_activities"]) == ("2028-03-31", ["Outpatient clinic", "Audit"])
    form = manager.get(url + f"?row={len(content['objectives']) - 1}").get_data(as_text=True)
    assert 'value="31"' in form and 'value="2028"' in form and "Outpatient clinic\nAudit" in form
    bad = _post(manager, url, {"kind": "personal", "text": "x", "time_bound[day]": "31", "time_bound[month]": "2",
                               "time_bound[year]": "2028", "action": "add"})
    assert bad.status_code == 400 and "must be a real date" in bad.get_data(as_text=True)


def test_declaring_other_paid_work_needs_its_sessions_and_times_001_form(manager, svc, plan):
    url = f"/plans/{plan}/edit/private_practice"
    answers = {"other_nhs_work": "no", "non_nhs_work": "yes", "other_paid_employment": "no", "sessions": "",
               "times": "", "details": "", "action": "save"}
    refused = _post(manager, url, answers)
    assert refused.status_code == 400 and "say how many sessions and at what times" in refused.get_data(as_text=True)
    assert _post(manager, url, {**answers, "sessions": "1", "times": "Friday afternoons"}).status_code == 302
    _, content = _current(svc, plan)
    assert content["private_practice"] == {"other_nhs_work": False, "non_nhs_work": True,
                                           "other_paid_employment": False, "sessions": 1.0,
                                           "times": "Friday afternoons", "details": None}


def _version_numbers(svc, plan_id):
    svc.session.rollback()
    return [v.number for v in svc.session.get(JobPlan, plan_id).versions]


def test_issue_18_5_a_sitting_on_the_pages_is_one_version_until_finish_editing(manager, svc, plan):
    url = f"/plans/{plan}/edit/schedule"
    for day in ("Monday", "Tuesday", "Wednesday"):
        assert _post(manager, url, {**ROW, "day": day, "action": "add"}).status_code == 302
    page = manager.get(url).get_data(as_text=True)
    assert "Saved in version 2, which you are still editing" in page and "Finish editing" in page
    assert _post(manager, url, {"action": "remove-0", "confirmed": "yes"}).status_code == 302
    assert _version_numbers(svc, plan) == [1, 2]
    done = manager.post(f"/plans/{plan}/edit/finish", data={"csrf_token": csrf_token(manager, url)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/plans/{plan}")
    assert "You have finished editing. Version 2 is the plan to sign" in manager.get(done.headers["Location"]).get_data(
        as_text=True)
    assert _post(manager, url, {**ROW, "day": "Friday", "action": "add"}).status_code == 302
    assert _version_numbers(svc, plan) == [1, 2, 3]


def test_issue_18_5_finish_editing_is_refused_to_others_and_needs_its_csrf_token(client, svc, trust, plan):
    login(client, trust.directorate.email, with_password(svc, trust.directorate))
    token = csrf_token(client, "/account/preferences")
    assert client.post(f"/plans/{plan}/edit/finish", data={"csrf_token": token}).status_code == 403
    other = client.application.test_client()
    login(other, trust.outsider.email, with_password(svc, trust.outsider))
    assert other.post(f"/plans/{plan}/edit/finish",
                      data={"csrf_token": csrf_token(other, "/account/preferences")}).status_code == 404
    mine = client.application.test_client()
    login(mine, trust.manager.email, with_password(svc, trust.manager))
    assert mine.post(f"/plans/{plan}/edit/finish").status_code == 400  # no CSRF token
    assert mine.get(f"/plans/{plan}/edit/finish").status_code in (404, 405)  # only a POST finishes
    assert mine.post("/plans/99999999999/edit/finish", data={"csrf_token": csrf_token(mine, "/account/preferences")}).status_code == 404


def _switch_client():
    """The app fixture keeps one app context, so Flask-Login's cached user (``g._login_user``) would carry over
    from one test client to the next; a server has a context per request."""
    from flask import g

    g.pop("_login_user", None)


def test_issue_18_5_the_other_party_sees_whose_sitting_is_open_and_cannot_sign_it_yet(manager, client, svc, trust,
                                                                                      sign_off):
    plan_id = sign_off.plan.id
    assert _post(manager, f"/plans/{plan_id}/edit/other_comments",
                 {"other_comments": "Agreed at the meeting"}).status_code == 302
    doctor = client.application.test_client()
    login(doctor, trust.doctor.email, with_password(svc, trust.doctor))
    page = doctor.get(f"/plans/{plan_id}/edit").get_data(as_text=True)
    assert f"{trust.manager.name} is editing version 2" in page and "nothing is lost" in page
    url = f"/cases/{sign_off.case.id}/do/sign"
    token = csrf_token(doctor, url)
    form = doctor.get(url).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    r = doctor.post(url, data={"csrf_token": token, "version": version})
    assert r.status_code == 422
    assert f"{trust.manager.name} is still editing version 2" in r.get_data(as_text=True), re.findall(
        r'nhsuk-error-summary__list">(.*?)</ul>', r.get_data(as_text=True), re.S)
    _switch_client()
    finished = manager.post(f"/plans/{plan_id}/edit/finish",
                            data={"csrf_token": csrf_token(manager, f"/plans/{plan_id}/edit/other_comments")})
    assert finished.status_code == 302 and finished.headers["Location"].endswith(f"/plans/{plan_id}"), finished.headers
    svc.session.rollback()
    p = svc.session.get(JobPlan, plan_id)
    assert (p.sitting_version, p.sitting_by_id) == (None, None)
    _switch_client()
    token = csrf_token(doctor, url)
    version = re.search(r'name="version" value="(\d+)"', doctor.get(url).get_data(as_text=True)).group(1)
    signed = doctor.post(url, data={"csrf_token": token, "version": version})
    assert signed.status_code == 302, re.findall(r'nhsuk-error-summary__list">(.*?)</ul>', signed.get_data(as_text=True),
                                                 re.S)
