"""What the smart-charging operations answer: the studio's profile ids and stack levels, the
result types, and the plain words for a refusal (OCA application note §2.6, §2.7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocpp.v16.enums import ChargingProfileStatus

from ..core.errors import Fault
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from .evaluator import Interval
from .offpeak import WeeklyHours

# The studio's own chargingProfileIds. A SetChargingProfile with an id already installed
# replaces that profile (1.6 §5.16 / 2.0.1 K01.FR.05), so each use keeps its own ids.
OFFPEAK_FIRST_ID = 9100  # the off-peak set: 9100-9103 (offpeak.build_profiles)
SITE_LIMIT_PROFILE_ID = 9180  # commissioning: the installation's maximum (ChargePointMax)
DELAY_PROFILE_ID = 9190
OVERRIDE_PROFILE_ID = 9195
DELAY_STACK = 5  # above the off-peak sets (1-4), app note §2.7 "higher stack level (e.g. 3)"
OVERRIDE_STACK = 6
DEFAULT_DELAY_S = 600
MAX_DELAY_S = 1800
PROTOCOL_ERRORS = (CallError, CallTimeout, ConnectionClosed, InvalidPayload)

CSMS_DELAY_EXPLANATION = (
    "This charger has no RandomisedDelay setting, so the studio adds the delay itself (OCA app "
    "note §2.7): a TxDefaultProfile that holds the next session at 0 W for a random time of up "
    "to {s} s, then hands over to the charging hours. Limits: it only works while this studio "
    "is the charger's central system and is running (it installs a new random delay after each "
    "session); it delays the start of a session only, not later changes of charging rate; "
    "some cars do not like 0 W at the start of a session.")


@dataclass
class StepResult:
    action: str
    detail: str
    status: str


@dataclass
class ApplyResult:
    ok: bool
    steps: list[StepResult]
    explanation: str
    installed: list[int]


@dataclass
class DelaySupport:
    supported: bool
    key: str | None
    value_s: int | None
    method: str  # "charger" | "csms-profile" | "none"


@dataclass
class Verification:
    """The charger's own schedule against the intended one (smartcharging/verify.py).

    ``charger``/``intended``/``differences`` are those of the schedule that decided (the one
    that differs, else the first that matches, else connector/EVSE 0 as read). ``evidence``:
    True matches, False differs, None no evidence (empty, missing, negative or not readable);
    ``summary`` says it in plain words, ``mismatches`` where (day, time, asked, charger's
    limit), ``checks`` per connector/EVSE."""

    intended: list[Interval]
    charger: list[Interval]
    differences: list[Interval]
    notes: list[str] = field(default_factory=list)
    evidence: bool | None = None
    summary: str = ""
    mismatches: list[Any] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)


@dataclass
class SiteLimitResult:
    """The installation's maximum sent to the charger (SmartChargingService.set_site_limit)."""

    ok: bool
    step: StepResult
    rate: Any  # rate_unit.RateChoice: the unit and limit sent, and why W when it was
    explanation: str
    installed: list[int]


@dataclass
class OffPeakStatus:
    charger: str
    version: str
    hours: WeeklyHours | None
    installed: list[int]
    delay: DelaySupport | None
    override_active: bool
    explanation: str


def refusal_advice(status: str, action: str) -> str:
    if status in (Fault.NOT_IMPLEMENTED.value, Fault.NOT_SUPPORTED.value):
        return (f"The charger does not implement {action} (smart charging missing or switched "
                "off). Check SupportedFeatureProfiles / SmartChargingCtrlr.Enabled, or ask the "
                "manufacturer for firmware with smart charging.")
    if status == ChargingProfileStatus.rejected:
        return (f"The charger refused {action}. Check its limits (stack level, number of "
                "periods, rate unit, number of profiles) in the configuration editor, or try "
                "fewer changes per day.")
    return f"{action}: {status}."


def error_code(exc: CallError) -> str:
    return str(getattr(exc.code, "value", exc.code))


def as_int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def local_time(seconds: float, tz: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.fromtimestamp(seconds, ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M %Z")
