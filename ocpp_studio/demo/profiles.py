"""Charging profiles held by the demo charger and a simple composite-schedule evaluator.

Version-neutral: profiles from OCPP 1.6 ``SetChargingProfile.req`` (csChargingProfiles) and
2.0.1 ``SetChargingProfileRequest`` (chargingProfile) are turned into the same ``Profile``.

Evaluation rules (OCPP 1.6 edition 2 §3.13 "Smart Charging", 2.0.1 Part 2 §K):

* per purpose, the valid profile with the highest stackLevel that has a limit at that
  moment wins (§3.13.2 "Stacking charging profiles");
* a TxProfile overrides a TxDefaultProfile (§3.13.1);
* the result is capped by the ChargePointMaxProfile / ChargingStationMaxProfile and by the
  hardware maximum (§3.13.1, "ChargePointMaxProfile ... limits the overall Charge Point");
* Absolute schedules start at startSchedule, Recurring ones repeat Daily/Weekly from it,
  Relative ones start at the start of the transaction (§7.9 ChargingProfileKindType);
* past ``duration`` a schedule has no limit and a lower stack level applies (§5.16.4).

Limits are handled internally as amperes per phase, because the simulation is driven by
current: a limit in W is divided by (nominal voltage x phases used).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

#: Normalised purposes: 1.6 ChargePointMaxProfile and 2.0.1 ChargingStationMaxProfile -> "Max".
MAX = "Max"
TX_DEFAULT = "TxDefault"
TX = "Tx"
EXTERNAL = "External"

_PURPOSES = {
    "ChargePointMaxProfile": MAX,
    "ChargingStationMaxProfile": MAX,
    "TxDefaultProfile": TX_DEFAULT,
    "TxProfile": TX,
    "ChargingStationExternalConstraints": EXTERNAL,
}

_RECURRENCE_S = {"Daily": 86_400, "Weekly": 7 * 86_400}


def parse_time(text: str | None) -> datetime | None:
    """RFC 3339 date-time -> aware datetime (UTC when no offset)."""
    if not text:
        return None
    cleaned = text.strip().replace("z", "Z")
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def format_time(moment: datetime) -> str:
    """UTC, milliseconds, 'Z' suffix: 2026-01-01T12:00:00.000Z."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def decimal_1(value: float) -> Decimal:
    """A limit rounded to 0.1 as Decimal: passes ``multipleOf: 0.1`` exactly (1.6 schemas)."""
    return Decimal(str(round(float(value), 1)))


@dataclass(slots=True)
class Period:
    start: int  # seconds from schedule start
    limit: float  # in the schedule's unit
    phases: int | None = None


@dataclass(slots=True)
class Profile:
    id: int
    stack_level: int
    purpose: str  # MAX / TX_DEFAULT / TX / EXTERNAL
    kind: str  # Absolute / Recurring / Relative
    connector: int  # 0 = whole charger / station
    unit: str  # "A" or "W"
    periods: list[Period]
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None
    start_schedule: datetime | None = None
    duration: int | None = None
    min_rate: float | None = None
    installed_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    raw: dict[str, Any] = field(default_factory=dict)
    purpose_name: str = ""  # the purpose as the CSMS wrote it

    @classmethod
    def from_v16(cls, connector: int, data: dict[str, Any], now: datetime) -> "Profile":
        schedule = data["chargingSchedule"]
        return cls._build(
            connector, data, schedule, now, profile_id=int(data["chargingProfileId"]),
            transaction_id=data.get("transactionId"))

    @classmethod
    def from_v201(cls, evse_id: int, data: dict[str, Any], now: datetime) -> "Profile":
        schedule = data["chargingSchedule"][0]
        return cls._build(evse_id, data, schedule, now, profile_id=int(data["id"]),
                          transaction_id=data.get("transactionId"))

    @classmethod
    def _build(cls, connector: int, data: dict[str, Any], schedule: dict[str, Any],
               now: datetime, *, profile_id: int, transaction_id: Any) -> "Profile":
        periods = sorted(
            (Period(int(p["startPeriod"]), float(p["limit"]),
                    int(p["numberPhases"]) if p.get("numberPhases") is not None else None)
             for p in schedule["chargingSchedulePeriod"]),
            key=lambda p: p.start)
        return cls(
            id=profile_id,
            stack_level=int(data["stackLevel"]),
            purpose=_PURPOSES[data["chargingProfilePurpose"]],
            purpose_name=data["chargingProfilePurpose"],
            kind=data["chargingProfileKind"],
            recurrency=data.get("recurrencyKind"),
            connector=connector,
            unit=schedule["chargingRateUnit"],
            periods=periods,
            valid_from=parse_time(data.get("validFrom")),
            valid_to=parse_time(data.get("validTo")),
            transaction_id=None if transaction_id is None else str(transaction_id),
            start_schedule=parse_time(schedule.get("startSchedule")),
            duration=int(schedule["duration"]) if schedule.get("duration") is not None else None,
            min_rate=float(schedule["minChargingRate"])
            if schedule.get("minChargingRate") is not None else None,
            installed_at=now,
            raw=data,
        )

    # ---------------------------------------------------------------- timing
    def schedule_start(self, t: datetime, relative_origin: datetime) -> datetime:
        """Start of the schedule (cycle) that applies at t."""
        if self.kind == "Relative":
            return relative_origin
        origin = self.start_schedule or self.valid_from or self.installed_at
        if self.kind == "Recurring":
            period = _RECURRENCE_S.get(self.recurrency or "Daily", 86_400)
            cycles = math.floor((t - origin).total_seconds() / period)
            return origin + timedelta(seconds=cycles * period)
        return origin

    def is_valid_at(self, t: datetime) -> bool:
        if self.valid_from is not None and t < self.valid_from:
            return False
        return not (self.valid_to is not None and t >= self.valid_to)

    def period_at(self, t: datetime, relative_origin: datetime) -> Period | None:
        """The schedule period in force at t, or None when the schedule gives no limit."""
        if not self.is_valid_at(t):
            return None
        start = self.schedule_start(t, relative_origin)
        offset = (t - start).total_seconds()
        if offset < 0:
            return None
        if self.duration is not None and offset >= self.duration:
            return None
        current = None
        for period in self.periods:
            if period.start <= offset:
                current = period
        if self.kind == "Recurring":
            # §5.16.4: periods longer than the recurrence period are not executed.
            limit_s = _RECURRENCE_S.get(self.recurrency or "Daily", 86_400)
            if offset >= limit_s:
                return None
        return current

    def breakpoints(self, start: datetime, end: datetime,
                    relative_origin: datetime) -> set[datetime]:
        """Moments in (start, end) where this profile's limit may change."""
        points: set[datetime] = set()
        for bound in (self.valid_from, self.valid_to):
            if bound is not None:
                points.add(bound)
        origins: list[datetime]
        if self.kind == "Recurring":
            period = _RECURRENCE_S.get(self.recurrency or "Daily", 86_400)
            first = self.schedule_start(start, relative_origin)
            origins = []
            origin = first
            while origin < end:
                origins.append(origin)
                origin += timedelta(seconds=period)
        else:
            origins = [self.schedule_start(start, relative_origin)]
        for origin in origins:
            for period in self.periods:
                points.add(origin + timedelta(seconds=period.start))
            if self.duration is not None:
                points.add(origin + timedelta(seconds=self.duration))
        return {p for p in points if start < p < end}


@dataclass(slots=True)
class TxContext:
    """What the evaluator needs to know about a connector's transaction."""

    transaction_id: str
    started_at: datetime


class ProfileStore:
    """Installed charging profiles and the composite limit they give."""

    def __init__(self, *, max_current_a: float, voltage_v: float, phases: int,
                 connectors: int) -> None:
        self.max_current_a = max_current_a
        self.voltage_v = voltage_v
        self.phases = phases
        self.connectors = connectors
        self.profiles: list[Profile] = []

    def __len__(self) -> int:
        return len(self.profiles)

    # ---------------------------------------------------------- installing
    def install(self, profile: Profile) -> None:
        """Add or replace (1.6 §5.16.3/§5.16.4: same id, or same stackLevel + purpose
        on the same connector, replaces the existing profile)."""
        self.profiles = [
            p for p in self.profiles
            if p.id != profile.id and not (
                p.stack_level == profile.stack_level and p.purpose == profile.purpose
                and p.connector == profile.connector)
        ]
        self.profiles.append(profile)

    def clear(self, *, profile_id: int | None = None, connector: int | None = None,
              purpose: str | None = None, stack_level: int | None = None) -> int:
        """Remove matching profiles (all criteria that are given must match); returns how many."""
        norm_purpose = _PURPOSES.get(purpose, purpose) if purpose else None
        keep, removed = [], 0
        for p in self.profiles:
            if profile_id is not None:
                match = p.id == profile_id
            else:
                match = ((connector is None or p.connector == connector)
                         and (norm_purpose is None or p.purpose == norm_purpose)
                         and (stack_level is None or p.stack_level == stack_level))
            if match:
                removed += 1
            else:
                keep.append(p)
        self.profiles = keep
        return removed

    def clear_transaction(self, connector: int, transaction_id: str) -> int:
        """TxProfiles end with their transaction (1.6 §3.13.1 TxProfile)."""
        before = len(self.profiles)
        self.profiles = [p for p in self.profiles if not (
            p.purpose == TX and p.connector == connector
            and (p.transaction_id is None or p.transaction_id == transaction_id))]
        return before - len(self.profiles)

    # ---------------------------------------------------------- evaluating
    def _to_amps(self, period: Period, unit: str) -> float:
        """The period's limit as current per phase over all the charger's phases.

        numberPhases (1.6 §7.13 ChargingSchedulePeriod, 2.0.1 ChargingSchedulePeriodType;
        3 when absent) below the charger's phases means less power: 16 A on 1 phase of a
        3-phase charger is 3,680 W, i.e. 5.33 A on each of its 3 phases. (Read as 16 A per
        phase, the demo used to report and draw 11,040 W under a single-phase site limit.)"""
        if unit == "A":
            used = min(self.phases, period.phases or self.phases)
            return period.limit * used / self.phases
        return period.limit / (self.voltage_v * self.phases)  # power is power, on any phases

    def _best(self, candidates: list[Profile], t: datetime, origin: datetime) -> float | None:
        for p in sorted(candidates, key=lambda p: (-p.stack_level, p.connector == 0)):
            period = p.period_at(t, origin)
            if period is not None:
                return self._to_amps(period, p.unit)
        return None

    def limit_a(self, connector: int, t: datetime, tx: TxContext | None = None,
                sharing: int = 1, window_start: datetime | None = None) -> float:
        """Composite limit in A per phase for a connector (0: the whole charger) at t."""
        origin = tx.started_at if tx is not None else (window_start or t)
        limit = self.max_current_a
        if connector > 0:
            tx_limit = None
            if tx is not None:
                tx_limit = self._best([
                    p for p in self.profiles if p.purpose == TX and p.connector == connector
                    and (p.transaction_id is None or p.transaction_id == tx.transaction_id)],
                    t, origin)
            if tx_limit is None:
                tx_limit = self._best([
                    p for p in self.profiles
                    if p.purpose == TX_DEFAULT and p.connector in (0, connector)], t, origin)
            if tx_limit is not None:
                limit = min(limit, tx_limit)
        else:
            default = self._best([p for p in self.profiles
                                  if p.purpose == TX_DEFAULT and p.connector == 0], t, origin)
            if default is not None:
                limit = min(limit, default)
        station = self._best([p for p in self.profiles if p.purpose == MAX], t, origin)
        if station is not None:
            # The charger-wide maximum is shared by the connectors that draw power.
            limit = min(limit, station / max(1, sharing) if connector > 0 else station)
        return max(0.0, limit)

    def composite(self, connector: int, start: datetime, duration: int, unit: str,
                  tx: TxContext | None = None) -> list[tuple[int, float]]:
        """(startPeriod, limit-in-unit) pairs covering [start, start+duration)."""
        end = start + timedelta(seconds=duration)
        origin = tx.started_at if tx is not None else start
        points = {start}
        for p in self.profiles:
            points |= p.breakpoints(start, end, origin)
        periods: list[tuple[int, float]] = []
        for moment in sorted(points):
            offset = int((moment - start).total_seconds())
            if periods and offset == periods[-1][0]:
                continue
            amps = self.limit_a(connector, moment, tx, window_start=start)
            value = amps if unit == "A" else amps * self.voltage_v * self.phases
            value = round(value, 1)
            if periods and periods[-1][1] == value:
                continue
            periods.append((offset, value))
        return periods
