"""The wall clock, injectable.

Charging hours depend on the time of day, so the code that decides "is this a peak half hour"
(the studio's smart-charging service, commissioning, the demo charger's profile evaluator)
asks a ``Clock`` instead of calling ``datetime.now()``. Production code uses ``SystemClock``;
tests pass a ``FixedClock`` set to a known local time, so they pass at any hour of the week.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Something that tells the current time."""

    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        ...


class SystemClock:
    """The computer's clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still at a chosen instant until set or advanced (for tests)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = _aware_utc(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = _aware_utc(moment)

    def advance(self, seconds: float) -> None:
        self._moment += timedelta(seconds=seconds)

    def __repr__(self) -> str:
        return f"FixedClock({self._moment.isoformat()})"


def _aware_utc(moment: datetime) -> datetime:
    # A naive datetime would silently mean "local time of this computer": refuse it.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("FixedClock needs an aware datetime (give it a tzinfo)")
    return moment.astimezone(timezone.utc)


def timestamp(clock: Clock) -> float:
    """POSIX seconds from ``clock`` (what the smart-charging evaluator works in)."""
    return clock.now().timestamp()
