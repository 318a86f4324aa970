"""A limit in amps for a charger that takes charging schedules in W only.

Seen on a third-party 1.6 charger (issue 14): ``ChargingScheduleAllowedChargingRateUnit =
Power`` (1.6 §9.4) — 2.0.1 says it with ``SmartChargingCtrlr.RateUnit`` (a MemberList of "A"
and "W", Appendices dm_components_vars.csv) — and a site limit sent in A was Rejected.

The limit is then sent in W: amps × nominal voltage × phases, with ``numberPhases`` set in the
period. A charger turns a W limit back into a current per phase with the *set* voltage of the
area and the period's numberPhases, assuming 3 when it is missing (2.0.1 K01.FR.49, K01.FR.50
as corrected in the 2025 errata; 1.6 §7.12, §7.14: "3 SHALL be assumed"), so numberPhases must be
sent or a single-phase limit would come out three times too low.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..station.adapters import OcppAdapter

log = logging.getLogger(__name__)

NOMINAL_VOLTAGE_V = 230.0  # UK/EU set voltage of the area (K01.FR.50: not the measured one)


@dataclass(frozen=True)
class Electrical:
    """The charger's phases and nominal voltage, and where they came from."""

    phases: int
    voltage_v: float
    source: str  # "as given", "the charger's ChargingStation.SupplyPhases", "assumed"

    def words(self) -> str:
        return f"{self.voltage_v:g} V × {self.phases} phase{'s' if self.phases != 1 else ''}"


@dataclass(frozen=True)
class RateChoice:
    """How an amps limit goes to this charger."""

    unit: str  # "A" | "W"
    limit: float  # in ``unit``
    number_phases: int
    words: str  # "" when sent as asked, else why and how it was converted

    def describe(self) -> str:
        """'32 A' or '7,360 W' — the limit as sent."""
        return f"{self.limit:,.0f} W" if self.unit == "W" else f"{self.limit:g} A"


def choose_rate(limit_a: float, allowed_units: tuple[str, ...] | list[str],
                electrical: Electrical) -> RateChoice:
    """The unit this charger accepts for a limit of ``limit_a`` amps per phase.

    Amps when the charger allows them (or says nothing); else watts, rounded down to whole
    watts so the current per phase the charger works out never exceeds ``limit_a``."""
    phases = electrical.phases
    if "A" in allowed_units or not allowed_units:
        return RateChoice("A", float(limit_a), phases, "")
    watts = float(math.floor(limit_a * electrical.voltage_v * phases))
    assumed = "" if electrical.source != "assumed" else (
        f" ({phases} phase{'s' if phases != 1 else ''} assumed: the charger did not say, "
        "and fewer phases cannot let the current exceed the limit)")
    words = (f"sent as {watts:,.0f} W: {limit_a:g} A × {electrical.voltage_v:g} V × {phases} "
             f"phase{'s' if phases != 1 else ''}, the charger accepts schedules in W only"
             f"{assumed}")
    return RateChoice("W", watts, phases, words)


async def read_electrical(adapter: OcppAdapter, phases: int | None = None,
                          voltage_v: float | None = None) -> Electrical:
    """Phases and nominal voltage: as given, else the charger's own
    ChargingStation.SupplyPhases (2.x device model), else 1 phase (assumed: fewer phases
    cannot let the current exceed a limit); 230 V unless given (K01.FR.50: the set voltage of
    the area, not a measured one)."""
    voltage = float(voltage_v) if voltage_v else NOMINAL_VOLTAGE_V
    if phases:
        return Electrical(int(phases), voltage, "as given")
    if adapter.settings_grouped_by_component:
        try:
            for read in await adapter.read_settings(["ChargingStation.SupplyPhases"]):
                value = (read.value or "").strip()
                if read.found and value in ("1", "2", "3"):
                    return Electrical(int(value), voltage,
                                      "the charger's ChargingStation.SupplyPhases")
        except (CallError, CallTimeout, ConnectionClosed, InvalidPayload) as exc:
            log.info("SupplyPhases not readable: %s", exc)
    return Electrical(1, voltage, "assumed")
