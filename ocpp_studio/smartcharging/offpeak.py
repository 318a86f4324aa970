"""UK off-peak default charging hours as TxDefaultProfiles.

The Electric Vehicles (Smart Charge Points) Regulations 2021 and the OCA application note
(§2.6 "Off-peak charging", sidebar "OCPP charging profile mechanism"): weekday peaks
08:00-11:00 and 16:00-22:00 local time; a Daily recurring TxDefaultProfile (stack 1) with 0 W in
the peaks and a Weekly recurring 48 h weekend TxDefaultProfile (stack 2) with full power.

Clock changes (GMT/BST): a recurring profile repeats every 86 400 s / 604 800 s of absolute
time from startSchedule (OCPP 1.6 §7.9, §7.15), so a profile anchored at local midnight would be
an hour off after the change. Strategy used here (see OFFPEAK_CLOCK_CHANGE_EXPLANATION):
two sets of profiles are installed at once —

* set A, anchored at local midnight in the current UTC offset, ``validTo`` = the next change;
* set B, anchored at local midnight in the offset after the change (the anchor is on the day of
  the change, so it is before the change instant), ``validFrom`` = the change, stack levels
  above set A (1.6 §5.16.3 would otherwise replace A with B: same stackLevel + purpose).

Validity windows do not overlap, so the two sets never compete. Set B has no ``validTo``; after
the change after that (about six months later) the studio re-applies the hours: ``status``
says so (``refresh_due_s``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .profiles import ChargingProfile, SchedulePeriod

#: Weekday peaks (start h, start m, end h, end m), local time — regulations / app note §2.6.
PEAKS = ((8, 0, 11, 0), (16, 0, 22, 0))
SLOTS = 48  # half hours per day
DAY_S = 86_400
WEEK_S = 7 * DAY_S

OFFPEAK_CLOCK_CHANGE_EXPLANATION = (
    "Chargers repeat a daily or weekly schedule every 24 hours (or 7 days) of real time; they "
    "do not know about British Summer Time. So the studio installs the charging hours twice: "
    "one copy for the clock as it is now, which ends at the next clock change, and a second "
    "copy, already shifted by the hour, which starts at that clock change. The charger switches "
    "from one to the other by itself, even when the studio is not running. The copy for after "
    "the change lasts until the clock changes again about six months later: before then, "
    "connect the charger to the studio and apply the hours again (the studio reminds you). "
    "This uses four charging profiles (stack levels 1-4), or two for custom weekly hours.")


@dataclass
class WeeklyHours:
    """Allowed (True) / blocked (False) per half hour, 7 days (0 = Monday) x 48 slots, local."""

    allowed: list[list[bool]] = field(default_factory=lambda: [[True] * SLOTS for _ in range(7)])

    @classmethod
    def uk_default(cls) -> "WeeklyHours":
        days = []
        for weekday in range(7):
            row = [True] * SLOTS
            if weekday < 5:
                for h1, m1, h2, m2 in PEAKS:
                    for slot in range((h1 * 60 + m1) // 30, (h2 * 60 + m2) // 30):
                        row[slot] = False
            days.append(row)
        return cls(days)

    @classmethod
    def all_allowed(cls) -> "WeeklyHours":
        return cls([[True] * SLOTS for _ in range(7)])

    def to_json(self) -> dict:
        """{"slot_minutes": 30, "days": ["111...000", ...]} (1 = allowed)."""
        return {"slot_minutes": 30,
                "days": ["".join("1" if a else "0" for a in row) for row in self.allowed]}

    @classmethod
    def from_json(cls, data: dict | list) -> "WeeklyHours":
        """Accepts to_json()'s form, a list of 7 lists of booleans, or
        {"blocked": {"0": [["08:00", "11:00"], ...]}} (weekday -> local time ranges)."""
        if isinstance(data, dict) and "blocked" in data:
            hours = cls.all_allowed()
            for day, ranges in data["blocked"].items():
                for start, end in ranges:
                    a = _minutes(start) // 30
                    b = (_minutes(end) + 29) // 30 if end not in ("24:00",) else SLOTS
                    for slot in range(a, b):
                        hours.allowed[int(day)][slot] = False
            return hours
        days = data["days"] if isinstance(data, dict) else data
        if len(days) != 7:
            raise ValueError("hours need 7 days (Monday first)")
        rows = []
        for row in days:
            values = [c == "1" for c in row] if isinstance(row, str) else [bool(x) for x in row]
            if len(values) != SLOTS:
                raise ValueError(f"each day needs {SLOTS} half-hour slots")
            rows.append(values)
        return cls(rows)

    def blocked_ranges(self, weekday: int) -> list[tuple[int, int]]:
        """Blocked (start, end) in minutes from local midnight."""
        out: list[tuple[int, int]] = []
        row = self.allowed[weekday]
        slot = 0
        while slot < SLOTS:
            if not row[slot]:
                start = slot
                while slot < SLOTS and not row[slot]:
                    slot += 1
                out.append((start * 30, slot * 30))
            else:
                slot += 1
        return out

    def is_allowed(self, weekday: int, minute: int) -> bool:
        return self.allowed[weekday][minute // 30]


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def next_clock_change(now_s: float, tz: str = "Europe/London",
                      horizon_days: int = 400) -> float | None:
    """The next instant (POSIX s) after now_s where the UTC offset of ``tz`` changes."""
    zone = ZoneInfo(tz)

    def offset(t: float) -> timedelta | None:
        return datetime.fromtimestamp(t, zone).utcoffset()

    base = offset(now_s)
    lo = now_s
    step = 6 * 3600
    t = now_s
    while t < now_s + horizon_days * DAY_S:
        t += step
        if offset(t) != base:
            hi = t
            while hi - lo > 1:  # bisect to the second
                mid = (lo + hi) / 2
                if offset(mid) == base:
                    lo = mid
                else:
                    hi = mid
            return float(round(hi))
        lo = t
    return None


def _anchor(at_s: float, tz: str, weekday: int | None) -> float:
    """Local midnight (of the day of ``at_s``, or of the latest given weekday on or before
    it) expressed with the UTC offset in force at ``at_s``. Always <= at_s."""
    zone = ZoneInfo(tz)
    local = datetime.fromtimestamp(at_s, zone)
    off = local.utcoffset() or timedelta(0)
    day = local.date()
    if weekday is not None:
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone(off))
    return midnight.timestamp()


def _periods(flags: list[bool], max_limit: float) -> list[SchedulePeriod]:
    """One period per change of allowed/blocked (half-hour slots)."""
    periods: list[SchedulePeriod] = []
    for i, ok in enumerate(flags):
        limit = max_limit if ok else 0.0
        if not periods or periods[-1].limit != limit:
            periods.append(SchedulePeriod(i * 1800, limit))
    return periods


def _set(hours: WeeklyHours, from_s: float, valid_from: float | None, valid_to: float | None,
         tz: str, limit: float, rate_unit: str, next_id: int,
         stack: int) -> list[ChargingProfile]:
    def profile(pid: int, stk: int, rec: str, start: float, duration: int,
                periods: list[SchedulePeriod]) -> ChargingProfile:
        return ChargingProfile(profile_id=pid, stack_level=stk, purpose="TxDefaultProfile",
                               kind="Recurring", recurrency=rec, valid_from_s=valid_from,
                               valid_to_s=valid_to, start_schedule_s=start, duration_s=duration,
                               rate_unit=rate_unit, periods=periods, connector=0)

    rows = hours.allowed
    weekday_same = all(rows[d] == rows[0] for d in range(5))
    weekend_free = all(all(rows[d]) for d in (5, 6))
    if all(rows[d] == rows[0] for d in range(7)):
        # every day alike: one Daily profile
        return [profile(next_id, stack, "Daily", _anchor(from_s, tz, None), DAY_S,
                        _periods(rows[0], limit))]
    if weekday_same and weekend_free:
        # the app note's pair: Daily (stack n) + Weekly 48 h weekend (stack n+1) from Saturday
        return [profile(next_id, stack, "Daily", _anchor(from_s, tz, None), DAY_S,
                        _periods(rows[0], limit)),
                profile(next_id + 1, stack + 1, "Weekly", _anchor(from_s, tz, 5), 2 * DAY_S,
                        [SchedulePeriod(0, limit)])]
    # different hours per weekday: one Weekly profile from Monday, a period per change
    flags = [ok for row in rows for ok in row]
    return [profile(next_id, stack, "Weekly", _anchor(from_s, tz, 0), WEEK_S,
                    _periods(flags, limit))]


def build_profiles(hours: WeeklyHours, now_s: float, tz: str = "Europe/London",
                   max_power_w: float = 22_000.0, rate_unit: str = "W", phases: int = 1,
                   voltage_v: float = 230.0, first_id: int = 9100) -> list[ChargingProfile]:
    """TxDefaultProfiles on connector 0 for ``hours`` (see module docstring for clock changes).

    Stack levels: current clock 1 (Daily) / 2 (weekend), after the change 3 / 4; one-profile
    forms use 1 and 3. Limits: 0 when blocked, ``max_power_w`` (or its current in A for
    ``rate_unit="A"``) when allowed."""
    limit = max_power_w if rate_unit == "W" else round(max_power_w / (voltage_v * phases), 1)
    change = next_clock_change(now_s, tz)
    first = _set(hours, now_s, None, change, tz, limit, rate_unit, first_id, 1)
    if change is None:
        return first
    second = _set(hours, change, change, None, tz, limit, rate_unit, first_id + 2, 3)
    return first + second


def refresh_due(profiles: list[ChargingProfile], tz: str = "Europe/London") -> float | None:
    """When the last installed set stops matching local time (the clock change after the
    one covered), so the studio should re-apply by then."""
    starts = [p.valid_from_s for p in profiles if p.valid_from_s is not None]
    if not starts:
        starts = [min((p.start_schedule_s or 0.0) for p in profiles)] if profiles else []
    if not starts:
        return None
    return next_clock_change(max(starts) + 1, tz)
