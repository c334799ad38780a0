"""Comparing versions names places as the editor does (issue 18 item 6): sections by their titles and rows
counted from 1, not "schedule › 7 › location" counted from 0."""
from workflow.service.plans import where_in_plan


def test_6_a_change_is_placed_by_section_title_and_row_number_from_1():
    assert where_in_plan("/schedule/6/location") == "Weekly schedule › row 7 › location"
    assert where_in_plan("/schedule/0") == "Weekly schedule › row 1"
    assert where_in_plan("/schedule/-") == "Weekly schedule › a new row"
    assert where_in_plan("/post/contracted_pas").endswith("› contracted pas")
    assert not where_in_plan("/post/contracted_pas").startswith("post")
