"""The local CSMS websocket server (OCPP-J 1.6 §3, 2.0.1 Part 4 §3).

A charger connects to ``ws://HOST:PORT/<anything>/<chargerId>``; the last
path segment is its identity. The handshake (path, address, offered and
chosen subprotocol, Basic-auth user) is recorded as a connection event, and
so is every refusal with its reason: "wrong subprotocol" and "wrong password"
are among the commonest field faults.

With a ``WssListener`` (security profiles 2 and 3) the same requests are also served on a
``wss://`` port; each connection's TLS facts (version, cipher, client certificate) join its
handshake event, and a profile 3 refusal (certificate CN is not the charger id, ...) is
recorded like any other refusal and answered 403.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
from http import HTTPStatus
from typing import Callable, Sequence
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import (
    ConnectionClosed, HeaderLineTooLong, InvalidMessage, RequestLineTooLong, TooManyHeaders,
)
from websockets.http11 import Request, Response

from ..core.sessions import Handshake, SessionHost
from ..core.versions import SUPPORTED_SUBPROTOCOLS, OcppVersion
from ..core.wss import TlsRefusal, WssListener
from ..settings import CsmsSettings
from .addresses import charger_urls

log = logging.getLogger(__name__)

# Closing code when no OCPP subprotocol could be agreed: RFC 6455 1002 (protocol error).
CLOSE_NO_SUBPROTOCOL = 1002

#: OCPP 2.0.1 Part 4 §3.1.1 limits the identity to 48 characters (1.6 sets no limit):
#: a longer id is accepted but flagged on its connection event.
IDENTITY_LIMIT_201 = 48
#: Longer than this is no charger id but a misconfigured URL: refused with the reason.
IDENTITY_ABSURD = 255
#: Seconds a send may stay blocked (the charger stopped reading its socket, its
#: receive window is full) before the connection is closed. Without it the
#: connection lives for ever: the keepalive ping waits behind the full buffer.
WRITE_TIMEOUT = 30.0


NO_CHARGER_ID_REASON = ("The URL has no charger id (it ends with '/'): expected "
                        "ws://HOST:PORT/<path>/<chargerId>")


def charger_id_from_path(path: str) -> str:
    """The charger identity: the last path segment, percent-decoded.

    An empty last segment (``/ocpp/``) is no charger id: taking the segment
    before it would accept a charger called "ocpp" whose real id was lost.
    """
    return unquote(urlsplit(path).path.rsplit("/", 1)[-1])


def offered_subprotocols(request: Request) -> list[str]:
    offered: list[str] = []
    for header in request.headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(p.strip() for p in header.split(",") if p.strip())
    return offered


#: Which form of the stored password the charger sent ("text", "bytes"), None for neither.
PasswordMatcher = Callable[[bytes, str], str | None]

#: Why a refusal recorded from a failed TLS handshake names no charger and no address.
TLS_FAILURE_NOTE = ("TLS refused the connection before the charger sent its request: its id "
                    "and address are not known")


def text_password(received: bytes, stored: str) -> str | None:
    """The password as typed, compared in constant time (the default matcher)."""
    return "text" if hmac.compare_digest(received, stored.encode()) else None


def basic_auth_bytes(request: Request) -> tuple[str, bytes] | None:
    """User and password of the Basic-auth header, the password as bytes: a 1.6
    AuthorizationKey may be sent as the bytes its hex digits encode, seldom UTF-8."""
    header = request.headers.get("Authorization")
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, _, password = decoded.partition(b":")
    try:
        return user.decode("utf-8"), password
    except UnicodeDecodeError:
        return None


def basic_auth_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization")
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return user, password


class CsmsServer:
    """Accepts chargers and hands their frames to the central system (a SessionHost:
    station.central.CentralSystem, wired by the service)."""

    def __init__(self, central: SessionHost, settings: CsmsSettings | None = None,
                 write_timeout: float = WRITE_TIMEOUT, *, wss: WssListener | None = None,
                 password_matcher: PasswordMatcher = text_password) -> None:
        self.central = central
        self.settings: CsmsSettings = settings or central.settings
        self.write_timeout = write_timeout
        #: the optional ``wss://`` listener (its context and per-connection check)
        self.wss = wss
        self.password_matcher = password_matcher
        self._server: Server | None = None
        self._wss_server: Server | None = None

    @property
    def port(self) -> int:
        """The port actually listened on (useful when started with port 0)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server.sockets[0].getsockname()[1]

    @property
    def wss_port(self) -> int | None:
        """The ``wss://`` port actually listened on, None without a wss listener."""
        if self._wss_server is None:
            return None
        return self._wss_server.sockets[0].getsockname()[1]

    def urls(self) -> list[str]:
        urls = charger_urls(self.settings.host, self.port)
        if self.wss_port is not None:
            urls += ["wss://" + url.removeprefix("ws://")
                     for url in charger_urls(self.settings.host, self.wss_port)]
        return urls

    def record_tls_failure(self, failure: TlsRefusal) -> None:
        """OpenSSL refused a handshake on the wss port (unknown CA, expired, no common
        protocol, plain ws://): recorded as a refusal, though no charger id is known yet
        (connect ``WssEndpoint.handshake_failed`` here)."""
        handshake = Handshake(charger_id="", path="", remote="unknown", offered=[],
                              subprotocol=None,
                              extra={"scheme": "wss", "tls_failure": failure.kind,
                                     "note": TLS_FAILURE_NOTE})
        self.central.record_refusal(handshake, failure.reason)

    def _record_failed_request(self, connection: ServerConnection) -> None:
        """websockets refused the HTTP request before process_request saw it."""
        exc = connection.protocol.handshake_exc
        if isinstance(exc, InvalidMessage) and isinstance(exc.__cause__, EOFError):
            return  # connected and hung up without a request (port probe): no refusal
        status = _REQUEST_LIMITS.get(type(exc))
        if status == 414:
            reason = ("The URL is too long (over 8 KB); the studio refused it (HTTP 414): "
                      "check the backend URL set on the charger")
        elif status == 431:
            reason = ("The HTTP headers are too large or too many; the studio refused them "
                      "(HTTP 431)")
        else:
            reason = f"The charger did not send a valid websocket request: {exc}"
        handshake = Handshake(charger_id="", path="", remote=_remote(connection),
                              offered=[], subprotocol=None, extra={"error": str(exc)})
        self.central.record_refusal(handshake, reason, status)

    def _connection_factory(self) -> type[ServerConnection]:
        server = self

        class CsmsConnection(ServerConnection):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, **kwargs)  # type: ignore[arg-type]
                #: TLS facts and password form found in process_request, for the event
                self.handshake_facts: dict[str, object] = {}

            async def handshake(self, *args: object, **kwargs: object) -> None:
                try:
                    await super().handshake(*args, **kwargs)  # type: ignore[arg-type]
                finally:
                    if self.request is None and self.protocol.handshake_exc is not None:
                        server._record_failed_request(self)

        return CsmsConnection

    async def _listen(self, port: int, **kwargs: object) -> Server:
        # serve() must be created inside a running loop (DESIGN.md).
        return await serve(
            self._handle, self.settings.host, port,
            subprotocols=list(SUPPORTED_SUBPROTOCOLS),
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            max_size=self.settings.max_message_bytes,
            # OCPP-J frames are small; compression only costs CPU on chargers.
            compression=None,
            create_connection=self._connection_factory(),
            **kwargs,  # type: ignore[arg-type]
        )

    async def start(self) -> None:
        self._server = await self._listen(self.settings.port)
        log.info("CSMS listening on %s:%s", self.settings.host, self.port)
        if self.wss is not None:
            try:
                self._wss_server = await self._listen(self.wss.port, ssl=self.wss.context)
            except BaseException:
                await self.stop()  # the ws port must not stay open when wss cannot start
                raise
            log.info("CSMS listening on wss://%s:%s", self.settings.host, self.wss_port)

    async def stop(self) -> None:
        for server in (self._wss_server, self._server):
            if server is not None:
                server.close()
                await server.wait_closed()
        self._server = self._wss_server = None

    async def __aenter__(self) -> "CsmsServer":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------ handshake
    def _handshake(self, connection: ServerConnection, request: Request) -> Handshake:
        credentials = basic_auth_bytes(request)
        charger_id = charger_id_from_path(request.path)
        extra: dict[str, object] = {"user_agent": request.headers.get("User-Agent")}
        # what process_request learnt (TLS facts, password form) joins the "connected" event
        extra.update(getattr(connection, "handshake_facts", {}))
        if len(charger_id) > IDENTITY_LIMIT_201:
            extra["identity_warning"] = (
                f"The charger id is {len(charger_id)} characters long; OCPP 2.0.1 allows at "
                f"most {IDENTITY_LIMIT_201} (1.6 sets no limit)")
        return Handshake(
            charger_id=charger_id, path=request.path, remote=_remote(connection),
            offered=offered_subprotocols(request), subprotocol=None,
            auth_user=credentials[0] if credentials else None, extra=extra,
            local=str(connection.local_address[0]) if connection.local_address else "")

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        handshake = self._handshake(connection, request)
        if len(handshake.charger_id) > IDENTITY_ABSURD:
            length = len(handshake.charger_id)
            reason = (f"The charger id is {length} characters long; OCPP 2.0.1 allows at most "
                      f"{IDENTITY_LIMIT_201} and OCPP Studio refuses ids over {IDENTITY_ABSURD}: "
                      "check the backend URL set on the charger")
            # no card for a 'charger' whose name is a runaway URL; the event keeps its start
            handshake.charger_id = ""
            handshake.path = _shorten(handshake.path)
            handshake.extra["id_length"] = length
            self.central.record_refusal(handshake, reason, 400)
            return connection.respond(HTTPStatus.BAD_REQUEST, reason + "\n")
        if not handshake.charger_id:
            reason = NO_CHARGER_ID_REASON
            self.central.record_refusal(handshake, reason, 404)
            return connection.respond(HTTPStatus.NOT_FOUND, reason + "\n")
        if self.wss is not None and self.wss.check is not None:
            verdict = self.wss.check(connection.transport.get_extra_info("ssl_object"),
                                     handshake.charger_id)
            facts = verdict.event_fields()
            handshake.extra.update(facts)
            _remember(connection, facts)
            if verdict.refusal is not None:
                # profile 3: A00.FR.405 (CN = charger id), no certificate, expired, ...
                reason = verdict.refusal.reason
                self.central.record_refusal(handshake, reason, 403)
                return connection.respond(HTTPStatus.FORBIDDEN, reason + "\n")
            if verdict.client_authenticated:
                # profile 3: the certificate is the charger's credential, not a password
                # (1.6 security whitepaper §2.5, Table 8)
                _remember(connection, {"authenticated_by": "client certificate"})
                return None
        if self.settings.passwords:
            refusal = self._check_password(request, handshake)
            if refusal is not None:
                self.central.record_refusal(handshake, refusal, 401)
                response = connection.respond(HTTPStatus.UNAUTHORIZED, refusal + "\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPP Studio"'
                return response
            _remember(connection, {"password_form": handshake.extra["password_form"]})
        return None

    def _check_password(self, request: Request, handshake: Handshake) -> str | None:
        """Security whitepaper §3 (profile 1/2): user = charger id, per-charger password."""
        expected = self.settings.passwords.get(handshake.charger_id)
        if expected is None:
            return f"No password is set up for charger {handshake.charger_id!r}"
        credentials = basic_auth_bytes(request)
        if credentials is None:
            return "The charger sent no HTTP Basic credentials"
        user, password = credentials
        if user != handshake.charger_id:
            return f"Basic-auth user {user!r} is not the charger id {handshake.charger_id!r}"
        form = self.password_matcher(password, expected)
        if form is None:
            return f"Wrong password for charger {handshake.charger_id!r}"
        # 1.6 AuthorizationKey: hex text or the bytes it encodes (whitepaper A00.FR.205)
        handshake.extra["password_form"] = str(form)
        return None

    def _select_subprotocol(self, connection: ServerConnection,
                            offered: Sequence[str]) -> str | None:
        # The charger lists versions in order of preference (OCPP-J 1.6 §3.1.3);
        # take the first one we speak. None = finish the handshake without a
        # subprotocol; _handle then records why and closes (OCPP-J 1.6 §3.2).
        for name in offered:
            if name in SUPPORTED_SUBPROTOCOLS:
                return name
        return None

    # ----------------------------------------------------------- connection
    async def _handle(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        handshake = self._handshake(websocket, websocket.request)
        handshake.subprotocol = websocket.subprotocol
        version = self._version_for(handshake)
        if version is None:
            await self._refuse_subprotocol(websocket, handshake)
            return
        blocked: list[str] = []  # why we dropped the charger, if its socket stopped draining

        async def send(text: str) -> None:
            if _cannot_block(websocket, text):
                # the hot path: a timer per answer costs ~10 % of the server's time
                await websocket.send(text)
                return
            try:
                await asyncio.wait_for(websocket.send(text), self.write_timeout)
            except TimeoutError:
                reason = (f"the charger stopped reading: a send stayed blocked for more than "
                          f"{self.write_timeout:g} s")
                if not blocked:
                    blocked.append(reason)
                    log.warning("closing %s: %s", handshake.charger_id, reason)
                # a close frame would wait behind the same full buffer: drop TCP
                websocket.transport.abort()
                raise ConnectionError(reason) from None

        session = self.central.open_session(handshake, version, send, websocket.close)
        endpoint = getattr(session, "endpoint", None)  # the station's RpcEndpoint
        if endpoint is not None:
            endpoint.max_frame_bytes = getattr(self.settings, "max_frame_bytes", None)
        try:
            async for message in websocket:
                if isinstance(message, bytes):
                    # OCPP-J frames are UTF-8 text (§4.1.2); read it anyway and keep it.
                    message = message.decode("utf-8", errors="replace")
                await session.receive(message)
        except ConnectionClosed:
            pass
        finally:
            code, reason = _close_info(websocket, self.settings.max_message_bytes)
            if blocked:
                reason = f"{blocked[0]} [closed by studio]"
            self.central.close_session(session, code, reason)

    def _version_for(self, handshake: Handshake) -> OcppVersion | None:
        if handshake.subprotocol:
            return OcppVersion(handshake.subprotocol)
        if not handshake.offered and self.settings.accept_missing_subprotocol:
            handshake.extra["assumed_version"] = "1.6 (charger offered no subprotocol)"
            return OcppVersion.V16
        return None

    async def _refuse_subprotocol(self, websocket: ServerConnection, handshake: Handshake) -> None:
        if handshake.offered:
            reason = (f"Charger offered {', '.join(handshake.offered)}; OCPP Studio speaks "
                      f"{', '.join(SUPPORTED_SUBPROTOCOLS)}")
        else:
            reason = ("Charger offered no OCPP subprotocol (Sec-WebSocket-Protocol header "
                      "missing); set the OCPP version on the charger, or enable "
                      "'accept chargers without subprotocol'")
        self.central.record_refusal(handshake, reason)
        await websocket.close(CLOSE_NO_SUBPROTOCOL, "no supported OCPP subprotocol")


# websockets' own request limits (max line 8 KB, 128 headers) and the statuses it answers
_REQUEST_LIMITS: dict[type, int] = {
    RequestLineTooLong: 414, HeaderLineTooLong: 431, TooManyHeaders: 431}


def _cannot_block(websocket: ServerConnection, text: str) -> bool:
    """Whether sending ``text`` now only writes to the transport: websockets waits
    (drain) only once the write buffer is over its high-water mark, and this frame,
    at 4 bytes a character at most, cannot take it there."""
    transport = websocket.transport
    if websocket.paused or transport.is_closing():
        return False
    high = transport.get_write_buffer_limits()[1]
    return transport.get_write_buffer_size() + 4 * len(text) + 16 < high


def _remember(connection: ServerConnection, facts: dict[str, object]) -> None:
    """Keep what process_request learnt for the handshake event _handle records."""
    getattr(connection, "handshake_facts", {}).update(facts)


def _remote(connection: ServerConnection) -> str:
    remote = connection.remote_address
    return f"{remote[0]}:{remote[1]}" if remote else "?"


def _shorten(text: str, keep: int = 120) -> str:
    return text if len(text) <= keep else f"{text[:keep]}… ({len(text)} characters)"


def _close_info(websocket: ServerConnection, max_size: int) -> tuple[int | None, str]:
    """Close code and reason: the charger's if it sent a close frame, else ours.

    When we fail a connection (frame too big, protocol error) websockets sends
    its close frame and drops TCP without waiting for the echo, so the
    received code would be a meaningless 1006.
    """
    protocol = websocket.protocol
    frame = protocol.close_rcvd or protocol.close_sent
    if frame is None:
        return 1006, "connection lost without a closing handshake"
    reason = frame.reason
    if frame.code == 1009:
        reason = f"frame larger than the maximum message size ({reason or max_size})"
    side = "charger" if protocol.close_rcvd is not None else "studio"
    return frame.code, f"{reason} [closed by {side}]" if reason else f"closed by {side}"


async def run_forever(server: CsmsServer) -> None:
    await server.start()
    try:
        await asyncio.Future()
    finally:
        await server.stop()
