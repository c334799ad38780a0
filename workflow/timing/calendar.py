"""How "within N days/weeks/months of X" becomes an instant.

One documented meaning (RULES.md, "Reading deadlines"): count from the local date of X in the trust's
time zone (an event at 23:30 UTC in summer happened on the next local day); the day of X never counts.
The last permitted day is X + N days (weeks = 7N days; months = the same day N calendar months on, or the
month's last day when it has no such day). Working days skip Saturdays, Sundays, the region's bank
holidays and the trust's closure days (a working week is five working days); a calendar deadline that
ends on a holiday does not move. The deadline falls due at the end of the last permitted day, i.e. at
local midnight starting the next day, whatever the GMT/BST offset then is.
"""
from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class TrustCalendar:
    timezone: str = "Europe/London"
    holiday_region: str | None = "ENG"
    closure_days: frozenset[date] = field(default_factory=frozenset)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def start_of_day(self, day: date) -> datetime:
        """Local midnight at the start of ``day``, as UTC."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(timezone.utc)

    def end_of_day(self, day: date) -> datetime:
        return self.start_of_day(day + timedelta(days=1))

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.closure_days:
            return False
        return not (self.holiday_region and day in _bank_holidays(self.holiday_region, day.year))

    def last_day(self, start: date, amount: int, unit: str, counting: str = "calendar") -> date:
        if counting == "working":
            days = amount * 5 if unit == "weeks" else amount  # a working week is five working days
            if unit == "months":
                raise ValueError("working-day deadlines are counted in days or weeks, not months")
            day = start
            while days > 0:
                day += timedelta(days=1)
                if self.is_working_day(day):
                    days -= 1
            return day
        if unit == "days":
            return start + timedelta(days=amount)
        if unit == "weeks":
            return start + timedelta(weeks=amount)
        if unit == "months":
            return add_months(start, amount)
        raise ValueError(f"unknown unit {unit!r}")

    def due_at(self, start: date, amount: int, unit: str, counting: str = "calendar") -> datetime:
        return self.end_of_day(self.last_day(start, amount, unit, counting))


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _bank_holidays(region: str, year: int):
    return holidays.UK(subdiv=region, years=year)


def calendar_for(policy) -> TrustCalendar:
    return _calendar(policy.timezone, policy.holiday_region, frozenset(policy.closure_days))


@lru_cache(maxsize=64)
def _calendar(timezone_name: str, region: str | None, closure_days: frozenset[date]) -> TrustCalendar:
    return TrustCalendar(timezone_name, region, closure_days)
