"""The local CSMS websocket server (OCPP-J 1.6 §3, 2.0.1 Part 4 §3).

A charger connects to ``ws://HOST:PORT/<anything>/<chargerId>``; the last
path segment is its identity. The handshake (path, address, offered and
chosen subprotocol, Basic-auth user) is recorded as a connection event, and
so is every refusal with its reason: "wrong subprotocol" and "wrong password"
are among the commonest field faults.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
from http import HTTPStatus
from typing import Sequence
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..core.versions import SUPPORTED_SUBPROTOCOLS, OcppVersion
from ..settings import CsmsSettings
from ..station.central import CentralSystem, Handshake
from .addresses import charger_urls

log = logging.getLogger(__name__)

# Closing code when no OCPP subprotocol could be agreed: RFC 6455 1002 (protocol error).
CLOSE_NO_SUBPROTOCOL = 1002


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
    """Accepts chargers and hands their frames to the CentralSystem."""

    def __init__(self, central: CentralSystem, settings: CsmsSettings | None = None) -> None:
        self.central = central
        self.settings = settings or central.settings
        self._server: Server | None = None

    @property
    def port(self) -> int:
        """The port actually listened on (useful when started with port 0)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server.sockets[0].getsockname()[1]

    def urls(self) -> list[str]:
        return charger_urls(self.settings.host, self.port)

    async def start(self) -> None:
        # serve() must be created inside a running loop (DESIGN.md).
        self._server = await serve(
            self._handle, self.settings.host, self.settings.port,
            subprotocols=list(SUPPORTED_SUBPROTOCOLS),
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            max_size=self.settings.max_message_bytes,
            # OCPP-J frames are small; compression only costs CPU on chargers.
            compression=None,
        )
        log.info("CSMS listening on %s:%s", self.settings.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> "CsmsServer":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------ handshake
    def _handshake(self, connection: ServerConnection, request: Request) -> Handshake:
        credentials = basic_auth_credentials(request)
        remote = connection.remote_address
        return Handshake(
            charger_id=charger_id_from_path(request.path), path=request.path,
            remote=f"{remote[0]}:{remote[1]}" if remote else "?",
            offered=offered_subprotocols(request), subprotocol=None,
            auth_user=credentials[0] if credentials else None,
            extra={"user_agent": request.headers.get("User-Agent")})

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        handshake = self._handshake(connection, request)
        if not handshake.charger_id:
            reason = ("The URL has no charger id (it ends with '/'): expected "
                      "ws://HOST:PORT/<path>/<chargerId>")
            self.central.record_refusal(handshake, reason, 404)
            return connection.respond(HTTPStatus.NOT_FOUND, reason + "\n")
        if self.settings.passwords:
            refusal = self._check_password(request, handshake)
            if refusal is not None:
                self.central.record_refusal(handshake, refusal, 401)
                response = connection.respond(HTTPStatus.UNAUTHORIZED, refusal + "\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPP Studio"'
                return response
        return None

    def _check_password(self, request: Request, handshake: Handshake) -> str | None:
        """Security whitepaper §3 (profile 1/2): user = charger id, per-charger password."""
        expected = self.settings.passwords.get(handshake.charger_id)
        if expected is None:
            return f"No password is set up for charger {handshake.charger_id!r}"
        credentials = basic_auth_credentials(request)
        if credentials is None:
            return "The charger sent no HTTP Basic credentials"
        user, password = credentials
        if user != handshake.charger_id:
            return f"Basic-auth user {user!r} is not the charger id {handshake.charger_id!r}"
        if not hmac.compare_digest(password.encode(), expected.encode()):
            return f"Wrong password for charger {handshake.charger_id!r}"
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
        session = self.central.open_session(handshake, version, websocket.send, websocket.close)
        try:
            async for message in websocket:
                if isinstance(message, bytes):
                    # OCPP-J frames are UTF-8 text (§4.1.2); read it anyway and keep it.
                    message = message.decode("utf-8", errors="replace")
                await session.receive(message)
        except ConnectionClosed:
            pass
        finally:
            self.central.close_session(
                session, *_close_info(websocket, self.settings.max_message_bytes))

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
