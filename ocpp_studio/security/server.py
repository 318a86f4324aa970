"""What the studio's ``wss://`` listener needs, in one object: ``WssEndpoint``.

The service (or ``serve``) builds a ``WssEndpoint`` and hands it to the websocket server,
which uses four things:

- ``endpoint.context`` — the ``ssl.SSLContext`` for ``websockets.serve(..., ssl=...)``;
- ``endpoint.check(ssl_object, charger_id)`` in ``process_request`` — a ``TlsVerdict`` with the
  connection described for the handshake event and, for profile 3, the refusal (certificate CN
  is not the charger id, A00.FR.405; chain, validity) to answer with HTTP 403;
- ``endpoint.handshake_failed`` — a ``Signal[TlsFailure]`` emitted when OpenSSL refused a
  handshake (unknown CA, expired, no common protocol, plain ws:// on the wss port), which
  otherwise happens before any request and is silently dropped by asyncio;
- ``endpoint.scheme`` — ``"wss"``, for the charger URLs shown to the installer.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ..core.clock import Clock, SystemClock
from ..core.events import Signal
from .ca import CaError, StudioCA, load_pem_certificates
from .tls import (
    ClientCertificates, TlsFailure, TlsInfo, check_client_certificate, describe_connection,
    peer_certificate, server_context)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TlsVerdict:
    """One accepted TLS connection, looked at once the request names the charger."""

    info: TlsInfo | None          # None for a plain ws:// connection
    refusal: TlsFailure | None    # set when the charger must be turned away (HTTP 403)

    @property
    def client_authenticated(self) -> bool:
        """The charger proved its id with a client certificate (profile 3): chained to a
        trusted CA, valid, CN = charger id. Profile 3 authenticates the charger by its
        certificate instead of HTTP Basic (1.6 security whitepaper §2.5)."""
        return (self.refusal is None and self.info is not None
                and self.info.client_certificate is not None)

    def event_fields(self) -> dict[str, object]:
        """Fields for the handshake event: scheme, TLS version, cipher, client certificate."""
        fields: dict[str, object] = {"scheme": "wss" if self.info else "ws"}
        if self.info is not None:
            fields["tls"] = self.info.as_dict()
        if self.refusal is not None:
            fields["tls_refusal"] = self.refusal.kind
        return fields


class WssEndpoint:
    """The TLS side of the studio's central system: context, profile 3 check, failures."""

    scheme = "wss"

    def __init__(self, certificates: Sequence[tuple[str | Path, str | Path]], *,
                 client_certificates: ClientCertificates | str = ClientCertificates.OFF,
                 trusted: Sequence[x509.Certificate] = (),
                 client_ca_files: Sequence[str | Path] = (),
                 organisation: str | None = None, clock: Clock | None = None) -> None:
        self.client_certificates = ClientCertificates(client_certificates)
        self.trusted = list(trusted)
        self.organisation = organisation
        self.clock: Clock = clock or SystemClock()
        self.handshake_failed: Signal[TlsFailure] = Signal("handshake_failed")
        self.context: ssl.SSLContext = server_context(
            certificates, client_certificates=self.client_certificates,
            client_ca_files=client_ca_files, on_handshake_failure=self.handshake_failed.emit)

    @classmethod
    def from_studio_ca(cls, ca: StudioCA, *, names: Sequence[str],
                       client_certificates: ClientCertificates | str = ClientCertificates.OFF,
                       client_ca_file: str | Path | None = None,
                       organisation: str | None = None) -> WssEndpoint:
        """Server certificates from the studio's CA (``serve --wss-port`` without ``--cert``),
        issued or re-issued for ``names`` (``ca.server_names()``)."""
        certificates = [(c.cert_file, c.key_file) for c in ca.server_certificates(names)]
        return cls(certificates, client_certificates=client_certificates,
                   trusted=trusted_certificates(ca, client_ca_file),
                   client_ca_files=[ca.ca_file] + ([client_ca_file] if client_ca_file else []),
                   organisation=organisation, clock=ca.clock)

    @classmethod
    def from_files(cls, cert_file: str | Path, key_file: str | Path, *,
                   client_certificates: ClientCertificates | str = ClientCertificates.OFF,
                   ca: StudioCA | None = None, client_ca_file: str | Path | None = None,
                   organisation: str | None = None) -> WssEndpoint:
        """The user's own server certificate (``--cert/--key``); client certificates chain
        to the studio CA (when given) and/or ``client_ca_file``."""
        ca_files: list[str | Path] = ([ca.ca_file] if ca else []) + \
            ([client_ca_file] if client_ca_file else [])
        return cls([(cert_file, key_file)], client_certificates=client_certificates,
                   trusted=trusted_certificates(ca, client_ca_file), client_ca_files=ca_files,
                   organisation=organisation, clock=ca.clock if ca else None)

    def check(self, ssl_object: ssl.SSLObject | ssl.SSLSocket | None,
              charger_id: str) -> TlsVerdict:
        """Describe the connection and decide whether ``charger_id`` may use it (websockets:
        ``connection.transport.get_extra_info("ssl_object")``)."""
        info = describe_connection(ssl_object)
        if ssl_object is None or self.client_certificates is ClientCertificates.OFF:
            return TlsVerdict(info, None)
        refusal = check_client_certificate(
            peer_certificate(ssl_object), charger_id, trusted=self.trusted, clock=self.clock,
            organisation=self.organisation,
            required=self.client_certificates is ClientCertificates.REQUIRED,
            # OpenSSL validated the chain against the CA files before the request arrived
            # (CERT_REQUIRED/CERT_OPTIONAL), with any intermediates the charger sent.
            chain_verified=True)
        if refusal is not None:
            log.info("refusing %s over TLS: %s", charger_id, refusal.reason)
        return TlsVerdict(info, refusal)


def trusted_certificates(ca: StudioCA | None, client_ca_file: str | Path | None = None,
                         ) -> list[x509.Certificate]:
    """The CA certificates a profile 3 client certificate may chain to: the studio's CA and
    those in the user's ``--client-ca`` file."""
    trusted = [ca.certificate] if ca is not None else []
    if client_ca_file:
        try:
            data = Path(client_ca_file).read_bytes()
        except OSError as exc:
            raise CaError(f"cannot read the client CA file {client_ca_file}: {exc}") from None
        trusted += load_pem_certificates(data)
    return trusted
