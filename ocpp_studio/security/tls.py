"""TLS for security profiles 2 and 3: server contexts, the profile 3 client-certificate check,
and TLS failures and connections described in plain words.

Rules (OCPP 1.6 security whitepaper edition 3, §2.4-2.5; the same in 2.0.1 A00):

- TLS 1.2 or newer only (A00.FR.312/A00.FR.416; 1.0/1.1 are not allowed in 2.0.1), no TLS
  compression (A00.FR.320/A00.FR.424);
- the four TLS 1.2 cipher suites the central system SHALL support (A00.FR.317/A00.FR.421):
  TLS_ECDHE_ECDSA_WITH_AES_128/256_GCM_* and TLS_RSA_WITH_AES_128/256_GCM_*. The ECDSA ones
  need an EC server certificate and the RSA ones an RSA certificate, so the studio loads both;
- profile 3: the charger's certificate must chain to a trusted CA (A00.FR.403), be valid
  (A00.FR.407), and its subject CN must be this charger's id (A00.FR.405) — checked after the
  handshake by ``check_client_certificate``, because OpenSSL only checks the chain: without
  the CN check any certificate from the CA could connect as any charger.

OpenSSL refuses bad chains and expired certificates during the handshake, before the HTTP
request names the charger; asyncio then drops the connection silently. ``server_context``
therefore takes an ``on_handshake_failure`` callback, called with the failure explained.

This module needs only ``ssl`` and ``cryptography`` (not the CA, settings or transports), so
the demo charger, which must stand alone, can explain TLS failures with it too.
"""

from __future__ import annotations

import logging
import ssl
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from ..core.clock import Clock, SystemClock

log = logging.getLogger(__name__)

#: A00.FR.317 / A00.FR.421, in OpenSSL's names. TLS 1.3 suites are all AEAD and always on.
OCPP_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",   # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    "ECDHE-ECDSA-AES256-GCM-SHA384",   # TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    "AES128-GCM-SHA256",               # TLS_RSA_WITH_AES_128_GCM_SHA256
    "AES256-GCM-SHA384",               # TLS_RSA_WITH_AES_256_GCM_SHA384
)


class ClientCertificates(StrEnum):
    """``serve --client-certs``: whether chargers must present a certificate (profile 3)."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    OFF = "off"


@dataclass(frozen=True)
class TlsFailure:
    """Why a TLS handshake or a profile 3 certificate was refused."""

    kind: str     # no-common-protocol, unknown-ca, expired, not-yet-valid, cn-mismatch, ...
    reason: str   # one plain sentence for the charger card and the timeline


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str           # hex, as certificate tools show it
    not_before: str       # ISO 8601 UTC
    not_after: str
    common_name: str | None


@dataclass(frozen=True)
class TlsInfo:
    """A live TLS connection, for the handshake event."""

    version: str | None            # "TLSv1.3"
    cipher: str | None             # OpenSSL's name of the negotiated suite
    client_certificate: CertificateInfo | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


HandshakeFailureCallback = Callable[[TlsFailure], None]


# --------------------------------------------------------------------------- contexts
def server_context(certificates: Sequence[tuple[str | Path, str | Path]], *,
                   client_certificates: ClientCertificates | str = ClientCertificates.OFF,
                   client_ca_files: Sequence[str | Path] = (),
                   on_handshake_failure: HandshakeFailureCallback | None = None,
                   ) -> ssl.SSLContext:
    """A TLS server context for ``wss://``: TLS 1.2+, the OCPP cipher suites, each
    ``(certificate chain file, key file)`` loaded (one EC and one RSA for all four suites).

    With client certificates ``required`` or ``optional`` the chargers' certificates must chain
    to one of ``client_ca_files``. Raises ``OSError`` (``ssl.SSLError`` is one) when a file
    cannot be read or a key does not match its certificate.
    """
    mode = ClientCertificates(client_certificates)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(":".join(OCPP_CIPHERS))
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    if not certificates:
        raise ValueError("a TLS server needs at least one certificate and key")
    for cert_file, key_file in certificates:
        context.load_cert_chain(str(cert_file), str(key_file))
    if mode is not ClientCertificates.OFF:
        if not client_ca_files:
            raise ValueError("client certificates need a CA to check them against")
        for ca_file in client_ca_files:
            context.load_verify_locations(cafile=str(ca_file))
        context.verify_mode = (ssl.CERT_REQUIRED if mode is ClientCertificates.REQUIRED
                               else ssl.CERT_OPTIONAL)
    if on_handshake_failure is not None:
        context.sslobject_class = _reporting_sslobject(on_handshake_failure)
    return context


def _reporting_sslobject(callback: HandshakeFailureCallback) -> type[ssl.SSLObject]:
    # asyncio's SSL transport calls do_handshake() on the object SSLContext.wrap_bio makes,
    # which is an instance of context.sslobject_class: the one place a failed server-side
    # handshake can be seen (asyncio only logs it in debug mode).
    class ReportingSSLObject(ssl.SSLObject):
        #: bytes came in after the first do_handshake (made with the TCP connection): a
        #: handshake is under way; ``_settled``: it completed, or failed and was reported
        _started = False
        _hello = False
        _settled = False

        def do_handshake(self) -> None:
            if not self._started:
                self._started = True
                _watch_hang_up(self, callback)
            else:
                self._hello = True
            try:
                super().do_handshake()
                self._settled = True
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                raise
            except ssl.SSLError as exc:
                self._settled = True
                _report(callback, explain_tls_error(exc))
                raise

        def cut_off(self) -> bool:
            """The client hung up in the middle of the handshake."""
            return self._hello and not self._settled

    return ReportingSSLObject


def _watch_hang_up(sslobject: Any, callback: HandshakeFailureCallback) -> None:
    """A client that hangs up in the middle of the handshake without an alert (what an
    asyncio or Python charger does when it does not trust the server's certificate) is
    dropped by asyncio without a word: its SSLProtocol's connection_lost is wrapped (on that
    one object) to report it. The SSL object itself knows neither the socket nor the end."""
    protocol = _calling_protocol(sslobject)
    if protocol is None:
        return
    try:
        peer = protocol._transport.get_extra_info("peername")
        address = f"{peer[0]}:{peer[1]}"
    except Exception:  # noqa: BLE001 - no address: the words do without it
        address = "an unknown address"
    lost = protocol.connection_lost

    def connection_lost(exc: BaseException | None) -> None:
        if sslobject.cut_off():
            sslobject._settled = True
            _report(callback, closed_during_handshake(address))
        lost(exc)

    protocol.connection_lost = connection_lost


def _calling_protocol(sslobject: Any) -> Any:
    """asyncio's SSLProtocol that holds ``sslobject`` (found up the calling frames)."""
    frame = sys._getframe(1)
    for _ in range(6):
        frame = frame.f_back  # type: ignore[assignment]
        if frame is None:
            return None
        candidate = frame.f_locals.get("self")
        if getattr(candidate, "_sslobj", None) is sslobject:
            return candidate
    return None


def closed_during_handshake(address: str) -> TlsFailure:
    """A client that closed before asking for a charger (during or right after the TLS
    handshake, no HTTP request): most often one that does not trust the server's
    certificate and says so only in its own log."""
    return TlsFailure("closed-before-request",
                      f"A TLS connection from {address} closed before asking for a charger: "
                      "the charger may not trust the studio's certificate. Install the studio "
                      "CA on it as its central-system root (ocpp-studio ca export --out "
                      "studio-ca.pem, or the Security tab's Install… while it is still "
                      "connected over ws://); its own log says why it closed")


def _report(callback: HandshakeFailureCallback, failure: TlsFailure) -> None:
    try:
        callback(failure)
    except Exception:  # an observer's bug must not change the handshake
        log.exception("TLS handshake failure callback failed")


def _client_address() -> str:
    """The client's address, read from asyncio's SSLProtocol calling do_handshake (the SSL
    object itself does not know the socket); "an unknown address" when it cannot be read."""
    try:
        protocol = sys._getframe(2).f_locals.get("self")
        peer = protocol._transport.get_extra_info("peername")  # type: ignore[union-attr]
        return f"{peer[0]}:{peer[1]}"
    except Exception:  # noqa: BLE001 - another asyncio: the words do without it
        return "an unknown address"


# --------------------------------------------------------------------------- profile 3 check
def check_client_certificate(certificate: x509.Certificate | bytes | None, charger_id: str, *,
                             trusted: Sequence[x509.Certificate], clock: Clock | None = None,
                             organisation: str | None = None, required: bool = True,
                             chain_verified: bool = False) -> TlsFailure | None:
    """Why the charger ``charger_id`` must not connect with ``certificate`` (DER or parsed),
    None when it may. Checks what the handshake cannot know: CN = charger id (A00.FR.405),
    and again the chain (direct issue by a ``trusted`` CA, A00.FR.403) and the validity
    period by ``clock`` (A00.FR.407), so the result does not depend on OpenSSL's settings.
    ``organisation`` also checks the O (A00.FR.404). ``chain_verified``: the TLS handshake
    already validated the whole chain (intermediates included), so only the direct-issue
    check by ``trusted`` is skipped."""
    if certificate is None:
        if not required:
            return None
        return TlsFailure("no-client-certificate",
                          f"no client certificate: {charger_id!r} connected without one, "
                          "and security profile 3 requires it")
    cert = x509.load_der_x509_certificate(certificate) if isinstance(certificate, bytes) \
        else certificate
    if not chain_verified and not any(_issued_by(cert, ca) for ca in trusted):
        return TlsFailure("unknown-ca", f"unknown CA: the charger's certificate was issued by "
                                        f"{cert.issuer.rfc4514_string()}, which the studio "
                                        "does not trust")
    now = (clock or SystemClock()).now()
    if now > cert.not_valid_after_utc:
        return TlsFailure("expired", "expired: the charger's certificate expired on "
                                     f"{_day(cert.not_valid_after_utc)}")
    if now < cert.not_valid_before_utc:
        return TlsFailure("not-yet-valid", "not yet valid: the charger's certificate is valid "
                                           f"from {_day(cert.not_valid_before_utc)}")
    common_name = _common_name(cert.subject)
    if common_name != charger_id:
        return TlsFailure("cn-mismatch",
                          f"CN mismatch: the certificate is for {common_name!r}, but the "
                          f"charger connected as {charger_id!r}")
    if organisation is not None:
        orgs = [str(a.value) for a in cert.subject.get_attributes_for_oid(
            NameOID.ORGANIZATION_NAME)]
        if organisation not in orgs:
            return TlsFailure("organisation-mismatch",
                              f"organisation mismatch: the certificate's O is "
                              f"{', '.join(orgs) or 'missing'}, expected {organisation!r}")
    return None


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --------------------------------------------------------------------------- describing
def peer_certificate(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> x509.Certificate | None:
    """The certificate the other side presented, parsed; None without TLS or certificate."""
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der) if der else None


def describe_certificate(cert: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        common_name=_common_name(cert.subject))


def describe_connection(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> TlsInfo | None:
    """TLS version, cipher and the client certificate of a live connection (websockets:
    ``connection.transport.get_extra_info("ssl_object")``); None for plain ``ws://``."""
    if ssl_object is None:
        return None
    cipher = ssl_object.cipher()
    cert = peer_certificate(ssl_object)
    return TlsInfo(version=ssl_object.version(), cipher=cipher[0] if cipher else None,
                   client_certificate=describe_certificate(cert) if cert else None)


# --------------------------------------------------------------------------- failures
#: OpenSSL verify codes (X509_V_ERR_*) for a certificate from a CA we do not trust.
_UNKNOWN_CA_CODES = {2, 18, 19, 20, 21}
_VERSION_REASONS = {"UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "NO_PROTOCOLS_AVAILABLE",
                    "TLSV1_ALERT_PROTOCOL_VERSION", "VERSION_TOO_LOW"}
_CIPHER_REASONS = {"NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE", "SSLV3_ALERT_HANDSHAKE_FAILURE",
                   "TLSV1_ALERT_INSUFFICIENT_SECURITY", "NO_SUITABLE_SIGNATURE_ALGORITHM"}


def explain_tls_error(exc: BaseException, *, peer: str = "the charger",
                      us: str = "the studio") -> TlsFailure:
    """A TLS failure (``ssl.SSLError``, or an error caused by one) in plain words, written
    from the side of ``us`` talking to ``peer``."""
    ssl_error = _find_ssl_error(exc)
    if ssl_error is None:
        # asyncio closes a failed TLS connection without sending OpenSSL's alert, so the
        # side that was refused only sees the connection drop (TLS 1.3: while it waits for
        # the HTTP answer, the handshake having looked complete).
        if _in_chain(exc, (ConnectionResetError, EOFError, ConnectionAbortedError)):
            return TlsFailure("closed", f"{peer} closed the connection during or right after "
                                        f"the TLS handshake: it may not trust {us}'s "
                                        "certificate (its own log says why)")
        return TlsFailure("other", f"TLS failed: {exc}")
    reason = (ssl_error.reason or "").upper()
    if isinstance(ssl_error, ssl.SSLCertVerificationError):
        code = ssl_error.verify_code
        message = ssl_error.verify_message or ""
        if code == 10:
            return TlsFailure("expired", f"expired: {peer}'s certificate has expired")
        if code == 9:
            return TlsFailure("not-yet-valid", f"not yet valid: {peer}'s certificate is not "
                                               "valid yet (check both clocks)")
        if code in _UNKNOWN_CA_CODES:
            return TlsFailure("unknown-ca", f"unknown CA: {peer}'s certificate was not issued "
                                            f"by a CA {us} trusts ({message})")
        if code in (62, 64):
            return TlsFailure("name-mismatch", f"name mismatch: {peer}'s certificate is not for "
                                               f"the address {us} used ({message})")
        return TlsFailure("bad-certificate", f"{us} refused {peer}'s certificate: {message}")
    if reason == "TLSV1_ALERT_UNKNOWN_CA":
        return TlsFailure("unknown-ca", f"unknown CA: {peer} does not trust the CA that "
                                        f"issued {us}'s certificate")
    if reason == "SSLV3_ALERT_CERTIFICATE_EXPIRED":
        return TlsFailure("expired", f"expired: {peer} says {us}'s certificate has expired")
    if reason in ("PEER_DID_NOT_RETURN_A_CERTIFICATE", "TLSV13_ALERT_CERTIFICATE_REQUIRED"):
        who = peer if reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE" else us
        return TlsFailure("no-client-certificate", f"no client certificate: {who} sent none, "
                                                   "and security profile 3 requires one")
    if reason in ("SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
                  "TLSV1_ALERT_DECRYPT_ERROR", "SSLV3_ALERT_CERTIFICATE_UNKNOWN"):
        return TlsFailure("bad-certificate", f"{peer} refused {us}'s certificate "
                                             f"({reason.lower()})")
    if reason in _VERSION_REASONS:
        return TlsFailure("no-common-protocol",
                          f"no common protocol: {peer} and {us} share no TLS version (OCPP "
                          "needs TLS 1.2 or newer; 1.0 and 1.1 are refused)")
    if reason in _CIPHER_REASONS:
        return TlsFailure("no-common-protocol",
                          f"no common protocol: {peer} and {us} share no cipher suite (OCPP "
                          "needs the AES-GCM suites of the security whitepaper)")
    if reason == "HTTP_REQUEST":
        return TlsFailure("plain-http", f"{peer} spoke plain ws:// to the wss:// port: set its "
                                        "backend URL to wss://")
    return TlsFailure("other", f"TLS failed: {ssl_error.reason or ssl_error}")


def _find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    found = _in_chain(exc, (ssl.SSLError,))
    return found if isinstance(found, ssl.SSLError) else None


def _in_chain(exc: BaseException, types: tuple[type[BaseException], ...]) -> BaseException | None:
    """``exc`` or the first exception it was raised from that is one of ``types``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, types):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
