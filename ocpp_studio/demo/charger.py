"""The built-in simulated charger (OCPP 1.6J, 2.0.1 and 2.1), plain asyncio.

One ``DemoCharger`` is one charge point with one or more connectors (2.x: one EVSE per
connector, connectorId 1). It connects to ``<url>/<charger_id>``, boots, reports status,
sends heartbeats, runs charging sessions with a simulated meter (``meter.py``), and
answers the central-system operations its version registers (``v16.py``, ``v201.py``,
``v21.py``); everything else is answered with a CALLERROR NotSupported. The connection,
boot and RPC plumbing the versions share is ``session.py``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable

from ..core.clock import Clock
from ..core.rpc import CallError, CallTimeout, ConnectionClosed
from ..core.records import FrameRecorder, MemoryRecorder
from ..core.versions import OcppVersion
from .config import DemoChargerConfig
from .meter import MIN_CHARGING_CURRENT_A, ConnectorState, Meter
from .profiles import ProfileStore
from .protocol import VersionProtocol
from .quirks import Quirks
from .security import DemoSecurity, SecurityEvent
from .session import ChargerSession
from .v16 import Protocol16
from .v201 import Protocol201
from .v21 import PeriodicStream, Protocol21

log = logging.getLogger(__name__)

_PROTOCOLS: dict[OcppVersion, type[VersionProtocol]] = {
    OcppVersion.V16: Protocol16, OcppVersion.V201: Protocol201,
    OcppVersion.V21: Protocol21}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DemoCharger(ChargerSession):
    """A simulated OCPP charger. See the module docstring and ``DemoChargerConfig``."""

    def __init__(self, url: str, config: DemoChargerConfig, *,
                 recorder: FrameRecorder | None = None,
                 clock: Clock | Callable[[], datetime] | None = None) -> None:
        self.base_url = url
        self.config = config
        assert isinstance(config.quirks, Quirks)
        self.quirks = config.quirks
        self.version = config.version
        self.url = url.rstrip("/") + "/" + config.charger_id
        self.recorder = recorder if recorder is not None else MemoryRecorder()
        # The charger's own clock: its charging profiles are evaluated against it, so a test
        # can put the charger in a peak or an off-peak half hour whatever the real time is.
        self.clock = clock.now if isinstance(clock, Clock) else clock or _utcnow
        self.connectors = {i: ConnectorState(i, energy_wh=config.initial_energy_wh)
                           for i in range(1, config.connectors + 1)}
        self.profiles = ProfileStore(max_current_a=config.max_current_a,
                                     voltage_v=config.voltage_v, phases=config.phases,
                                     connectors=config.connectors)
        self.meter = Meter(config, self.profiles, self.connectors, lambda: self.clock())
        self.protocol = _PROTOCOLS[self.version](self)
        self.configuration = self.protocol.build_configuration()
        self.security = DemoSecurity(self)  # certificates, profile, security events
        self._init_session()

    # =================================================================== public
    def power_w(self, connector: int = 1) -> float:
        """The simulated active power on a connector, in W."""
        conn = self.connectors[connector]
        self.meter.refresh(conn)
        return conn.power_w

    def energy_wh(self, connector: int = 1) -> float:
        conn = self.connectors[connector]
        self.meter.refresh(conn)
        return conn.energy_wh

    def transaction_id(self, connector: int = 1) -> str | None:
        tx = self.connectors[connector].tx
        return None if tx is None else tx.id

    def send_security_event(self, kind: str, tech_info: str | None = None) -> SecurityEvent:
        """Raise a security event (e.g. TamperDetectionActivated): logged and sent with
        SecurityEventNotification now, or after the next connection (A04.FR.01/02)."""
        return self.security.raise_event(kind, tech_info)

    async def plug_in(self, connector: int = 1) -> None:
        """The driver plugs the EV in: 1.6 Preparing, 2.x Occupied (§4.9, §G01)."""
        conn = self.connectors[connector]
        if conn.plugged:
            return
        conn.plugged = True
        log.info("%s: EV plugged in on connector %d", self.config.charger_id, connector)
        await self.set_status(conn, "Preparing")

    async def unplug(self, connector: int = 1) -> None:
        """The driver unplugs: ends a running transaction (EVDisconnected), then Available."""
        conn = self.connectors[connector]
        if conn.tx is not None:
            await self.protocol.stop_tx(conn, "unplugged")
        if not conn.plugged:
            return
        conn.plugged = False
        log.info("%s: EV unplugged from connector %d", self.config.charger_id, connector)
        await self.set_status(conn, "Available" if conn.operative else "Unavailable")

    async def start_charging(self, connector: int = 1, id_tag: str = "DEMO-TAG",
                             id_token_type: str = "ISO14443") -> bool:
        """Local start (badge at the reader): Authorize, then StartTransaction (1.6) or
        TransactionEvent Started (2.x). Plugs in first when needed. True when charging."""
        conn = self.connectors[connector]
        if conn.tx is not None:
            return True
        if not conn.plugged:
            await self.plug_in(connector)
        return await self.protocol.start_local(conn, id_tag, id_token_type)

    async def stop_charging(self, connector: int = 1, unplug: bool = True) -> None:
        """Local stop (badge again): StopTransaction / TransactionEvent Ended, Finishing,
        then (unplug=True) the driver unplugs: Available."""
        conn = self.connectors[connector]
        if conn.tx is not None:
            await self.protocol.stop_tx(conn, "local")
        if unplug:
            await self.unplug(connector)

    # ========================================================= transactions
    def sample_interval(self, conn: ConnectorState) -> int:
        """Seconds between periodic samples of the connector's transaction (0 = none)."""
        configured = self.protocol.sample_interval()
        tx = conn.tx
        if self.quirks.interval_next_session and tx is not None:
            # Quirk: the interval in force when the transaction started stays until it ends.
            if tx.sample_interval is None:
                tx.sample_interval = configured
            return tx.sample_interval
        return configured

    def start_loop(self, conn: ConnectorState) -> None:
        self.cancel_loop(conn)
        conn.loop_task = self.spawn(self._tx_loop(conn))

    async def _tx_loop(self, conn: ConnectorState) -> None:
        """While a transaction runs: sample every interval (1.6 §9.1.19
        MeterValueSampleInterval; 2.0.1 SampledDataCtrlr.TxUpdatedInterval; 0 = none) and
        follow the charging limit (SuspendedEVSE below 6 A)."""
        last_sample = time.monotonic()
        while conn.tx is not None:
            await self._follow_limit(conn)
            interval = self.sample_interval(conn)
            now = time.monotonic()
            if interval > 0:
                due = last_sample + interval
                if now >= due:
                    # Keep a steady cadence; skip ahead if we fell far behind.
                    last_sample = due if now - due < interval else now
                    try:
                        if conn.tx is not None and self.booted:
                            await self.protocol.send_periodic(conn)
                    except (ConnectionClosed, CallTimeout, CallError) as exc:
                        log.debug("%s: sample not sent: %s", self.config.charger_id, exc)
                    continue
                wait = min(1.0, due - now)
            else:
                last_sample = now
                wait = 1.0
            await self.sleep_or_wake(wait)

    async def _follow_limit(self, conn: ConnectorState) -> None:
        tx = conn.tx
        if tx is None:
            return
        offered = self.meter.offered_a(conn)
        state = "Charging" if offered >= MIN_CHARGING_CURRENT_A else "SuspendedEVSE"
        if state == tx.charging_state:
            return
        tx.charging_state = state
        log.info("%s: connector %d %s (limit %.1f A)", self.config.charger_id, conn.id, state,
                 offered)
        await self.protocol.charging_state_changed(conn, state)

    def end_tx(self, conn: ConnectorState) -> None:
        """Forget the connector's transaction (its TxProfiles go with it)."""
        tx = conn.tx
        conn.tx = None
        self.cancel_loop(conn)
        if tx is not None:
            self.profiles.clear_transaction(conn.id, tx.id)
        self.meter.refresh(conn)

    async def after_tx_end(self, conn: ConnectorState) -> None:
        if conn.pending_operative is not None:
            conn.operative, conn.pending_operative = conn.pending_operative, None
            if not conn.operative:
                await self.set_status(conn, "Unavailable")
        if self.reset_on_idle and all(c.tx is None for c in self.connectors.values()):
            self.reset_on_idle = False
            self.spawn(self.reboot("RemoteReset"))

    def stop_remotely(self, transaction_id: str) -> bool:
        """A central system asked to stop ``transaction_id`` (1.6 RemoteStopTransaction §5.12,
        2.x RequestStopTransaction F03): stop it soon and say whether it was running."""
        for conn in self.connectors.values():
            if conn.tx is not None and conn.tx.id == transaction_id:
                self.later(lambda c=conn: self.remote_stop(c))
                return True
        return False

    async def remote_stop(self, conn: ConnectorState) -> None:
        """RemoteStopTransaction / RequestStopTransaction, then the driver unplugs."""
        await self.protocol.stop_tx(conn, "remote")
        await asyncio.sleep(self.config.unplug_delay_s)
        if conn.tx is None and conn.plugged and not self.config.auto_charge:
            await self.unplug(conn.id)

    # ======================================================= OCPP 2.1 only
    def _v21(self, what: str) -> Protocol21:
        if not isinstance(self.protocol, Protocol21):
            raise RuntimeError(f"{what} is an OCPP 2.1 message; this charger speaks "
                               f"{self.version.label}")
        return self.protocol

    async def open_periodic_event_stream(self, variable_monitoring_id: int, *,
                                         interval: int | None = None,
                                         values: int | None = None) -> PeriodicStream | None:
        """2.1 OpenPeriodicEventStream; the stream when the central system accepts it."""
        return await self._v21("OpenPeriodicEventStream").open_periodic_event_stream(
            variable_monitoring_id, interval=interval, values=values)

    async def notify_periodic_event_stream(self, stream_id: int, values: list[str], *,
                                           interval_s: float = 1.0) -> dict[str, Any]:
        """2.1 NotifyPeriodicEventStream (a SEND frame, never answered); the payload sent."""
        return await self._v21("NotifyPeriodicEventStream").notify_periodic_event_stream(
            stream_id, values, interval_s=interval_s)

    async def notify_settlement(self, *, amount: float, psp_ref: str, status: str = "Settled",
                                transaction_id: str | None = None) -> dict[str, Any]:
        """2.1 NotifySettlement from the simulated payment terminal; the CSMS's answer."""
        return await self._v21("NotifySettlement").notify_settlement(
            amount=amount, psp_ref=psp_ref, status=status, transaction_id=transaction_id)


async def run_demo_charger(url: str, config: DemoChargerConfig) -> None:
    """Run a demo charger until cancelled, logging what it does (for the CLI)."""
    charger = DemoCharger(url, config)
    log.info("demo charger %s (OCPP %s, %d connector(s), %d phase(s), %.0f A) -> %s",
             config.charger_id, config.version.label, config.connectors, config.phases,
             config.max_current_a, charger.url)
    try:
        await charger.run()
    finally:
        await asyncio.shield(charger.stop())
