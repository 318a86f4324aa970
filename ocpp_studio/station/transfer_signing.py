"""Firmware signatures for secure updates (1.6 security whitepaper L01, 2.0.1 L01; UK
regulations §2.8.3), with the ``cryptography`` package.

L01.FR.04 (whitepaper and 2.0.1): the signature is calculated over the entire firmware file
with SHA-256 and RSA-PSS or "ECSchnorr". No maintained library offers an ECSchnorr that
chargers verify; chargers in the field verify ECDSA with SHA-256, so an EC key signs with
ECDSA (DER), an RSA key with RSA-PSS (MGF1-SHA-256, salt length = digest length, the
common fixed choice). ``signature`` in the request is the base64 of those bytes
(FirmwareType.signature, maxLength 800).
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.lazy import lazy_module

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")
    hashes = lazy_module("cryptography.hazmat.primitives.hashes")
    serialization = lazy_module("cryptography.hazmat.primitives.serialization")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")
    padding = lazy_module("cryptography.hazmat.primitives.asymmetric.padding")
    rsa = lazy_module("cryptography.hazmat.primitives.asymmetric.rsa")


class SigningError(ValueError):
    """A key, certificate or signature that cannot be used (said in words)."""


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def sign_firmware(file: Path, key_pem: bytes, password: bytes | None = None) -> str:
    """The base64 signature of ``file`` made with the PEM private key ``key_pem``."""
    try:
        key = serialization.load_pem_private_key(key_pem, password=password)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"the signing key cannot be read: {exc}") from None
    data = Path(file).read_bytes()
    if isinstance(key, rsa.RSAPrivateKey):
        raw = key.sign(data, _pss(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        raw = key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        raise SigningError("the signing key must be RSA or EC (ECDSA), as the spec's "
                           "firmware signing certificate")
    return base64.b64encode(raw).decode("ascii")


def load_certificate(pem: str | bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    except ValueError as exc:
        raise SigningError(f"the signing certificate is not a PEM certificate: {exc}") from None


def signature_matches(file: Path, certificate_pem: str | bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` over ``file`` verifies with the certificate's public key
    (RSA-PSS with any salt length, or ECDSA, both SHA-256): the check the whitepaper asks of
    the central system before it hands the certificate to the charger (A00.FR.706)."""
    public = load_certificate(certificate_pem).public_key()
    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    data = Path(file).read_bytes()
    from cryptography.exceptions import InvalidSignature  # an except clause needs the class
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                 salt_length=padding.PSS.AUTO), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(raw, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def key_matches_certificate(key_pem: bytes, certificate_pem: str | bytes,
                            password: bytes | None = None) -> bool:
    """Whether the private key belongs to the certificate."""
    key = serialization.load_pem_private_key(key_pem, password=password)
    cert_public = load_certificate(certificate_pem).public_key()
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*fmt) == cert_public.public_bytes(*fmt)


def signature_to_send(file: Path, certificate: str | None, signature: str | None,
                      key: bytes | None, password: bytes | None) -> tuple[str | None, list[str]]:
    """The signature an update request carries (made with ``key`` when given) and notes in
    words; (None, []) for an unsigned update. Unusable input raises :class:`SigningError`."""
    if not (certificate or signature or key):
        return None, []
    if not certificate:
        raise SigningError("a signed update needs the signing certificate (PEM)")
    try:
        load_certificate(certificate)
        if key is not None:
            if signature:
                raise SigningError("give either a signature or a signing key, not both")
            if not key_matches_certificate(key, certificate, password):
                raise SigningError("the signing key does not belong to the signing certificate")
            return sign_firmware(file, key, password), []
    except (ValueError, TypeError) as exc:  # SigningError is a ValueError: kept as it is
        if isinstance(exc, SigningError):
            raise
        raise SigningError(str(exc)) from None
    if not signature:
        raise SigningError("a signed update needs the signature (base64) or a key to make it")
    if signature_matches(file, certificate, signature):
        return signature, []
    # sent anyway: the charger's own verdict (InvalidSignature) is the evidence
    return signature, ["Note: the signature does not verify against the certificate here, "
                       "so the charger will most likely answer InvalidSignature."]
