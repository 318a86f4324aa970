"""What transports need from the layers above them, said here so that transports
import only ``core``: the handshake facts they gather, the host that turns a link
into a charger session (``station.central.CentralSystem`` is one), and the
recorder that keeps frames and connection events (``capture.store.CaptureStore``
is one). The one-way flow is transport -> core -> station/capture -> observers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

from .records import ConnectionEvent, FrameRecorder
from .versions import OcppVersion

Send = Callable[[str], Awaitable[None]]
Close = Callable[[], Awaitable[None]]


@dataclass
class Handshake:
    """What a charger said when it opened its websocket."""

    charger_id: str
    path: str
    remote: str
    offered: list[str]
    subprotocol: str | None
    auth_user: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the studio's own address the charger reached ("host" of the socket's local end), for
    #: URLs handed back to it (file transfers, issue 16 §2); "" when unknown (serial)
    local: str = ""


class ConnectionRecorder(FrameRecorder, Protocol):
    """A FrameRecorder that also keeps connection events and numbers connections."""

    def record_event(self, event: ConnectionEvent) -> int: ...

    def new_connection_id(self) -> int: ...


class RelayStore(ConnectionRecorder, Protocol):
    """Where the logging proxy records: also gives the recorder of relayed frames, which
    makes each frame durable before it is passed on (``capture.store.RelayRecorder``)."""

    def relay_recorder(self) -> FrameRecorder: ...


class Session(Protocol):
    """One charger's live link, as a transport feeds it."""

    async def receive(self, text: str) -> None: ...


class SessionHost(Protocol):
    """Who answers chargers: opens a session per accepted link, hears it close, and
    keeps the refusals with their reasons."""

    #: the listening settings (``ocpp_studio.settings.CsmsSettings``) a server uses when
    #: it is given none; typed loosely so that core does not import the settings module
    settings: Any

    def open_session(self, handshake: Handshake, version: OcppVersion, send: Send,
                     close: Close) -> Session: ...

    def close_session(self, session: Any, code: int | None, reason: str) -> None: ...

    def record_refusal(self, handshake: Handshake, reason: str,
                       http_status: int | None = None) -> None: ...
