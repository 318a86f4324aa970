"""The logging proxy: a relay between a charger and its real CSMS.

A charger connects to ``ws[s]://HOST:PORT/<path>/<chargerId>``; the proxy opens
a websocket to ``upstream_base + <path>/<chargerId>``, offering the charger's
subprotocols and forwarding its Basic-auth header, then relays every message
both ways unchanged. Each message is recorded in the capture first (with
pairing and latency per leg), then forwarded.

If the upstream refuses, cannot be reached or shows a certificate we do not
trust, the charger connection is closed (so the charger's own reconnect logic
runs) and the refusal is recorded. If either side closes, the other is closed
with the same code when it is valid. A charger that connects again while its
old connection is still open replaces it, as a real CSMS does: the old charger
leg and its upstream leg are closed and the reason recorded.

The proxy only moves bytes: each message goes to the connection's passive
endpoint (``core.observed.ObservedEndpoint``), which parses, checks, pairs and
records it, and says whether to forward it. The studio may inject CALLs to the
charger (``inject_detailed``); their ids start with ``studio-`` so they never
collide with the CSMS's own, and the charger's answers — late ones included —
are consumed by the endpoint, never forwarded upstream.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from http import HTTPStatus
from dataclasses import dataclass
from typing import Any, Sequence

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.http11 import Request, Response
from urllib.parse import urlsplit, urlunsplit

from ..core.events import Signal
from ..core.observed import STUDIO_ID_PREFIX, ObservedCards, ObservedEndpoint, new_studio_id
from ..core.pairing import Reply
from ..core.records import ConnectionEvent, Direction, now_us
from ..core.sessions import RelayStore
from ..core.versions import OcppVersion
from .websocket_server import (NO_CHARGER_ID_REASON, basic_auth_credentials, charger_id_from_path,
                               offered_subprotocols)

log = logging.getLogger(__name__)

INJECT_PREFIX = STUDIO_ID_PREFIX
#: the source name of proxied chargers' cards (station.observed.PROXY)
PROXY = "proxy"
# RFC 6455 §7.4.1: 1011 = server hit an unexpected condition, 1013 = try again later.
CLOSE_UPSTREAM_REFUSED = 1011
CLOSE_UPSTREAM_UNREACHABLE = 1013
CLOSE_REPLACED = 1000
REPLACED_REASON = "replaced by a new connection of the same charger"
DEFAULT_MAX_SIZE = 2**20


def valid_close_code(code: int | None) -> bool:
    """Codes that may be sent in a close frame (1005, 1006, 1015 may not)."""
    if code is None:
        return False
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


new_inject_id = new_studio_id


def check_upstream_url(url: str) -> str:
    """The upstream base URL, or ValueError in plain words when it is not ws(s)://."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("ws", "wss") or not url.split("://", 1)[1].strip("/"):
        raise ValueError(f"the upstream must be a ws:// or wss:// address, not {url!r}")
    return url


def server_ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A TLS server context for listening on wss:// (OCPP-J 1.6 §6.2).

    Raises OSError (ssl.SSLError is one) when the files cannot be read or do not match.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # Security whitepaper A00.FR.312: TLS 1.2 or above.
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


def upstream_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """Verify the upstream's certificate and host name against the system CAs,
    plus ``ca_file`` when given (security whitepaper A00.FR.307)."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


@dataclass(frozen=True)
class ProxiedCharger:
    """A charger connected through the proxy, as the GUI shows it."""

    charger_id: str
    version: OcppVersion | None  # from the negotiated subprotocol; None when none was agreed
    remote: str  # "address:port" of the charger
    upstream_url: str
    connected_since_us: int
    connection_id: int | None = None
    connected: bool = True  # False in the news that it left


@dataclass
class _Session:
    charger_id: str
    connection_id: int
    charger: ServerConnection
    upstream: ClientConnection | None = None
    upstream_url: str = ""
    failure: tuple[str, str, int | None] | None = None  # (cause, reason, http status)
    remote: str = "?"
    version: OcppVersion | None = None
    connected_since_us: int = 0
    replaced_by: int | None = None  # connection id of the connection that replaced this one
    gone_announced: bool = False
    # The relayed frames: parsed, schema-checked, paired, recorded (set once connected).
    observed: ObservedEndpoint | None = None

    def public(self, connected: bool = True) -> ProxiedCharger:
        return ProxiedCharger(self.charger_id, self.version, self.remote, self.upstream_url,
                              self.connected_since_us, self.connection_id, connected)


def _version_of(subprotocol: str | None) -> OcppVersion | None:
    try:
        return OcppVersion(subprotocol) if subprotocol else None
    except ValueError:
        return None


class LoggingProxy:
    """Relay chargers to an upstream CSMS, recording both legs in ``store``."""

    def __init__(self, store: RelayStore, upstream_base: str, host: str = "127.0.0.1",
                 port: int = 0, ssl_context: ssl.SSLContext | None = None, *,
                 upstream_ssl: ssl.SSLContext | None = None, upstream_ca_file: str | None = None,
                 open_timeout: float = 10.0, max_size: int = DEFAULT_MAX_SIZE,
                 stations: ObservedCards | None = None) -> None:
        self.store = store
        #: the proxied chargers' cards (identity, connectors) for the charger list
        self.stations = stations
        self.upstream_base = check_upstream_url(upstream_base).rstrip("/")
        self.host = host
        self._port = port
        self.ssl_context = ssl_context
        if upstream_ssl is None and upstream_ca_file:
            # Verify the upstream against the given CA too (hostname checks stay on).
            upstream_ssl = upstream_ssl_context(upstream_ca_file)
        # None with a wss:// URL: websockets uses the system CAs and verifies (the default).
        self.upstream_ssl = upstream_ssl
        self.open_timeout = open_timeout
        self.max_size = max_size
        self._server: Server | None = None
        self._handshakes: dict[ServerConnection, _Session] = {}
        self.sessions: dict[str, _Session] = {}
        #: A charger connected (``connected`` True) or left (False), on the loop. A
        #: charger that replaces its own old connection is announced as leaving (the
        #: old one) before it is announced as connected.
        self.charger_changed: Signal[ProxiedCharger] = Signal("proxied charger")
        self._closing: set[asyncio.Future] = set()

    # ------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("proxy not started")
        return self._server.sockets[0].getsockname()[1]

    @property
    def scheme(self) -> str:
        """"wss" when listening with TLS, else "ws"."""
        return "wss" if self.ssl_context is not None else "ws"

    async def start(self) -> None:
        """Listen (raises OSError when the port is taken)."""
        self._server = await serve(
            self._handle, self.host, self._port, ssl=self.ssl_context,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
            max_size=self.max_size, compression=None)
        log.info("proxy listening on %s:%s -> %s", self.host, self.port,
                 without_credentials(self.upstream_base))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> "LoggingProxy":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def upstream_url(self, path: str) -> str:
        return self.upstream_base + (path if path.startswith("/") else "/" + path)

    # ------------------------------------------------------------ observing
    def chargers(self) -> list[ProxiedCharger]:
        """The chargers connected through the proxy now, oldest connection first."""
        sessions = sorted(self.sessions.values(), key=lambda s: s.connected_since_us)
        return [session.public() for session in sessions]

    def _announce(self, session: _Session, connected: bool) -> None:
        if not connected:
            if session.gone_announced:
                return
            session.gone_announced = True
        self.charger_changed.emit(session.public(connected))

    # ------------------------------------------------------------ handshake
    async def _process_request(self, connection: ServerConnection,
                               request: Request) -> Response | None:
        """Open the upstream before answering the charger, so the charger gets
        the subprotocol the upstream chose (OCPP-J 1.6 §3.1.2)."""
        charger_id = charger_id_from_path(request.path)
        if not charger_id:
            return self._refuse_without_id(connection, request)
        session = _Session(charger_id=charger_id, connection_id=self.store.new_connection_id(),
                           charger=connection, upstream_url=self.upstream_url(request.path))
        self._handshakes[connection] = session
        # Mark the old connection first: the upstream may drop its old leg as soon
        # as the new one opens, and that must be recorded as a replacement.
        previous = self.sessions.get(charger_id)
        if previous is not None:
            previous.replaced_by = session.connection_id
        session.upstream, session.failure = await self._open_upstream(session.upstream_url, request)
        if session.upstream is None and previous is not None \
                and previous.replaced_by == session.connection_id:
            previous.replaced_by = None
        return None

    def _refuse_without_id(self, connection: ServerConnection, request: Request) -> Response:
        """``/ocpp/`` names no charger (OCPP-J §3.1.1: the URL ends with the charger's
        identity): refuse it as the central system does, without troubling the upstream."""
        reason = NO_CHARGER_ID_REASON
        remote = connection.remote_address
        self.store.record_event(ConnectionEvent(
            "", "refused", connection_id=self.store.new_connection_id(),
            detail={"path": request.path, "remote": f"{remote[0]}:{remote[1]}" if remote else "?",
                    "offered": offered_subprotocols(request), "cause": "no_charger_id",
                    "reason": reason, "status": 404, "upstream": None}))
        return connection.respond(HTTPStatus.NOT_FOUND, reason + "\n")

    async def _open_upstream(self, url: str, request: Request
                             ) -> tuple[ClientConnection | None, tuple[str, str, int | None] | None]:
        offered = offered_subprotocols(request)
        headers: dict[str, str] = {}
        if request.headers.get("Authorization"):
            headers["Authorization"] = request.headers["Authorization"]
        kwargs: dict[str, Any] = {}
        if url.startswith("wss:") and self.upstream_ssl is not None:
            kwargs["ssl"] = self.upstream_ssl
        try:
            upstream = await connect(
                url, subprotocols=offered or None, additional_headers=headers,
                user_agent_header=request.headers.get("User-Agent"),
                open_timeout=self.open_timeout, max_size=self.max_size, compression=None,
                ping_interval=None, **kwargs)
        except InvalidStatus as exc:
            status = exc.response.status_code
            body = exc.response.body.decode("utf-8", "replace").strip() if exc.response.body else ""
            return None, ("upstream_refused",
                          f"upstream answered HTTP {status}" + (f": {body}" if body else ""), status)
        except ssl.SSLCertVerificationError as exc:
            return None, ("upstream_untrusted",
                          f"the upstream's certificate is not trusted ({exc.verify_message}); "
                          "give its CA with --ca-file if you trust it", None)
        except (OSError, asyncio.TimeoutError, InvalidHandshake) as exc:
            return None, ("upstream_unreachable",
                          f"upstream unreachable: {type(exc).__name__}: {exc}", None)
        return upstream, None

    def _select_subprotocol(self, connection: ServerConnection,
                            offered: Sequence[str]) -> str | None:
        session = self._handshakes.get(connection)
        if session is None or session.upstream is None:
            return None
        return session.upstream.subprotocol

    # ----------------------------------------------------------- connection
    async def _handle(self, websocket: ServerConnection) -> None:
        session = self._handshakes.pop(websocket, None)
        handshake = _handshake_detail(websocket)
        if session is None or session.upstream is None:
            await self._refuse(websocket, session, handshake)
            return
        upstream = session.upstream
        session.remote = handshake["remote"]
        session.version = _version_of(websocket.subprotocol)
        session.connected_since_us = now_us()
        session.observed = ObservedEndpoint(self.store.relay_recorder(), session.charger_id,
                                            session.version,
                                            connection_id=session.connection_id,
                                            cards=self.stations, source=PROXY)
        if self.stations is not None:
            self.stations.set_connected(session.charger_id, PROXY, True, session.version)
        self.store.record_event(ConnectionEvent(
            session.charger_id, "connected", connection_id=session.connection_id,
            detail={**handshake, "upstream": session.upstream_url,
                    "upstream_subprotocol": upstream.subprotocol, "proxy": True}))
        self._activate(session)
        try:
            ending = await self._relay(session, websocket, upstream)
        finally:
            self._deactivate(session)
            session.observed.close()  # calls still open (relayed or injected) are lost
            if self.stations is not None and session.replaced_by is None:
                self.stations.set_connected(session.charger_id, PROXY, False)
            await upstream.close()
        self.store.record_event(ConnectionEvent(
            session.charger_id, "disconnected", connection_id=session.connection_id,
            detail={**ending, "upstream": session.upstream_url,
                    "charger_code": websocket.close_code, "upstream_code": upstream.close_code}))

    async def _refuse(self, websocket: ServerConnection, session: _Session | None,
                      handshake: dict[str, Any]) -> None:
        """The upstream would not have the charger: close it with the reason
        (RFC 6455 §7.4.1 codes), so its own reconnect logic runs."""
        cause, reason, status = (session.failure if session and session.failure
                                 else ("upstream_unreachable", "no upstream connection", None))
        code = CLOSE_UPSTREAM_REFUSED if cause == "upstream_refused" else CLOSE_UPSTREAM_UNREACHABLE
        charger_id = session.charger_id if session else charger_id_from_path(handshake["path"])
        self.store.record_event(ConnectionEvent(
            charger_id, "refused", connection_id=session.connection_id if session else None,
            detail={**handshake, "cause": cause, "reason": reason, "status": status,
                    "upstream": session.upstream_url if session else self.upstream_url(handshake["path"]),
                    "close_code": code}))
        await websocket.close(code, reason[:120])

    def _activate(self, session: _Session) -> None:
        """Register a live session; a previous one of the same charger is closed:
        the newer connection wins, as with a real CSMS."""
        previous = self.sessions.get(session.charger_id)
        if previous is not None:
            previous.replaced_by = session.connection_id
            self._announce(previous, False)
            closing = asyncio.ensure_future(previous.charger.close(CLOSE_REPLACED, REPLACED_REASON))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        self.sessions[session.charger_id] = session
        self._announce(session, True)

    def _deactivate(self, session: _Session) -> None:
        if self.sessions.get(session.charger_id) is session:
            self.sessions.pop(session.charger_id, None)
        self._announce(session, False)

    async def _relay(self, session: _Session, websocket: ServerConnection,
                     upstream: ClientConnection) -> dict[str, Any]:
        """Pump both ways until one side closes; close the other; say how it ended."""
        from_charger = asyncio.create_task(self._pump(session, websocket, upstream, Direction.TO_CSMS))
        from_upstream = asyncio.create_task(self._pump(session, upstream, websocket, Direction.TO_CHARGER))
        try:
            done, _ = await asyncio.wait({from_charger, from_upstream},
                                         return_when=asyncio.FIRST_COMPLETED)
            first, closed_by, other = ((websocket, "charger", upstream) if from_charger in done
                                       else (upstream, "upstream", websocket))
            code, reason = first.close_code, first.close_reason or ""
            forward, forward_reason = (code, reason) if valid_close_code(code) else \
                (1001, f"{closed_by} connection lost")
            if session.replaced_by is not None:
                closed_by, reason = "proxy", f"{REPLACED_REASON} (connection {session.replaced_by})"
                forward, forward_reason = CLOSE_REPLACED, REPLACED_REASON
            await other.close(forward, forward_reason)
            await asyncio.gather(from_charger, from_upstream, return_exceptions=True)
        finally:
            for task in (from_charger, from_upstream):
                task.cancel()
        return {"code": code, "reason": reason, "closed_by": closed_by, "forwarded_code": forward}

    async def _pump(self, session: _Session, source: Any, target: Any, direction: Direction) -> None:
        observed = session.observed
        assert observed is not None
        try:
            async for message in source:
                # recorded first; the answers to the studio's injected calls stay here
                raw = message if isinstance(message, str) else \
                    message.decode("utf-8", errors="replace")
                forward = observed.relay(raw, direction)
                try:
                    if forward:
                        await target.send(message)
                finally:
                    observed.check_relayed()  # checked once passed on (journal.py)
        except ConnectionClosed:
            pass

    # ------------------------------------------------------------ injection
    async def inject(self, charger_id: str, action: str, payload: Any,
                     timeout: float = 30) -> Any:
        """Send a CALL to a proxied charger; return its CALLRESULT payload
        (see ``inject_detailed``)."""
        return (await self.inject_detailed(charger_id, action, payload, timeout)).payload

    async def inject_detailed(self, charger_id: str, action: str, payload: Any,
                              timeout: float = 30) -> Reply:
        """Send a CALL to a proxied charger; return its answer with the schema
        violations it has (for the charger's OCPP version), latency and record id.

        Raises CallError for a CALLERROR, CallTimeout without an answer in time,
        core.rpc.ConnectionClosed when the charger leaves first, KeyError when the
        charger is not connected through the proxy.
        """
        session = self.sessions[charger_id]
        assert session.observed is not None
        return await session.observed.call_detailed(action, payload, session.charger.send,
                                                    timeout)


def without_credentials(url: str) -> str:
    """The URL with any ``user:password@`` removed: credentials never reach the log."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="•••@" + parts.netloc.rsplit("@", 1)[1]))


def _handshake_detail(websocket: ServerConnection) -> dict[str, Any]:
    """What the charger said when it opened its websocket, for the capture."""
    assert websocket.request is not None
    request = websocket.request
    credentials = basic_auth_credentials(request)
    remote = websocket.remote_address
    return {"path": request.path, "remote": f"{remote[0]}:{remote[1]}" if remote else "?",
            "offered": offered_subprotocols(request), "subprotocol": websocket.subprotocol,
            "auth_user": credentials[0] if credentials else None}
