"""One charging-profile model for every OCPP version, and plain-word validation. The payloads
of each version are built by its adapter (``station.adapters``) from ``to_neutral()``.

References: OCPP 1.6 edition 2 §3.13 (Smart Charging), §5.16 (SetChargingProfile), §7.7-7.15
(ChargingProfile, ChargingProfileKindType, ChargingProfilePurposeType, ChargingRateUnitType,
ChargingSchedule, ChargingSchedulePeriod, RecurrencyKindType), §9.4 (Smart Charging keys:
ChargeProfileMaxStackLevel, ChargingScheduleAllowedChargingRateUnit, ChargingScheduleMaxPeriods,
MaxChargingProfilesInstalled); OCPP 2.0.1 Part 2 §K and SmartChargingCtrlr variables
(ProfileStackLevel, PeriodsPerSchedule, RateUnit, Entries).

Times are POSIX seconds (UTC) so that nothing here depends on the local clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ..core.versions import OcppVersion
from ..station.adapters import adapter_for

PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")
KINDS = ("Absolute", "Recurring", "Relative")
RECURRENCY = {"Daily": 86_400, "Weekly": 7 * 86_400}



def parse_time_s(text: Any) -> float | None:
    """RFC 3339 date-time -> POSIX seconds; no offset means UTC (1.6 §4.1.5 dateTime)."""
    if not text:
        return None
    cleaned = str(text).strip().replace("z", "Z")
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def format_time_s(seconds: float) -> str:
    """POSIX seconds -> 2026-01-01T12:00:00.000Z."""
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _limit(value: float) -> Decimal:
    """A limit as Decimal rounded to 0.1: passes the 1.6 schema's ``multipleOf: 0.1`` exactly
    (DESIGN.md: floats wrongly fail it)."""
    return Decimal(str(round(float(value), 1)))


@dataclass
class SchedulePeriod:
    start_s: int
    limit: float
    phases: int | None = None


@dataclass
class ChargingProfile:
    profile_id: int
    stack_level: int
    purpose: str  # ChargePointMaxProfile | TxDefaultProfile | TxProfile
    kind: str  # Absolute | Recurring | Relative
    recurrency: str | None
    valid_from_s: float | None
    valid_to_s: float | None
    start_schedule_s: float | None
    duration_s: int | None
    rate_unit: str  # "A" | "W"
    periods: list[SchedulePeriod] = field(default_factory=list)
    connector: int = 0
    transaction_id: str | None = None
    min_rate: float | None = None

    # ----------------------------------------------------------------- OCPP 1.6
    def _schedule(self) -> dict[str, Any]:
        schedule: dict[str, Any] = {"chargingRateUnit": self.rate_unit}
        if self.duration_s is not None:
            schedule["duration"] = int(self.duration_s)
        if self.start_schedule_s is not None:
            schedule["startSchedule"] = format_time_s(self.start_schedule_s)
        periods = []
        for p in self.periods:
            item: dict[str, Any] = {"startPeriod": int(p.start_s), "limit": _limit(p.limit)}
            if p.phases is not None:
                item["numberPhases"] = int(p.phases)
            periods.append(item)
        schedule["chargingSchedulePeriod"] = periods
        if self.min_rate is not None:
            schedule["minChargingRate"] = _limit(self.min_rate)
        return schedule

    def to_neutral(self) -> dict[str, Any]:
        """The profile in the adapters' neutral shape (the 1.6 §7.8 ChargingProfile fields;
        ``transactionId`` as the studio keeps it, text)."""
        data: dict[str, Any] = {"chargingProfileId": int(self.profile_id),
                                "stackLevel": int(self.stack_level),
                                "chargingProfileKind": self.kind}
        if self.recurrency is not None:
            data["recurrencyKind"] = self.recurrency
        if self.valid_from_s is not None:
            data["validFrom"] = format_time_s(self.valid_from_s)
        if self.valid_to_s is not None:
            data["validTo"] = format_time_s(self.valid_to_s)
        data["chargingProfilePurpose"] = self.purpose
        data["chargingSchedule"] = self._schedule()
        if self.transaction_id is not None:
            data["transactionId"] = str(self.transaction_id)
        return data

    def to_request(self, version: OcppVersion | str) -> dict[str, Any]:
        """The SetChargingProfile payload for ``version`` (an OcppVersion or its label)."""
        return adapter_for(version).set_profile_request(self.connector, self.to_neutral()).payload

    def to_ocpp16(self) -> dict[str, Any]:
        """SetChargingProfile.req (1.6 §6.43, §7.8 ChargingProfile)."""
        return self.to_request(OcppVersion.V16)

    def to_ocpp201(self) -> dict[str, Any]:
        """SetChargingProfileRequest (2.0.1 §K01): one schedule, id 1."""
        return self.to_request(OcppVersion.V201)

    @classmethod
    def from_request(cls, version: OcppVersion | str, payload: dict[str, Any]) -> "ChargingProfile":
        """The profile of a SetChargingProfile payload of ``version``."""
        connector, data = adapter_for(version).profile_from_request(payload)
        return cls._build(connector, data, data["chargingSchedule"],
                          int(data["chargingProfileId"]))

    @classmethod
    def _build(cls, connector: int, data: dict[str, Any], schedule: dict[str, Any],
               profile_id: int) -> "ChargingProfile":
        periods = sorted(
            (SchedulePeriod(int(p["startPeriod"]), float(p["limit"]),
                            int(p["numberPhases"]) if p.get("numberPhases") is not None else None)
             for p in schedule.get("chargingSchedulePeriod", [])), key=lambda p: p.start_s)
        tx = data.get("transactionId")
        return cls(
            profile_id=profile_id, stack_level=int(data["stackLevel"]),
            purpose=data["chargingProfilePurpose"], kind=data["chargingProfileKind"],
            recurrency=data.get("recurrencyKind"),
            valid_from_s=parse_time_s(data.get("validFrom")),
            valid_to_s=parse_time_s(data.get("validTo")),
            start_schedule_s=parse_time_s(schedule.get("startSchedule")),
            duration_s=int(schedule["duration"]) if schedule.get("duration") is not None else None,
            rate_unit=schedule["chargingRateUnit"], periods=periods, connector=int(connector),
            transaction_id=None if tx is None else str(tx),
            min_rate=float(schedule["minChargingRate"])
            if schedule.get("minChargingRate") is not None else None)

    @classmethod
    def from_ocpp16(cls, payload: dict[str, Any]) -> "ChargingProfile":
        return cls.from_request(OcppVersion.V16, payload)

    @classmethod
    def from_ocpp201(cls, payload: dict[str, Any]) -> "ChargingProfile":
        return cls.from_request(OcppVersion.V201, payload)

    def describe(self) -> str:
        """Short words for a step list: 'TxDefaultProfile #9100 stack 1 Daily'."""
        what = self.recurrency if self.kind == "Recurring" else self.kind
        return f"{self.purpose} #{self.profile_id} stack {self.stack_level} {what}"


@dataclass
class ChargerLimits:
    """What the charger says it accepts (1.6 §9.4 keys / 2.0.1 SmartChargingCtrlr)."""

    max_stack_level: int = 8
    max_periods: int = 24
    allowed_units: tuple[str, ...] = ("A", "W")
    max_profiles: int | None = None


def validate_profile(profile: ChargingProfile, limits: ChargerLimits | None = None) -> list[str]:
    """Why a charger would reject this profile, in plain words (empty: looks fine)."""
    limits = limits or ChargerLimits()
    problems: list[str] = []
    p = profile
    if p.purpose not in PURPOSES:
        problems.append(f"Unknown purpose {p.purpose!r}: use ChargePointMaxProfile, "
                        "TxDefaultProfile or TxProfile (1.6 §7.10).")
    if p.kind not in KINDS:
        problems.append(f"Unknown kind {p.kind!r}: use Absolute, Recurring or Relative (§7.9).")
    if p.stack_level < 0:
        problems.append("The stack level cannot be negative (§7.8 stackLevel >= 0).")
    elif p.stack_level > limits.max_stack_level:
        problems.append(f"Stack level {p.stack_level} is above what the charger allows "
                        f"(ChargeProfileMaxStackLevel / ProfileStackLevel = "
                        f"{limits.max_stack_level}).")
    if not p.periods:
        problems.append("The schedule has no periods; it needs at least one (§7.13).")
    elif len(p.periods) > limits.max_periods:
        problems.append(f"The schedule has {len(p.periods)} periods but the charger accepts at "
                        f"most {limits.max_periods} (ChargingScheduleMaxPeriods / "
                        f"PeriodsPerSchedule). Use fewer changes per day/week.")
    if p.rate_unit not in ("A", "W"):
        problems.append(f"Unknown rate unit {p.rate_unit!r}: use A or W (§7.12).")
    elif p.rate_unit not in limits.allowed_units:
        problems.append(f"The charger does not accept limits in {p.rate_unit} "
                        f"(ChargingScheduleAllowedChargingRateUnit / RateUnit allows "
                        f"{', '.join(limits.allowed_units) or 'nothing'}).")
    if p.periods:
        if p.periods[0].start_s != 0:
            problems.append("The first period must start at 0 s from the schedule start "
                            "(§7.14 startPeriod; §5.16.4).")
        starts = [q.start_s for q in p.periods]
        if any(b <= a for a, b in zip(starts, starts[1:])):
            problems.append("Period start times must increase strictly (§7.14).")
        if any(q.limit < 0 for q in p.periods):
            problems.append("A limit cannot be negative.")
        if any(q.phases is not None and q.phases not in (1, 2, 3) for q in p.periods):
            problems.append("numberPhases must be 1, 2 or 3.")
    if p.purpose == "TxProfile":
        if p.transaction_id is None:
            problems.append("A TxProfile is only accepted for a running transaction: "
                            "start charging first (§3.13.1, §5.16.4).")
        if p.connector == 0:
            problems.append("A TxProfile must name the connector/EVSE of the transaction, "
                            "not 0 (§5.16.4).")
    if p.purpose == "ChargePointMaxProfile" and p.connector != 0:
        problems.append("A ChargePointMaxProfile can only be set on connector/EVSE 0 (§7.10).")
    if p.kind == "Recurring":
        if p.recurrency not in RECURRENCY:
            problems.append("A Recurring profile needs recurrencyKind Daily or Weekly (§7.15).")
        else:
            cycle = RECURRENCY[p.recurrency]
            if p.start_schedule_s is None:
                problems.append("A Recurring profile needs startSchedule: the recurrence is "
                                "counted from it (§7.9).")
            if p.duration_s is not None and p.duration_s > cycle:
                problems.append(f"The duration ({p.duration_s} s) is longer than the "
                                f"{p.recurrency.lower()} recurrence ({cycle} s).")
            if p.periods and p.periods[-1].start_s >= cycle:
                problems.append(f"A period starts after the {p.recurrency.lower()} recurrence "
                                "ends; it would never run (§5.16.4).")
    elif p.recurrency is not None:
        problems.append("recurrencyKind is only for Recurring profiles (§7.8).")
    if p.kind == "Relative" and p.start_schedule_s is not None:
        problems.append("A Relative profile starts with the transaction; leave startSchedule "
                        "out (§7.9).")
    if p.duration_s is not None and p.duration_s <= 0:
        problems.append("The duration must be positive.")
    if (p.valid_from_s is not None and p.valid_to_s is not None
            and p.valid_to_s <= p.valid_from_s):
        problems.append("validTo is not after validFrom: the profile would never apply (§7.8).")
    if p.rate_unit == "A" and any(round(q.limit, 1) != q.limit for q in p.periods):
        problems.append("Current limits are in steps of 0.1 A (§7.14); they will be rounded.")
    return problems
