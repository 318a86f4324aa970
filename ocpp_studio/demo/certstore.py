"""The demo charger's certificate store (1.6 security whitepaper M03-M05, 2.0.1 M03-M05):
the root certificates it holds, their hash data (CertificateHashDataType) and the
certificate checks the handlers in ``security.py`` share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .tls import PrivateKey

#: the demo's store holds this many roots (what 1.6 CertificateStoreMaxLength, whitepaper
#: §7.4, would say; the demo does not list that optional key)
MAX_CERTIFICATES = 10
CSMS_ROOTS = frozenset({"CentralSystemRootCertificate", "CSMSRootCertificate"})
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


def hash_data(cert: x509.Certificate, issuer: x509.Certificate | None = None,
              algorithm: str = "SHA256") -> dict[str, str]:
    """CertificateHashDataType (M03.FR.04): the OCSP CertID fields of RFC 6960 -- hash of the
    issuer's DER name, hash of the issuer's public key bits -- and the serial number in hex
    without leading zeroes (2.0.1 CertificateHashDataType.serialNumber)."""
    issuer = issuer or cert
    digest = _HASHES[algorithm]
    name = hashes.Hash(digest())
    name.update(cert.issuer.public_bytes())
    key = hashes.Hash(digest())
    key.update(_key_bits(issuer.public_key()))
    return {"hashAlgorithm": algorithm, "issuerNameHash": name.finalize().hex(),
            "issuerKeyHash": key.finalize().hex(), "serialNumber": format(cert.serial_number, "x")}


def _key_bits(public_key: Any) -> bytes:
    """The subjectPublicKey BIT STRING contents (what RFC 6960 CertID hashes)."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return public_key.public_bytes(serialization.Encoding.X962,
                                       serialization.PublicFormat.UncompressedPoint)
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.PKCS1)


def _same_hash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["issuerNameHash"].lower() == b["issuerNameHash"].lower()
            and a["issuerKeyHash"].lower() == b["issuerKeyHash"].lower()
            and a["serialNumber"].lower().lstrip("0") == b["serialNumber"].lower().lstrip("0"))


@dataclass
class Installed:
    kind: str  # certificateType as the version names it
    certificate: x509.Certificate


@dataclass
class CertificateStore:
    """The roots a charger holds (M05) and its own certificates (A02/A03)."""

    entries: list[Installed] = field(default_factory=list)

    def roots(self, kinds: frozenset[str] | set[str] | None = None) -> list[Installed]:
        return [e for e in self.entries if kinds is None or e.kind in kinds]

    def csms_roots(self) -> list[x509.Certificate]:
        return [e.certificate for e in self.roots(CSMS_ROOTS)]

    def issuer_of(self, cert: x509.Certificate) -> x509.Certificate | None:
        for entry in self.entries:
            if entry.certificate.subject == cert.issuer:
                return entry.certificate
        return None

    def hash_of(self, entry: Installed, algorithm: str = "SHA256") -> dict[str, str]:
        return hash_data(entry.certificate, self.issuer_of(entry.certificate), algorithm)

    def find(self, wanted: dict[str, Any]) -> Installed | None:
        algorithm = wanted.get("hashAlgorithm", "SHA256")
        for entry in self.entries:
            if _same_hash(self.hash_of(entry, algorithm), wanted):
                return entry
        return None

    def install(self, kind: str, certificate: x509.Certificate) -> str:
        if any(e.certificate == certificate and e.kind == kind for e in self.entries):
            return "Accepted"  # already there
        if len(self.entries) >= MAX_CERTIFICATES:
            return "Rejected"  # M05.FR.03
        self.entries.append(Installed(kind, certificate))
        return "Accepted"


def valid_at(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``cert`` (names match and the signature verifies)."""
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def read_certificates(path: str | None) -> list[x509.Certificate]:
    if not path:
        return []
    with open(path, "rb") as source:
        return x509.load_pem_x509_certificates(source.read())


def read_key(path: str) -> PrivateKey:
    with open(path, "rb") as source:
        key = serialization.load_pem_private_key(source.read(), password=None)
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise ValueError(f"{path}: the client key is neither EC nor RSA")
    return key
