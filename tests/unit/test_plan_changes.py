"""Issue 18 item 6: comparing versions speaks the editor's language: section titles, rows counted from 1,
field labels, values as people write them; a row removed from the middle is one removal."""
from __future__ import annotations

from workflow.content.changes import changes

ROW = {"day": "Monday", "start": "09:00", "end": "13:00", "location": "Main site", "activity": "Clinic",
       "category": "DCC", "activity_type": None, "pas": 1.0, "hours": None, "weeks": "every",
       "direct_contact": True, "notes": None}


def _rows(n):
    return [{**ROW, "activity": f"Clinic {k + 1}"} for k in range(n)]


def test_issue_18_6_a_changed_field_is_named_by_section_row_from_one_and_label():
    old = {"schedule": _rows(8)}
    new = {"schedule": [dict(r) for r in old["schedule"]]}
    new["schedule"][6]["location"] = "Fulbourn"
    new["schedule"][6]["pas"] = 1.5
    found = [(c.place, c.change, c.before, c.after) for c in changes(old, new)]
    assert found == [("Weekly schedule › row 7 › Location", "Changed", "Main site", "Fulbourn"),
                     ("Weekly schedule › row 7 › PAs", "Changed", "1", "1.5")]
    assert not any(p.startswith("schedule") or "› 6" in p for p, *_ in found)


def test_issue_18_6_removing_a_middle_row_is_one_removal_not_a_change_to_every_later_row():
    old = {"schedule": _rows(6)}
    new = {"schedule": old["schedule"][:2] + old["schedule"][3:]}
    assert [(c.place, c.change, c.before) for c in changes(old, new)] == [
        ("Weekly schedule › row 3", "Removed", "Monday 09:00–13:00, Clinic 3 (DCC)")]
    added = changes(old, {"schedule": old["schedule"] + [{**ROW, "day": "Friday", "activity": "Audit"}]})
    assert [(c.place, c.change, c.after) for c in added] == [
        ("Weekly schedule › row 7", "Added", "Friday 09:00–13:00, Audit (DCC)")]


def test_issue_18_6_records_lines_and_text_read_as_people_write_them():
    old = {"post": {"contracted_pas": 10.0, "job_title": "Consultant"}, "managerial_responsibilities": ["Rota"],
           "private_practice": {"other_nhs_work": False}, "justifications": {}}
    new = {"post": {"contracted_pas": 11.0, "job_title": "Consultant"},
           "managerial_responsibilities": ["Rota", "Audit lead"], "private_practice": {"other_nhs_work": True},
           "other_comments": "Agreed at the meeting", "justifications": {"on_call": "No rota in this service"}}
    assert [(c.place, c.change, c.before, c.after) for c in changes(old, new)] == [
        ("Post (job title, band, hours) › Contracted PAs", "Changed", "10", "11"),
        ("Private practice and other paid work › Other NHS work", "Changed", "No", "Yes"),
        ("Managerial responsibilities › line 2", "Added", "–", "Audit lead"),
        ("Other comments or agreements", "Added", "–", "Agreed at the meeting"),
        ("Why a section is left empty › On-call", "Added", "–", "No rota in this service"),
    ]
    assert changes(new, new) == []
