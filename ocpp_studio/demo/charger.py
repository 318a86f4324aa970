"""The built-in simulated charger (OCPP 1.6J and 2.0.1), plain asyncio.

One ``DemoCharger`` is one charge point with one or more connectors (2.0.1: one EVSE per
connector, connectorId 1). It connects to ``<url>/<charger_id>``, boots, reports status,
sends heartbeats, runs charging sessions with a simulated meter, and answers the
central-system operations that have an ``_h16_<Action>`` / ``_h201_<Action>`` method;
everything else is answered with a CALLERROR NotSupported.

Every outgoing CALL goes through ``RpcEndpoint.call``, which validates it against the
official schemas and refuses to send an invalid one (InvalidPayload): the demo never
puts an invalid frame on the wire.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed as WsConnectionClosed

from ..core.clock import Clock
from ..core.errors import Fault
from ..core.records import FrameRecorder, MemoryRecorder
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload, RpcEndpoint
from ..core.secrets import hide_credentials_in_library_logs, is_secret_name
from ..core.versions import OcppVersion
from .config import DemoChargerConfig
from .devicemodel import DeviceModel201, Variable, build_device_model
from .keys16 import STRING, ConfigKey, ConfigurationKeys16, build_keys16
from .profiles import Profile, ProfileStore, TxContext, decimal_1, format_time

log = logging.getLogger(__name__)

#: IEC 61851-1: below 6 A the control pilot cannot offer current; the EV stops drawing.
MIN_CHARGING_CURRENT_A = 6.0
#: 2.0.1 connector status for each 1.6 status (2.0.1 Part 2 §G01: Occupied covers the rest).
_STATUS_201 = {
    "Available": "Available", "Preparing": "Occupied", "Charging": "Occupied",
    "SuspendedEV": "Occupied", "SuspendedEVSE": "Occupied", "Finishing": "Occupied",
    "Reserved": "Reserved", "Unavailable": "Unavailable", "Faulted": "Faulted",
}
_PER_PHASE = ("Power.Active.Import", "Current.Import", "Voltage")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Transaction:
    id: str  # 1.6: the integer from StartTransaction.conf, as text; 2.0.1: our id
    id_tag: str
    started_at: datetime
    meter_start_wh: float
    remote_start_id: int | None = None
    seq_no: int = 0  # 2.0.1 TransactionEvent seqNo, next value to use
    charging_state: str = "Charging"  # Charging / SuspendedEVSE
    begin_sample: list[dict[str, Any]] = field(default_factory=list)

    def next_seq(self) -> int:
        value = self.seq_no
        self.seq_no += 1
        return value


@dataclass
class ConnectorState:
    id: int
    energy_wh: float
    plugged: bool = False
    status: str = "Available"  # in 1.6 terms; 2.0.1 maps it through _STATUS_201
    operative: bool = True
    pending_operative: bool | None = None  # ChangeAvailability Scheduled
    tx: Transaction | None = None
    power_w: float = 0.0
    currents: list[float] = field(default_factory=list)
    voltages: list[float] = field(default_factory=list)
    offered_a: float = 0.0
    last_update: float = field(default_factory=time.monotonic)
    loop_task: asyncio.Task | None = None


class DemoCharger:
    """A simulated OCPP charger. See the module docstring and ``DemoChargerConfig``."""

    def __init__(self, url: str, config: DemoChargerConfig, *,
                 recorder: FrameRecorder | None = None,
                 clock: Clock | Callable[[], datetime] | None = None) -> None:
        self.base_url = url
        self.config = config
        self.version = config.version
        self.url = url.rstrip("/") + "/" + config.charger_id
        self.recorder: FrameRecorder = recorder if recorder is not None else MemoryRecorder()
        # The charger's own clock: its charging profiles are evaluated against it, so a test
        # can put the charger in a peak or an off-peak half hour whatever the real time is.
        self.clock: Callable[[], datetime] = (
            clock.now if isinstance(clock, Clock) else clock or _utcnow)
        self._rng = random.Random(config.seed)
        self.connectors: dict[int, ConnectorState] = {
            i: ConnectorState(i, energy_wh=config.initial_energy_wh)
            for i in range(1, config.connectors + 1)}
        self.profiles = ProfileStore(max_current_a=config.max_current_a,
                                     voltage_v=config.voltage_v, phases=config.phases,
                                     connectors=config.connectors)
        self.configuration: ConfigurationKeys16 | DeviceModel201
        if self.version is OcppVersion.V16:
            self.configuration = build_keys16(
                connectors=config.connectors, phases=config.phases,
                heartbeat_interval=config.heartbeat_interval, meter_interval=config.meter_interval,
                authorization_key=config.basic_auth_password)
            self.configuration.guards["SecurityProfile"] = self._guard_security_profile
            # A vendor key many 1.6 chargers have for their backend: writing it moves the
            # demo to another central system (the commissioning hand-over uses it).
            self.configuration.add(ConfigKey(
                "CentralSystemURL", url.rstrip("/"), STRING, max_length=500,
                item_ok=lambda v: v.startswith(("ws://", "wss://")),
                description="URL of the central system, without the charger id"))
        else:
            self.configuration = build_device_model(
                charger_id=config.charger_id, vendor=config.vendor, model=config.model,
                connectors=config.connectors, phases=config.phases,
                max_current_a=config.max_current_a, voltage_v=config.voltage_v,
                heartbeat_interval=config.heartbeat_interval, meter_interval=config.meter_interval,
                basic_auth_password=config.basic_auth_password,
                live={"availability": self._availability_201,
                      "power": lambda e: f"{self.power_w(e):.1f}",
                      "profiles": lambda: str(len(self.profiles)),
                      "datetime": lambda: format_time(self.clock())})
            self.configuration.on_change = self._on_variable_change
        self.boot_count = 0  # accepted BootNotifications
        self.connection_count = 0
        self._endpoint: RpcEndpoint | None = None
        self._ws: ClientConnection | None = None
        self._booted = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._registered = False  # a BootNotification was Accepted since power-up
        self._run_task: asyncio.Task | None = None
        self._session_tasks: set[asyncio.Task] = set()
        self._tasks: set[asyncio.Task] = set()
        self._post: list[Callable[[], Awaitable[Any]]] = []
        self._wakeup = asyncio.Event()
        self._last_exchange = time.monotonic()
        self._boot_reason = "PowerUp"
        self._reconnect_now = False
        self._pending_stops: list[dict[str, Any]] = []  # 1.6 hard reset: sent after boot
        self._reset_on_idle = False

    # =================================================================== public
    @property
    def connected(self) -> bool:
        return self._endpoint is not None and not self._endpoint.closed

    @property
    def booted(self) -> bool:
        return self._booted.is_set()

    async def wait_booted(self, timeout: float = 10.0) -> bool:
        """True once a BootNotification was Accepted on the current connection."""
        try:
            async with asyncio.timeout(timeout):
                await self._booted.wait()
            return True
        except TimeoutError:
            return False

    def power_w(self, connector: int = 1) -> float:
        """The simulated active power on a connector, in W."""
        conn = self.connectors[connector]
        self._refresh(conn)
        return conn.power_w

    def energy_wh(self, connector: int = 1) -> float:
        conn = self.connectors[connector]
        self._refresh(conn)
        return conn.energy_wh

    def transaction_id(self, connector: int = 1) -> str | None:
        tx = self.connectors[connector].tx
        return None if tx is None else tx.id

    async def run(self) -> None:
        """Connect, boot and serve; reconnect with a short capped back-off until stop()."""
        self._run_task = asyncio.current_task()
        self._stopped.clear()
        backoff = self.config.reconnect_min_s
        try:
            while not self._stopping:
                try:
                    await self._session()
                except asyncio.CancelledError:
                    raise
                except (OSError, TimeoutError) as exc:
                    log.info("%s: cannot connect to %s: %s", self.config.charger_id, self.url,
                             exc)
                except Exception as exc:  # noqa: BLE001 - keep the simulator alive
                    log.warning("%s: connection failed: %s", self.config.charger_id, exc)
                if self._stopping:
                    break
                if self._reconnect_now:
                    self._reconnect_now = False
                    delay = 0.1
                    backoff = self.config.reconnect_min_s
                else:
                    delay = backoff
                    backoff = min(backoff * 2, self.config.reconnect_max_s)
                await self._sleep_or_stop(delay)
        finally:
            self._stopped.set()

    async def _sleep_or_stop(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self._stop_requested.wait()
        except TimeoutError:
            pass

    async def stop(self) -> None:
        """Close the connection and end run()."""
        self._stopping = True
        self._stop_requested.set()
        self._registered = False  # powered off: the next run() boots again
        for conn in self.connectors.values():
            self._cancel_loop(conn)
        for task in list(self._tasks):
            task.cancel()
        if self._ws is not None:
            try:
                await self._ws.close()
            except Exception:  # noqa: BLE001
                pass
        run_task = self._run_task
        if run_task is not None and not run_task.done() and run_task is not asyncio.current_task():
            try:
                async with asyncio.timeout(5):
                    await self._stopped.wait()
            except TimeoutError:
                run_task.cancel()
        log.info("%s: stopped", self.config.charger_id)

    async def plug_in(self, connector: int = 1) -> None:
        """The driver plugs the EV in: 1.6 Preparing, 2.0.1 Occupied (§4.9, §G01)."""
        conn = self.connectors[connector]
        if conn.plugged:
            return
        conn.plugged = True
        log.info("%s: EV plugged in on connector %d", self.config.charger_id, connector)
        await self._set_status(conn, "Preparing")

    async def unplug(self, connector: int = 1) -> None:
        """The driver unplugs: ends a running transaction (EVDisconnected), then Available."""
        conn = self.connectors[connector]
        if conn.tx is not None:
            if self.version is OcppVersion.V16:
                await self._stop_tx16(conn, "EVDisconnected")
            else:
                await self._stop_tx201(conn, "EVCommunicationLost", "EVDisconnected")
        if not conn.plugged:
            return
        conn.plugged = False
        log.info("%s: EV unplugged from connector %d", self.config.charger_id, connector)
        await self._set_status(conn, "Available" if conn.operative else "Unavailable")

    async def start_charging(self, connector: int = 1, id_tag: str = "DEMO-TAG",
                             id_token_type: str = "ISO14443") -> bool:
        """Local start (badge at the reader): Authorize, then StartTransaction (1.6) or
        TransactionEvent Started (2.0.1). Plugs in first when needed. True when charging."""
        conn = self.connectors[connector]
        if conn.tx is not None:
            return True
        if not conn.plugged:
            await self.plug_in(connector)
        if self.version is OcppVersion.V16:
            return await self._start_tx16(conn, id_tag, authorize=True)
        return await self._start_tx201(conn, {"idToken": id_tag, "type": id_token_type},
                                       authorize=True, trigger="Authorized")

    async def stop_charging(self, connector: int = 1, unplug: bool = True) -> None:
        """Local stop (badge again): StopTransaction / TransactionEvent Ended, Finishing,
        then (unplug=True) the driver unplugs: Available."""
        conn = self.connectors[connector]
        if conn.tx is not None:
            if self.version is OcppVersion.V16:
                await self._stop_tx16(conn, "Local")
            else:
                await self._stop_tx201(conn, "StopAuthorized", "Local")
        if unplug:
            await self.unplug(connector)

    # ============================================================ connection
    def _auth_password(self) -> str | None:
        if self.version is OcppVersion.V16:
            store = self.configuration
            assert isinstance(store, ConfigurationKeys16)
            if store.int_value("SecurityProfile") >= 1 and store.value("AuthorizationKey"):
                return store.value("AuthorizationKey")
            return None
        dm = self.configuration
        assert isinstance(dm, DeviceModel201)
        var = dm.find("SecurityCtrlr", "BasicAuthPassword")
        password = var.attributes["Actual"].value if var else None
        return password if dm.int_actual("SecurityCtrlr", "SecurityProfile") >= 1 else None

    async def _session(self) -> None:
        headers = {}
        password = self._auth_password()
        if password:
            # Security whitepaper §2 profile 1/2: HTTP Basic, user = charge point id.
            token = base64.b64encode(f"{self.config.charger_id}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
            hide_credentials_in_library_logs()  # websockets would print the header at DEBUG
        async with connect(self.url, subprotocols=[self.version.value],  # type: ignore[list-item]
                           additional_headers=headers, open_timeout=5, proxy=None,
                           ping_interval=None) as ws:
            if ws.subprotocol != self.version.value:
                # OCPP-J 1.6 §3.1.2: the server must agree on the subprotocol.
                log.warning("%s: server chose subprotocol %r, not %r; disconnecting",
                            self.config.charger_id, ws.subprotocol, self.version.value)
                await ws.close(1002, "subprotocol not agreed")
                return
            self.connection_count += 1
            endpoint = RpcEndpoint(version=self.version, role="charger",
                                   charger_id=self.config.charger_id, send=ws.send,
                                   recorder=self.recorder, handler=self._handle,
                                   connection_id=self.connection_count,
                                   call_timeout=self.config.call_timeout)
            self._ws, self._endpoint = ws, endpoint
            log.info("%s: connected to %s (%s)", self.config.charger_id, self.url,
                     self.version.label)
            self._session_spawn(self._boot_then_heartbeat())
            try:
                async for message in ws:
                    text = message if isinstance(message, str) else message.decode("utf-8",
                                                                                   "replace")
                    self._post = []
                    await endpoint.receive(text)
                    posts, self._post = self._post, []
                    for action in posts:
                        self._spawn(action())
            except WsConnectionClosed:
                pass
            finally:
                endpoint.close("websocket closed")
                self._booted.clear()
                self._endpoint, self._ws = None, None
                # Let the session tasks see the failure and end by themselves (a task
                # cancelled in the middle of RpcEndpoint.call leaves a failed future that
                # nobody reads); cancel whatever is still running after a moment.
                self._wake()
                if self._session_tasks:
                    await asyncio.wait(list(self._session_tasks), timeout=1.0)
                for task in list(self._session_tasks):
                    task.cancel()
                log.info("%s: disconnected", self.config.charger_id)

    def _session_spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(self._guarded(coro))
        self._session_tasks.add(task)
        task.add_done_callback(self._session_tasks.discard)

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(self._guarded(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guarded(self, coro: Awaitable[Any]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except (ConnectionClosed, CallTimeout, CallError) as exc:
            log.info("%s: %s", self.config.charger_id, exc)
        except InvalidPayload:
            log.exception("%s: the demo built an invalid payload", self.config.charger_id)
        except Exception:  # noqa: BLE001
            log.exception("%s: background action failed", self.config.charger_id)

    async def _call(self, action: str, payload: dict[str, Any]) -> Any:
        endpoint = self._endpoint
        if endpoint is None or endpoint.closed:
            raise ConnectionClosed(f"{self.config.charger_id} is not connected")
        result = await endpoint.call(action, payload)
        self._last_exchange = time.monotonic()
        return result

    def _wake(self) -> None:
        """Wake the heartbeat and meter loops (a setting changed)."""
        old, self._wakeup = self._wakeup, asyncio.Event()
        old.set()

    async def _sleep_or_wake(self, seconds: float) -> None:
        event = self._wakeup
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await event.wait()
        except TimeoutError:
            pass

    # ================================================================ boot
    async def _boot_then_heartbeat(self) -> None:
        if self._registered:
            # Only a start-up is followed by a BootNotification (1.6 §4.2, 2.0.1 B01);
            # after a lost connection the registration still holds.
            self._booted.set()
            log.info("%s: reconnected; registration still accepted", self.config.charger_id)
        else:
            await self._boot()
        if self._pending_stops:
            stops, self._pending_stops = self._pending_stops, []
            for payload in stops:
                await self._call("StopTransaction", payload)
        await self._send_all_status()
        if self.config.auto_charge:
            self._spawn(self._auto_charge())
        await self._heartbeat_loop()

    def _boot_payload(self) -> dict[str, Any]:
        c = self.config
        if self.version is OcppVersion.V16:
            return {"chargePointVendor": c.vendor[:20], "chargePointModel": c.model[:20],
                    "chargePointSerialNumber": c.serial[:25],
                    "chargeBoxSerialNumber": c.serial[:25],
                    "firmwareVersion": c.firmware[:50], "meterType": "Demo meter",
                    "meterSerialNumber": f"M-{c.serial}"[:25]}
        return {"reason": self._boot_reason,
                "chargingStation": {"vendorName": c.vendor[:50], "model": c.model[:20],
                                    "serialNumber": c.serial[:25],
                                    "firmwareVersion": c.firmware[:50]}}

    async def _boot(self) -> None:
        while True:
            reply = await self._call("BootNotification", self._boot_payload())
            interval = int(reply.get("interval", 0))
            if reply.get("status") == "Accepted":
                if interval > 0:
                    self._set_heartbeat_interval(interval)
                self.boot_count += 1
                self._registered = True
                self._boot_reason = "PowerUp"
                self._booted.set()
                log.info("%s: BootNotification accepted (heartbeat every %d s)",
                         self.config.charger_id, self._heartbeat_interval())
                return
            # 1.6 §4.2 / 2.0.1 B02/B03: Pending or Rejected -> retry after `interval`.
            wait = interval if interval > 0 else 10
            log.info("%s: BootNotification %s; retrying in %d s", self.config.charger_id,
                     reply.get("status"), wait)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                await self._sleep_or_wake(deadline - time.monotonic())
                if not self.connected:
                    raise ConnectionClosed("disconnected while waiting to boot again")

    async def _trigger_boot(self) -> None:
        reply = await self._call("BootNotification", self._boot_payload())
        if reply.get("status") == "Accepted" and int(reply.get("interval", 0)) > 0:
            self._set_heartbeat_interval(int(reply["interval"]))

    def _heartbeat_interval(self) -> int:
        if isinstance(self.configuration, ConfigurationKeys16):
            return self.configuration.int_value("HeartbeatInterval", 60)
        return self.configuration.int_actual("OCPPCommCtrlr", "HeartbeatInterval", default=60)

    def _set_heartbeat_interval(self, seconds: int) -> None:
        if isinstance(self.configuration, ConfigurationKeys16):
            self.configuration.keys["HeartbeatInterval"].value = str(seconds)
        else:
            self.configuration.set_actual("OCPPCommCtrlr", "HeartbeatInterval", str(seconds))
        self._wake()

    async def _heartbeat_loop(self) -> None:
        # 1.6 §9.1.10: a heartbeat after HeartbeatInterval of inactivity.
        while self.connected:
            due = self._last_exchange + max(1, self._heartbeat_interval())
            remaining = due - time.monotonic()
            if remaining > 0:
                await self._sleep_or_wake(remaining)
                continue
            await self._send_heartbeat()

    async def _send_heartbeat(self) -> None:
        await self._call("Heartbeat", {})

    async def _auto_charge(self) -> None:
        conn = self.connectors[1]
        if conn.tx is None and conn.operative:
            await self.start_charging(1, self.config.id_tag)

    # ============================================================== status
    def _availability_201(self, evse: int | None) -> str:
        if evse is None:
            return "Available" if any(c.operative for c in self.connectors.values()) \
                else "Unavailable"
        return _STATUS_201[self.connectors[evse].status]

    def _status_payload(self, conn: ConnectorState | None) -> dict[str, Any]:
        now = format_time(self.clock())
        if self.version is OcppVersion.V16:
            if conn is None:
                status = "Available" if any(c.operative for c in self.connectors.values()) \
                    else "Unavailable"
                return {"connectorId": 0, "errorCode": "NoError", "status": status,
                        "timestamp": now}
            return {"connectorId": conn.id, "errorCode": "NoError", "status": conn.status,
                    "timestamp": now}
        assert conn is not None
        return {"timestamp": now, "connectorStatus": _STATUS_201[conn.status],
                "evseId": conn.id, "connectorId": 1}

    async def _send_status(self, conn: ConnectorState | None) -> None:
        await self._call("StatusNotification", self._status_payload(conn))

    async def _send_all_status(self) -> None:
        if self.version is OcppVersion.V16:
            await self._send_status(None)  # connector 0: the charge point itself (§4.9)
        for conn in self.connectors.values():
            await self._send_status(conn)

    async def _set_status(self, conn: ConnectorState, status: str) -> None:
        old = conn.status
        conn.status = status
        if not self.booted:
            return  # reported after the next boot
        if self.version is OcppVersion.V201 and _STATUS_201[old] == _STATUS_201[status]:
            return
        if old == status:
            return
        log.info("%s: connector %d %s", self.config.charger_id, conn.id,
                 status if self.version is OcppVersion.V16 else _STATUS_201[status])
        try:
            await self._send_status(conn)
        except (ConnectionClosed, CallTimeout, CallError) as exc:
            log.info("%s: status not sent: %s", self.config.charger_id, exc)

    # ============================================================ metering
    def _tx_context(self, conn: ConnectorState) -> TxContext | None:
        return None if conn.tx is None else TxContext(conn.tx.id, conn.tx.started_at)

    def _offered_a(self, conn: ConnectorState) -> float:
        sharing = sum(1 for c in self.connectors.values() if c.tx is not None)
        return self.profiles.limit_a(conn.id, self.clock(), self._tx_context(conn),
                                     sharing=max(1, sharing))

    def _refresh(self, conn: ConnectorState) -> None:
        """Integrate energy since the last refresh and draw new instantaneous values."""
        now = time.monotonic()
        elapsed = now - conn.last_update
        if elapsed > 0:
            conn.energy_wh += conn.power_w * elapsed / 3600.0
        conn.last_update = now
        offered = self._offered_a(conn) if conn.tx is not None else self.config.max_current_a
        conn.offered_a = offered
        drawing = (conn.tx is not None and conn.plugged and conn.operative
                   and offered >= MIN_CHARGING_CURRENT_A)
        rng = self._rng
        # Mains voltage within +-1 %; an EV draws slightly less than it is offered.
        conn.voltages = [self.config.voltage_v * (1 + rng.uniform(-0.01, 0.01))
                         for _ in range(self.config.phases)]
        conn.currents = [offered * rng.uniform(0.97, 0.99) if drawing else 0.0
                         for _ in range(self.config.phases)]
        conn.power_w = sum(v * i for v, i in zip(conn.voltages, conn.currents))

    def _measurands(self, purpose: str) -> list[str]:
        if isinstance(self.configuration, ConfigurationKeys16):
            key = {"sampled": "MeterValuesSampledData", "stop": "StopTxnSampledData",
                   "trigger": "MeterValuesSampledData"}[purpose]
            return self.configuration.csl_value(key)
        name = {"sampled": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
                "started": ("SampledDataCtrlr", "TxStartedMeasurands"),
                "ended": ("SampledDataCtrlr", "TxEndedMeasurands"),
                "trigger": ("AlignedDataCtrlr", "Measurands")}[purpose]
        return [m for m in self.configuration.actual(*name).split(",") if m]

    def _sample_interval(self) -> int:
        if isinstance(self.configuration, ConfigurationKeys16):
            return self.configuration.int_value("MeterValueSampleInterval", 0)
        return self.configuration.int_actual("SampledDataCtrlr", "TxUpdatedInterval", default=0)

    def _sampled_values(self, conn: ConnectorState, measurands: list[str],
                        context: str) -> list[dict[str, Any]]:
        self._refresh(conn)
        v16 = self.version is OcppVersion.V16
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
                add(measurand, 50.0 + self._rng.uniform(-0.05, 0.05), None if v16 else "Hz", 2)
        return out

    def _meter_value(self, conn: ConnectorState, measurands: list[str],
                     context: str) -> dict[str, Any]:
        return {"timestamp": format_time(self.clock()),
                "sampledValue": self._sampled_values(conn, measurands, context)}

    def _cancel_loop(self, conn: ConnectorState) -> None:
        task = conn.loop_task
        conn.loop_task = None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _start_loop(self, conn: ConnectorState) -> None:
        self._cancel_loop(conn)
        conn.loop_task = self._spawn(self._tx_loop(conn))

    async def _tx_loop(self, conn: ConnectorState) -> None:
        """While a transaction runs: sample every interval (1.6 §9.1.19
        MeterValueSampleInterval; 2.0.1 SampledDataCtrlr.TxUpdatedInterval; 0 = none) and
        follow the charging limit (SuspendedEVSE below 6 A)."""
        last_sample = time.monotonic()
        while conn.tx is not None:
            await self._follow_limit(conn)
            interval = self._sample_interval()
            now = time.monotonic()
            if interval > 0:
                due = last_sample + interval
                if now >= due:
                    # Keep a steady cadence; skip ahead if we fell far behind.
                    last_sample = due if now - due < interval else now
                    try:
                        await self._send_periodic(conn)
                    except (ConnectionClosed, CallTimeout, CallError) as exc:
                        log.debug("%s: sample not sent: %s", self.config.charger_id, exc)
                    continue
                wait = min(1.0, due - now)
            else:
                last_sample = now
                wait = 1.0
            await self._sleep_or_wake(wait)

    async def _send_periodic(self, conn: ConnectorState) -> None:
        tx = conn.tx
        if tx is None or not self.booted:
            return
        if self.version is OcppVersion.V16:
            await self._call("MeterValues", {
                "connectorId": conn.id, "transactionId": int(tx.id),
                "meterValue": [self._meter_value(conn, self._measurands("sampled"),
                                                  "Sample.Periodic")]})
        else:
            await self._call("TransactionEvent", {
                "eventType": "Updated", "timestamp": format_time(self.clock()),
                "triggerReason": "MeterValuePeriodic", "seqNo": tx.next_seq(),
                "transactionInfo": {"transactionId": tx.id, "chargingState": tx.charging_state},
                "meterValue": [self._meter_value(conn, self._measurands("sampled"),
                                                  "Sample.Periodic")]})

    async def _follow_limit(self, conn: ConnectorState) -> None:
        tx = conn.tx
        if tx is None:
            return
        state = "Charging" if self._offered_a(conn) >= MIN_CHARGING_CURRENT_A else "SuspendedEVSE"
        if state == tx.charging_state:
            return
        tx.charging_state = state
        log.info("%s: connector %d %s (limit %.1f A)", self.config.charger_id, conn.id, state,
                 self._offered_a(conn))
        if self.version is OcppVersion.V16:
            await self._set_status(conn, state)
        elif self.booted:
            try:
                await self._call("TransactionEvent", {
                    "eventType": "Updated", "timestamp": format_time(self.clock()),
                    "triggerReason": "ChargingStateChanged", "seqNo": tx.next_seq(),
                    "transactionInfo": {"transactionId": tx.id, "chargingState": state}})
            except (ConnectionClosed, CallTimeout, CallError) as exc:
                log.info("%s: %s", self.config.charger_id, exc)

    # ===================================================== 1.6 transactions
    async def _start_tx16(self, conn: ConnectorState, id_tag: str, *, authorize: bool,
                          profile: dict[str, Any] | None = None) -> bool:
        store = self.configuration
        assert isinstance(store, ConfigurationKeys16)
        if authorize:
            reply = await self._call("Authorize", {"idTag": id_tag[:20]})
            status = reply["idTagInfo"]["status"]
            if status != "Accepted":
                log.info("%s: idTag %s %s", self.config.charger_id, id_tag, status)
                return False
        self._refresh(conn)
        meter_start = conn.energy_wh
        reply = await self._call("StartTransaction", {
            "connectorId": conn.id, "idTag": id_tag[:20], "meterStart": int(meter_start),
            "timestamp": format_time(self.clock())})
        tx = Transaction(str(reply["transactionId"]), id_tag, self.clock(), meter_start)
        conn.tx = tx
        conn.last_update = time.monotonic()
        tx.begin_sample = [self._meter_value(conn, self._measurands("stop"),
                                             "Transaction.Begin")]
        if profile is not None:
            # §5.16.2: a TxProfile from RemoteStartTransaction applies to this transaction.
            self.profiles.install(Profile.from_v16(conn.id, {**profile,
                                                             "transactionId": int(tx.id)},
                                                   self.clock()))
        log.info("%s: transaction %s started on connector %d for %s", self.config.charger_id,
                 tx.id, conn.id, id_tag)
        if reply["idTagInfo"]["status"] != "Accepted" and store.bool_value(
                "StopTransactionOnInvalidId", True):
            # §9.1.24: stop a transaction whose idTag the Central System did not accept.
            await self._stop_tx16(conn, "DeAuthorized")
            return False
        tx.charging_state = ("Charging" if self._offered_a(conn) >= MIN_CHARGING_CURRENT_A
                             else "SuspendedEVSE")
        await self._set_status(conn, tx.charging_state)
        self._start_loop(conn)
        return True

    def _stop_payload16(self, conn: ConnectorState, reason: str) -> dict[str, Any]:
        tx = conn.tx
        assert tx is not None
        self._refresh(conn)
        end = self._meter_value(conn, self._measurands("stop"), "Transaction.End")
        payload: dict[str, Any] = {
            "transactionId": int(tx.id), "idTag": tx.id_tag[:20],
            "meterStop": int(conn.energy_wh), "timestamp": format_time(self.clock()),
            "reason": reason}
        data = [mv for mv in (*tx.begin_sample, end) if mv["sampledValue"]]
        if data:
            payload["transactionData"] = data
        return payload

    def _end_tx(self, conn: ConnectorState) -> None:
        tx = conn.tx
        conn.tx = None
        self._cancel_loop(conn)
        if tx is not None:
            self.profiles.clear_transaction(conn.id, tx.id)
        self._refresh(conn)

    async def _stop_tx16(self, conn: ConnectorState, reason: str) -> None:
        if conn.tx is None:
            return
        payload = self._stop_payload16(conn, reason)
        tx_id = conn.tx.id
        self._end_tx(conn)
        log.info("%s: transaction %s stopped (%s), meter %d Wh", self.config.charger_id, tx_id,
                 reason, payload["meterStop"])
        try:
            await self._call("StopTransaction", payload)
        except (ConnectionClosed, CallTimeout) as exc:
            # §5.14: queue the StopTransaction when it cannot be delivered now.
            log.info("%s: StopTransaction queued: %s", self.config.charger_id, exc)
            self._pending_stops.append(payload)
        await self._set_status(conn, "Finishing" if conn.plugged else "Available")
        await self._after_tx_end(conn)

    async def _after_tx_end(self, conn: ConnectorState) -> None:
        if conn.pending_operative is not None:
            conn.operative, conn.pending_operative = conn.pending_operative, None
            if not conn.operative:
                await self._set_status(conn, "Unavailable")
        if self._reset_on_idle and all(c.tx is None for c in self.connectors.values()):
            self._reset_on_idle = False
            self._spawn(self._reboot("RemoteReset"))

    # =================================================== 2.0.1 transactions
    async def _start_tx201(self, conn: ConnectorState, id_token: dict[str, Any], *,
                           authorize: bool, trigger: str, remote_start_id: int | None = None,
                           profile: dict[str, Any] | None = None) -> bool:
        if authorize:
            reply = await self._call("Authorize", {"idToken": id_token})
            status = reply["idTokenInfo"]["status"]
            if status != "Accepted":
                log.info("%s: idToken %s %s", self.config.charger_id, id_token["idToken"], status)
                return False
        self._refresh(conn)
        tx = Transaction(uuid.uuid4().hex[:16].upper(), id_token["idToken"], self.clock(),
                         conn.energy_wh, remote_start_id=remote_start_id)
        tx.charging_state = "Charging"
        conn.tx = tx
        conn.last_update = time.monotonic()
        if profile is not None:
            self.profiles.install(Profile.from_v201(conn.id, {**profile, "transactionId": tx.id},
                                                    self.clock()))
        if self._offered_a(conn) < MIN_CHARGING_CURRENT_A:
            tx.charging_state = "SuspendedEVSE"
        info: dict[str, Any] = {"transactionId": tx.id, "chargingState": tx.charging_state}
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        payload: dict[str, Any] = {
            "eventType": "Started", "timestamp": format_time(self.clock()),
            "triggerReason": trigger, "seqNo": tx.next_seq(), "transactionInfo": info,
            "idToken": id_token, "evse": {"id": conn.id, "connectorId": 1}}
        started = self._measurands("started")
        if started:
            payload["meterValue"] = [self._meter_value(conn, started, "Transaction.Begin")]
        log.info("%s: transaction %s started on EVSE %d for %s", self.config.charger_id, tx.id,
                 conn.id, id_token["idToken"])
        reply = await self._call("TransactionEvent", payload)
        token_info = reply.get("idTokenInfo")
        dm = self.configuration
        assert isinstance(dm, DeviceModel201)
        if token_info and token_info.get("status") != "Accepted" and dm.bool_actual(
                "TxCtrlr", "StopTxOnInvalidId", True):
            await self._stop_tx201(conn, "Deauthorized", "DeAuthorized")
            return False
        await self._set_status(conn, "Charging")
        self._start_loop(conn)
        return True

    async def _stop_tx201(self, conn: ConnectorState, trigger: str, reason: str) -> None:
        tx = conn.tx
        if tx is None:
            return
        self._refresh(conn)
        payload: dict[str, Any] = {
            "eventType": "Ended", "timestamp": format_time(self.clock()),
            "triggerReason": trigger, "seqNo": tx.next_seq(),
            "transactionInfo": {"transactionId": tx.id,
                                "chargingState": "EVConnected" if conn.plugged else "Idle",
                                "stoppedReason": reason}}
        ended = self._measurands("ended")
        if ended:
            payload["meterValue"] = [self._meter_value(conn, ended, "Transaction.End")]
        self._end_tx(conn)
        log.info("%s: transaction %s ended (%s)", self.config.charger_id, tx.id, reason)
        try:
            await self._call("TransactionEvent", payload)
        except (ConnectionClosed, CallTimeout) as exc:
            log.info("%s: TransactionEvent Ended not delivered: %s", self.config.charger_id, exc)
        await self._set_status(conn, "Finishing" if conn.plugged else "Available")
        await self._after_tx_end(conn)

    # =============================================================== reset
    async def _reboot(self, reason: str) -> None:
        """Disconnect, forget volatile state, reconnect and boot again."""
        log.info("%s: rebooting (%s)", self.config.charger_id, reason)
        self._booted.clear()
        self._registered = False
        for conn in self.connectors.values():
            self._cancel_loop(conn)
            conn.tx = None
            conn.status = "Preparing" if conn.plugged else (
                "Available" if conn.operative else "Unavailable")
        self._boot_reason = reason
        await self._reconnect("reset")

    async def _reconnect(self, why: str) -> None:
        """Close the websocket; run() connects again at once."""
        self._reconnect_now = True
        ws = self._ws
        if ws is not None:
            await ws.close(1000, why[:100])

    async def _reset16(self, kind: str) -> None:
        for conn in self.connectors.values():
            if conn.tx is None:
                continue
            if kind == "Soft":
                # §5.14: soft reset stops transactions gracefully first.
                await self._stop_tx16(conn, "SoftReset")
            else:
                # §5.14: hard reset; StopTransaction is sent after the reboot and boot.
                self._pending_stops.append(self._stop_payload16(conn, "HardReset"))
                self._end_tx(conn)
        await self._reboot("RemoteReset")

    async def _reset201(self) -> None:
        self._reset_on_idle = False  # an Immediate reset supersedes a scheduled one
        for conn in self.connectors.values():
            if conn.tx is not None:
                # 2.0.1 B12.FR.?: Immediate reset ends transactions (ResetCommand/ImmediateReset).
                await self._stop_tx201(conn, "ResetCommand", "ImmediateReset")
        await self._reboot("RemoteReset")

    # ======================================================= incoming calls
    def _handle(self, action: str, payload: Any) -> Any:
        prefix = "_h16_" if self.version is OcppVersion.V16 else "_h201_"
        method = getattr(self, prefix + action, None)
        if method is None:
            raise CallError(Fault.NOT_SUPPORTED,
                            f"The demo charger does not support {action}")
        log.info("%s: received %s", self.config.charger_id, action)
        return method(payload)

    def _later(self, action: Callable[[], Awaitable[Any]]) -> None:
        """Run after the response has been sent (a handler must not await a call)."""
        self._post.append(action)

    def _connector_for(self, connector_id: int | None) -> ConnectorState | None:
        if connector_id is None:
            for conn in self.connectors.values():
                if conn.tx is None and conn.operative:
                    return conn
            return None
        return self.connectors.get(int(connector_id))

    # ---------------------------------------------------------------- 1.6
    def _h16_GetConfiguration(self, payload: dict[str, Any]) -> dict[str, Any]:
        store = self.configuration
        assert isinstance(store, ConfigurationKeys16)
        known, unknown = store.get(payload.get("key"))
        result: dict[str, Any] = {"configurationKey": known}
        if unknown:
            result["unknownKey"] = unknown
        return result

    def _guard_security_profile(self, old: str, new: str) -> str | None:
        store = self.configuration
        assert isinstance(store, ConfigurationKeys16)
        # Security whitepaper A05.FR.01: only upwards.
        if int(new) <= int(old):
            return "Rejected"
        # A05.FR.02: profiles 1 and 2 need an AuthorizationKey.
        if int(new) in (1, 2) and len(store.value("AuthorizationKey")) < 16:
            return "Rejected"
        # A05.FR.03/04: profiles 2 and 3 need certificates the demo does not have (ws:// only).
        if int(new) >= 2:
            return "Rejected"
        return None

    def _h16_ChangeConfiguration(self, payload: dict[str, Any]) -> dict[str, Any]:
        store = self.configuration
        assert isinstance(store, ConfigurationKeys16)
        key, value = payload["key"], payload["value"]
        status = store.change(key, value)
        shown = "********" if is_secret_name(key) else value  # A01.FR.12: not logged
        log.info("%s: ChangeConfiguration %s=%s -> %s", self.config.charger_id, key, shown,
                 status)
        if status in ("Accepted", "RebootRequired"):
            self._wake()
            if key == "SecurityProfile":
                # Whitepaper A05 steps 5-6: disconnect and reconnect with the new profile.
                self._later(lambda: self._reconnect("security profile changed"))
            elif key == "CentralSystemURL":
                self.base_url = value
                self.url = value.rstrip("/") + "/" + self.config.charger_id
                self._later(lambda: self._reconnect("central system URL changed"))
        return {"status": status}

    def _h16_Reset(self, payload: dict[str, Any]) -> dict[str, Any]:
        kind = payload["type"]
        self._later(lambda: self._reset16(kind))
        return {"status": "Accepted"}

    def _h16_RemoteStartTransaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        store = self.configuration
        assert isinstance(store, ConfigurationKeys16)
        conn = self._connector_for(payload.get("connectorId"))
        profile = payload.get("chargingProfile")
        if conn is None or conn.tx is not None or not conn.operative:
            return {"status": "Rejected"}
        if profile is not None and profile.get("chargingProfilePurpose") != "TxProfile":
            return {"status": "Rejected"}  # §5.16.2: must be a TxProfile
        id_tag = payload["idTag"]
        authorize = store.bool_value("AuthorizeRemoteTxRequests")

        async def start() -> None:
            if not conn.plugged:
                await self.plug_in(conn.id)  # the driver plugs in after the app start
            await self._start_tx16(conn, id_tag, authorize=authorize, profile=profile)

        self._later(start)
        return {"status": "Accepted"}

    def _h16_RemoteStopTransaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        wanted = str(payload["transactionId"])
        for conn in self.connectors.values():
            if conn.tx is not None and conn.tx.id == wanted:
                self._later(lambda c=conn: self._remote_stop(c))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    async def _remote_stop(self, conn: ConnectorState) -> None:
        if self.version is OcppVersion.V16:
            await self._stop_tx16(conn, "Remote")
        else:
            await self._stop_tx201(conn, "RemoteStop", "Remote")
        await asyncio.sleep(self.config.unplug_delay_s)
        if conn.tx is None and conn.plugged and not self.config.auto_charge:
            await self.unplug(conn.id)

    def _h16_TriggerMessage(self, payload: dict[str, Any]) -> dict[str, Any]:
        message = payload["requestedMessage"]
        connector_id = payload.get("connectorId")
        if connector_id is not None and not 0 <= int(connector_id) <= len(self.connectors):
            return {"status": "Rejected"}
        targets = ([self.connectors[int(connector_id)]]
                   if connector_id not in (None, 0) else list(self.connectors.values()))

        async def send() -> None:
            if message == "BootNotification":
                await self._trigger_boot()
            elif message == "Heartbeat":
                await self._send_heartbeat()
            elif message == "StatusNotification":
                # §5.17: no connectorId means the charge point and every connector.
                if connector_id is None:
                    await self._send_all_status()
                elif int(connector_id) == 0:
                    await self._send_status(None)
                else:
                    await self._send_status(targets[0])
            elif message == "MeterValues":
                # §5.17: the most recent values of MeterValuesSampledData.
                for conn in targets:
                    body: dict[str, Any] = {"connectorId": conn.id, "meterValue": [
                        self._meter_value(conn, self._measurands("trigger"), "Trigger")]}
                    if conn.tx is not None:
                        body["transactionId"] = int(conn.tx.id)
                    await self._call("MeterValues", body)
            elif message == "DiagnosticsStatusNotification":
                await self._call("DiagnosticsStatusNotification", {"status": "Idle"})
            elif message == "FirmwareStatusNotification":
                await self._call("FirmwareStatusNotification", {"status": "Idle"})

        self._later(send)
        return {"status": "Accepted"}

    def _validate_profile16(self, connector_id: int, data: dict[str, Any]) -> str | None:
        """Why a 1.6 profile is rejected, or None (§5.16, §9.4)."""
        store = self.configuration
        assert isinstance(store, ConfigurationKeys16)
        purpose = data["chargingProfilePurpose"]
        schedule = data["chargingSchedule"]
        periods = schedule["chargingSchedulePeriod"]
        if connector_id > len(self.connectors) or connector_id < 0:
            return "unknown connector"
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return "ChargePointMaxProfile only on connector 0"
        if purpose == "TxProfile":
            conn = self.connectors.get(connector_id)
            if connector_id == 0 or conn is None or conn.tx is None:
                return "TxProfile without an active transaction (§5.16.4)"
            if data.get("transactionId") is not None and str(data["transactionId"]) != conn.tx.id:
                return "transactionId is not the active transaction"
        if not 0 <= int(data["stackLevel"]) <= store.int_value("ChargeProfileMaxStackLevel"):
            return "stackLevel above ChargeProfileMaxStackLevel"
        if not periods or len(periods) > store.int_value("ChargingScheduleMaxPeriods"):
            return "too many periods"
        if int(periods[0]["startPeriod"]) != 0:
            return "first startPeriod must be 0 (§5.16.4)"
        units = {"Current": "A", "Power": "W"}
        allowed = {units[u] for u in store.csl_value("ChargingScheduleAllowedChargingRateUnit")}
        if schedule["chargingRateUnit"] not in allowed:
            return "chargingRateUnit not allowed"
        if data["chargingProfileKind"] == "Recurring" and not data.get("recurrencyKind"):
            return "Recurring without recurrencyKind"
        replaces = any(p.id == int(data["chargingProfileId"]) for p in self.profiles.profiles)
        if not replaces and len(self.profiles) >= store.int_value("MaxChargingProfilesInstalled"):
            return "MaxChargingProfilesInstalled reached"
        return None

    def _h16_SetChargingProfile(self, payload: dict[str, Any]) -> dict[str, Any]:
        connector_id = int(payload["connectorId"])
        data = dict(payload["csChargingProfiles"])
        problem = self._validate_profile16(connector_id, data)
        if problem is not None:
            log.info("%s: charging profile rejected: %s", self.config.charger_id, problem)
            return {"status": "Rejected"}
        if data["chargingProfilePurpose"] == "TxProfile" and data.get("transactionId") is None:
            data["transactionId"] = int(self.connectors[connector_id].tx.id)  # type: ignore[union-attr]
        self.profiles.install(Profile.from_v16(connector_id, data, self.clock()))
        self._wake()
        return {"status": "Accepted"}

    def _h16_ClearChargingProfile(self, payload: dict[str, Any]) -> dict[str, Any]:
        removed = self.profiles.clear(
            profile_id=payload.get("id"), connector=payload.get("connectorId"),
            purpose=payload.get("chargingProfilePurpose"), stack_level=payload.get("stackLevel"))
        self._wake()
        return {"status": "Accepted" if removed else "Unknown"}

    def _h16_GetCompositeSchedule(self, payload: dict[str, Any]) -> dict[str, Any]:
        connector_id = int(payload["connectorId"])
        if not 0 <= connector_id <= len(self.connectors):
            return {"status": "Rejected"}  # §5.7: unknown connector
        duration = int(payload["duration"])
        unit = payload.get("chargingRateUnit") or "A"
        now = self.clock()
        conn = self.connectors.get(connector_id)
        periods = self.profiles.composite(connector_id, now, duration, unit,
                                          self._tx_context(conn) if conn else None)
        return {"status": "Accepted", "connectorId": connector_id,
                "scheduleStart": format_time(now),
                "chargingSchedule": {
                    "duration": duration, "startSchedule": format_time(now),
                    "chargingRateUnit": unit,
                    "chargingSchedulePeriod": [
                        {"startPeriod": start, "limit": decimal_1(limit)}
                        for start, limit in periods]}}

    def _h16_ChangeAvailability(self, payload: dict[str, Any]) -> dict[str, Any]:
        connector_id = int(payload["connectorId"])
        operative = payload["type"] == "Operative"
        if not 0 <= connector_id <= len(self.connectors):
            return {"status": "Rejected"}
        targets = (list(self.connectors.values()) if connector_id == 0
                   else [self.connectors[connector_id]])
        return {"status": self._change_availability(targets, operative)}

    def _change_availability(self, targets: list[ConnectorState], operative: bool) -> str:
        scheduled = False
        changed: list[ConnectorState] = []
        for conn in targets:
            if conn.operative == operative:
                continue
            if conn.tx is not None:
                # 1.6 §5.2 / 2.0.1 G03: Scheduled until the transaction has finished.
                conn.pending_operative = operative
                scheduled = True
            else:
                conn.operative = operative
                changed.append(conn)

        async def report() -> None:
            for conn in changed:
                status = ("Unavailable" if not conn.operative
                          else "Preparing" if conn.plugged else "Available")
                await self._set_status(conn, status)

        if changed:
            self._later(report)
        return "Scheduled" if scheduled else "Accepted"

    def _h16_UnlockConnector(self, payload: dict[str, Any]) -> dict[str, Any]:
        conn = self.connectors.get(int(payload["connectorId"]))
        if conn is None:
            return {"status": "NotSupported"}
        if conn.tx is not None:
            # §5.18: finish the transaction first.
            self._later(lambda: self._stop_tx16(conn, "UnlockCommand"))
        return {"status": "Unlocked"}

    def _h16_ClearCache(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Accepted"}

    def _h16_DataTransfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "UnknownVendorId"}

    # -------------------------------------------------------------- 2.0.1
    def _dm(self) -> DeviceModel201:
        dm = self.configuration
        assert isinstance(dm, DeviceModel201)
        return dm

    def _on_variable_change(self, var: Variable, value: str) -> None:
        log.info("%s: %s.%s%s = %s", self.config.charger_id, var.component, var.name,
                 f"[{var.instance}]" if var.instance else "",
                 "********" if is_secret_name(var.name) else value)
        self._wake()

    def _items_limit(self, instance: str) -> int:
        return self._dm().int_actual("DeviceDataCtrlr", "ItemsPerMessage", instance, default=16)

    def _h201_GetVariables(self, payload: dict[str, Any]) -> dict[str, Any]:
        requests = payload["getVariableData"]
        if len(requests) > self._items_limit("GetVariables"):
            raise CallError(Fault.OCCURRENCE_CONSTRAINT,
                            "More GetVariableData than DeviceDataCtrlr.ItemsPerMessage")
        return {"getVariableResult": [self._dm().get_variable(r) for r in requests]}

    def _h201_SetVariables(self, payload: dict[str, Any]) -> dict[str, Any]:
        requests = payload["setVariableData"]
        if len(requests) > self._items_limit("SetVariables"):
            raise CallError(Fault.OCCURRENCE_CONSTRAINT,
                            "More SetVariableData than DeviceDataCtrlr.ItemsPerMessage")
        return {"setVariableResult": [self._dm().set_variable(r) for r in requests]}

    def _send_report(self, request_id: int, entries: list[dict[str, Any]]) -> None:
        size = max(1, self._items_limit("GetReport"))
        parts = [entries[i:i + size] for i in range(0, len(entries), size)]

        async def send() -> None:
            generated = format_time(self.clock())
            for seq, part in enumerate(parts):
                # B07: seqNo from 0; tbc true on every part but the last.
                await self._call("NotifyReport", {
                    "requestId": request_id, "generatedAt": generated, "seqNo": seq,
                    "tbc": seq < len(parts) - 1, "reportData": part})

        self._later(send)

    def _h201_GetBaseReport(self, payload: dict[str, Any]) -> dict[str, Any]:
        entries = self._dm().report(payload["reportBase"])
        if not entries:
            return {"status": "EmptyResultSet"}
        self._send_report(int(payload["requestId"]), entries)
        return {"status": "Accepted"}

    def _h201_GetReport(self, payload: dict[str, Any]) -> dict[str, Any]:
        dm = self._dm()
        wanted = payload.get("componentVariable")
        criteria = set(payload.get("componentCriteria") or [])
        chosen = []
        for var in dm.variables:
            if wanted:
                ok = False
                for cv in wanted:
                    comp = cv["component"]
                    evse = comp.get("evse") or {}
                    if comp["name"] != var.component:
                        continue
                    if "instance" in comp and comp["instance"] != var.component_instance:
                        continue
                    if "id" in evse and evse["id"] != var.evse:
                        continue
                    if "connectorId" in evse and evse["connectorId"] != var.connector:
                        continue
                    v = cv.get("variable")
                    if v and (v["name"] != var.name or v.get("instance") != var.instance):
                        continue
                    ok = True
                    break
                if not ok:
                    continue
            chosen.append(var)
        if criteria and criteria <= {"Problem"}:
            chosen = []  # nothing in the demo has a problem
        if not chosen:
            return {"status": "EmptyResultSet"}
        self._send_report(int(payload["requestId"]), [v.report_json() for v in chosen])
        return {"status": "Accepted"}

    def _h201_Reset(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("evseId") is not None:
            return {"status": "Rejected"}  # no EVSE-level reset (EVSE.AllowReset absent)
        busy = any(c.tx is not None for c in self.connectors.values())
        if payload["type"] == "OnIdle" and busy:
            self._reset_on_idle = True  # B12: reset once the transactions have ended
            return {"status": "Scheduled"}
        self._later(self._reset201)
        return {"status": "Accepted"}

    def _evse_for(self, evse_id: int | None) -> ConnectorState | None:
        return self._connector_for(evse_id)

    def _h201_RequestStartTransaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        conn = self._evse_for(payload.get("evseId"))
        profile = payload.get("chargingProfile")
        if conn is None or conn.tx is not None or not conn.operative:
            return {"status": "Rejected"}
        if profile is not None and profile.get("chargingProfilePurpose") != "TxProfile":
            return {"status": "Rejected"}
        authorize = self._dm().bool_actual("AuthCtrlr", "AuthorizeRemoteStart")
        id_token = payload["idToken"]
        remote_start_id = int(payload["remoteStartId"])

        async def start() -> None:
            if not conn.plugged:
                await self.plug_in(conn.id)
            await self._start_tx201(conn, id_token, authorize=authorize, trigger="RemoteStart",
                                    remote_start_id=remote_start_id, profile=profile)

        self._later(start)
        return {"status": "Accepted"}

    def _h201_RequestStopTransaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        wanted = payload["transactionId"]
        for conn in self.connectors.values():
            if conn.tx is not None and conn.tx.id == wanted:
                self._later(lambda c=conn: self._remote_stop(c))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    def _h201_TriggerMessage(self, payload: dict[str, Any]) -> dict[str, Any]:
        message = payload["requestedMessage"]
        evse = payload.get("evse")
        if evse is not None and evse["id"] not in self.connectors:
            return {"status": "Rejected"}
        targets = [self.connectors[evse["id"]]] if evse else list(self.connectors.values())
        if message == "BootNotification":
            if self.booted:
                # F06.FR.17: no triggered BootNotification once the last one was Accepted.
                return {"status": "Rejected"}
            send: Callable[[], Awaitable[Any]] = self._trigger_boot
        elif message == "Heartbeat":
            send = self._send_heartbeat
        elif message == "StatusNotification":
            async def send() -> None:  # type: ignore[misc]
                for conn in targets:
                    await self._send_status(conn)
        elif message == "MeterValues":
            async def send() -> None:  # type: ignore[misc]
                for conn in targets:
                    await self._call("MeterValues", {"evseId": conn.id, "meterValue": [
                        self._meter_value(conn, self._measurands("trigger"), "Trigger")]})
        elif message == "TransactionEvent":
            async def send() -> None:  # type: ignore[misc]
                for conn in targets:
                    tx = conn.tx
                    if tx is None:
                        continue
                    await self._call("TransactionEvent", {
                        "eventType": "Updated", "timestamp": format_time(self.clock()),
                        "triggerReason": "Trigger", "seqNo": tx.next_seq(),
                        "transactionInfo": {"transactionId": tx.id,
                                            "chargingState": tx.charging_state},
                        "meterValue": [self._meter_value(conn, self._measurands("sampled"),
                                                         "Trigger")]})
        else:
            return {"status": "NotImplemented"}
        self._later(send)
        return {"status": "Accepted"}

    def _h201_SetChargingProfile(self, payload: dict[str, Any]) -> dict[str, Any]:
        evse_id = int(payload["evseId"])
        data = dict(payload["chargingProfile"])
        purpose = data["chargingProfilePurpose"]
        schedule = data["chargingSchedule"][0]
        periods = schedule["chargingSchedulePeriod"]
        dm = self._dm()

        def rejected(reason: str) -> dict[str, Any]:
            log.info("%s: charging profile rejected: %s", self.config.charger_id, reason)
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidProfile",
                                                         "additionalInfo": reason[:512]}}

        if not 0 <= evse_id <= len(self.connectors):
            return rejected("unknown EVSE")
        if purpose == "ChargingStationExternalConstraints":
            return rejected("ChargingStationExternalConstraints cannot be set by the CSMS")
        if purpose == "ChargingStationMaxProfile" and evse_id != 0:
            return rejected("ChargingStationMaxProfile only with evseId 0")
        if purpose == "TxProfile":
            conn = self.connectors.get(evse_id)
            if evse_id == 0 or conn is None or conn.tx is None:
                return rejected("TxProfile without an active transaction")
            if data.get("transactionId") not in (None, conn.tx.id):
                return rejected("transactionId is not the active transaction")
            data["transactionId"] = conn.tx.id
        if not 0 <= int(data["stackLevel"]) <= dm.int_actual("SmartChargingCtrlr",
                                                              "ProfileStackLevel"):
            return rejected("stackLevel above SmartChargingCtrlr.ProfileStackLevel")
        if len(periods) > dm.int_actual("SmartChargingCtrlr", "PeriodsPerSchedule"):
            return rejected("more periods than SmartChargingCtrlr.PeriodsPerSchedule")
        if int(periods[0]["startPeriod"]) != 0:
            return rejected("the first startPeriod must be 0")
        if data["chargingProfileKind"] == "Recurring" and not data.get("recurrencyKind"):
            return rejected("Recurring without recurrencyKind")
        replaces = any(p.id == int(data["id"]) for p in self.profiles.profiles)
        if not replaces and len(self.profiles) >= 16:
            return rejected("no room for more charging profiles")
        self.profiles.install(Profile.from_v201(evse_id, data, self.clock()))
        self._wake()
        return {"status": "Accepted"}

    def _h201_ClearChargingProfile(self, payload: dict[str, Any]) -> dict[str, Any]:
        criteria = payload.get("chargingProfileCriteria") or {}
        removed = self.profiles.clear(
            profile_id=payload.get("chargingProfileId"), connector=criteria.get("evseId"),
            purpose=criteria.get("chargingProfilePurpose"), stack_level=criteria.get("stackLevel"))
        self._wake()
        return {"status": "Accepted" if removed else "Unknown"}

    def _h201_GetCompositeSchedule(self, payload: dict[str, Any]) -> dict[str, Any]:
        evse_id = int(payload["evseId"])
        if not 0 <= evse_id <= len(self.connectors):
            return {"status": "Rejected", "statusInfo": {"reasonCode": "UnknownEVSE"}}
        duration = int(payload["duration"])
        unit = payload.get("chargingRateUnit") or "A"
        now = self.clock()
        conn = self.connectors.get(evse_id)
        periods = self.profiles.composite(evse_id, now, duration, unit,
                                          self._tx_context(conn) if conn else None)
        return {"status": "Accepted", "schedule": {
            "evseId": evse_id, "duration": duration, "scheduleStart": format_time(now),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": start, "limit": decimal_1(limit)}
                                       for start, limit in periods]}}

    def _h201_ChangeAvailability(self, payload: dict[str, Any]) -> dict[str, Any]:
        evse = payload.get("evse")
        operative = payload["operationalStatus"] == "Operative"
        if evse is not None and evse["id"] != 0 and evse["id"] not in self.connectors:
            return {"status": "Rejected"}
        targets = (list(self.connectors.values()) if evse is None or evse["id"] == 0
                   else [self.connectors[evse["id"]]])
        return {"status": self._change_availability(targets, operative)}

    def _h201_UnlockConnector(self, payload: dict[str, Any]) -> dict[str, Any]:
        conn = self.connectors.get(int(payload["evseId"]))
        if conn is None or int(payload["connectorId"]) != 1:
            return {"status": "UnknownConnector"}
        if conn.tx is not None:
            return {"status": "OngoingAuthorizedTransaction"}  # F05.FR.02
        return {"status": "Unlocked"}

    def _h201_ClearCache(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Rejected"}  # no authorization cache (no AuthCacheCtrlr)

    def _h201_DataTransfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "UnknownVendorId"}


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
