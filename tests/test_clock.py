"""The injectable clock the time-of-day code uses (ocpp_studio/core/clock.py)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from ocpp_studio.core.clock import Clock, FixedClock, SystemClock


def test_fixed_clock_stands_still_in_utc_until_set_or_advanced():
    clock = FixedClock(datetime(2026, 11, 25, 17, 30, tzinfo=ZoneInfo("Europe/London")))
    assert clock.now() == datetime(2026, 11, 25, 17, 30, tzinfo=timezone.utc)
    assert clock.now().tzinfo is timezone.utc
    clock.advance(90)
    assert clock.now() == datetime(2026, 11, 25, 17, 31, 30, tzinfo=timezone.utc)
    clock.set(datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/London")))  # BST
    assert clock.now() == datetime(2026, 7, 1, 11, 0, tzinfo=timezone.utc)


def test_fixed_clock_refuses_a_time_without_a_zone():
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 11, 25, 17, 30))


def test_system_clock_is_aware_utc():
    assert isinstance(SystemClock(), Clock) and isinstance(FixedClock(datetime.now(timezone.utc)),
                                                           Clock)
    assert SystemClock().now().utcoffset().total_seconds() == 0
