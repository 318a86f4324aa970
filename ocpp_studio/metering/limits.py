"""The limit a charger should be obeying, from its composite schedule, as steps in W.

1.6 §6.22 GetCompositeSchedule.conf: status, connectorId, scheduleStart,
chargingSchedule {duration, startSchedule, chargingRateUnit A|W,
chargingSchedulePeriod[{startPeriod, limit, numberPhases}]} (numberPhases default 3,
§7.14 ChargingSchedulePeriod).
2.0.1 K08 GetCompositeScheduleResponse: status, schedule {evseId, duration, scheduleStart,
chargingRateUnit, chargingSchedulePeriod[...]}.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ocpp.v16.enums import GetCompositeScheduleStatus

from .samples import parse_timestamp_us

if TYPE_CHECKING:
    from ..station.central import CentralSystem


#: 1.6 GetCompositeScheduleStatus / 2.x GenericStatusEnumType: the same word
ACCEPTED = GetCompositeScheduleStatus.accepted.value


@dataclass(frozen=True)
class LimitStep:
    start_s: float  # seconds since the epoch (UTC)
    limit_w: float | None  # None = no limit from here


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def limit_from_composite_schedule(payload: dict, received_s: float, voltage_v: float = 230.0,
                                  phases: int = 3) -> list[LimitStep]:
    """Absolute limit steps in W from a GetCompositeSchedule answer (either version).

    A limit in A becomes A x voltage_v x numberPhases (the period's, else ``phases``).
    The last step (limit None) marks the end of the schedule's duration. A refused or
    empty answer gives [].
    """
    if not isinstance(payload, dict) or payload.get("status", ACCEPTED) != ACCEPTED:
        return []
    schedule = payload.get("chargingSchedule")  # 1.6
    if not isinstance(schedule, dict):
        schedule = payload.get("schedule")  # 2.0.1
    if not isinstance(schedule, dict):
        return []
    start_us = (parse_timestamp_us(schedule.get("startSchedule"))
                or parse_timestamp_us(schedule.get("scheduleStart"))
                or parse_timestamp_us(payload.get("scheduleStart")))
    start_s = start_us / 1e6 if start_us is not None else float(received_s)
    in_amps = str(schedule.get("chargingRateUnit", "A")).upper() == "A"
    periods = schedule.get("chargingSchedulePeriod")
    if not isinstance(periods, list):
        return []
    steps: list[LimitStep] = []
    for period in sorted((p for p in periods if isinstance(p, dict)),
                         key=lambda p: _float(p.get("startPeriod")) or 0.0):
        offset = _float(period.get("startPeriod"))
        limit = _float(period.get("limit"))
        if offset is None or limit is None:
            continue
        if in_amps:
            n = period.get("numberPhases")
            n = int(n) if isinstance(n, int) and not isinstance(n, bool) and n > 0 else phases
            limit = limit * voltage_v * n
        steps.append(LimitStep(start_s + offset, limit))
    duration = _float(schedule.get("duration"))
    if steps and duration is not None and duration > 0:
        steps.append(LimitStep(start_s + duration, None))
    return steps


async def read_limit(central: CentralSystem, charger_id: str, connector: str,
                     duration_s: int = 86_400, voltage_v: float = 230.0,
                     phases: int = 3) -> list[LimitStep]:
    """Ask a connected charger for its composite schedule (in W where it accepts that,
    else in A) and return it as limit steps. Raises ConnectionClosed / CallTimeout /
    CallError from the RPC layer."""
    from ..core.rpc import CallError
    central.session(charger_id)  # raises ConnectionClosed when the charger is not connected
    adapter = central.adapter(charger_id)  # connectorId (1.6) or evseId (2.x)
    answer: Any = None
    for unit in ("W", "A"):
        try:
            answer = await adapter.composite_schedule(int(connector), int(duration_s), unit)
        except CallError:
            if unit == "A":
                raise
            continue
        if isinstance(answer, dict) and answer.get("status") == ACCEPTED:
            break
    return limit_from_composite_schedule(answer or {}, time.time(), voltage_v, phases)
