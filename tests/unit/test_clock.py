from datetime import datetime, timezone

import pytest

from workflow.timing.clock import FixedClock, SystemClock


def test_fixed_clock_moves_only_when_told():
    c = FixedClock(datetime(2027, 3, 1, 9, tzinfo=timezone.utc))
    assert c.now() == c.now() == datetime(2027, 3, 1, 9, tzinfo=timezone.utc)
    assert c.advance(days=2) == datetime(2027, 3, 3, 9, tzinfo=timezone.utc)


def test_fixed_clock_refuses_naive_times():
    with pytest.raises(ValueError):
        FixedClock(datetime(2027, 3, 1, 9))


def test_system_clock_is_aware_utc():
    assert SystemClock().now().utcoffset().total_seconds() == 0
