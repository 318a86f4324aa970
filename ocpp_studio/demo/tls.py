"""The demo charger's TLS client (security profiles 2 and 3) and its connection fallback.

``client_context`` builds the ``ssl.SSLContext`` a charger connects with: TLS 1.2 or newer
(whitepaper A00.FR.306/.408, 2.0.1 A00.FR.309/.410), the server verified against the CSMS
root certificates the charger holds -- and only those, as on a real charger, not the
laptop's system store -- and, at profile 3, the charger's client certificate.

``ConnectionPlan`` remembers the connection that last worked (URL and profile). When a new
one (a raised SecurityProfile, a new backend URL, a network profile after Reset) fails
``attempts`` times in a row, the charger goes back to it: 1.6 security whitepaper A05.FR.08
("SHOULD fallback to its previous security profile setting") and 2.0.1 B10.FR.07 (errata
2025-09: "fallback and start reconnecting to the NetworkConnectionProfile for which the last
successful connection was made"). It never stops trying (B10.FR.09).
"""

from __future__ import annotations

import logging
import os
import secrets
import ssl
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

if TYPE_CHECKING:
    from .config import DemoChargerConfig

log = logging.getLogger(__name__)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


#: A charger limited to TLS 1.2 and one pair of the whitepaper's cipher suites (A00.FR.318 /
#: .422: a charger supports the ECDHE-ECDSA pair or the RSA pair), in OpenSSL's names.
TLS12_SUITES = {
    "ecdhe-ecdsa": "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
    "rsa": "AES128-GCM-SHA256:AES256-GCM-SHA384",  # TLS_RSA_WITH_AES_*_GCM_SHA*
}


def client_context(roots: Sequence[x509.Certificate], *,
                   client_chain: Sequence[x509.Certificate] = (),
                   client_key: PrivateKey | None = None,
                   tls12_suites: str | None = None) -> ssl.SSLContext:
    """A charger's TLS client context: trusts ``roots`` only; presents ``client_chain`` with
    ``client_key`` when given (profile 3); ``tls12_suites`` (a ``TLS12_SUITES`` key) makes it
    a TLS 1.2-only charger offering just that pair of suites."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls12_suites is not None:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(TLS12_SUITES[tls12_suites])
    context.check_hostname = True  # A00.FR.308/.412: the server's name is checked
    context.verify_mode = ssl.CERT_REQUIRED
    if roots:
        context.load_verify_locations(cadata="".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in roots))
    if client_chain and client_key is not None:
        _load_client_certificate(context, client_chain, client_key)
    return context


def _load_client_certificate(context: ssl.SSLContext, chain: Sequence[x509.Certificate],
                             key: PrivateKey) -> None:
    """``ssl`` reads a certificate and key only from a file: write them to a private temporary
    file, the key encrypted with a one-time passphrase, load and delete it."""
    passphrase = secrets.token_bytes(32)
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase))
    data += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    handle, path = tempfile.mkstemp(prefix="demo-client-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        context.load_cert_chain(path, path, password=passphrase)
    finally:
        os.unlink(path)


def explain_connect_failure(exc: BaseException, *, tls: bool = False,
                            client_certificate: bool = False) -> tuple[str, bool]:
    """(plain words, whether the server's certificate was the problem) for a failed connect;
    ``tls``/``client_certificate``: what the attempt used."""
    error = _ssl_error(exc)
    if isinstance(error, ssl.SSLCertVerificationError):
        detail = error.verify_message or str(error)
        return (f"the central system's certificate is not trusted ({detail}): install its "
                "root certificate on the charger (InstallCertificate) or start it with --ca",
                True)
    if error is not None:
        reason = getattr(error, "reason", None) or str(error)
        if "CERTIFICATE" in str(reason).upper():
            return f"TLS refused by the central system: {reason} (client certificate)", False
        return f"TLS handshake failed: {reason}", False
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status in (401, 403):
        return (f"the central system refused the charger's credentials (HTTP {status})",
                False)
    if tls and client_certificate and _closed(exc):
        # TLS 1.3: a server refusing the client certificate just closes the connection
        # once the handshake looked complete; only its own log says why.
        return ("the central system closed the connection right after the TLS handshake: "
                "it did not accept the charger's client certificate (expired, another CA?)",
                False)
    return f"{type(exc).__name__}: {exc}", False


def _closed(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (EOFError, ConnectionResetError, ConnectionAbortedError)) \
                or type(exc).__name__ == "InvalidMessage":
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _ssl_error(exc: BaseException | None) -> ssl.SSLError | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLError):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def initial_profile(url: str, config: "DemoChargerConfig") -> int:
    """The profile a demo starts at: as configured, else what its options amount to (wss + a
    client certificate 3, wss + password 2, password 1, nothing 0)."""
    if config.security_profile is not None:
        return config.security_profile
    tls = url.startswith("wss://")
    if tls and config.client_cert_file:
        return 3
    if config.basic_auth_password:
        return 2 if tls else 1
    return 0


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how the charger connects: base URL (without the charger id), profile and,
    at profile 3, the serial number of the client certificate it presents."""

    base_url: str
    profile: int
    client_serial: int | None = None


class ConnectionPlan:
    """Counts failed connections to the current target and says when to fall back."""

    def __init__(self) -> None:
        self.last_good: Target | None = None
        self.failures = 0

    def succeeded(self, target: Target) -> Target | None:
        """Record a working connection; the previous working target when it changed."""
        previous, self.last_good, self.failures = self.last_good, target, 0
        return previous if previous is not None and previous != target else None

    def failed(self, current: Target, attempts: int) -> Target | None:
        """Count a failure; the target to fall back to once ``attempts`` failed in a row."""
        self.failures += 1
        good = self.last_good
        if good is None or good == current or self.failures < max(1, attempts):
            return None
        self.failures = 0
        return good
