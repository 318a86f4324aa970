"""Composite schedule: the limit in force at every moment, from a set of charging profiles.

Rules (OCPP 1.6 edition 2 §3.13.1-§3.13.4; 2.0.1 Part 2 §K):

* per purpose the valid profile with the highest stackLevel that has a period at that moment
  wins; outside its duration/validity a lower stack level applies (§3.13.2 "Stacking");
* a TxProfile (for the running transaction) overrides TxDefaultProfiles (§3.13.1);
* the result is the minimum with the ChargePointMaxProfile (§3.13.1, §3.13.4 combining);
* Absolute schedules start at startSchedule; Recurring ones repeat every 24 h / 168 h *of
  absolute time* from startSchedule (§7.9, §7.15) — a clock change does not move them;
  Relative ones start with the transaction (§7.9). Without a transaction, relative profiles are
  shown as for a transaction starting at ``start_s`` (what a session plugged in now would get);
* validFrom/validTo bound a profile (§7.8).

All times are POSIX seconds (UTC): like a charger, the evaluator does not know local time. The
``tz`` parameter is kept for callers that label the result; the off-peak builder
(offpeak.py) is what turns local hours into absolute anchors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .profiles import RECURRENCY, ChargingProfile, SchedulePeriod

TX = "TxProfile"
TX_DEFAULT = "TxDefaultProfile"
MAX = "ChargePointMaxProfile"


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float
    limit_w: float | None  # None = no limit


def _cycle_start(p: ChargingProfile, t: float, origin_relative: float) -> float | None:
    if p.kind == "Relative":
        return origin_relative
    origin = p.start_schedule_s
    if origin is None:
        origin = p.valid_from_s
    if origin is None:
        return None if p.kind == "Recurring" else origin_relative
    if p.kind == "Recurring":
        cycle = RECURRENCY.get(p.recurrency or "Daily", 86_400)
        return origin + math.floor((t - origin) / cycle) * cycle
    return origin


def period_at(p: ChargingProfile, t: float, origin_relative: float) -> SchedulePeriod | None:
    """The period of ``p`` in force at ``t``, or None when ``p`` sets no limit then."""
    if p.valid_from_s is not None and t < p.valid_from_s:
        return None
    if p.valid_to_s is not None and t >= p.valid_to_s:
        return None
    start = _cycle_start(p, t, origin_relative)
    if start is None:
        return None
    offset = t - start
    if offset < 0:
        return None
    if p.duration_s is not None and offset >= p.duration_s:
        return None
    current = None
    for period in p.periods:
        if period.start_s <= offset + 1e-9:
            current = period
    return current


def _breakpoints(p: ChargingProfile, start: float, end: float, origin_relative: float) -> set[float]:
    points: set[float] = set()
    for bound in (p.valid_from_s, p.valid_to_s):
        if bound is not None:
            points.add(bound)
    first = _cycle_start(p, start, origin_relative)
    if first is None:
        return points
    origins = [first]
    if p.kind == "Recurring":
        cycle = RECURRENCY.get(p.recurrency or "Daily", 86_400)
        o = first + cycle
        while o < end:
            origins.append(o)
            o += cycle
    for o in origins:
        for period in p.periods:
            points.add(o + period.start_s)
        if p.duration_s is not None:
            points.add(o + p.duration_s)
    return {x for x in points if start < x < end}


def _watts(p: ChargingProfile, period: SchedulePeriod, voltage_v: float, phases: int) -> float:
    if p.rate_unit == "W":
        return period.limit
    used = min(phases, period.phases or phases)
    return period.limit * voltage_v * used


def _best(profiles: list[ChargingProfile], t: float, origin: float, voltage_v: float,
          phases: int) -> float | None:
    for p in sorted(profiles, key=lambda p: (-p.stack_level, p.connector == 0)):
        period = period_at(p, t, origin)
        if period is not None:
            return _watts(p, period, voltage_v, phases)
    return None


def limit_at(profiles: list[ChargingProfile], t: float, voltage_v: float = 230.0,
             phases: int = 1, transaction_start_s: float | None = None,
             window_start_s: float | None = None) -> float | None:
    """The composite limit in W at one moment (None: no limit)."""
    origin = transaction_start_s if transaction_start_s is not None else (
        window_start_s if window_start_s is not None else t)
    limit: float | None = None
    if transaction_start_s is not None:
        limit = _best([p for p in profiles if p.purpose == TX], t, origin, voltage_v, phases)
    if limit is None:
        limit = _best([p for p in profiles if p.purpose == TX_DEFAULT], t, origin, voltage_v,
                      phases)
    cap = _best([p for p in profiles if p.purpose == MAX], t, origin, voltage_v, phases)
    if cap is not None:
        limit = cap if limit is None else min(limit, cap)
    return None if limit is None else max(0.0, limit)


def merge(intervals: list[Interval]) -> list[Interval]:
    """Join neighbours with the same limit."""
    out: list[Interval] = []
    for iv in intervals:
        if out and out[-1].limit_w == iv.limit_w and abs(out[-1].end_s - iv.start_s) < 1e-6:
            out[-1] = Interval(out[-1].start_s, iv.end_s, iv.limit_w)
        else:
            out.append(iv)
    return out


def composite_schedule(profiles: list[ChargingProfile], start_s: float, end_s: float,
                       tz: str = "Europe/London", voltage_v: float = 230.0, phases: int = 1,
                       transaction_start_s: float | None = None) -> list[Interval]:
    """The limit over [start_s, end_s) as merged intervals (see the module rules)."""
    del tz  # profiles are absolute-time; see module docstring
    origin = transaction_start_s if transaction_start_s is not None else start_s
    points = {float(start_s)}
    for p in profiles:
        points |= _breakpoints(p, start_s, end_s, origin)
    moments = sorted(points) + [float(end_s)]
    intervals = [
        Interval(a, b, limit_at(profiles, a, voltage_v, phases, transaction_start_s, start_s))
        for a, b in zip(moments, moments[1:]) if b > a]
    return merge(intervals)


def from_periods(schedule_start_s: float, duration_s: float, periods: list[tuple[float, float]],
                 unit: str = "W", voltage_v: float = 230.0, phases: int = 1) -> list[Interval]:
    """A charger's GetCompositeSchedule answer -> intervals in W."""
    factor = 1.0 if unit == "W" else voltage_v * phases
    ordered = sorted(periods)
    out = []
    for i, (start, limit) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else duration_s
        if end > start:
            out.append(Interval(schedule_start_s + start, schedule_start_s + end, limit * factor))
    return merge(out)


def compare(intended: list[Interval], actual: list[Interval],
            tolerance_w: float = 50.0, min_duration_s: float = 2.0) -> list[Interval]:
    """Where ``actual`` differs from ``intended`` by more than ``tolerance_w`` (None = no
    limit, differs from any number). The intervals carry the intended limit. Differences
    shorter than ``min_duration_s`` are ignored: GetCompositeSchedule gives whole-second
    startPeriods from a scheduleStart with milliseconds (1.6 §7.13), and the schedule read
    back is placed on whole seconds too, so a boundary can land up to a second early or
    late on each side (a 1-second "difference" at 22:00 failed `offpeak show` at random)."""
    points = sorted({x for iv in intended + actual for x in (iv.start_s, iv.end_s)})

    def at(ivs: list[Interval], t: float) -> tuple[bool, float | None]:
        for iv in ivs:
            if iv.start_s <= t < iv.end_s:
                return True, iv.limit_w
        return False, None

    out: list[Interval] = []
    for a, b in zip(points, points[1:]):
        mid = (a + b) / 2
        has_i, want = at(intended, mid)
        has_a, got = at(actual, mid)
        if not (has_i and has_a):
            continue  # only compare where both are known
        if want is None and got is None:
            continue
        if want is not None and got is not None and abs(want - got) <= tolerance_w:
            continue
        out.append(Interval(a, b, want))
    return [iv for iv in merge(out) if iv.end_s - iv.start_s >= min_duration_s]
