"""A charger's SignCertificate CSR: checked per whitepaper A02/A03 and signed by the studio CA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ocpp_studio.security.ca import StudioCA
from ocpp_studio.security.csr import check_csr, sign_csr
from ocpp_studio.security.tls import check_client_certificate

ORG = "Acme Charging Ltd"


def make_csr(key: Any, cn: str | None = "CP1", org: str | None = ORG) -> str:
    """What a charger sends in SignCertificate.req: a PEM PKCS#10 request."""
    attributes = []
    if org is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if cn is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    request = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name(attributes)).sign(key, hashes.SHA256()))
    return request.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def ca(tmp_path: Path) -> StudioCA:
    return StudioCA(tmp_path / "ca", organisation=ORG)


def test_valid_rsa_2048_csr_is_signed_with_the_charger_as_cn(ca: StudioCA,
                                                             rsa2048: rsa.RSAPrivateKey) -> None:
    signed = sign_csr(ca, make_csr(rsa2048), "CP1", ORG)
    assert signed.ok, signed.check.problems
    assert signed.check.key == "RSA 2048"
    assert signed.chain_pem is not None
    chain = x509.load_pem_x509_certificates(signed.chain_pem.encode())
    assert len(chain) == 1  # the leaf; the root reaches the charger via InstallCertificate
    leaf = chain[0]
    assert leaf.subject.rfc4514_string() == f"CN=CP1,O={ORG}"
    assert leaf.public_key().public_numbers() == rsa2048.public_key().public_numbers()
    leaf.verify_directly_issued_by(ca.certificate)
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    # and it is exactly what the profile 3 check lets in as CP1, and only as CP1
    assert check_client_certificate(leaf, "CP1", trusted=[ca.certificate], clock=ca.clock,
                                    organisation=ORG) is None
    assert check_client_certificate(leaf, "CP9", trusted=[ca.certificate]) is not None


def test_valid_ec_p256_csr_is_signed(ca: StudioCA) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signed = sign_csr(ca, make_csr(key).encode(), "CP1", ORG)
    assert signed.ok
    assert signed.check.key == "EC secp256r1 (256 bits)"
    assert signed.check.summary() == f"the CSR is fine: CN CP1, O {ORG}, EC secp256r1 (256 bits)"


def test_der_csr_is_accepted_too(rsa2048: rsa.RSAPrivateKey) -> None:
    pem = make_csr(rsa2048)
    der = x509.load_pem_x509_csr(pem.encode()).public_bytes(serialization.Encoding.DER)
    assert check_csr(der, "CP1", ORG).ok


@pytest.mark.parametrize("last", [0x20, 0x0A, 0x09], ids=["space", "newline", "tab"])
def test_der_csr_ending_in_a_whitespace_byte_is_read_whole(last: int) -> None:
    # A DER request ends in signature bytes, which are random: one in ~40 ends in a byte that
    # is also whitespace. ECDSA signs with a fresh random nonce: sign until one does.
    key = ec.generate_private_key(ec.SECP256R1())
    for _ in range(20000):
        der = x509.load_pem_x509_csr(make_csr(key).encode()).public_bytes(
            serialization.Encoding.DER)
        if der[-1] == last:
            break
    assert der[-1] == last
    assert check_csr(der, "CP1", ORG).ok


@pytest.mark.parametrize("data", [b"hello charger", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                  "-----END CERTIFICATE REQUEST-----\n", b"\x30\x03\x02\x01\x00"])
def test_non_pkcs10_is_refused_in_plain_words(ca: StudioCA, data: Any) -> None:
    signed = sign_csr(ca, data, "CP1", ORG)
    assert not signed.ok and signed.chain_pem is None
    assert signed.check.problems == ["the charger's CSR is not PKCS#10 (RFC 2986) PEM"]


def test_empty_csr_and_a_certificate_instead_of_a_csr(ca: StudioCA) -> None:
    assert check_csr("", "CP1", ORG).problems == ["the charger's CSR is empty"]
    problems = check_csr(ca.certificate_pem(), "CP1", ORG).problems
    assert problems == ["the charger sent a certificate, not a CSR: the charger's CSR is not "
                        "PKCS#10"]


def test_wrong_cn_is_refused(ca: StudioCA, rsa2048: rsa.RSAPrivateKey) -> None:
    signed = sign_csr(ca, make_csr(rsa2048, cn="CP2"), "CP1", ORG)
    assert not signed.ok
    assert signed.check.problems == ["CN is 'CP2', expected 'CP1' (the charger id)"]
    missing = check_csr(make_csr(rsa2048, cn=None), "CP1", ORG)
    assert missing.problems == ["the CSR has no CN; expected 'CP1' (the charger id)"]


def test_weak_rsa_1024_is_refused(ca: StudioCA) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    signed = sign_csr(ca, make_csr(weak), "CP1", ORG)
    assert not signed.ok
    assert signed.check.problems == ["the CSR's RSA key has 1024 bits; at least 2048 are "
                                     "required"]


def test_weak_ec_p224_is_refused() -> None:
    weak = ec.generate_private_key(ec.SECP224R1())
    assert check_csr(make_csr(weak), "CP1", ORG).problems == [
        "the CSR's EC key has 224 bits (secp224r1); at least 256 are required"]


def test_wrong_or_missing_organisation_is_refused(rsa2048: rsa.RSAPrivateKey) -> None:
    wrong = check_csr(make_csr(rsa2048, org="Someone Else"), "CP1", ORG)
    assert len(wrong.problems) == 1
    assert wrong.problems[0].startswith(f"O is 'Someone Else', expected '{ORG}'")
    missing = check_csr(make_csr(rsa2048, org=None), "CP1", ORG)
    assert missing.problems == [f"the CSR has no O (organisation); expected '{ORG}'"]
    # no organisation configured: any O will do, but there must be one (A00.FR.509)
    assert check_csr(make_csr(rsa2048, org="Someone Else"), "CP1", None).ok
    assert not check_csr(make_csr(rsa2048, org=None), "CP1", None).ok


def test_every_problem_is_listed_at_once() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    check = check_csr(make_csr(weak, cn="CP2", org="Other"), "CP1", ORG)
    assert len(check.problems) == 3
    assert check.summary() == "; ".join(check.problems)


def test_a_tampered_csr_fails_its_signature(rsa2048: rsa.RSAPrivateKey) -> None:
    # Replace the public key of a signed request: the signature no longer matches.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = x509.load_pem_x509_csr(make_csr(rsa2048).encode()).public_bytes(
        serialization.Encoding.DER)
    mine = rsa2048.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    theirs = other.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    assert len(mine) == len(theirs) and mine in good
    tampered = good.replace(mine, theirs)
    check = check_csr(tampered, "CP1", ORG)
    assert check.problems == ["the CSR's signature does not verify: it was not signed with the "
                              "key it carries (corrupted, or not made by the charger)"]
