"""The logging proxy: a relay between a charger and its real CSMS.

A charger connects to ``ws://HOST:PORT/<path>/<chargerId>``; the proxy opens
a websocket to ``upstream_base + <path>/<chargerId>``, offering the charger's
subprotocols and forwarding its Basic-auth header, then relays every message
both ways unchanged. Each message is recorded in the capture first (with
pairing and latency per leg), then forwarded.

If the upstream refuses or cannot be reached, the charger connection is closed
(so the charger's own reconnect logic runs) and the refusal is recorded. If
either side closes, the other is closed with the same code when it is valid.

The studio may inject CALLs to the charger (``inject``); their ids start with
``studio-`` so they never collide with the CSMS's own, and the charger's answers
are consumed here, never forwarded upstream.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any, Sequence

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.http11 import Request

from ..capture.store import CaptureStore
from ..core.frames import FrameError, MessageType, call_text, parse_frame
from ..core.records import CallState, ConnectionEvent, Direction, FrameRecord, now_us
from ..core.rpc import CallError, CallTimeout
from ..core.rpc import ConnectionClosed as RpcConnectionClosed
from .websocket_server import basic_auth_credentials, charger_id_from_path, offered_subprotocols

log = logging.getLogger(__name__)

INJECT_PREFIX = "studio-"
# RFC 6455 §7.4.1: 1011 = server hit an unexpected condition, 1013 = try again later.
CLOSE_UPSTREAM_REFUSED = 1011
CLOSE_UPSTREAM_UNREACHABLE = 1013
DEFAULT_MAX_SIZE = 2**20


def valid_close_code(code: int | None) -> bool:
    """Codes that may be sent in a close frame (1005, 1006, 1015 may not)."""
    if code is None:
        return False
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


def new_inject_id() -> str:
    """``studio-`` + 20 hex digits: 27 characters, within the 36 allowed."""
    return INJECT_PREFIX + uuid.uuid4().hex[:20]


@dataclass
class _Pending:
    row_id: int
    action: str
    sent_us: int


@dataclass
class _Session:
    charger_id: str
    connection_id: int
    charger: ServerConnection
    upstream: ClientConnection | None = None
    upstream_url: str = ""
    failure: tuple[str, str, int | None] | None = None  # (cause, reason, http status)
    # Calls waiting for an answer, keyed by unique id, per direction the CALL went.
    pending_to_csms: dict[str, _Pending] = field(default_factory=dict)
    pending_to_charger: dict[str, _Pending] = field(default_factory=dict)
    # Calls injected by the studio: id -> (pending, future of the response frame)
    injected: dict[str, tuple[_Pending, asyncio.Future]] = field(default_factory=dict)
    abandoned: set[str] = field(default_factory=set)  # injected ids that timed out


class LoggingProxy:
    """Relay chargers to an upstream CSMS, recording both legs in ``store``."""

    def __init__(self, store: CaptureStore, upstream_base: str, host: str = "127.0.0.1",
                 port: int = 0, ssl_context: ssl.SSLContext | None = None, *,
                 upstream_ssl: ssl.SSLContext | None = None, upstream_ca_file: str | None = None,
                 open_timeout: float = 10.0, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self.store = store
        self.upstream_base = upstream_base.rstrip("/")
        self.host = host
        self._port = port
        self.ssl_context = ssl_context
        if upstream_ssl is None and upstream_ca_file:
            # Verify the upstream against the given CA (hostname checks stay on).
            upstream_ssl = ssl.create_default_context(cafile=upstream_ca_file)
        # None with a wss:// URL: websockets uses the system CAs and verifies (the default).
        self.upstream_ssl = upstream_ssl
        self.open_timeout = open_timeout
        self.max_size = max_size
        self._server: Server | None = None
        self._handshakes: dict[ServerConnection, _Session] = {}
        self.sessions: dict[str, _Session] = {}

    # ------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("proxy not started")
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await serve(
            self._handle, self.host, self._port, ssl=self.ssl_context,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
            max_size=self.max_size, compression=None)
        log.info("proxy listening on %s:%s -> %s", self.host, self.port, self.upstream_base)

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

    # ------------------------------------------------------------ handshake
    async def _process_request(self, connection: ServerConnection, request: Request) -> None:
        """Open the upstream before answering the charger, so the charger gets
        the subprotocol the upstream chose."""
        charger_id = charger_id_from_path(request.path)
        session = _Session(charger_id=charger_id, connection_id=self.store.new_connection_id(),
                           charger=connection, upstream_url=self.upstream_url(request.path))
        self._handshakes[connection] = session
        offered = offered_subprotocols(request)
        headers: dict[str, str] = {}
        if request.headers.get("Authorization"):
            headers["Authorization"] = request.headers["Authorization"]
        kwargs: dict[str, Any] = {}
        if session.upstream_url.startswith("wss:") and self.upstream_ssl is not None:
            kwargs["ssl"] = self.upstream_ssl
        try:
            session.upstream = await connect(
                session.upstream_url, subprotocols=offered or None, additional_headers=headers,
                user_agent_header=request.headers.get("User-Agent"),
                open_timeout=self.open_timeout, max_size=self.max_size, compression=None,
                ping_interval=None, **kwargs)
        except InvalidStatus as exc:
            status = exc.response.status_code
            body = exc.response.body.decode("utf-8", "replace").strip() if exc.response.body else ""
            session.failure = ("upstream_refused",
                               f"upstream answered HTTP {status}" + (f": {body}" if body else ""),
                               status)
        except (OSError, asyncio.TimeoutError, InvalidHandshake) as exc:
            session.failure = ("upstream_unreachable",
                               f"upstream unreachable: {type(exc).__name__}: {exc}", None)
        return None

    def _select_subprotocol(self, connection: ServerConnection,
                            offered: Sequence[str]) -> str | None:
        session = self._handshakes.get(connection)
        if session is None or session.upstream is None:
            return None
        return session.upstream.subprotocol

    # ----------------------------------------------------------- connection
    async def _handle(self, websocket: ServerConnection) -> None:
        session = self._handshakes.pop(websocket, None)
        assert websocket.request is not None
        request = websocket.request
        credentials = basic_auth_credentials(request)
        remote = websocket.remote_address
        handshake = {
            "path": request.path, "remote": f"{remote[0]}:{remote[1]}" if remote else "?",
            "offered": offered_subprotocols(request), "subprotocol": websocket.subprotocol,
            "auth_user": credentials[0] if credentials else None,
        }
        if session is None or session.upstream is None:
            cause, reason, status = (session.failure if session and session.failure
                                     else ("upstream_unreachable", "no upstream connection", None))
            code = CLOSE_UPSTREAM_REFUSED if cause == "upstream_refused" else CLOSE_UPSTREAM_UNREACHABLE
            charger_id = session.charger_id if session else charger_id_from_path(request.path)
            self.store.record_event(ConnectionEvent(
                charger_id, "refused", connection_id=session.connection_id if session else None,
                detail={**handshake, "cause": cause, "reason": reason, "status": status,
                        "upstream": session.upstream_url if session else self.upstream_url(request.path),
                        "close_code": code}))
            await websocket.close(code, reason[:120])
            return
        upstream = session.upstream
        self.store.record_event(ConnectionEvent(
            session.charger_id, "connected", connection_id=session.connection_id,
            detail={**handshake, "upstream": session.upstream_url,
                    "upstream_subprotocol": upstream.subprotocol, "proxy": True}))
        self.sessions[session.charger_id] = session
        from_charger = asyncio.create_task(self._pump(session, websocket, upstream, Direction.TO_CSMS))
        from_upstream = asyncio.create_task(self._pump(session, upstream, websocket, Direction.TO_CHARGER))
        code: int | None = None
        reason, closed_by, forward = "", "proxy", 1001
        try:
            done, _ = await asyncio.wait({from_charger, from_upstream},
                                         return_when=asyncio.FIRST_COMPLETED)
            first, closed_by, other = ((websocket, "charger", upstream) if from_charger in done
                                       else (upstream, "upstream", websocket))
            code, reason = first.close_code, first.close_reason or ""
            forward = code if valid_close_code(code) else 1001
            await other.close(forward, reason if valid_close_code(code) else
                              f"{closed_by} connection lost")
            await asyncio.gather(from_charger, from_upstream, return_exceptions=True)
        finally:
            for task in (from_charger, from_upstream):
                task.cancel()
            if self.sessions.get(session.charger_id) is session:
                self.sessions.pop(session.charger_id, None)
            for _pending, future in session.injected.values():
                if not future.done():
                    future.set_exception(RpcConnectionClosed("charger disconnected"))
            await upstream.close()
        self.store.record_event(ConnectionEvent(
            session.charger_id, "disconnected", connection_id=session.connection_id,
            detail={"code": code, "reason": reason, "closed_by": closed_by,
                    "forwarded_code": forward, "upstream": session.upstream_url,
                    "charger_code": websocket.close_code, "upstream_code": upstream.close_code}))

    async def _pump(self, session: _Session, source: Any, target: Any, direction: Direction) -> None:
        try:
            async for message in source:
                if self._record(session, message, direction):
                    await target.send(message)
        except ConnectionClosed:
            pass

    # ------------------------------------------------------------ recording
    def _record(self, session: _Session, message: str | bytes, direction: Direction) -> bool:
        """Record one relayed message; return whether it is to be forwarded."""
        received_us = now_us()
        raw = message if isinstance(message, str) else message.decode("utf-8", errors="replace")
        record = FrameRecord(session.charger_id, direction, raw, ts_us=received_us,
                             connection_id=session.connection_id)
        try:
            frame = parse_frame(raw)
        except FrameError as exc:
            record.message_type = exc.message_type
            record.unique_id = exc.unique_id
            record.problem = str(exc)
            self.store.record_frame(record)
            return True
        record.message_type = int(frame.message_type)
        record.unique_id = frame.unique_id
        if frame.message_type is MessageType.CALL:
            record.action = frame.action
            record.state = CallState.PENDING.value
            row_id = self.store.record_frame(record)
            pending = (session.pending_to_csms if direction is Direction.TO_CSMS
                       else session.pending_to_charger)
            pending[frame.unique_id] = _Pending(row_id, frame.action or "", received_us)
            return True
        # A response: it answers a CALL that went the other way.
        is_error = frame.message_type is MessageType.CALLERROR
        record.error_code = frame.error_code
        state = CallState.ERROR if is_error else CallState.ANSWERED
        injected = None
        if direction is Direction.TO_CSMS:
            injected = session.injected.pop(frame.unique_id, None)
            pending = injected[0] if injected else session.pending_to_charger.pop(frame.unique_id, None)
        else:
            pending = session.pending_to_csms.pop(frame.unique_id, None)
        if pending is None:
            late = direction is Direction.TO_CSMS and frame.unique_id in session.abandoned
            record.state = (CallState.LATE if late else CallState.UNMATCHED).value
            self.store.record_frame(record)
            if late:
                session.abandoned.discard(frame.unique_id)
                return False
            return True
        record.action = pending.action
        record.pair_id = pending.row_id
        record.latency_ms = (received_us - pending.sent_us) / 1000
        record.state = state.value
        self.store.record_response(record, state.value)
        if injected is not None:
            if not injected[1].done():
                injected[1].set_result(frame)
            return False
        return True

    # ------------------------------------------------------------ injection
    async def inject(self, charger_id: str, action: str, payload: Any,
                     timeout: float = 30) -> Any:
        """Send a CALL to a proxied charger; return its CALLRESULT payload.

        Raises CallError for a CALLERROR, CallTimeout without an answer in time,
        KeyError when the charger is not connected through the proxy.
        """
        session = self.sessions[charger_id]
        unique_id = new_inject_id()
        text = call_text(unique_id, action, payload)
        sent_us = now_us()
        record = FrameRecord(charger_id, Direction.TO_CHARGER, text, ts_us=sent_us,
                             connection_id=session.connection_id,
                             message_type=int(MessageType.CALL), unique_id=unique_id,
                             action=action, state=CallState.PENDING.value)
        row_id = self.store.record_frame(record)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        session.injected[unique_id] = (_Pending(row_id, action, sent_us), future)
        try:
            await session.charger.send(text)
            frame = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            session.injected.pop(unique_id, None)
            session.abandoned.add(unique_id)
            self.store.set_call_state(row_id, CallState.TIMEOUT.value)
            raise CallTimeout(f"{action} {unique_id}: no answer within {timeout} s") from None
        except ConnectionClosed:
            session.injected.pop(unique_id, None)
            self.store.set_call_state(row_id, CallState.LOST.value)
            raise RpcConnectionClosed("charger disconnected") from None
        except RpcConnectionClosed:
            self.store.set_call_state(row_id, CallState.LOST.value)
            raise
        if frame.message_type is MessageType.CALLERROR:
            raise CallError(frame.error_code or "", frame.error_description or "",
                            frame.payload if isinstance(frame.payload, dict) else None)
        return frame.payload
