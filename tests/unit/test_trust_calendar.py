"""The one meaning of "within N days/weeks of X" (RULES, "Reading deadlines"), at its boundaries: the GMT/BST
changes and the England and Wales bank holidays. 2027: BST from Sunday 28 March 01:00 UTC to Sunday
31 October 01:00 UTC; Good Friday 26 March, Easter Monday 29 March; Christmas Day and Boxing Day fall on a
weekend, so Monday 27 and Tuesday 28 December are the bank holidays in lieu."""
from datetime import date, datetime, timedelta, timezone

import pytest

from workflow.timing.calendar import TrustCalendar, add_months

UTC = timezone.utc
cal = TrustCalendar()


def test_within_2_weeks_ending_on_the_day_the_clocks_go_forward_ends_at_local_midnight_002_7_8_3():
    # X = Sunday 14 March (GMT); the last permitted day is 28 March, the day BST starts.
    assert cal.last_day(date(2027, 3, 14), 2, "weeks") == date(2027, 3, 28)
    due = cal.due_at(date(2027, 3, 14), 2, "weeks")
    # The end of 28 March is 00:00 BST on the 29th = 23:00 UTC on the 28th (a 23-hour day).
    assert due == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)
    assert (due - timedelta(microseconds=1)).astimezone(cal.tz).date() == date(2027, 3, 28)
    assert due.astimezone(cal.tz).date() == date(2027, 3, 29)


def test_within_2_weeks_ending_on_the_day_the_clocks_go_back_ends_at_local_midnight_002_7_8_8():
    # The last day, 31 October, lasts 25 hours; the deadline is midnight GMT at its end.
    due = cal.due_at(date(2027, 10, 17), 2, "weeks")
    assert due == datetime(2027, 11, 1, 0, 0, tzinfo=UTC)
    assert (due - timedelta(microseconds=1)).astimezone(cal.tz).date() == date(2027, 10, 31)


def test_within_2_weeks_starting_in_bst_and_ending_in_gmt_counts_local_days_not_hours():
    due = cal.due_at(date(2027, 10, 24), 2, "weeks")  # X in BST, last day 7 November in GMT
    assert due == datetime(2027, 11, 8, 0, 0, tzinfo=UTC)
    assert due - cal.start_of_day(date(2027, 10, 24)) == timedelta(days=15, hours=1)


def test_the_day_of_x_is_its_local_date_late_in_the_evening_in_bst():
    # 23:30 UTC on 10 April is 00:30 BST on 11 April: X is the 11th, so the last day is the 25th.
    x = datetime(2027, 4, 10, 23, 30, tzinfo=UTC)
    assert cal.local_date(x) == date(2027, 4, 11)
    assert cal.last_day(cal.local_date(x), 2, "weeks") == date(2027, 4, 25)
    # In GMT the same clock time is still the same day.
    assert cal.local_date(datetime(2027, 1, 10, 23, 30, tzinfo=UTC)) == date(2027, 1, 10)


def test_a_calendar_deadline_ending_on_a_bank_holiday_does_not_move():
    # 15 March + 2 weeks = Easter Monday 29 March: calendar days do not skip holidays.
    assert cal.last_day(date(2027, 3, 15), 2, "weeks") == date(2027, 3, 29)


def test_working_days_skip_good_friday_the_weekend_and_easter_monday():
    assert not cal.is_working_day(date(2027, 3, 26)) and not cal.is_working_day(date(2027, 3, 29))
    assert cal.is_working_day(date(2027, 3, 25)) and cal.is_working_day(date(2027, 3, 30))
    # Thursday 25 March + 2 working days: Tuesday 30 (1), Wednesday 31 (2).
    assert cal.last_day(date(2027, 3, 25), 2, "days", "working") == date(2027, 3, 31)
    assert cal.due_at(date(2027, 3, 25), 2, "days", "working") == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)


def test_working_days_skip_the_christmas_bank_holidays_in_lieu():
    assert not cal.is_working_day(date(2027, 12, 27)) and not cal.is_working_day(date(2027, 12, 28))
    # Thursday 23 December + 3 working days: Friday 24 (1), Wednesday 29 (2), Thursday 30 (3).
    assert cal.last_day(date(2027, 12, 23), 3, "days", "working") == date(2027, 12, 30)


def test_trust_closure_days_are_not_working_days():
    closed = TrustCalendar(closure_days=frozenset({date(2027, 12, 24), date(2027, 12, 31)}))
    assert not closed.is_working_day(date(2027, 12, 24))
    # 24th and 31st closed too: Wednesday 29 (1), Thursday 30 (2), Tuesday 4 January (3, after New Year's Eve
    # closure, the weekend and the 3 January bank holiday in lieu of New Year's Day on a Saturday).
    assert closed.last_day(date(2027, 12, 23), 3, "days", "working") == date(2028, 1, 4)


def test_working_weeks_are_five_working_days_each():
    # From the 3 May bank holiday: Tuesday 4 (1) ... Friday 7 (4), Monday 10 (5).
    assert cal.last_day(date(2027, 5, 3), 1, "weeks", "working") == date(2027, 5, 10)
    assert cal.last_day(date(2027, 5, 28), 1, "weeks", "working") == date(2027, 6, 7)  # 31 May bank holiday


def test_working_months_are_refused():
    with pytest.raises(ValueError):
        cal.last_day(date(2027, 1, 1), 1, "months", "working")


def test_within_12_months_and_the_first_month_keep_the_day_or_take_the_months_last_002_7_7_1():
    assert cal.last_day(date(2027, 3, 1), 12, "months") == date(2028, 3, 1)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 2, 29 - 1), 12) == date(2028, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_scotland_uses_its_own_bank_holidays_when_a_policy_names_it():
    scot = TrustCalendar(holiday_region="SCT")
    assert scot.is_working_day(date(2027, 8, 30)) and not cal.is_working_day(date(2027, 8, 30))
    assert not scot.is_working_day(date(2027, 8, 2))


def test_reminders_and_escalations_fall_on_local_midnight_across_the_clock_change_002_7_5():
    from workflow.timing.deadlines import escalation_times, reminder_times
    from workflow.policy.model import DeadlineSpec, EscalationStep

    spec = DeadlineSpec(name="sign_off", state="s", amount=28, unit="days", counting="calendar", runs_from="entered",
                        kind="organisation", extendable=False, pausable=False, reminders=(7, 2),
                        escalation=(EscalationStep(0, ("x",)), EscalationStep(7, ("y",))), expiry_trigger=None,
                        clause="7.5", label="l")
    due = cal.due_at(date(2027, 3, 1), 28, "days")  # end of 29 March, BST: 23:00 UTC
    # 7 days before: local midnight starting 23 March, still GMT (00:00 UTC), not 23:00 UTC on the 22nd.
    # 2 days before: local midnight starting 28 March, an hour before the clocks go forward.
    assert reminder_times(spec, due) == [datetime(2027, 3, 23, 0, 0, tzinfo=UTC), datetime(2027, 3, 28, 0, 0, tzinfo=UTC)]
    # Escalation 7 days after the end of 29 October (BST): local midnight starting 6 November (GMT).
    assert escalation_times(spec, cal.due_at(date(2027, 10, 1), 28, "days")) == [
        datetime(2027, 10, 29, 23, 0, tzinfo=UTC), datetime(2027, 11, 6, 0, 0, tzinfo=UTC)]
