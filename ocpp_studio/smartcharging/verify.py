"""Check the charger's own composite schedule against what the studio installed.

GetCompositeSchedule (1.6 §5.7; 2.0.1 K08) is asked for connector/EVSE 0 *and* each
connector/EVSE, because chargers we did not write answer connector 0 in ways that prove
nothing: one answered a single period of −1 W whatever was installed, and capping the intended
limits at that "maximum" made every period compare equal (issue 14). So:

* a schedule with no period, a negative limit or no positive limit is **no evidence** — a
  charger that ignored the profiles could answer the same — never "matches";
* "matches" needs at least one schedule that is evidence and none that differs;
* where it differs, each place says day, time, the limit asked and the charger's limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..core.rpc import CallError
from ..station.adapters import OcppAdapter, adapter_for
from .evaluator import Interval, compare, composite_schedule, from_periods
from .outcomes import PROTOCOL_ERRORS, Verification, error_code, refusal_advice
from .profiles import ChargingProfile, parse_time_s
from .rate_unit import Electrical

log = logging.getLogger(__name__)

MATCHES, DIFFERS, NO_EVIDENCE, NOT_READABLE = "matches", "differs", "no evidence", "not readable"


@dataclass
class Mismatch:
    """One place where the charger's schedule is not the intended one."""

    start_s: float
    end_s: float
    asked_w: float | None  # None: no limit asked
    charger_w: float | None  # None: the charger's schedule sets no limit there
    where: str  # "Wed 08:00-11:00: asked 0 W, the charger's schedule 7,360 W"


@dataclass
class ScheduleCheck:
    """What one connector's (or EVSE's) composite schedule showed."""

    connector: int
    verdict: str  # MATCHES | DIFFERS | NO_EVIDENCE | NOT_READABLE
    words: str
    charger: list[Interval] = field(default_factory=list)
    intended: list[Interval] = field(default_factory=list)
    differences: list[Interval] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)


def where_name(connector: int, version: str) -> str:
    noun = adapter_for(version).connector_noun
    return f"{noun} {connector}" if connector else f"the whole charger ({noun} 0)"


def watts(value: float | None) -> str:
    return "no limit" if value is None else f"{value:,.0f} W"


def _clock(seconds: float, tz: str) -> datetime:
    return datetime.fromtimestamp(seconds, ZoneInfo(tz))


def describe_place(start_s: float, end_s: float, asked: float | None, got: float | None,
                   tz: str) -> str:
    start, end = _clock(start_s, tz), _clock(end_s, tz)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %H:%M}"
    return (f"{start:%a %d %b %H:%M}-{until}: asked {watts(asked)}, "
            f"the charger's schedule {watts(got)}")


def _at(intervals: list[Interval], t: float) -> float | None:
    for iv in intervals:
        if iv.start_s <= t < iv.end_s:
            return iv.limit_w
    return None


async def read_schedule(adapter: OcppAdapter, connector: int, days: int, now_s: float,
                        voltage_v: float, phases: int, notes: list[str],
                        durations: tuple[int, ...] | None = None) -> list[Interval] | None:
    """The charger's composite schedule for one connector/EVSE as intervals in W (``days``,
    else the next 24 hours; or the ``durations`` given, in seconds); None (with a note) when
    it could not be read."""
    name = where_name(connector, adapter.label)
    for duration in dict.fromkeys(durations or (days * 86_400, 86_400)):
        try:
            answer = await adapter.composite_schedule(connector, duration, "W")
        except CallError as exc:
            notes.append(f"GetCompositeSchedule for {name}: {error_code(exc)}. "
                         + refusal_advice(error_code(exc), "GetCompositeSchedule"))
            return None
        except PROTOCOL_ERRORS as exc:
            notes.append(f"GetCompositeSchedule for {name}: {exc}")
            return None
        if answer.get("status") == "Accepted":
            if durations is None and duration != days * 86_400:
                notes.append(f"The charger only gave the schedule of {name} for the next "
                             "24 hours.")
            schedule = adapter.schedule_of(answer) or {}
            start = parse_time_s(answer.get("scheduleStart") or schedule.get("startSchedule")
                                 or schedule.get("scheduleStart"))
            if start is None:
                start = now_s
            length = float(schedule.get("duration") or duration)
            periods = []
            for period in schedule.get("chargingSchedulePeriod") or []:
                try:
                    periods.append((float(period["startPeriod"]), float(period["limit"])))
                except (KeyError, TypeError, ValueError):
                    continue  # a period without a limit (2.1) limits nothing
            return from_periods(start, length, periods, schedule.get("chargingRateUnit", "W"),
                                voltage_v, phases)
        notes.append(f"GetCompositeSchedule for {name}, {duration // 3600} h: "
                     f"{answer.get('status')}")
    return None


def judge(connector: int, version: str, charger: list[Interval],
          profiles: list[ChargingProfile], tz: str, voltage_v: float,
          phases: int) -> ScheduleCheck:
    """One readable schedule against the profiles that apply to that connector."""
    name = where_name(connector, version)
    limits = [iv.limit_w for iv in charger if iv.limit_w is not None]
    if not charger or not limits:
        return ScheduleCheck(connector, NO_EVIDENCE, f"{name}: the charger's schedule is "
                             "empty, no evidence that the hours are in force", charger)
    if min(limits) < 0 or max(limits) <= 0:
        return ScheduleCheck(connector, NO_EVIDENCE, f"{name}: the charger's schedule gives "
                             f"{watts(min(limits))}, no evidence that the hours are in force",
                             charger)
    start, end = charger[0].start_s, charger[-1].end_s
    mine = [p for p in profiles if p.connector in (0, connector) or connector == 0]
    intended = composite_schedule(mine, start, end, tz, voltage_v, phases)
    # Where no profile limits it, a charger reports its own maximum: compare up to that.
    cap = max(limits)

    def capped(ivs: list[Interval]) -> list[Interval]:
        return [Interval(iv.start_s, iv.end_s,
                         cap if iv.limit_w is None else min(iv.limit_w, cap)) for iv in ivs]

    differences = compare(capped(intended), capped(charger))
    mismatches = [Mismatch(iv.start_s, iv.end_s, iv.limit_w, _at(charger, iv.start_s),
                           describe_place(iv.start_s, iv.end_s, iv.limit_w,
                                          _at(charger, iv.start_s), tz))
                  for iv in differences]
    if differences:
        return ScheduleCheck(connector, DIFFERS, f"{name}: the charger's schedule differs in "
                             f"{len(differences)} place(s)", charger, intended, differences,
                             mismatches)
    return ScheduleCheck(connector, MATCHES, f"{name}: the charger's schedule matches (limits "
                         f"compared up to the charger's maximum of {watts(cap)})",
                         charger, intended)


def overall(checks: list[ScheduleCheck]) -> tuple[bool | None, ScheduleCheck | None, str]:
    """(True matches / False differs / None no evidence, the check that decided, the words).
    One schedule that differs outweighs any that match."""
    for verdict, result in ((DIFFERS, False), (MATCHES, True)):
        decisive = [c for c in checks if c.verdict == verdict]
        if not decisive:
            continue
        check = decisive[0]
        if result:
            names = ", ".join(c.words.split(":")[0] for c in decisive)
            return True, check, f"The charger's own schedule matches the intended hours ({names})."
        places = "; ".join(m.where for m in check.mismatches[:3])
        more = (f" and {len(check.mismatches) - 3} more" if len(check.mismatches) > 3 else "")
        return False, check, (f"The charger's own schedule for {check.words.split(':')[0]} "
                              f"differs from the intended hours in {len(check.mismatches)} "
                              f"place(s): {places}{more}.")
    why = "; ".join(c.words for c in checks) or "nothing could be read"
    return None, None, f"No evidence that the charger follows the hours: {why}."


def connectors_of(station: Any) -> list[int]:
    """Connector (1.6) or EVSE (2.x) numbers the charger has told about; [1] when none."""
    found: set[int] = set()
    for label in getattr(station, "connectors", {}) or {}:
        try:
            number = int(str(label).split("/")[0])
        except ValueError:
            continue
        if number > 0:
            found.add(number)
    return sorted(found) or [1]


async def site_limit_evidence(adapter: OcppAdapter, connectors: list[int], limit_a: float,
                              feed: Electrical, duration_s: int = 300) -> tuple[bool | None, str]:
    """The installation's maximum against the charger's own schedule for the next minutes.

    Asked in W (a charger taking schedules in W only may refuse a composite in A) and compared
    with ``limit_a`` × volts × phases. A schedule with no positive limit or a negative one is
    no evidence (a −1 W answer is "lower than the limit" and proves nothing); one connector
    allowing more than the limit outweighs any within it."""
    limit_w = limit_a * feed.voltage_v * feed.phases
    asked = f"{watts(limit_w)} ({limit_a:g} A × {feed.words()})"
    within: list[str] = []
    unseen: list[str] = []
    for connector in [0, *connectors]:
        name = where_name(connector, adapter.label)
        notes: list[str] = []
        schedule = await read_schedule(adapter, connector, 1, 0.0, feed.voltage_v,
                                       feed.phases, notes, durations=(duration_s,))
        limits = [iv.limit_w for iv in schedule or [] if iv.limit_w is not None]
        if not limits or min(limits) < 0 or max(limits) <= 0:
            unseen.append(f"{name}: " + ("not readable" if schedule is None else
                                         f"gives {watts(min(limits)) if limits else 'no limit'}"))
            continue
        highest = max(limits)
        # whole watts: a charger rounds its schedule to 0.1 in its unit (schema multipleOf)
        if highest > limit_w + max(1.0, 0.01 * limit_w):
            return False, (f"The charger's own schedule for {name} allows {watts(highest)}, "
                           f"more than the maximum of {asked}.")
        within.append(name)
    if within:
        return True, (f"The charger's own schedule stays within the maximum of {asked} "
                      f"({', '.join(within)}).")
    return None, (f"No evidence that the maximum of {asked} is in force: "
                  + "; ".join(unseen) + ".")


async def verify_schedules(adapter: OcppAdapter, connectors: list[int],
                           profiles: list[ChargingProfile], feed: Electrical, now: float,
                           days: int, tz: str) -> Verification:
    """Connector/EVSE 0 and each connector/EVSE: read, judge, and the overall verdict. The
    Verification shows the schedule that decided (or the first one read)."""
    notes: list[str] = []
    checks: list[ScheduleCheck] = []
    for connector in [0, *connectors]:
        charger = await read_schedule(adapter, connector, days, now, feed.voltage_v,
                                      feed.phases, notes)
        name = where_name(connector, adapter.label)
        checks.append(ScheduleCheck(connector, NOT_READABLE, f"{name}: not readable")
                      if charger is None else
                      judge(connector, adapter.label, charger, profiles, tz, feed.voltage_v,
                            feed.phases))
    evidence, decisive, summary = overall(checks)
    shown = decisive or next((c for c in checks if c.charger), None)
    notes.insert(0, summary)
    if shown is None:
        notes.append("The charger's own schedule could not be read; only the intended one "
                     "is shown.")
        return Verification(composite_schedule(profiles, now, now + days * 86_400, tz), [], [],
                            notes, None, summary, [], checks)
    intended = shown.intended or composite_schedule(
        profiles, shown.charger[0].start_s, shown.charger[-1].end_s, tz)
    return Verification(intended, shown.charger, shown.differences, notes, evidence, summary,
                        shown.mismatches, checks)
