"""Firmware updates end to end (issue 16 §4-5): the studio serves the image over HTTP or FTP,
the real demo charger downloads it, verifies a signed image against its signing certificate,
reports every status and reboots with the new version, which the studio compares with the
expected one. Plain and signed (RSA-PSS, ECDSA), good and bad signatures, failures per stage."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
from conftest import wait_for
from test_transfers import V16, V201, WAIT, charger, run, sent, signing_pair, studio_tls

from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.station.transfer_signing import sign_firmware, signature_matches
from ocpp_studio.station.transfers import JobState, TransferError


# ------------------------------------------------------------------------- firmware

@pytest.mark.parametrize("version,scheme,action,status_action", [
    (V16, "http", "UpdateFirmware", "FirmwareStatusNotification"),
    (V16, "ftp", "UpdateFirmware", "FirmwareStatusNotification"),
    (V201, "http", "UpdateFirmware", "FirmwareStatusNotification"),
    (V201, "ftp", "UpdateFirmware", "FirmwareStatusNotification"),
    (OcppVersion.V21, "http", "UpdateFirmware", "FirmwareStatusNotification"),
])
def test_plain_firmware_update_installs_and_reboots_with_the_new_version(
        tmp_path: Path, version: OcppVersion, scheme: str, action: str,
        status_action: str) -> None:
    async def scenario() -> None:
        image = tmp_path / "2.0.0.bin"
        image.write_bytes(b"\x7fFIRMWARE" * 5000)
        async with charger(tmp_path, version) as (csms, demo, cid):
            job = await csms.central.transfers.update_firmware(cid, image, scheme=scheme,
                                                               expect_version="2.0.0")
            done = await job.wait(WAIT)
            assert done.state == JobState.DONE, done.words
            assert done.action == action
            assert [s.status for s in done.steps] == ["Downloading", "Downloaded", "Installing",
                                                      "Installed"]
            assert {s.action for s in done.steps} == {status_action}
            assert done.reported_version == "2.0.0"
            assert "rebooted with firmware 2.0.0 as expected" in done.words
            assert done.bytes == image.stat().st_size
            assert demo.config.firmware == "2.0.0"
            assert csms.central.stations[cid].firmware == "2.0.0"

    run(scenario())


@pytest.mark.parametrize("version,key_kind,action,status_action", [
    (V16, "rsa", "SignedUpdateFirmware", "SignedFirmwareStatusNotification"),
    (V201, "ec", "UpdateFirmware", "FirmwareStatusNotification"),
])
def test_signed_update_with_a_key_is_verified_by_the_charger(
        tmp_path: Path, version: OcppVersion, key_kind: str, action: str,
        status_action: str) -> None:
    async def scenario() -> None:
        image = tmp_path / "3.1.bin"
        image.write_bytes(b"signed firmware " * 1000)
        key, cert = signing_pair(key_kind)
        async with charger(tmp_path, version) as (csms, demo, cid):
            job = await csms.central.transfers.update_firmware(
                cid, image, scheme="http", signing_certificate=cert, signing_key=key)
            done = await job.wait(WAIT)
            assert done.state == JobState.DONE, done.words
            assert [s.status for s in done.steps] == [
                "Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"]
            assert {s.action for s in done.steps} == {status_action}
            request = sent(csms, cid, action)[-1]
            firmware = request["firmware"]
            assert firmware["signingCertificate"] == cert
            assert signature_matches(image, cert, firmware["signature"])
            assert request["requestId"] == done.request_id
            assert all(p["requestId"] == done.request_id for p in sent(csms, cid, status_action))
            assert done.reported_version == "3.1"

    run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_a_bad_signature_is_explained(tmp_path: Path, version: OcppVersion) -> None:
    async def scenario() -> None:
        image = tmp_path / "4.0.bin"
        image.write_bytes(b"firmware " * 100)
        _, cert = signing_pair("rsa")
        other_key, _ = signing_pair("rsa")
        wrong = sign_firmware(image, other_key)
        async with charger(tmp_path, version) as (csms, demo, cid):
            job = await csms.central.transfers.update_firmware(
                cid, image, signing_certificate=cert, signature=wrong)
            assert "will most likely answer InvalidSignature" in job.snapshot().words
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED
            assert done.last_status == "InvalidSignature" and done.steps[-1].failure
            assert "signature does not verify against the signing certificate" in done.words
            assert demo.config.firmware == "1.0.0"  # not installed
            await wait_for(lambda: any(  # L01.FR.03, sent right after the status
                p["type"] == "InvalidFirmwareSignature"
                for p in sent(csms, cid, "SecurityEventNotification")), WAIT)

    run(scenario())


def test_quirk_signature_refuses_even_a_good_signature(tmp_path: Path) -> None:
    async def scenario() -> None:
        image = tmp_path / "4.1.bin"
        image.write_bytes(b"fw")
        async with charger(tmp_path, V201, "transfer-fail=signature") as (csms, demo, cid):
            key, cert = signing_pair("ec")
            job = await csms.central.transfers.update_firmware(
                cid, image, signing_certificate=cert, signing_key=key)
            done = await job.wait(WAIT)
            assert done.last_status == "InvalidSignature" and done.state == JobState.FAILED

    run(scenario())


@pytest.mark.parametrize("quirk,status,words", [
    # what the file server saw follows the charger's DownloadFailed; the demo fails its
    # download before it connects (a charger that cannot reach the laptop)
    ("download", "DownloadFailed", "could not download the firmware: check that it can "
     "reach the laptop's address, the firewall, and (FTP) passive mode. What the file server "
     "saw: the charger never connected to the HTTP server at 127.0.0.1:"),
    # not "it keeps the old one": only its next BootNotification says what it runs
    ("install", "InstallationFailed", "could not install the firmware; the version it runs "
     "shows in its next BootNotification"),
])
def test_firmware_failures_are_explained(tmp_path: Path, quirk: str, status: str,
                                         words: str) -> None:
    async def scenario() -> None:
        image = tmp_path / "5.0.bin"
        image.write_bytes(b"fw" * 10)
        async with charger(tmp_path, V16, f"transfer-fail={quirk}") as (csms, demo, cid):
            job = await csms.central.transfers.update_firmware(cid, image)
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED and done.last_status == status
            assert words in done.words

    run(scenario())


def test_an_unexpected_version_after_the_reboot_is_not_called_installed(tmp_path: Path) -> None:
    async def scenario() -> None:
        image = tmp_path / "6.0.bin"
        image.write_bytes(b"fw")
        async with charger(tmp_path, V201) as (csms, demo, cid):
            job = await csms.central.transfers.update_firmware(cid, image, expect_version="6.1")
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED
            assert "names firmware 6.0, not the expected 6.1" in done.words

    run(scenario())


def test_unusable_signing_input_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    async def scenario() -> None:
        image = tmp_path / "7.0.bin"
        image.write_bytes(b"fw")
        key, cert = signing_pair("rsa")
        other_key, _ = signing_pair("ec")
        async with charger(tmp_path, V16) as (csms, demo, cid):
            transfers = csms.central.transfers
            with pytest.raises(TransferError, match="does not belong"):
                await transfers.update_firmware(cid, image, signing_certificate=cert,
                                                signing_key=other_key)
            with pytest.raises(TransferError, match="signing certificate"):
                await transfers.update_firmware(cid, image, signature="AAAA")
            with pytest.raises(TransferError, match="no firmware file"):
                await transfers.update_firmware(cid, tmp_path / "missing.bin")
            assert not sent(csms, cid, "SignedUpdateFirmware")
            assert transfers.jobs(cid) == []

    run(scenario())


def test_signing_helpers_round_trip(tmp_path: Path) -> None:
    image = tmp_path / "x.bin"
    image.write_bytes(b"abc" * 100)
    for kind in ("rsa", "ec"):
        key, cert = signing_pair(kind)
        signature = sign_firmware(image, key)
        assert signature_matches(image, cert, signature)
        assert not signature_matches(image, cert, base64.b64encode(b"nope").decode())
        image.write_bytes(b"changed")
        assert not signature_matches(image, cert, signature)
        image.write_bytes(b"abc" * 100)


def test_firmware_over_https_with_the_studio_certificate(tmp_path: Path) -> None:
    certificates, ca_file = studio_tls(tmp_path)
    image = tmp_path / "3.3.bin"
    image.write_bytes(b"tls firmware" * 500)

    async def scenario() -> None:
        async with charger(tmp_path, V16, ca_file=ca_file) as (csms, demo, cid):
            csms.central.transfers.use_tls(certificates)
            job = await csms.central.transfers.update_firmware(cid, image, scheme="https",
                                                               expect_version="3.3")
            done = await job.wait(WAIT)
            assert done.state == JobState.DONE, done.words
            assert sent(csms, cid, "UpdateFirmware")[-1]["location"].startswith("https://")

    run(scenario())


def test_a_studio_with_wss_serves_firmware_over_https_to_a_wss_charger(tmp_path: Path) -> None:
    """serve --wss-port: the transfer server takes the wss:// certificate, which the charger
    that connected over wss already trusts (its ca_file is the studio CA)."""
    from test_wss_server import studio_with_wss, wss_url

    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.security.ca import StudioCA

    image = tmp_path / "4.4.bin"
    image.write_bytes(b"over tls" * 100)

    async def scenario() -> None:
        async with studio_with_wss(tmp_path) as studio:
            ca_file = str(StudioCA(tmp_path / "ca").ca_file)
            demo = DemoCharger(wss_url(studio, "TLS-1").rsplit("/", 1)[0],
                               DemoChargerConfig(charger_id="TLS-1", version=V201,
                                                 ca_file=ca_file))
            task = asyncio.create_task(demo.run())
            try:
                assert await demo.wait_booted(10)
                job = await studio.central.transfers.update_firmware(
                    "TLS-1", image, scheme="https", expect_version="4.4")
                done = await job.wait(WAIT)
                assert done.state == JobState.DONE, done.words
            finally:
                await demo.stop()
                task.cancel()

    run(scenario())
