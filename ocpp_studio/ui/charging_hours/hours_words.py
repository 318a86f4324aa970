"""Charging hours in the owner's words: what a week of hours means, what installing it does
right now (UK local time), and how to read the outcome of each step of an action."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ...smartcharging.offpeak import WeeklyHours

UK_ZONE = "Europe/London"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_DELAY_S = 600
MAX_DELAY_S = 1800
OK_STATUSES = {"accepted", "ok", "done", "applied", "success", "succeeded", "installed",
               "cleared", "removed", "skipped", "unchanged", "not needed"}
NEUTRAL_STATUSES = {"skipped", "unchanged", "not needed"}


def step_neutral(step: Any) -> bool:
    status = str(getattr(step, "status", "")).strip().lower()
    if status == "unknown" and "clear" in str(getattr(step, "action", "")).lower():
        return True  # ClearChargingProfile "Unknown": the charger no longer had it
    return status in NEUTRAL_STATUSES


def step_failed(step: Any) -> bool:
    status = str(getattr(step, "status", "")).strip().lower()
    return not (status.startswith("accepted") or status in OK_STATUSES or step_neutral(step))


def hours_summary(hours: Any) -> str:
    """Plain words for a week of hours."""
    if hours is None:
        return "No charging-hours limits: the car charges whenever it is plugged in."
    allowed = hours.allowed
    if all(all(day) for day in allowed):
        return "No charging-hours limits: the car charges whenever it is plugged in."
    if allowed == WeeklyHours.uk_default().allowed:
        return ("Default off-peak hours: no charging on weekdays 08:00–11:00 and 16:00–22:00; "
                "charging any time at weekends.")
    blocked = sum(1 for day in allowed for cell in day if not cell) / 2
    return f"Own charging hours: charging is blocked for {blocked:g} hours a week."


def _slot_walk(hours: Any, weekday: int, slot: int, allowed: bool) -> tuple[int, int] | None:
    """The first (weekday, slot) from here, at most a week ahead, whose state is ``allowed``."""
    for step in range(7 * 48):
        day, at = (weekday + (slot + step) // 48) % 7, (slot + step) % 48
        if hours.allowed[day][at] == allowed:
            return day, at
    return None


def _when(now_day: int, day: int, slot: int) -> str:
    clock = f"{slot // 2:02d}:{(slot % 2) * 30:02d}"
    return clock if day == now_day else f"{DAY_NAMES[day]} {clock}"


def hours_effect_now(hours: Any, now_s: float, tz: str = UK_ZONE) -> str:
    """What installing ``hours`` does at ``now_s``, in the owner's words (UK local time)."""
    local = datetime.fromtimestamp(now_s, ZoneInfo(tz))
    weekday, slot = local.weekday(), (local.hour * 60 + local.minute) // 30
    stamp = f"It is {DAY_NAMES[weekday]} {local:%H:%M} now"
    if not hours.is_allowed(weekday, local.hour * 60 + local.minute):
        resume = _slot_walk(hours, weekday, slot, True)
        until = f" until {_when(weekday, *resume)}" if resume else ""
        return (f"{stamp}, inside the blocked hours: the charger will stop charging now"
                f"{until}. A car plugged in now will wait{until}.")
    pause = _slot_walk(hours, weekday, slot, False)
    later = f" The next pause starts {_when(weekday, *pause)}." if pause else ""
    return f"{stamp}, outside the blocked hours: charging is not interrupted now.{later}"
