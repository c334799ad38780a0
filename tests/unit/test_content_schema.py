import pytest

from tests.factories import complete_plan
from workflow.content.schema import load_content, normalise_content
from workflow.errors import InvalidPayload


def _fields(content) -> dict:
    with pytest.raises(InvalidPayload) as exc:
        load_content(content)
    return exc.value.details["fields"]


def test_complete_plan_keeps_every_section_of_the_form_001_26():
    stored = normalise_content(complete_plan())
    for section in ("post", "schedule", "annualised", "on_call", "objectives", "supporting_resources", "accommodation",
                    "equipment", "external_duties", "private_practice", "managerial_responsibilities",
                    "accountability", "other_comments", "additional_pas", "justifications"):
        assert section in stored
    assert stored["objectives"][0]["time_bound"] == "2028-03-31"


def test_a_draft_may_be_incomplete_but_must_be_well_formed():
    assert normalise_content({})["schedule"] == []


def test_bad_schedule_row_is_refused_with_field_paths():
    row = {"day": "Funday", "start": "9am", "end": "13:00", "location": "A", "activity": "Clinic", "category": "XYZ"}
    fields = _fields({"schedule": [row]})
    assert set(fields) == {"schedule.0.day", "schedule.0.start", "schedule.0.category"}


def test_end_before_start_is_refused():
    row = {"day": "Monday", "start": "13:00", "end": "09:00", "location": "A", "activity": "Clinic", "category": "DCC"}
    assert "schedule.0.end" in _fields({"schedule": [row]})


def test_activity_must_belong_to_its_category_004_categories():
    row = {"day": "Monday", "start": "09:00", "end": "13:00", "location": "A", "activity": "Clinic",
           "category": "SPA", "activity_type": "Outpatient activities"}
    assert "schedule.0.activity_type" in _fields({"schedule": [row]})
    row["category"] = "DCC"
    assert load_content({"schedule": [row]})["schedule"][0]["activity_type"] == "Outpatient activities"


def test_unknown_section_is_refused():
    assert "holidays" in _fields({"holidays": []})


def test_declared_other_work_needs_sessions_and_times_001_form_additional():
    pp = {"other_nhs_work": False, "non_nhs_work": True, "other_paid_employment": False}
    assert "private_practice.sessions" in _fields({"private_practice": pp})
    load_content({"private_practice": {**pp, "sessions": 1, "times": "Friday afternoon"}})


def test_additional_pas_need_reason_start_and_end_002_7_2_2():
    fields = _fields({"additional_pas": [{"pas": 1}]})
    assert {"additional_pas.0.reason", "additional_pas.0.start", "additional_pas.0.end"} <= set(fields)
    fields = _fields({"additional_pas": [{"pas": 1, "reason": "Waiting list", "start": "2027-04-01",
                                          "end": "2027-03-01"}]})
    assert "additional_pas.0.end" in fields


def test_justification_names_a_section_002_7_6_5():
    assert list(_fields({"justifications": {"bogus": "x"}})) == ["justifications.bogus"]
