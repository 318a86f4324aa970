"""A charger's certificate signing request: checked, then signed by the studio's CA.

SignCertificate carries "a Certificate Signing Request (CSR) as described in RFC 2986 and then
PEM encoded" (whitepaper A02.FR.03 / A03.FR.03; OCPP 2.0.1 A02.FR.02 / A03.FR.02). What the
studio checks before signing, each with the rule it comes from:

- it is a PKCS#10 request whose signature verifies (RFC 2986: the request is signed with the
  private key whose public key it carries, which proves the charger holds that key);
- the key is RSA of at least 2048 bits or EC of at least 256 bits (A00.FR.502/A00.FR.503; the
  whitepaper allows EC from 224 bits, the studio asks for 256 like OCPP 2.0.1 practice and the
  issue that asked for this module);
- the subject's CN is the charger id (A00.FR.511, and A00.FR.405: the central system checks the
  CN to know the certificate belongs to *this* charger);
- the subject's O is the organisation configured for the studio, the value the charger was given
  as ``CpoName`` / ``SecurityCtrlr.OrganizationName`` (A02.FR.13 / A03.FR.13, A00.FR.509).

Problems are plain sentences for the charger card ("CN is X, expected Y"). A request that passes
is signed and returned as the PEM ``certificateChain`` of CertificateSigned: the leaf only, since
the studio's CA has no sub-CAs and the root reaches the charger through InstallCertificate
(2.0.1 CertificateSigned: "can also contain the necessary sub CA certificates").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.lazy import lazy_module, lazy_name
from .ca import StudioCA, pem

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")
    rsa = lazy_module("cryptography.hazmat.primitives.asymmetric.rsa")
    NameOID = lazy_name("cryptography.x509.oid", "NameOID")

log = logging.getLogger(__name__)

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


@dataclass
class CsrCheck:
    """What the studio found in one CSR."""

    request: x509.CertificateSigningRequest | None
    problems: list[str] = field(default_factory=list)
    common_name: str | None = None
    organisation: str | None = None
    key: str | None = None          # "RSA 2048", "EC secp256r1 (256 bits)"

    @property
    def ok(self) -> bool:
        return self.request is not None and not self.problems

    def summary(self) -> str:
        if self.ok:
            return f"the CSR is fine: CN {self.common_name}, O {self.organisation}, {self.key}"
        return "; ".join(self.problems)


@dataclass
class SignedCsr:
    """The outcome of ``sign_csr``: the check, and the PEM chain when it was signed."""

    check: CsrCheck
    certificate: x509.Certificate | None = None
    chain_pem: str | None = None

    @property
    def ok(self) -> bool:
        return self.chain_pem is not None


def load_csr(data: str | bytes) -> tuple[x509.CertificateSigningRequest | None, str | None]:
    """The request in ``data`` (PEM, or DER as some chargers send it), or a plain reason."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    text = raw.strip()
    if not text:
        return None, "the charger's CSR is empty"
    if b"-----BEGIN CERTIFICATE-----" in text:
        return None, ("the charger sent a certificate, not a CSR: the charger's CSR is not "
                      "PKCS#10")
    # DER is binary: its last byte may well be a "space" or "newline", so it is read unstripped.
    for loader, candidate in ((x509.load_pem_x509_csr, text), (x509.load_der_x509_csr, raw)):
        try:
            return loader(candidate), None
        except ValueError:
            continue
    return None, "the charger's CSR is not PKCS#10 (RFC 2986) PEM"


def check_csr(data: str | bytes, charger_id: str, organisation: str | None) -> CsrCheck:
    """Every problem of the CSR ``data`` sent by ``charger_id``; ``organisation`` None skips
    the O comparison (nothing configured) but an O is still required (A00.FR.509)."""
    request, reason = load_csr(data)
    if request is None:
        return CsrCheck(None, [reason or "the charger's CSR is not PKCS#10"])
    check = CsrCheck(request)
    if not request.is_signature_valid:
        check.problems.append("the CSR's signature does not verify: it was not signed with the "
                              "key it carries (corrupted, or not made by the charger)")
    _check_key(request, check)
    check.common_name = _attribute(request.subject, NameOID.COMMON_NAME)
    check.organisation = _attribute(request.subject, NameOID.ORGANIZATION_NAME)
    if check.common_name is None:
        check.problems.append(f"the CSR has no CN; expected {charger_id!r} (the charger id)")
    elif check.common_name != charger_id:
        check.problems.append(f"CN is {check.common_name!r}, expected {charger_id!r} "
                              "(the charger id)")
    if check.organisation is None:
        check.problems.append("the CSR has no O (organisation)"
                              + (f"; expected {organisation!r}" if organisation else ""))
    elif organisation and check.organisation != organisation:
        check.problems.append(f"O is {check.organisation!r}, expected {organisation!r} (the "
                              "organisation set for the studio; the charger takes it from "
                              "CpoName / OrganizationName)")
    return check


def sign_csr(ca: StudioCA, data: str | bytes, charger_id: str,
             organisation: str | None) -> SignedCsr:
    """Check the CSR and, when it passes, sign it with ``ca`` for CertificateSigned."""
    check = check_csr(data, charger_id, organisation)
    if not check.ok or check.request is None:
        log.info("not signing the CSR of %s: %s", charger_id, check.summary())
        return SignedCsr(check)
    # The subject is the one just checked (CN and O only): nothing else the charger put in
    # the request (extensions, SANs) ends up in a certificate the studio vouches for.
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, check.organisation or ""),
        x509.NameAttribute(NameOID.COMMON_NAME, charger_id),
    ])
    public_key = check.request.public_key()
    if not isinstance(public_key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return SignedCsr(check)  # unreachable: check_csr refuses other keys
    certificate = ca.issue(public_key, subject, client=True)
    log.info("signed the CSR of %s (serial %x)", charger_id, certificate.serial_number)
    return SignedCsr(check, certificate, pem(certificate))


def _check_key(request: x509.CertificateSigningRequest, check: CsrCheck) -> None:
    try:
        key = request.public_key()
    except (ValueError, TypeError) as exc:  # an algorithm cryptography cannot load
        check.problems.append(f"the CSR's key cannot be read ({exc})")
        return
    if isinstance(key, rsa.RSAPublicKey):
        check.key = f"RSA {key.key_size}"
        if key.key_size < MIN_RSA_BITS:
            check.problems.append(f"the CSR's RSA key has {key.key_size} bits; at least "
                                  f"{MIN_RSA_BITS} are required")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        check.key = f"EC {key.curve.name} ({key.key_size} bits)"
        if key.key_size < MIN_EC_BITS:
            check.problems.append(f"the CSR's EC key has {key.key_size} bits ({key.curve.name}); "
                                  f"at least {MIN_EC_BITS} are required")
    else:
        check.key = type(key).__name__
        check.problems.append("the CSR's key is neither RSA nor EC (OCPP certificates use RSA "
                              "or ECDSA)")


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
