"""The demo charger's connection: websocket, boot, heartbeat, status and the RPC plumbing.

``ChargerSession`` is what every OCPP version shares: it connects to ``<url>/<charger_id>``,
boots, sends heartbeats and status, and hands each incoming CALL to the routing table of
its ``VersionProtocol`` (``v16.py``, ``v201.py``, ``v21.py``). An action the table does not
have is answered with a CALLERROR NotSupported.

Every outgoing CALL goes through ``RpcEndpoint.call``, which validates it against the
official schemas and refuses to send an invalid one (InvalidPayload): the demo never
puts an invalid frame on the wire.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed as WsConnectionClosed

from ..core.errors import Fault
from ..core.records import FrameRecorder
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload, RpcEndpoint
from ..core.secrets import hide_credentials_in_library_logs
from ..core.versions import OcppVersion
from .config import DemoChargerConfig
from .devicemodel import DeviceModel201
from .keys16 import ConfigurationKeys16
from .meter import ConnectorState, Meter
from .profiles import ProfileStore
from .quirks import Quirks

if TYPE_CHECKING:
    from .protocol import VersionProtocol
    from .security import DemoSecurity

log = logging.getLogger(__name__)

#: The smart-charging CALLs the demo handles (quirk no-smart-charging refuses them all).
SMART_CHARGING_ACTIONS = frozenset({"SetChargingProfile", "ClearChargingProfile",
                                    "GetCompositeSchedule"})


class ChargerSession:
    """Connection, boot, heartbeat, status and incoming-CALL routing of one demo charger
    (``DemoCharger`` adds the charging itself)."""

    base_url: str
    url: str
    config: DemoChargerConfig
    version: OcppVersion
    recorder: FrameRecorder
    clock: Callable[[], datetime]
    connectors: dict[int, ConnectorState]
    profiles: ProfileStore
    meter: Meter
    protocol: "VersionProtocol"
    quirks: Quirks
    configuration: ConfigurationKeys16 | DeviceModel201
    security: "DemoSecurity"

    def _init_session(self) -> None:
        self.boot_count = 0  # accepted BootNotifications
        self.connection_count = 0
        self._endpoint: RpcEndpoint | None = None
        self._ws: ClientConnection | None = None
        self._booted = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._stop_requested = asyncio.Event()
        # A BootNotification was Accepted since power-up (quirk reconnect-without-boot: the
        # charger booted before it met this central system and never says so again).
        self._registered = self.quirks.reconnect_without_boot
        self._run_task: asyncio.Task | None = None
        self._session_tasks: set[asyncio.Task] = set()
        self._tasks: set[asyncio.Task] = set()
        self._post: list[Callable[[], Awaitable[Any]]] = []
        self._wakeup = asyncio.Event()
        self._last_exchange = time.monotonic()
        self.boot_reason = "PowerUp"
        self._reconnect_now = False
        self.reset_on_idle = False

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
                    self.security.connection_failed(exc)  # fallback: A05.FR.08, B10.FR.07
                except Exception as exc:  # noqa: BLE001 - keep the simulator alive
                    log.warning("%s: connection failed: %s", self.config.charger_id, exc)
                    self.security.connection_failed(exc)
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
        # Powered off: the next run() boots again (unless the quirk says it never does).
        self._registered = self.quirks.reconnect_without_boot
        for conn in self.connectors.values():
            self.cancel_loop(conn)
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

    # ============================================================ connection
    async def _session(self) -> None:
        headers = {}
        # the security profile decides TLS, the client certificate and the password
        options = self.security.connect_options()
        password = options.pop("password")
        if password:
            # Security whitepaper §2 profile 1/2: HTTP Basic, user = charge point id.
            token = base64.b64encode(f"{self.config.charger_id}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
            hide_credentials_in_library_logs()  # websockets would print the header at DEBUG
        async with connect(self.url, subprotocols=[self.version.value],  # type: ignore[list-item]
                           additional_headers=headers, open_timeout=5, proxy=None,
                           ping_interval=None, **options) as ws:
            if ws.subprotocol != self.version.value:
                # OCPP-J 1.6 §3.1.2: the server must agree on the subprotocol.
                log.warning("%s: server chose subprotocol %r, not %r; disconnecting",
                            self.config.charger_id, ws.subprotocol, self.version.value)
                await ws.close(1002, "subprotocol not agreed")
                return
            self.connection_count += 1
            self.security.connected(ws.transport.get_extra_info("ssl_object"))
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
                        self.spawn(action())
            except WsConnectionClosed:
                pass
            finally:
                endpoint.close("websocket closed")
                self._booted.clear()
                self._endpoint, self._ws = None, None
                # Let the session tasks see the failure and end by themselves (a task
                # cancelled in the middle of RpcEndpoint.call leaves a failed future that
                # nobody reads); cancel whatever is still running after a moment.
                self.wake()
                if self._session_tasks:
                    await asyncio.wait(list(self._session_tasks), timeout=1.0)
                for task in list(self._session_tasks):
                    task.cancel()
                log.info("%s: disconnected", self.config.charger_id)

    def _session_spawn(self, coro: Awaitable[Any]) -> None:
        task = self._task(coro)
        self._session_tasks.add(task)
        task.add_done_callback(self._session_tasks.discard)

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task:
        """Run ``coro`` in the background; its failures are logged, never raised."""
        task = self._task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _task(self, coro: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(self._guarded(coro))

        def close_unstarted(done: asyncio.Task) -> None:
            # A task cancelled before it ran never awaited ``coro``: close it, or Python
            # warns "coroutine ... was never awaited" when it is collected.
            if done.cancelled() and inspect.iscoroutine(coro):
                coro.close()

        task.add_done_callback(close_unstarted)
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

    async def call(self, action: str, payload: dict[str, Any]) -> Any:
        """Send a CALL and return the CALLRESULT payload (raises on CALLERROR/timeout)."""
        endpoint = self._endpoint
        if endpoint is None or endpoint.closed:
            raise ConnectionClosed(f"{self.config.charger_id} is not connected")
        result = await endpoint.call(action, payload)
        self._last_exchange = time.monotonic()
        return result

    async def send_unconfirmed(self, action: str, payload: dict[str, Any]) -> None:
        """Send an OCPP-J 2.1 SEND (never answered), validated and recorded as a CALL is."""
        endpoint = self._endpoint
        if endpoint is None or endpoint.closed:
            raise ConnectionClosed(f"{self.config.charger_id} is not connected")
        await endpoint.send_unconfirmed(action, payload)
        self._last_exchange = time.monotonic()

    def wake(self) -> None:
        """Wake the heartbeat and meter loops (a setting changed)."""
        old, self._wakeup = self._wakeup, asyncio.Event()
        old.set()

    async def sleep_or_wake(self, seconds: float) -> None:
        event = self._wakeup
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await event.wait()
        except TimeoutError:
            pass

    # ======================================================= incoming calls
    def _handle(self, action: str, payload: Any) -> Any:
        handler = self.protocol.routes.get(action)
        if self.quirks.no_smart_charging and action in SMART_CHARGING_ACTIONS:
            # As chargers without smart charging answer: 2.x NotImplemented, 1.6 NotSupported.
            raise CallError(self.protocol.missing_feature_fault,
                            f"{action} is not implemented by this charger")
        if handler is None:
            raise CallError(Fault.NOT_SUPPORTED,
                            f"The demo charger does not support {action}")
        log.info("%s: received %s", self.config.charger_id, action)
        return handler(self.protocol, payload)

    def later(self, action: Callable[[], Awaitable[Any]]) -> None:
        """Run after the response has been sent (a handler must not await a call)."""
        self._post.append(action)

    # ================================================================ boot
    async def _boot_then_heartbeat(self) -> None:
        if self._registered:
            # Only a start-up is followed by a BootNotification (1.6 §4.2, 2.0.1 B01);
            # after a lost connection the registration still holds.
            self._booted.set()
            log.info("%s: reconnected; registration still accepted", self.config.charger_id)
        else:
            await self._boot()
        await self.protocol.after_boot()
        await self.security.flush_events()  # queued security events (A04.FR.02)
        await self.protocol.send_all_status()
        if self.config.auto_charge:
            self.spawn(self._auto_charge())
        await self._heartbeat_loop()

    async def _boot(self) -> None:
        while True:
            reply = await self.call("BootNotification", self.protocol.boot_payload())
            interval = int(reply.get("interval", 0))
            if reply.get("status") == "Accepted":
                if interval > 0:
                    self.set_heartbeat_interval(interval)
                self.boot_count += 1
                self.security.booted(self.boot_reason)
                self._registered = True
                self.boot_reason = "PowerUp"
                self._booted.set()
                log.info("%s: BootNotification accepted (heartbeat every %d s)",
                         self.config.charger_id, self.protocol.heartbeat_interval())
                return
            # 1.6 §4.2 / 2.0.1 B02/B03: Pending or Rejected -> retry after `interval`.
            wait = interval if interval > 0 else 10
            log.info("%s: BootNotification %s; retrying in %d s", self.config.charger_id,
                     reply.get("status"), wait)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                await self.sleep_or_wake(deadline - time.monotonic())
                if not self.connected:
                    raise ConnectionClosed("disconnected while waiting to boot again")

    async def trigger_boot(self) -> None:
        reply = await self.call("BootNotification", self.protocol.boot_payload())
        if reply.get("status") == "Accepted" and int(reply.get("interval", 0)) > 0:
            self.set_heartbeat_interval(int(reply["interval"]))

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.protocol.set_heartbeat_interval(seconds)
        self.wake()

    async def _heartbeat_loop(self) -> None:
        # 1.6 §9.1.10: a heartbeat after HeartbeatInterval of inactivity.
        while self.connected:
            due = self._last_exchange + max(1, self.protocol.heartbeat_interval())
            remaining = due - time.monotonic()
            if remaining > 0:
                await self.sleep_or_wake(remaining)
                continue
            await self.send_heartbeat()

    async def send_heartbeat(self) -> None:
        await self.call("Heartbeat", {})

    async def _auto_charge(self) -> None:
        conn = self.connectors[1]
        if conn.tx is None and conn.operative:
            await self.start_charging(1, self.config.id_tag)

    async def start_charging(self, connector: int = 1, id_tag: str = "DEMO-TAG",
                             id_token_type: str = "ISO14443") -> bool:
        raise NotImplementedError  # charging is DemoCharger's (charger.py)

    # ============================================================== status
    async def send_status(self, conn: ConnectorState | None) -> None:
        await self.call("StatusNotification", self.protocol.status_payload(conn))

    async def set_status(self, conn: ConnectorState, status: str) -> None:
        """Record a connector status (in 1.6 terms) and report it when the version's
        status changed (2.x folds Preparing, Charging, ... into Occupied)."""
        old = conn.status
        conn.status = status
        if not self.booted:
            return  # reported after the next boot
        label = self.protocol.status_label
        if label(old) == label(status):
            return
        log.info("%s: connector %d %s", self.config.charger_id, conn.id, label(status))
        try:
            await self.send_status(conn)
        except (ConnectionClosed, CallTimeout, CallError) as exc:
            log.info("%s: status not sent: %s", self.config.charger_id, exc)

    def connector_for(self, connector_id: int | None) -> ConnectorState | None:
        """The named connector, or (None) the first free operative one."""
        if connector_id is None:
            for conn in self.connectors.values():
                if conn.tx is None and conn.operative:
                    return conn
            return None
        return self.connectors.get(int(connector_id))

    def change_availability(self, targets: list[ConnectorState], operative: bool) -> str:
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
                await self.set_status(conn, status)

        if changed:
            self.later(report)
        return "Scheduled" if scheduled else "Accepted"

    # ======================================================= transactions
    def cancel_loop(self, conn: ConnectorState) -> None:
        task = conn.loop_task
        conn.loop_task = None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    # =============================================================== reset
    async def reboot(self, reason: str) -> None:
        """Disconnect, forget volatile state, reconnect and boot again."""
        log.info("%s: rebooting (%s)", self.config.charger_id, reason)
        self._booted.clear()
        self._registered = False
        for conn in self.connectors.values():
            self.cancel_loop(conn)
            conn.tx = None
            conn.status = "Preparing" if conn.plugged else (
                "Available" if conn.operative else "Unavailable")
        self.boot_reason = reason
        # 2.x: after a reboot the first NetworkConfigurationPriority entry is used (B10.FR.04)
        url_after_reboot = getattr(self.protocol, "url_after_reboot", None)
        new_url = url_after_reboot() if url_after_reboot is not None else None
        if new_url:
            self.base_url = new_url
            self.url = new_url.rstrip("/") + "/" + self.config.charger_id
        await self.reconnect("reset")

    def drop_connection_now(self) -> None:
        """Cut the connection at once, no closing handshake, nothing more sent (quirk
        drops-answer: the answer being written is lost); run() connects again."""
        self._reconnect_now = True
        ws = self._ws
        if ws is not None:
            ws.transport.abort()

    async def reconnect(self, why: str) -> None:
        """Close the websocket; run() connects again at once."""
        self._reconnect_now = True
        ws = self._ws
        if ws is not None:
            await ws.close(1000, why[:100])
