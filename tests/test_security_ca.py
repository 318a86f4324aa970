"""The studio's local certificate authority and its server certificates."""

from __future__ import annotations

import os
import stat
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ocpp_studio.core.clock import FixedClock
from ocpp_studio.security import ca as ca_module
from ocpp_studio.security.ca import CaError, StudioCA, certificate_names, server_names
from ocpp_studio.transports.addresses import lan_addresses

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
NAMES = ["studio.local", "127.0.0.1", "192.168.1.20"]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


def test_created_on_first_use_key_owner_only_and_reloaded(tmp_path: Path,
                                                          clock: FixedClock) -> None:
    folder = tmp_path / "config" / "ca"
    first = StudioCA(folder, organisation="Acme", clock=clock)
    assert (folder / "ca-key.pem").exists() and first.ca_file.exists()
    if sys.platform != "win32":
        assert owner_only(folder) and owner_only(folder / "ca-key.pem")
    assert first.certificate.subject.get_attributes_for_oid(
        x509.oid.NameOID.ORGANIZATION_NAME)[0].value == "Acme"
    constraints = first.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.ca and constraints.critical
    again = StudioCA(folder, clock=clock)
    assert again.certificate == first.certificate  # the same CA, not a new one


def test_export_writes_the_ca_certificate_and_no_key(tmp_path: Path, clock: FixedClock) -> None:
    authority = StudioCA(tmp_path / "ca", clock=clock)
    out = authority.export(tmp_path / "studio-ca.pem")
    text = out.read_text()
    assert x509.load_pem_x509_certificate(text.encode()) == authority.certificate
    assert "PRIVATE KEY" not in text
    assert text == authority.certificate_pem()


def test_a_broken_ca_folder_is_reported_not_replaced(tmp_path: Path, clock: FixedClock) -> None:
    folder = tmp_path / "ca"
    StudioCA(folder, clock=clock)
    (folder / "ca-key.pem").unlink()
    with pytest.raises(CaError, match="ca-key.pem is missing"):
        StudioCA(folder, clock=clock)
    assert (folder / "ca.pem").exists()


def test_server_certificates_ec_and_rsa_with_names_as_alt_names(tmp_path: Path,
                                                               clock: FixedClock) -> None:
    authority = StudioCA(tmp_path / "ca", clock=clock)
    ec_cert, rsa_cert = authority.server_certificates(NAMES)
    assert isinstance(ec_cert.certificate.public_key(), ec.EllipticCurvePublicKey)
    assert isinstance(rsa_cert.certificate.public_key(), rsa.RSAPublicKey)
    assert rsa_cert.certificate.public_key().key_size >= 2048
    for issued in (ec_cert, rsa_cert):
        assert issued.reissued == "there was none yet"
        assert certificate_names(issued.certificate) == ["studio.local", "127.0.0.1",
                                                         "192.168.1.20"]
        cn = issued.certificate.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
        assert cn[0].value == "studio.local"  # the FQDN, A00.FR.510
        issued.certificate.verify_directly_issued_by(authority.certificate)
        chain = x509.load_pem_x509_certificates(issued.cert_file.read_bytes())
        assert chain == [issued.certificate, authority.certificate]
        if sys.platform != "win32":
            assert owner_only(issued.key_file)


def test_server_certificate_kept_while_nothing_changes(tmp_path: Path, clock: FixedClock) -> None:
    authority = StudioCA(tmp_path / "ca", clock=clock)
    first = authority.server_certificates(NAMES)
    clock.set(START + timedelta(days=200))
    again = StudioCA(tmp_path / "ca", clock=clock).server_certificates(NAMES)
    assert [c.reissued for c in again] == [None, None]
    assert [c.certificate for c in again] == [c.certificate for c in first]


def test_reissued_when_an_address_changes(tmp_path: Path, clock: FixedClock) -> None:
    authority = StudioCA(tmp_path / "ca", clock=clock)
    first = authority.server_certificates(NAMES)
    moved = ["studio.local", "127.0.0.1", "10.0.0.7"]
    second = authority.server_certificates(moved)
    assert [c.reissued for c in second] == [
        "the laptop's names or addresses changed (new: 10.0.0.7; gone: 192.168.1.20)"] * 2
    assert certificate_names(second[0].certificate) == moved
    assert second[0].certificate.serial_number != first[0].certificate.serial_number


def test_reissued_when_it_nears_expiry(tmp_path: Path, clock: FixedClock) -> None:
    authority = StudioCA(tmp_path / "ca", clock=clock)
    first = authority.server_certificates(NAMES)[0].certificate
    assert first.not_valid_after_utc == START + ca_module.SERVER_LIFETIME
    clock.set(START + ca_module.SERVER_LIFETIME - timedelta(days=20))
    renewed = authority.server_certificates(NAMES)[0]
    assert renewed.reissued == "it expires in 20 days"
    assert renewed.certificate.not_valid_after_utc > first.not_valid_after_utc


def test_reissued_when_signed_by_another_ca(tmp_path: Path, clock: FixedClock) -> None:
    old = StudioCA(tmp_path / "old", clock=clock)
    old.server_certificates(NAMES)
    new = StudioCA(tmp_path / "new", clock=clock)
    for name in ("server-ec.pem", "server-ec-key.pem"):
        (tmp_path / "new" / name).write_bytes((tmp_path / "old" / name).read_bytes())
    # a re-created CA has the same name: the signature tells them apart
    assert new.server_certificates(NAMES)[0].reissued == "it was not signed by this CA"


def test_server_names_are_host_names_loopback_and_lan_addresses() -> None:
    names = server_names()
    assert "localhost" in names and "127.0.0.1" in names
    for address in lan_addresses():
        assert address in names
    assert len(names) == len(set(names))
    assert server_names(["192.168.1.20", "127.0.0.1"])[-1] == "192.168.1.20"
