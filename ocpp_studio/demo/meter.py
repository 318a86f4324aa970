"""The demo charger's simulated electrics: connectors, transactions and the meter.

A connector draws what its charging profiles offer (never below IEC 61851-1's 6 A), with
mains voltage within ±1 % and an EV drawing slightly less than offered; energy is the
integral of that power over real (monotonic) time. Sampled values are built in the shape
each OCPP version uses: 1.6 strings with ``unit``, 2.x numbers with ``unitOfMeasure``.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from .config import DemoChargerConfig
from .profiles import ProfileStore, TxContext, format_time

#: IEC 61851-1: below 6 A the control pilot cannot offer current; the EV stops drawing.
MIN_CHARGING_CURRENT_A = 6.0
_PER_PHASE = ("Power.Active.Import", "Current.Import", "Voltage")


@dataclass
class Transaction:
    id: str  # 1.6: the integer from StartTransaction.conf, as text; 2.x: our id
    id_tag: str
    started_at: datetime
    meter_start_wh: float
    remote_start_id: int | None = None
    seq_no: int = 0  # 2.x TransactionEvent seqNo, next value to use
    charging_state: str = "Charging"  # Charging / SuspendedEVSE
    begin_sample: list[dict[str, Any]] = field(default_factory=list)
    sample_interval: int | None = None  # quirk interval-next-session: fixed at the start

    def next_seq(self) -> int:
        value = self.seq_no
        self.seq_no += 1
        return value


@dataclass
class ConnectorState:
    id: int
    energy_wh: float
    plugged: bool = False
    status: str = "Available"  # in 1.6 terms; 2.x maps it through STATUS_201
    operative: bool = True
    pending_operative: bool | None = None  # ChangeAvailability Scheduled
    tx: Transaction | None = None
    power_w: float = 0.0
    currents: list[float] = field(default_factory=list)
    voltages: list[float] = field(default_factory=list)
    offered_a: float = 0.0
    last_update: float = field(default_factory=time.monotonic)
    loop_task: asyncio.Task | None = None


class Meter:
    """Power, energy and sampled values of every connector of one demo charger."""

    def __init__(self, config: DemoChargerConfig, profiles: ProfileStore,
                 connectors: dict[int, ConnectorState],
                 clock: Callable[[], datetime]) -> None:
        self.config = config
        self.profiles = profiles
        self.connectors = connectors
        self.clock = clock
        self.rng = random.Random(config.seed)

    def tx_context(self, conn: ConnectorState) -> TxContext | None:
        return None if conn.tx is None else TxContext(conn.tx.id, conn.tx.started_at)

    def offered_a(self, conn: ConnectorState) -> float:
        """The current the charging profiles allow now, shared between busy connectors."""
        sharing = sum(1 for c in self.connectors.values() if c.tx is not None)
        return self.profiles.limit_a(conn.id, self.clock(), self.tx_context(conn),
                                     sharing=max(1, sharing))

    def refresh(self, conn: ConnectorState) -> None:
        """Integrate energy since the last refresh and draw new instantaneous values."""
        now = time.monotonic()
        elapsed = now - conn.last_update
        if elapsed > 0:
            conn.energy_wh += conn.power_w * elapsed / 3600.0
        conn.last_update = now
        offered = self.offered_a(conn) if conn.tx is not None else self.config.max_current_a
        conn.offered_a = offered
        phases = self.config.phases
        # ``offered`` is per phase over all the charger's phases. Below 6 A a multi-phase
        # charger switches to one phase at the same power, as phase-switching wall boxes do
        # for a single-phase limit (numberPhases 1): 16 A on 1 phase, not 5.3 A on 3.
        single_phase = phases > 1 and offered < MIN_CHARGING_CURRENT_A
        per_phase = offered * phases if single_phase else offered
        drawing = (conn.tx is not None and conn.plugged and conn.operative
                   and per_phase >= MIN_CHARGING_CURRENT_A)
        rng = self.rng
        # Mains voltage within +-1 %; an EV draws slightly less than it is offered.
        conn.voltages = [self.config.voltage_v * (1 + rng.uniform(-0.01, 0.01))
                         for _ in range(phases)]
        conn.currents = [per_phase * rng.uniform(0.97, 0.99)
                         if drawing and (index == 0 or not single_phase) else 0.0
                         for index in range(phases)]
        conn.power_w = sum(v * i for v, i in zip(conn.voltages, conn.currents))

    def sampled_values(self, conn: ConnectorState, measurands: list[str], context: str, *,
                       v16: bool) -> list[dict[str, Any]]:
        """SampledValue entries for the configured measurands (unknown ones are skipped)."""
        self.refresh(conn)
        phases = [f"L{i + 1}" for i in range(self.config.phases)]
        out: list[dict[str, Any]] = []

        def add(measurand: str, value: float, unit: str | None, digits: int,
                phase: str | None = None) -> None:
            entry: dict[str, Any] = {"context": context, "measurand": measurand,
                                     "location": "Outlet"}
            if v16:
                entry["value"] = f"{value:.{digits}f}"
                entry["format"] = "Raw"
                if unit:
                    entry["unit"] = unit
            else:
                entry["value"] = round(value, digits)
                if unit:
                    entry["unitOfMeasure"] = {"unit": unit}
            if phase:
                entry["phase"] = phase
            out.append(entry)

        for item in measurands:
            measurand, phase = item, None
            base, _, suffix = item.rpartition(".")
            if base in _PER_PHASE and suffix in ("L1", "L2", "L3", "N"):
                measurand, phase = base, suffix
            wanted = [phase] if phase else None
            if measurand == "Energy.Active.Import.Register":
                add(measurand, conn.energy_wh, "Wh", 1)
            elif measurand == "Power.Active.Import":
                if wanted:
                    for p in wanted:
                        if p in phases:
                            i = phases.index(p)
                            add(measurand, conn.voltages[i] * conn.currents[i], "W", 1, p)
                else:
                    add(measurand, conn.power_w, "W", 1)
            elif measurand == "Current.Import":
                for i, p in enumerate(phases):
                    if wanted is None or p in wanted:
                        add(measurand, conn.currents[i], "A", 2, p)
            elif measurand == "Voltage":
                for i, p in enumerate(phases):
                    if wanted is None or p in wanted:
                        add(measurand, conn.voltages[i], "V", 1, f"{p}-N")
            elif measurand == "Current.Offered":
                add(measurand, conn.offered_a, "A", 1)
            elif measurand == "Power.Offered":
                add(measurand, conn.offered_a * self.config.voltage_v * self.config.phases,
                    "W", 1)
            elif measurand == "Frequency":
                # 1.6 StopTransaction has no unit for Hz: leave the unit out in 1.6.
                add(measurand, 50.0 + self.rng.uniform(-0.05, 0.05), None if v16 else "Hz", 2)
        return out

    def meter_value(self, conn: ConnectorState, measurands: list[str], context: str, *,
                    v16: bool) -> dict[str, Any]:
        return {"timestamp": format_time(self.clock()),
                "sampledValue": self.sampled_values(conn, measurands, context, v16=v16)}
