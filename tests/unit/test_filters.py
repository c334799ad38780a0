"""Dates shown as people write them, clocks as people say them (issue 7, look and feel)."""
from datetime import date, datetime, timezone

from web.filters import display_value, long_date, long_datetime, relative_due

DUE = datetime(2027, 3, 29, 23, 0, tzinfo=timezone.utc)  # end of Monday 29 March 2027, BST


def test_long_date_as_people_write_it():
    assert long_date(date(2027, 3, 1)) == "1 March 2027"
    assert long_date("2027-03-01") == "1 March 2027"
    assert long_date(datetime(2027, 6, 30, 23, 30, tzinfo=timezone.utc)) == "1 July 2027"  # BST
    assert long_datetime(datetime(2027, 6, 30, 23, 30, tzinfo=timezone.utc)) == "1 July 2027 at 00:30"


def test_relative_due_counts_local_days():
    assert relative_due(DUE, datetime(2027, 3, 24, 9, tzinfo=timezone.utc)) == "in 5 days"
    assert relative_due(DUE, datetime(2027, 3, 28, 9, tzinfo=timezone.utc)) == "in 1 day"
    assert relative_due(DUE, datetime(2027, 3, 29, 22, 59, tzinfo=timezone.utc)) == "due today"
    assert relative_due(DUE, datetime(2027, 4, 1, 9, tzinfo=timezone.utc)) == "3 days overdue"


def test_recorded_values_read_as_people_write_them():
    assert display_value("2027-02-25") == "25 February 2027"
    assert display_value("2027-03-15T14:30:00+00:00") == "15 March 2027 at 14:30"
    assert display_value("vary_plan") == "vary plan"
    assert display_value(True) == "Yes" and display_value([3, 4]) == "3, 4"
    assert display_value("Keep 1.5 SPA") == "Keep 1.5 SPA"
