"""wss:// in the studio's central system (issue 15 §1): security profiles 2 and 3 over real TLS
on 127.0.0.1, recorded on the handshake event and, when refused, as a refusal with its reason."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from conftest import BOOT_16, exchange, raw_charger
from demo_tls import run, studio_with_wss  # one wss:// studio for the TLS tests
from ocpp_studio.security.ca import StudioCA
from ocpp_studio.service import Studio

KEY_HEX = "00ff10e3a1b2c3d4e5f60718293a4b5c6d7e8f90"   # a 20-byte AuthorizationKey


def wss_url(studio: Studio, charger_id: str) -> str:
    assert studio.server is not None and studio.server.wss_port is not None
    return f"wss://127.0.0.1:{studio.server.wss_port}/ocpp/{charger_id}"


def trust(ca_file: Path, client: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    """A charger's TLS client: trusts the studio CA file and checks the server name."""
    context = ssl.create_default_context(cafile=str(ca_file))
    if client:
        context.load_cert_chain(str(client[0]), str(client[1]))
    return context


def write_pair(folder: Path, name: str, certificate: Any, key: Any) -> tuple[Path, Path]:
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def basic(user: str, password: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user.encode() + b":" + password).decode()}


def events(studio: Studio, kind: str, charger: str | None = None) -> list[dict[str, Any]]:
    return [e.detail for e in studio.store.events(charger) if e.kind == kind]


# ------------------------------------------------------------------------------ profile 2
def test_profile_2_password_as_hex_text_or_bytes_both_accepted_and_recorded(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP2": KEY_HEX}) as studio:
            context = trust(tmp_path / "ca" / "ca.pem")
            for password, form in ((KEY_HEX.encode(), "text"),
                                   (bytes.fromhex(KEY_HEX), "bytes")):
                async with raw_charger(wss_url(studio, "CP2"), ssl=context,
                                       additional_headers=basic("CP2", password)) as ws:
                    assert (await exchange(ws, BOOT_16))[2]["status"] == "Accepted"
                connected = events(studio, "connected", "CP2")[-1]
                assert connected["auth_user"] == "CP2"
                assert connected["extra"]["password_form"] == form
                assert connected["extra"]["scheme"] == "wss"
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(wss_url(studio, "CP2"), ssl=context,
                                       additional_headers=basic("CP2", b"not-the-key")):
                    pass
            assert caught.value.response.status_code == 401
            refused = events(studio, "refused", "CP2")[-1]
            assert refused["reason"] == "Wrong password for charger 'CP2'"
            assert refused["extra"]["scheme"] == "wss"
    run(scenario())


def test_connected_event_carries_tls_version_cipher_and_no_client_certificate(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path) as studio:
            async with raw_charger(wss_url(studio, "CP1"),
                                   ssl=trust(tmp_path / "ca" / "ca.pem")) as ws:
                await exchange(ws, BOOT_16)
                cipher = ws.transport.get_extra_info("ssl_object").cipher()[0]
            tls = events(studio, "connected", "CP1")[0]["extra"]["tls"]
            assert tls["version"] in ("TLSv1.2", "TLSv1.3")
            assert tls["cipher"] == cipher
            assert tls["client_certificate"] is None
    run(scenario())


def test_ws_still_works_beside_wss_and_both_urls_are_listed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path) as studio:
            assert studio.server is not None
            urls = studio.urls()
            assert f"ws://127.0.0.1:{studio.server.port}/ocpp" in urls
            assert f"wss://127.0.0.1:{studio.server.wss_port}/ocpp" in urls
            async with raw_charger(f"ws://127.0.0.1:{studio.server.port}/ocpp/PLAIN") as ws:
                assert (await exchange(ws, BOOT_16))[2]["status"] == "Accepted"
            connected = events(studio, "connected", "PLAIN")[0]
            assert connected["extra"]["scheme"] == "ws" and "tls" not in connected["extra"]
    run(scenario())


def test_plain_ws_on_the_wss_port_is_recorded_as_a_refusal_without_address(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path) as studio:
            with pytest.raises(Exception):
                async with raw_charger(f"ws://127.0.0.1:{studio.server.wss_port}/ocpp/CP9",
                                       open_timeout=5):
                    pass
            for _ in range(100):  # the server side records it as the socket closes
                if events(studio, "refused"):
                    break
                await asyncio.sleep(0.02)
            refused = events(studio, "refused")
            assert refused and refused[-1]["extra"]["tls_failure"] == "plain-http"
            assert "set its backend URL to wss://" in refused[-1]["reason"]
            assert "address are not known" in refused[-1]["extra"]["note"]
    run(scenario())


# ------------------------------------------------------------------------------ profile 3
def test_profile_3_client_certificate_with_the_charger_id_is_accepted(tmp_path: Path) -> None:
    async def scenario() -> None:
        # passwords for other chargers: profile 3's credential is the certificate (§2.5)
        async with studio_with_wss(tmp_path, client_certificates="required",
                                   passwords={"CP2": KEY_HEX}) as studio:
            ca = StudioCA(tmp_path / "ca")
            certificate, key = ca.issue_client_certificate("CP3")
            client = write_pair(tmp_path, "cp3", certificate, key)
            async with raw_charger(wss_url(studio, "CP3"),
                                   ssl=trust(ca.ca_file, client)) as ws:
                assert (await exchange(ws, BOOT_16))[2]["status"] == "Accepted"
            extra = events(studio, "connected", "CP3")[0]["extra"]
            assert extra["authenticated_by"] == "client certificate"
            seen = extra["tls"]["client_certificate"]
            assert seen["common_name"] == "CP3"
            assert seen["subject"] == "CN=CP3,O=OCPP Studio"
            assert seen["issuer"] == ca.certificate.subject.rfc4514_string()
            assert seen["serial"] == format(certificate.serial_number, "x")
            assert seen["not_after"] == certificate.not_valid_after_utc.isoformat()
    run(scenario())


def test_profile_3_certificate_of_another_charger_is_refused_403_and_recorded(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, client_certificates="required") as studio:
            ca = StudioCA(tmp_path / "ca")
            client = write_pair(tmp_path, "cp4", *ca.issue_client_certificate("CP4"))
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(wss_url(studio, "CP3"), ssl=trust(ca.ca_file, client)):
                    pass
            assert caught.value.response.status_code == 403
            reason = "CN mismatch: the certificate is for 'CP4', but the charger connected as 'CP3'"
            refused = events(studio, "refused", "CP3")[-1]
            assert refused["reason"] == reason and refused["http_status"] == 403
            assert refused["extra"]["tls_refusal"] == "cn-mismatch"
            assert refused["extra"]["tls"]["client_certificate"]["common_name"] == "CP4"
            # the charger card shows it like a subprotocol refusal
            assert studio.central.stations["CP3"].last_refusal["reason"] == reason
            assert not events(studio, "connected", "CP3")
    run(scenario())


def test_profile_3_certificate_from_another_ca_is_refused_and_recorded(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, client_certificates="required") as studio:
            other = StudioCA(tmp_path / "other")
            client = write_pair(tmp_path, "cp3", *other.issue_client_certificate("CP3"))
            with pytest.raises(Exception):
                async with raw_charger(wss_url(studio, "CP3"), open_timeout=5,
                                       ssl=trust(tmp_path / "ca" / "ca.pem", client)):
                    pass
            for _ in range(100):
                if events(studio, "refused"):
                    break
                await asyncio.sleep(0.02)
            refused = events(studio, "refused")[-1]
            assert refused["extra"]["tls_failure"] == "unknown-ca"
            assert refused["reason"].startswith("unknown CA: the charger's certificate was not "
                                                "issued by a CA the studio trusts")
            assert not events(studio, "connected")
    run(scenario())


def test_profile_3_without_a_client_certificate_is_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, client_certificates="required") as studio:
            with pytest.raises(Exception):
                async with raw_charger(wss_url(studio, "CP3"), open_timeout=5,
                                       ssl=trust(tmp_path / "ca" / "ca.pem")):
                    pass
            for _ in range(100):
                if events(studio, "refused"):
                    break
                await asyncio.sleep(0.02)
            refused = events(studio, "refused")[-1]
            assert refused["extra"]["tls_failure"] == "no-client-certificate"
            assert "security profile 3 requires one" in refused["reason"]
    run(scenario())


def test_own_server_certificate_and_client_ca_a_production_pki(tmp_path: Path) -> None:
    # --cert/--key/--client-ca: the user's PKI; the studio CA is then not trusted for clients
    production = StudioCA(tmp_path / "production", organisation="Operator Ltd")
    server = production.server_certificates(["127.0.0.1", "localhost"])[0]
    good = write_pair(tmp_path, "cp5", *production.issue_client_certificate("CP5"))
    studio_issued = write_pair(tmp_path, "cp5-studio",
                               *StudioCA(tmp_path / "ca").issue_client_certificate("CP5"))

    async def scenario() -> None:
        async with studio_with_wss(tmp_path, tls_cert_file=str(server.cert_file),
                                   tls_key_file=str(server.key_file),
                                   client_certificates="required",
                                   client_ca_file=str(production.ca_file)) as studio:
            async with raw_charger(wss_url(studio, "CP5"),
                                   ssl=trust(production.ca_file, good)) as ws:
                assert (await exchange(ws, BOOT_16))[2]["status"] == "Accepted"
            tls = events(studio, "connected", "CP5")[0]["extra"]["tls"]
            assert tls["client_certificate"]["subject"] == "CN=CP5,O=Operator Ltd"
            with pytest.raises(Exception):
                async with raw_charger(wss_url(studio, "CP5"), open_timeout=5,
                                       ssl=trust(production.ca_file, studio_issued)):
                    pass
            for _ in range(100):
                if events(studio, "refused"):
                    break
                await asyncio.sleep(0.02)
            assert events(studio, "refused")[-1]["extra"]["tls_failure"] == "unknown-ca"
    run(scenario())


# ------------------------------------------------------------------------------ the CLI
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(*args: str, env: dict[str, str], **kwargs: Any) -> Any:
    return subprocess.run([sys.executable, "-m", "ocpp_studio.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, **kwargs)


def test_serve_wss_port_and_ca_export_through_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    port, wss_port = free_port(), free_port()
    capture = tmp_path / "capture.db"
    server = subprocess.Popen(
        [sys.executable, "-m", "ocpp_studio.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--wss-port", str(wss_port), "--capture", str(capture),
         "--client-certs", "optional", "--password", f"CP7={KEY_HEX}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(4)]
        assert f"  point chargers at wss://127.0.0.1:{wss_port}/ocpp/<chargerId>\n" in lines
        assert f"  point chargers at ws://127.0.0.1:{port}/ocpp/<chargerId>\n" in lines
        exported = tmp_path / "studio-ca.pem"
        done = cli("ca", "export", "--out", str(exported), env=env)
        assert done.returncode == 0, done.stderr
        assert "Wrote" in done.stdout and exported.read_text().startswith("-----BEGIN CERT")
        # the exported file is what a charger needs to trust the studio's wss:// port

        async def charger() -> str:
            async with connect(f"wss://127.0.0.1:{wss_port}/ocpp/CP7", ssl=trust(exported),
                               subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                               additional_headers=basic("CP7", bytes.fromhex(KEY_HEX))) as ws:
                await ws.send(BOOT_16)
                return str(await asyncio.wait_for(ws.recv(), 10))
        assert json.loads(run(charger()))[2]["status"] == "Accepted"
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    lines = [line for line in out.splitlines() if "connected" in line and "CP7" in line]
    assert lines, out
    exported_again = cli("ca", "export", "--out", str(tmp_path / "missing" / "x.pem"), env=env)
    assert exported_again.returncode == 2
    assert exported_again.stderr.startswith("Cannot export the studio CA:")


def test_serve_with_an_unreadable_certificate_exits_2_with_the_reason(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = cli("serve", "--host", "127.0.0.1", "--port", "0", "--wss-port", "0",
               "--capture", str(tmp_path / "c.db"), "--cert", str(tmp_path / "no.pem"),
               "--key", str(tmp_path / "no-key.pem"), env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("Cannot set up wss://:")
    done = cli("serve", "--port", "0", "--cert", "x.pem", "--key", "y.pem", env=env)
    assert done.returncode == 2 and "need --wss-port" in done.stderr
