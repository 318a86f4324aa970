"""The studio's local certificate authority.

A charger at security profile 2 or 3 only talks to a central system whose certificate chains
to a root it has installed (whitepaper A00.FR.307/A00.FR.411), and at profile 3 the studio must
be able to sign the charger's own certificate (A02/A03). Installers have no CA of their own, so
the studio keeps one: created on first use in a folder the caller gives (the app passes an
owner-only folder in the user's config dir), the private key written owner-only (0600,
A00.FR.602: "the private keys belonging to the CPO root certificates MUST be well protected").

Certificate properties follow whitepaper §2.6.1: serial number (A00.FR.508), O = organisation
(A00.FR.509), CN = the server's FQDN for the central system (A00.FR.510), key usage restricted
(A00.FR.512), ECDSA signatures with SHA-256 (A00.FR.505/A00.FR.506), keys of at least 2048 bits
RSA / 256 bits EC (A00.FR.502/A00.FR.503).

The server certificate comes in two flavours, EC P-256 and RSA 2048, because the central system
must offer both TLS_ECDHE_ECDSA_* and TLS_RSA_* suites and "will have to provide 2 different
certificates" for that (A00.FR.317, note). Both carry the laptop's host names and LAN addresses
as subjectAltNames and are re-issued when those change or when they near expiry.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Union

from ..core.clock import Clock, SystemClock
from ..core.lazy import lazy_module, lazy_name
from ..settings import open_private, private_dir
from ..transports.addresses import lan_addresses

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]
    PublicKey = Union[rsa.RSAPublicKey, ec.EllipticCurvePublicKey]
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")
    hashes = lazy_module("cryptography.hazmat.primitives.hashes")
    serialization = lazy_module("cryptography.hazmat.primitives.serialization")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")
    rsa = lazy_module("cryptography.hazmat.primitives.asymmetric.rsa")
    ExtendedKeyUsageOID = lazy_name("cryptography.x509.oid", "ExtendedKeyUsageOID")
    NameOID = lazy_name("cryptography.x509.oid", "NameOID")

log = logging.getLogger(__name__)

DEFAULT_ORGANISATION = "OCPP Studio"
CA_KEY_FILE = "ca-key.pem"
CA_CERT_FILE = "ca.pem"
#: key type -> (certificate file, key file) of the studio's server certificates
SERVER_FILES = {"ec": ("server-ec.pem", "server-ec-key.pem"),
                "rsa": ("server-rsa.pem", "server-rsa-key.pem")}

CA_LIFETIME = timedelta(days=3650)
SERVER_LIFETIME = timedelta(days=365)
CLIENT_LIFETIME = timedelta(days=365)
#: Re-issue the server certificate this long before it expires, so a charger never meets an
#: expired one (A00.FR.701 recommends short-lived central system certificates anyway).
RENEW_BEFORE = timedelta(days=30)
#: Certificates start a little in the past: a charger whose clock is a few minutes behind
#: must not see "not yet valid".
BACKDATE = timedelta(minutes=5)


class CaError(Exception):
    """The CA folder holds something we cannot use; the message says what, in plain words."""


@dataclass(frozen=True)
class ServerCertificate:
    """One server certificate of the studio, ready for ``SSLContext.load_cert_chain``."""

    key_type: str            # "ec" or "rsa"
    cert_file: Path          # the certificate followed by the CA certificate
    key_file: Path
    certificate: x509.Certificate
    reissued: str | None     # why it was (re-)issued just now, None when it was kept


def host_names() -> list[str]:
    """This laptop's host name, its FQDN when it has one, and ``localhost``."""
    names: list[str] = []
    for name in (socket.getfqdn(), socket.gethostname(), "localhost"):
        name = name.strip().lower()
        if name and name not in names and not _is_ip(name):
            names.append(name)
    return names


def server_names(addresses: Iterable[str] | None = None) -> list[str]:
    """Every name a charger may use to reach the studio: host names, 127.0.0.1 and the LAN
    addresses (by default ``lan_addresses()``, the ones ``charger_urls`` shows the installer;
    tests pass their own)."""
    names = host_names() + ["127.0.0.1"]
    for address in lan_addresses() if addresses is None else addresses:
        if address not in names:
            names.append(address)
    return names


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_pem_certificates(data: bytes | str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (a user's ``--client-ca`` file, a chain)."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    try:
        return x509.load_pem_x509_certificates(raw)
    except ValueError as exc:
        raise CaError(f"not a PEM certificate file: {exc}") from None


class StudioCA:
    """The local CA in ``folder``: loaded when it exists, created on first use otherwise."""

    def __init__(self, folder: str | Path, *, organisation: str = DEFAULT_ORGANISATION,
                 clock: Clock | None = None) -> None:
        self.folder = private_dir(folder)
        self.organisation = organisation
        self.clock: Clock = clock or SystemClock()
        self.key, self.certificate = self._load_or_create()

    # ------------------------------------------------------------------ the CA itself
    @property
    def ca_file(self) -> Path:
        return self.folder / CA_CERT_FILE

    def certificate_pem(self) -> str:
        return pem(self.certificate)

    def export(self, path: str | Path) -> Path:
        """Write the CA certificate (public, no key) for a charger's installer tool."""
        target = Path(path)
        target.write_text(self.certificate_pem(), encoding="ascii")
        return target

    def _load_or_create(self) -> tuple[PrivateKey, x509.Certificate]:
        key_path, cert_path = self.folder / CA_KEY_FILE, self.folder / CA_CERT_FILE
        if key_path.exists() or cert_path.exists():
            return self._load(key_path, cert_path)
        key = ec.generate_private_key(ec.SECP256R1())
        now = self.clock.now()
        subject = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation),
            x509.NameAttribute(NameOID.COMMON_NAME,
                               f"OCPP Studio local CA ({socket.gethostname() or 'laptop'})"),
        ])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_key(key_path, key)
        cert_path.write_text(pem(certificate), encoding="ascii")
        log.info("created the studio's local CA in %s", self.folder)
        return key, certificate

    def _load(self, key_path: Path, cert_path: Path) -> tuple[PrivateKey, x509.Certificate]:
        # Never replace a broken CA silently: chargers may already trust the old one.
        if not key_path.exists() or not cert_path.exists():
            missing = key_path if not key_path.exists() else cert_path
            raise CaError(f"the studio's CA in {self.folder} is incomplete: {missing.name} is "
                          "missing; move the folder away to create a new CA (chargers that "
                          "trust the old one will then need the new CA certificate)")
        try:
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except (ValueError, TypeError) as exc:
            raise CaError(f"the studio's CA in {self.folder} cannot be read: {exc}") from None
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise CaError(f"the studio's CA key in {key_path} is neither RSA nor EC")
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():
            raise CaError(f"the studio's CA key and certificate in {self.folder} do not match")
        return key, certificate

    # ------------------------------------------------------------------ issuing
    def issue(self, public_key: PublicKey, subject: x509.Name, *, client: bool,
              names: Iterable[str] = (), not_before: datetime | None = None,
              not_after: datetime | None = None) -> x509.Certificate:
        """A certificate for ``public_key`` signed by the CA: a charger's client certificate
        (``client=True``, A02/A03) or a server certificate with ``names`` as subjectAltNames.
        Validity defaults to now (minus a few minutes) for a year, never past the CA's own."""
        now = self.clock.now()
        start = not_before or now - BACKDATE
        end = not_after or min(now + (CLIENT_LIFETIME if client else SERVER_LIFETIME),
                               self.certificate.not_valid_after_utc)
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False, rsa_key=isinstance(public_key, rsa.RSAPublicKey)),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
        )
        alt_names = [_general_name(n) for n in names]
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def issue_client_certificate(
            self, charger_id: str, organisation: str | None = None, *,
            key: PrivateKey | None = None, not_before: datetime | None = None,
            not_after: datetime | None = None) -> tuple[x509.Certificate, PrivateKey]:
        """A profile 3 client certificate with CN = ``charger_id`` (A00.FR.511) and a new
        EC key, for the demo charger and tests (a real charger sends a CSR instead)."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation or self.organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, charger_id),
        ])
        cert = self.issue(key.public_key(), subject, client=True,
                          not_before=not_before, not_after=not_after)
        return cert, key

    # ------------------------------------------------------------------ server certificates
    def server_certificates(self, names: Sequence[str]) -> list[ServerCertificate]:
        """The EC and RSA server certificates for ``names`` (``server_names()``),
        re-issued when a name or address changed, they near expiry, or the CA changed."""
        wanted = list(names)
        if not wanted:
            raise CaError("no host name or address to put in the server certificate")
        return [self._server_certificate(key_type, wanted) for key_type in SERVER_FILES]

    def reissue_reason(self, certificate: x509.Certificate, names: Sequence[str]) -> str | None:
        """Why ``certificate`` should be replaced, in plain words; None when it is fine."""
        if certificate.issuer != self.certificate.subject:
            return "it was issued by another CA"
        from cryptography.exceptions import InvalidSignature  # an except clause needs the class
        try:
            certificate.verify_directly_issued_by(self.certificate)
        except (InvalidSignature, ValueError, TypeError):
            return "it was not signed by this CA"
        remaining = certificate.not_valid_after_utc - self.clock.now()
        if remaining < RENEW_BEFORE:
            return ("it has expired" if remaining.total_seconds() <= 0
                    else f"it expires in {remaining.days} days")
        have = set(certificate_names(certificate))
        want = {n.lower() for n in names}
        if have != want:
            added, gone = sorted(want - have), sorted(have - want)
            parts = ([f"new: {', '.join(added)}"] if added else []) + \
                    ([f"gone: {', '.join(gone)}"] if gone else [])
            return "the laptop's names or addresses changed (" + "; ".join(parts) + ")"
        return None

    def _server_certificate(self, key_type: str, names: list[str]) -> ServerCertificate:
        cert_name, key_name = SERVER_FILES[key_type]
        cert_path, key_path = self.folder / cert_name, self.folder / key_name
        reason: str | None = "there was none yet"
        if cert_path.exists() and key_path.exists():
            try:
                current = x509.load_pem_x509_certificates(cert_path.read_bytes())[0]
                serialization.load_pem_private_key(key_path.read_bytes(), password=None)
                reason = self.reissue_reason(current, names)
            except (ValueError, TypeError, IndexError) as exc:
                reason = f"the old one could not be read ({exc})"
            if reason is None:
                return ServerCertificate(key_type, cert_path, key_path, current, None)
        key: PrivateKey = (ec.generate_private_key(ec.SECP256R1()) if key_type == "ec"
                           else rsa.generate_private_key(public_exponent=65537, key_size=2048))
        # CN = the FQDN (A00.FR.510); chargers check the SANs first (RFC 6125) where they can.
        common_name = next((n for n in names if not _is_ip(n)), names[0])
        subject = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ])
        certificate = self.issue(key.public_key(), subject, client=False, names=names)
        _write_key(key_path, key)
        # The chain a TLS server sends: its certificate, then the CA's.
        cert_path.write_text(pem(certificate) + self.certificate_pem(), encoding="ascii")
        log.info("issued the %s server certificate for %s: %s", key_type, ", ".join(names), reason)
        return ServerCertificate(key_type, cert_path, key_path, certificate, reason)


def certificate_names(certificate: x509.Certificate) -> list[str]:
    """The DNS names and IP addresses in a certificate's subjectAltName, lower case."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    dns = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return dns + ips


def _key_usage(*, ca: bool, rsa_key: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        # TLS_RSA_* suites encrypt the pre-master secret with the server's RSA key.
        key_encipherment=rsa_key and not ca, data_encipherment=False,
        key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)


def _general_name(name: str) -> x509.GeneralName:
    if _is_ip(name):
        return x509.IPAddress(ipaddress.ip_address(name))
    return x509.DNSName(name.lower())


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _write_key(path: Path, key: PrivateKey) -> None:
    text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")
    with open_private(path) as handle:  # 0600 before the first byte is written
        handle.write(text)
