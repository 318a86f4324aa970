"""The local central system: every connected charger's session and its Station.

Transports hand over raw frames and connection facts; this layer turns them
into RPC endpoints (which record and answer) and keeps the Station models.
Code above it asks ``call(charger, action, payload)`` and observes stations.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, Awaitable, Callable

from ..capture.store import CaptureStore
from ..core.records import ConnectionEvent, now_us
from ..core.rpc import ConnectionClosed, Reply, RpcEndpoint
from ..core.sessions import Handshake  # the transports gather it; kept importable from here
from ..core.versions import OcppVersion
from ..settings import CsmsSettings
from .refusals import advice_for
from ..core.events import Signal
from .adapters import OcppAdapter, adapter_for
from .certificates import CertificateManager
from .model import ConnectionRecord, ReportPart, Station
from .responder import CsmsResponder
from .transfers import TransferManager

log = logging.getLogger(__name__)


#: How many chargers that were only ever refused keep a card. Every refused id
#: used to stay for ever (10,000 refusals with distinct ids = 10,000 cards);
#: the refusals themselves stay in the capture as events.
REFUSED_ONLY_LIMIT = 200


class ChargerConnectedError(RuntimeError):
    """A connected charger cannot be forgotten: its session still needs the station."""


class ChargerSession:
    """One live connection of one charger."""

    def __init__(self, central: "CentralSystem", station: Station, endpoint: RpcEndpoint,
                 handshake: Handshake, close: Callable[[], Awaitable[None]]) -> None:
        self.central = central
        self.station = station
        self.endpoint = endpoint
        self.handshake = handshake
        self._close = close
        self._after_answer: list[Callable[[], None]] = []

    @property
    def charger_id(self) -> str:
        return self.station.charger_id

    @property
    def connection_id(self) -> int | None:
        return self.endpoint.connection_id

    async def receive(self, text: str) -> None:
        # Any frame, answers to our calls included, shows the charger is alive.
        self.station.last_message_us = now_us()
        try:
            await self.endpoint.receive(text)
        finally:
            self._run_after_answer()

    def after_answer(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the frame being handled is answered: a synchronous handler's
        answer has been recorded and written when ``endpoint.receive`` returns, so a CALL
        started from ``callback`` (CertificateSigned after SignCertificate) follows it."""
        self._after_answer.append(callback)

    def _run_after_answer(self) -> None:
        callbacks, self._after_answer = self._after_answer, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - one failing follow-up must not stop the link
                log.exception("follow-up after an answer to %s failed", self.charger_id)

    async def call(self, action: str, payload: Any, timeout: float | None = None,
                   *, allow_invalid: bool = False) -> Reply:
        return await self.endpoint.call_detailed(action, payload, timeout,
                                                 allow_invalid=allow_invalid)

    async def disconnect(self) -> None:
        await self._close()


class CentralSystem:
    """Stations, sessions and the policy that answers chargers."""

    def __init__(self, store: CaptureStore, settings: CsmsSettings | None = None) -> None:
        self.store = store
        self.settings = settings or CsmsSettings()
        self.stations: dict[str, Station] = {}
        self.sessions: dict[str, ChargerSession] = {}
        self.responder = CsmsResponder(self.settings, itertools.count(1))
        #: every NotifyReport part any charger sends (configuration reads listen to it)
        self.report_parts: Signal[ReportPart] = self.responder.report_parts
        #: a Station whenever what we know about it changes
        self.station_changed: Signal[Station] = Signal("station changed")
        #: CSR signing, certificates, security state of each charger (issue 15)
        self.certificates = CertificateManager(self)
        self.responder.sign_certificate = self.certificates.on_sign_certificate
        #: log fetches and firmware updates through the studio's file server (issue 16)
        self.transfers = TransferManager(self)
        self._closing: set[asyncio.Future] = set()
        # chargers known only from refused handshakes, oldest first
        self._refused_only: OrderedDict[str, None] = OrderedDict()
        self.refused_only_limit = REFUSED_ONLY_LIMIT

    # ------------------------------------------------------------ observing
    def station(self, charger_id: str) -> Station:
        if charger_id not in self.stations:
            self.stations[charger_id] = Station(charger_id)
        return self.stations[charger_id]

    # ---------------------------------------------------------- connections
    def record_refusal(self, handshake: Handshake, reason: str, http_status: int | None = None) -> None:
        """A charger tried to connect and was refused: keep the why."""
        detail = {**asdict(handshake), "reason": reason}
        if http_status is not None:
            detail["http_status"] = http_status
        event = ConnectionEvent(handshake.charger_id or "?", "refused", detail)
        self.store.record_event(event)
        log.info("refused %s from %s: %s", handshake.charger_id, handshake.remote, reason)
        if handshake.charger_id:
            # the charger list shows it, with what to change on the charger
            charger_id = handshake.charger_id
            if charger_id not in self.stations or charger_id in self._refused_only:
                self._refused_only[charger_id] = None
                self._refused_only.move_to_end(charger_id)
            station = self.station(charger_id)
            station.last_refusal = {**detail, "ts_us": event.ts_us, "advice": advice_for(detail)}
            self.station_changed.emit(station)
            self._drop_old_refused()

    def _drop_old_refused(self) -> None:
        while len(self._refused_only) > self.refused_only_limit:
            oldest, _ = self._refused_only.popitem(last=False)
            self._remove_station(oldest)

    def forget(self, charger_id: str) -> None:
        """Drop a charger's card; its frames and events stay in the capture.

        Raises KeyError for an unknown charger, ChargerConnectedError while it is connected.
        """
        if charger_id in self.sessions:
            raise ChargerConnectedError(
                f"Charger {charger_id!r} is connected; it can be forgotten once it disconnects")
        if charger_id not in self.stations:
            raise KeyError(charger_id)
        self._refused_only.pop(charger_id, None)
        self._remove_station(charger_id)
        log.info("forgot charger %s", charger_id)

    def _remove_station(self, charger_id: str) -> None:
        station = self.stations.pop(charger_id, None)
        if station is not None:
            # listeners (the charger list) drop its card when they see the flag
            station.forgotten = True
            self.station_changed.emit(station)

    def open_session(self, handshake: Handshake, version: OcppVersion,
                     send: Callable[[str], Awaitable[None]],
                     close: Callable[[], Awaitable[None]]) -> ChargerSession:
        connection_id = self.store.new_connection_id()
        detail = {**asdict(handshake), "version": version.label}
        self.store.record_event(ConnectionEvent(handshake.charger_id, "connected", detail,
                                                connection_id=connection_id))
        station = self.station(handshake.charger_id)
        self._refused_only.pop(handshake.charger_id, None)  # a real charger now: keep it
        previous = self.sessions.get(handshake.charger_id)
        if previous is not None:
            # The charger opened a new socket while we still hold the old one
            # (half-open connection): the new one wins.
            self._end(previous, None, "replaced by a new connection from the charger")
            self._closing.add(asyncio.ensure_future(previous.disconnect()))
        station.version = version
        station.connected = True
        station.last_refusal = None
        tls = handshake.extra.get("tls")
        station.connections.append(ConnectionRecord(
            connection_id, now_us(), handshake.remote, handshake.path,
            handshake.subprotocol or "", list(handshake.offered), handshake.auth_user,
            scheme=str(handshake.extra.get("scheme") or "ws"),
            tls=dict(tls) if isinstance(tls, dict) else None))
        self.certificates.refresh(station)  # the client certificate's expiry

        def handle(action: str, payload: Any) -> Any:
            answer = self.responder.respond(station, action, payload)
            self.station_changed.emit(station)
            return answer

        endpoint = RpcEndpoint(
            version=version, role="csms", charger_id=handshake.charger_id, send=send,
            recorder=self.store, handler=handle, connection_id=connection_id,
            tolerant=self.settings.tolerant, call_timeout=self.settings.call_timeout,
            max_calls_in_flight=self.settings.max_calls_in_flight)
        session = ChargerSession(self, station, endpoint, handshake, close)
        self.sessions[handshake.charger_id] = session
        self.station_changed.emit(station)
        return session

    def close_session(self, session: ChargerSession, code: int | None, reason: str) -> None:
        if self.sessions.get(session.charger_id) is session:
            self._end(session, code, reason)
        elif not session.endpoint.closed:
            session.endpoint.close(reason or "connection closed")

    def _end(self, session: ChargerSession, code: int | None, reason: str) -> None:
        station = session.station
        self.sessions.pop(session.charger_id, None)
        session.endpoint.close(reason or "connection closed")
        self.store.record_event(ConnectionEvent(
            station.charger_id, "disconnected", {"code": code, "reason": reason},
            connection_id=session.connection_id))
        station.connected = False
        for connection in reversed(station.connections):
            if connection.connection_id == session.connection_id:
                connection.disconnected_us = now_us()
                connection.close_code = code
                connection.close_reason = reason
                break
        self.station_changed.emit(station)

    # ------------------------------------------------------------ commands
    def session(self, charger_id: str) -> ChargerSession:
        session = self.sessions.get(charger_id)
        if session is None:
            known = "is not connected" if charger_id in self.stations else "has never connected"
            raise ConnectionClosed(f"Charger {charger_id!r} {known}")
        return session

    def version_of(self, charger_id: str) -> OcppVersion:
        """The OCPP version a charger last connected with (it may be offline now)."""
        station = self.stations.get(charger_id)
        if station is None or station.version is None:
            raise ConnectionClosed(f"Charger {charger_id!r} has never connected")
        return station.version

    def adapter(self, charger_id: str, timeout: float | None = None) -> OcppAdapter:
        """The adapter of the version the charger last connected with, bound to its calls
        (raises ConnectionClosed for a charger that never connected)."""
        async def call(action: str, payload: Any) -> Any:
            return await self.call(charger_id, action, payload, timeout)
        return adapter_for(self.version_of(charger_id), call)

    async def call(self, charger_id: str, action: str, payload: Any,
                   timeout: float | None = None, *, allow_invalid: bool = False) -> Any:
        """Send a CALL to a connected charger and return the answer's payload."""
        reply = await self.session(charger_id).call(action, payload, timeout,
                                                    allow_invalid=allow_invalid)
        return reply.payload

    async def call_detailed(self, charger_id: str, action: str, payload: Any,
                            timeout: float | None = None, *,
                            allow_invalid: bool = False) -> Reply:
        return await self.session(charger_id).call(action, payload, timeout,
                                                   allow_invalid=allow_invalid)
