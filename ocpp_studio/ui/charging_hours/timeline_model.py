"""The data behind the week timeline: half-hour slots, UK peak slots, limits in words and
colours, and limit intervals cut into one segment per day row (in the charger's local time,
so clock changes are honoured). No painting here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from PySide6.QtGui import QColor

from ...smartcharging.offpeak import PEAKS
from ..common import theme

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SLOTS = 48
SLOT_MIN = 30

ALLOWED = theme.HOURS_ALLOWED
BLOCKED = theme.HOURS_BLOCKED
PARTIAL = theme.HOURS_LIMITED


def peak_slots() -> set[int]:
    slots: set[int] = set()
    for h1, m1, h2, m2 in PEAKS:
        slots.update(range((h1 * 60 + m1) // SLOT_MIN, (h2 * 60 + m2) // SLOT_MIN))
    return slots


def clock(minutes: float) -> str:
    minutes = int(round(minutes))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def limit_text(limit_w: float | None) -> str:
    if limit_w is None:
        return "no limit (full power)"
    if limit_w <= 0:
        return "no charging (0 W)"
    if limit_w >= 1000:
        return f"limited to {limit_w / 1000:.1f} kW"
    return f"limited to {limit_w:.0f} W"


def limit_colour(limit_w: float | None, full_w: float | None = None) -> QColor:
    if limit_w is None or (full_w is not None and limit_w >= full_w > 0):
        return ALLOWED
    if limit_w <= 0:
        return BLOCKED
    return PARTIAL


@dataclass
class Segment:
    row: int
    track: int
    start_min: float  # minutes since that row's midnight
    end_min: float
    limit_w: float | None
    start: datetime | None
    """One track's limit over part of one day row (minutes since that row's midnight)."""


def split_intervals(intervals: Sequence[Any], track: int, *, origin: datetime | None,
                    tz: Any, absolute: bool, rows: int) -> list[Segment]:
        """Cut intervals at each row's midnight (local time, so clock changes are honoured)."""
        out: list[Segment] = []
        if origin is not None:
            base = origin.astimezone(tz) if origin.tzinfo else origin
            first_day = base.replace(hour=0, minute=0, second=0, microsecond=0)
            if absolute:
                base = datetime.fromtimestamp(0, tz=timezone.utc)
        else:
            base = first_day = None
        for interval in intervals:
            start_s, end_s = float(interval.start_s), float(interval.end_s)
            if end_s <= start_s:
                continue
            if base is None:
                # seconds since Monday 00:00, no calendar attached
                t = start_s
                while t < end_s:
                    row = int(t // 86400)
                    day_end = (row + 1) * 86400
                    stop = min(end_s, day_end)
                    if 0 <= row < rows:
                        out.append(Segment(row, track, (t - row * 86400) / 60,
                                            (stop - row * 86400) / 60, interval.limit_w, None))
                    t = stop
                continue
            start = local_time(base + timedelta(seconds=start_s), tz)
            end = local_time(base + timedelta(seconds=end_s), tz)
            while start < end:
                midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
                next_midnight = local_time(midnight.replace(tzinfo=None) + timedelta(days=1),
                                       tz, like=start)
                stop = min(end, next_midnight)
                row = (midnight.date() - first_day.date()).days
                if 0 <= row < rows:
                    start_min = (start.hour * 60 + start.minute + start.second / 60)
                    stop_min = 1440.0 if stop == next_midnight else \
                        (stop.hour * 60 + stop.minute + stop.second / 60)
                    out.append(Segment(row, track, start_min, stop_min, interval.limit_w,
                                        start))
                start = stop
        return out


def local_time(moment: datetime, tz: Any, like: datetime | None = None) -> datetime:
    """A wall-clock time in ``tz`` (aware in, aware out; naive stays naive unless ``like``
    is aware, then naive means wall time in ``tz``)."""
    if moment.tzinfo is None:
        if like is None or like.tzinfo is None:
            return moment
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def uk_zone() -> Any:
    """The UK regulations' clock (peaks are UK wall-clock time), or the computer's own zone."""
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo("Europe/London")
    except Exception:  # noqa: BLE001 - no tz database: use the computer's own zone
        return datetime.now().astimezone().tzinfo
