"""What the websocket server needs to listen on ``wss://`` (security profiles 2 and 3), said
here so that transports need not import ``ocpp_studio.security`` (the import contracts put
security above transports): the composition root (``service.Studio``, ``cli serve``) builds a
``security.server.WssEndpoint`` and hands its context and its ``check`` to the server as a
``WssListener``. ``WssEndpoint.check`` is a ``TlsCheck``; its ``TlsVerdict`` a ``TlsDecision``;
its ``TlsFailure`` a ``TlsRefusal``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, Protocol


class TlsRefusal(Protocol):
    """Why a TLS connection or a profile 3 certificate was turned away."""

    @property
    def kind(self) -> str: ...      # "cn-mismatch", "unknown-ca", "no-client-certificate", ...

    @property
    def reason(self) -> str: ...    # one plain sentence for the charger card and timeline


class TlsDecision(Protocol):
    """One connection looked at once its request names the charger."""

    @property
    def refusal(self) -> TlsRefusal | None: ...

    @property
    def client_authenticated(self) -> bool: ...   # a valid certificate with CN = charger id

    def event_fields(self) -> dict[str, object]:
        """Scheme, TLS version, cipher, client certificate: for the handshake event."""
        ...


class TlsCheck(Protocol):
    """Called for every connection (``ssl_object`` None on plain ``ws://``)."""

    def __call__(self, ssl_object: Any, charger_id: str) -> TlsDecision: ...


@dataclass
class WssListener:
    """The second listener: ``wss://`` on ``port`` with ``context``; ``check`` decides per
    connection (profile 3: certificate CN = charger id, A00.FR.405)."""

    port: int
    context: ssl.SSLContext
    check: TlsCheck | None = None
