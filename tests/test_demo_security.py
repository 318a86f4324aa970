"""The demo charger's security (issue 15 §5) over real TLS on 127.0.0.1 against the studio's
own central system: profiles 2 and 3, a wrong CA, a wrong CN, an expired certificate, the
CSR and CertificateSigned, install/list/delete, no downgrade, the switch 1 -> 2 with Reset,
and the fallback when the new connection fails (A05.FR.08 / B10.FR.07)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.demo.security import hash_data
from ocpp_studio.security.ca import StudioCA, pem
from ocpp_studio.security.csr import check_csr, sign_csr
from ocpp_studio.service import Studio
from ocpp_studio.settings import AppSettings, CsmsSettings
from ocpp_studio.station.security_state import hash_data_of

V16, V201 = OcppVersion.V16, OcppVersion.V201
BOTH = pytest.mark.parametrize("version", [V16, V201], ids=["1.6", "2.0.1"])
PASSWORD = "0123456789abcdef0123456789abcdef"  # 32 characters (A00.FR.205: 16..40)
TIMEOUT = 20.0


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@asynccontextmanager
async def studio_with_wss(tmp_path: Path, **csms: Any) -> AsyncIterator[Studio]:
    settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0, wss_port=0,
                                             ca_dir=str(tmp_path / "ca"), **csms),
                           capture_path=":memory:")
    studio = Studio(settings)
    await studio.start()
    try:
        yield studio
    finally:
        await studio.stop()


def wss_base(studio: Studio) -> str:
    assert studio.server is not None and studio.server.wss_port is not None
    return f"wss://127.0.0.1:{studio.server.wss_port}/ocpp"


def ws_base(studio: Studio) -> str:
    assert studio.server is not None
    return f"ws://127.0.0.1:{studio.server.port}/ocpp"


@asynccontextmanager
async def demo(base: str, charger_id: str, version: OcppVersion,
               clock: Callable[[], datetime] | None = None,
               **config: Any) -> AsyncIterator[DemoCharger]:
    charger = DemoCharger(base, DemoChargerConfig(charger_id=charger_id, version=version,
                                                  heartbeat_interval=300, **config),
                          clock=clock)
    task = asyncio.create_task(charger.run())
    try:
        yield charger
    finally:
        await charger.stop()
        await asyncio.wait_for(task, 10)


async def until(check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.05)
    raise AssertionError(what)  # pragma: no cover


def events(studio: Studio, kind: str, charger: str) -> list[dict[str, Any]]:
    return [e.detail for e in studio.store.events(charger) if e.kind == kind]


def write_pair(folder: Path, name: str, certificate: Any, key: Any) -> dict[str, str]:
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return {"client_cert_file": str(cert_file), "client_key_file": str(key_file)}


async def security_profile(studio: Studio, charger: DemoCharger) -> str:
    """What the charger itself reports: 1.6 GetConfiguration, 2.0.1 GetVariables."""
    cid = charger.config.charger_id
    if charger.version is V16:
        reply = await studio.central.call(cid, "GetConfiguration", {"key": ["SecurityProfile"]})
        return reply["configurationKey"][0]["value"]
    reply = await studio.central.call(cid, "GetVariables", {"getVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"}}]})
    return reply["getVariableResult"][0]["attributeValue"]


# ------------------------------------------------------------------------------ profile 2
@pytest.mark.parametrize("version", [V16, V201, OcppVersion.V21], ids=["1.6", "2.0.1", "2.1"])
def test_profile_2_connects_over_tls_and_reports_profile_2(tmp_path: Path,
                                                           version: OcppVersion) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP2": PASSWORD}) as studio:
            ca_file = str(tmp_path / "ca" / "ca.pem")
            async with demo(wss_base(studio), "CP2", version, ca_file=ca_file,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                connected = events(studio, "connected", "CP2")[-1]
                assert connected["extra"]["scheme"] == "wss"
                assert connected["auth_user"] == "CP2"
                assert connected["extra"]["tls"]["version"] in ("TLSv1.2", "TLSv1.3")
                assert charger.security.tls is not None
                assert charger.security.tls["version"] == connected["extra"]["tls"]["version"]
                assert await security_profile(studio, charger) == "2"
                # the boot is a critical security event (whitepaper §8), pushed (A04.FR.01)
                await until(lambda: any(e.type == "StartupOfTheDevice" and e.sent
                                        for e in charger.security.log), "StartupOfTheDevice")
    run(scenario())


@BOTH
def test_profile_2_with_a_ca_the_charger_does_not_trust_is_refused_with_the_reason(
        tmp_path: Path, version: OcppVersion) -> None:
    other = StudioCA(tmp_path / "other")

    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP2": PASSWORD}) as studio:
            async with demo(wss_base(studio), "CP2", version, ca_file=str(other.ca_file),
                            basic_auth_password=PASSWORD) as charger:
                reason = await until(lambda: charger.security.last_failure, "a failure")
                assert "central system's certificate is not trusted" in reason
                assert not charger.booted
                invalid = ("InvalidCsmsCertificate" if version is V201
                           else "InvalidCentralSystemCertificate")
                queued = [e for e in charger.security.log if e.type == invalid]
                assert queued and not queued[0].sent  # A04.FR.02: sent once connected
            assert not events(studio, "connected", "CP2")
    run(scenario())


# ------------------------------------------------------------------------------ profile 3
@BOTH
def test_profile_3_client_certificate_good_wrong_cn_and_expired(
        tmp_path: Path, version: OcppVersion) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, client_certificates="required") as studio:
            ca = StudioCA(tmp_path / "ca")
            good = write_pair(tmp_path, "good", *ca.issue_client_certificate("CP3"))
            async with demo(wss_base(studio), "CP3", version, ca_file=str(ca.ca_file),
                            **good) as charger:
                assert await charger.wait_booted(TIMEOUT)
                extra = events(studio, "connected", "CP3")[-1]["extra"]
                assert extra["authenticated_by"] == "client certificate"
                assert extra["tls"]["client_certificate"]["common_name"] == "CP3"
                assert await security_profile(studio, charger) == "3"

            wrong = write_pair(tmp_path, "wrong", *ca.issue_client_certificate("OTHER"))
            async with demo(wss_base(studio), "CP3W", version, ca_file=str(ca.ca_file),
                            **wrong) as charger:
                reason = await until(lambda: charger.security.last_failure, "a failure")
                assert "HTTP 403" in reason
                refused = await until(lambda: events(studio, "refused", "CP3W"), "refusal")
                assert refused[-1]["extra"]["tls_refusal"] == "cn-mismatch"
                assert not charger.booted

            past = datetime.now(timezone.utc) - timedelta(days=30)
            expired = write_pair(tmp_path, "expired", *ca.issue_client_certificate(
                "CP3X", not_before=past - timedelta(days=30), not_after=past))
            async with demo(wss_base(studio), "CP3X", version, ca_file=str(ca.ca_file),
                            **expired) as charger:
                reason = await until(lambda: charger.security.last_failure, "a failure")
                assert f"own certificate expired on {past:%Y-%m-%d}" in reason
                assert not charger.booted
                refused = await until(lambda: [e.detail for e in studio.store.events()
                                               if e.kind == "refused"], "the studio's refusal")
                assert refused[-1]["extra"]["tls_failure"] == "expired"
            assert not events(studio, "connected", "CP3X")
    run(scenario())


# ------------------------------------------------------------------------------ CSR
def trigger(version: OcppVersion) -> tuple[str, dict[str, Any]]:
    if version is V16:
        return "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}
    return "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}


@BOTH
def test_csr_is_pkcs10_and_only_a_matching_certificate_is_accepted(
        tmp_path: Path, version: OcppVersion) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP4": PASSWORD},
                                   sign_csrs="never") as studio:
            ca = StudioCA(tmp_path / "ca")
            async with demo(wss_base(studio), "CP4", version, ca_file=str(ca.ca_file),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                action, payload = trigger(version)
                assert (await studio.central.call("CP4", action, payload))["status"] \
                    == "Accepted"
                csr = await until(lambda: charger.security.last_csr, "a CSR")
                check = check_csr(csr, "CP4", "OCPP Studio")
                assert check.ok, check.summary()
                # a certificate for another key (not the CSR's) is refused (A02.FR.06/07)
                other, _ = ca.issue_client_certificate("CP4")
                reply = await studio.central.call("CP4", "CertificateSigned", {
                    "certificateChain": pem(other) + ca.certificate_pem()})
                assert reply["status"] == "Rejected"
                invalid = ("InvalidChargingStationCertificate" if version is V201
                           else "InvalidChargePointCertificate")
                await until(lambda: any(e.type == invalid and e.sent
                                        for e in charger.security.log), invalid)
                assert (await studio.central.call("CP4", "CertificateSigned", {
                    "certificateChain": "not a certificate"}))["status"] == "Rejected"
                signed = sign_csr(ca, csr, "CP4", "OCPP Studio")
                assert signed.ok and signed.chain_pem
                reply = await studio.central.call("CP4", "CertificateSigned", {
                    "certificateChain": signed.chain_pem + ca.certificate_pem()})
                assert reply["status"] == "Accepted"
                assert charger.security.has_client_certificate()
                assert charger.security.client_chain[0] == signed.certificate
    run(scenario())


# ------------------------------------------------------------------------------ the store
@BOTH
def test_install_list_delete_round_trip(tmp_path: Path, version: OcppVersion) -> None:
    production = StudioCA(tmp_path / "production", organisation="Operator Ltd")
    root_type = "CSMSRootCertificate" if version is V201 else "CentralSystemRootCertificate"

    async def listed(studio: Studio, kind: str) -> dict[str, Any]:
        request: dict[str, Any] = ({"certificateType": [kind]} if version is V201
                                   else {"certificateType": kind})
        return await studio.central.call("CP5", "GetInstalledCertificateIds", request)

    def hashes(reply: dict[str, Any]) -> list[dict[str, Any]]:
        if version is V201:
            return [c["certificateHashData"] for c in reply.get("certificateHashDataChain", [])]
        return reply.get("certificateHashData", [])

    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP5": PASSWORD}) as studio:
            ca = StudioCA(tmp_path / "ca")
            async with demo(wss_base(studio), "CP5", version, ca_file=str(ca.ca_file),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                assert (await listed(studio, "ManufacturerRootCertificate"))["status"] \
                    == "NotFound"
                in_use = hashes(await listed(studio, root_type))
                assert in_use == [hash_data(ca.certificate)]
                assert in_use == [hash_data_of(ca.certificate)]  # the studio's reading
                assert in_use[0]["serialNumber"] == format(ca.certificate.serial_number, "x")
                # M04.FR.06: the root the current TLS connection was verified with stays
                assert (await studio.central.call("CP5", "DeleteCertificate", {
                    "certificateHashData": in_use[0]}))["status"] == "Failed"
                # M05.FR.06: not a PEM certificate
                assert (await studio.central.call("CP5", "InstallCertificate", {
                    "certificateType": root_type, "certificate": "garbage"}))["status"] \
                    == "Rejected"
                assert (await studio.central.call("CP5", "InstallCertificate", {
                    "certificateType": root_type,
                    "certificate": production.certificate_pem()}))["status"] == "Accepted"
                both = hashes(await listed(studio, root_type))
                assert hash_data(production.certificate) in both and len(both) == 2
                assert (await studio.central.call("CP5", "DeleteCertificate", {
                    "certificateHashData": hash_data(production.certificate)}))["status"] \
                    == "Accepted"
                assert hashes(await listed(studio, root_type)) == in_use
                assert (await studio.central.call("CP5", "DeleteCertificate", {
                    "certificateHashData": hash_data(production.certificate)}))["status"] \
                    == "NotFound"
    run(scenario())


# ------------------------------------------------------------------------------ switching
def test_v16_downgrade_refused_and_switch_1_to_2_reconnects_over_wss(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP6": PASSWORD}) as studio:
            ca = StudioCA(tmp_path / "ca")
            async with demo(ws_base(studio), "CP6", V16,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                assert await security_profile(studio, charger) == "1"

                async def change(key: str, value: str) -> str:
                    reply = await studio.central.call("CP6", "ChangeConfiguration",
                                                      {"key": key, "value": value})
                    return reply["status"]

                assert await change("SecurityProfile", "0") == "Rejected"  # A05.FR.01
                assert await change("SecurityProfile", "2") == "Rejected"  # A05.FR.03: no root
                assert (await studio.central.call("CP6", "InstallCertificate", {
                    "certificateType": "CentralSystemRootCertificate",
                    "certificate": ca.certificate_pem()}))["status"] == "Accepted"
                assert await change("SecurityProfile", "3") == "Rejected"  # A05.FR.04
                before = charger.connection_count
                assert await change("CentralSystemURL", wss_base(studio)) == "Accepted"
                await until(lambda: charger.connection_count > before and charger.booted,
                            "reconnected over wss")
                assert charger.url.startswith("wss://")
                before = charger.connection_count
                assert await change("SecurityProfile", "2") == "Accepted"
                await until(lambda: charger.connection_count > before and charger.booted,
                            "reconnected at profile 2")
                assert await security_profile(studio, charger) == "2"
                assert charger.security.tls is not None
                assert events(studio, "connected", "CP6")[-1]["extra"]["scheme"] == "wss"
                await until(lambda: any(e.type == "ReconfigurationOfSecurityParameters"
                                        and e.sent for e in charger.security.log),
                            "ReconfigurationOfSecurityParameters")
                assert await change("SecurityProfile", "1") == "Rejected"  # no downgrade
                before = charger.connection_count
                reply = await studio.central.call("CP6", "Reset", {"type": "Soft"})
                assert reply["status"] == "Accepted"
                await until(lambda: charger.connection_count > before and charger.booted,
                            "back after Reset")
                assert events(studio, "connected", "CP6")[-1]["extra"]["scheme"] == "wss"
                await until(lambda: any(e.type == "ResetOrReboot" and e.sent
                                        for e in charger.security.log), "ResetOrReboot")
                # the charger did boot again: StartupOfTheDevice after the reset too
                await until(lambda: [e.type for e in charger.security.log if e.sent].count(
                    "StartupOfTheDevice") == 2, "StartupOfTheDevice after the reset")
    run(scenario())


def test_v201_network_profile_1_to_2_with_reset_and_fallback_when_untrusted(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CP7": PASSWORD}) as studio:
            ca, other = StudioCA(tmp_path / "ca"), StudioCA(tmp_path / "other")

            async def call(action: str, payload: dict[str, Any]) -> dict[str, Any]:
                return await studio.central.call("CP7", action, payload)

            async def install(root: StudioCA) -> str:
                return (await call("InstallCertificate", {
                    "certificateType": "CSMSRootCertificate",
                    "certificate": root.certificate_pem()}))["status"]

            async def reset_and_wait(what: str) -> None:
                before = charger.connection_count
                assert (await call("Reset", {"type": "Immediate"}))["status"] == "Accepted"
                await until(lambda: charger.connection_count > before and charger.booted, what)

            async with demo(ws_base(studio), "CP7", V201,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                assert await security_profile(studio, charger) == "1"
                profile = {"configurationSlot": 1, "connectionData": {
                    "ocppVersion": "OCPP20", "ocppTransport": "JSON",
                    "ocppCsmsUrl": wss_base(studio), "messageTimeout": 30,
                    "securityProfile": 2, "ocppInterface": "Wired0"}}
                refused = await call("SetNetworkProfile", profile)
                assert refused["status"] == "Rejected"  # no CSMS root yet (A05)
                down = {**profile, "connectionData": {**profile["connectionData"],
                                                      "securityProfile": 0}}
                assert (await call("SetNetworkProfile", down))["status"] == "Rejected"
                # a root that does not verify the studio's server certificate
                assert await install(other) == "Accepted"
                assert (await call("SetNetworkProfile", profile))["status"] == "Accepted"
                reply = await call("SetVariables", {"setVariableData": [{
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "NetworkConfigurationPriority"},
                    "attributeValue": "1,0"}]})
                assert reply["setVariableResult"][0]["attributeStatus"] in (
                    "Accepted", "RebootRequired")
                # B10.FR.07: after NetworkProfileConnectionAttempts failures, back to the
                # connection that last worked (ws://, profile 1), and the event is told
                await reset_and_wait("back over ws after the failed wss attempts")
                assert charger.url.startswith("ws://")
                assert await security_profile(studio, charger) == "1"
                [(failed, back, reason)] = charger.security.fallbacks
                assert (failed.base_url, back.base_url) == (wss_base(studio), ws_base(studio))
                assert "not trusted" in reason
                await until(lambda: any(e.type == "InvalidCsmsCertificate" and e.sent
                                        for e in charger.security.log),
                            "InvalidCsmsCertificate sent")
                # with the right root the same network profile works after the next Reset
                assert await install(ca) == "Accepted"
                await reset_and_wait("back after Reset over wss")
                assert charger.url.startswith("wss://")
                assert await security_profile(studio, charger) == "2"
                assert events(studio, "connected", "CP7")[-1]["extra"]["scheme"] == "wss"
    run(scenario())


# ------------------------------------------------------------------------------ ocpp-rpc
NODE_DIR = Path(__file__).parent / "node"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: this test needs `node` (>= 17.3) on PATH")
    if not (NODE_DIR / "node_modules" / "ocpp-rpc" / "package.json").is_file():
        pytest.fail("tests/node/node_modules is missing: run `npm ci --prefix tests/node`")
    return node


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def node_charger(url: str, ca_file: Path, *client: Path) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run([_node(), str(NODE_DIR / "wss_charger.js"), url, str(ca_file),
                           *map(str, client)], cwd=str(NODE_DIR), capture_output=True,
                          text=True, timeout=90)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line]


def test_ocpp_rpc_over_wss_with_a_client_certificate_against_serve(tmp_path: Path) -> None:
    """A charger we did not write: ocpp-rpc's RPCClient passes wsOpts ca/cert/key to Node's
    TLS, so it connects at profile 3 to `serve --wss-port --client-certs required`."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    port, wss_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ocpp_studio.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--wss-port", str(wss_port), "--client-certs", "required",
         "--capture", str(tmp_path / "capture.db")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        while "wss://" not in (line := server.stdout.readline()):
            assert line, "serve ended before listening on wss://"
        ca_file = tmp_path / "studio-ca.pem"
        exported = subprocess.run([sys.executable, "-m", "ocpp_studio.cli", "ca", "export",
                                   "--out", str(ca_file)], env=env, capture_output=True,
                                  text=True, timeout=60)
        assert exported.returncode == 0, exported.stderr
        ca = StudioCA(next((tmp_path / "config").rglob("ca.pem")).parent)
        good = write_pair(tmp_path, "node", *ca.issue_client_certificate("NODE3"))
        url = f"wss://127.0.0.1:{wss_port}/ocpp/NODE3"
        code, out = node_charger(url, ca_file, Path(good["client_cert_file"]),
                                 Path(good["client_key_file"]))
        assert code == 0, out
        assert [e["response"]["status"] for e in out if e["event"] == "boot"] == ["Accepted"]
        # the certificate of another charger: refused with 403 (CN must be the charger id)
        code, out = node_charger(f"wss://127.0.0.1:{wss_port}/ocpp/NODE4", ca_file,
                                 Path(good["client_cert_file"]), Path(good["client_key_file"]))
        assert code == 1 and [e.get("code") for e in out if e["event"] == "refused"] == [403]
    finally:
        server.terminate()
        out_text, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert any("connected" in line and "NODE3" in line for line in out_text.splitlines()), \
        out_text


# ------------------------------------------------------------------------------ 1 -> 2 -> 3
async def move_16(studio: Studio, cid: str, profile: int) -> None:
    reply = await studio.central.call(cid, "ChangeConfiguration",
                                      {"key": "SecurityProfile", "value": str(profile)})
    assert reply["status"] == "Accepted"


async def move_201(studio: Studio, cid: str, profile: int) -> None:
    slot = profile - 1  # slot 1 for profile 2, slot 2 for profile 3
    reply = await studio.central.call(cid, "SetNetworkProfile", {
        "configurationSlot": slot, "connectionData": {
            "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": wss_base(studio),
            "messageTimeout": 30, "securityProfile": profile, "ocppInterface": "Wired0"}})
    assert reply["status"] == "Accepted", reply
    reply = await studio.central.call(cid, "SetVariables", {"setVariableData": [{
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "NetworkConfigurationPriority"}, "attributeValue": f"{slot},0"}]})
    assert reply["setVariableResult"][0]["attributeStatus"] in ("Accepted", "RebootRequired")
    assert (await studio.central.call(cid, "Reset", {"type": "Immediate"}))["status"] \
        == "Accepted"


@BOTH
def test_full_upgrade_1_to_2_to_3_with_the_studio_signing_the_csr(
        tmp_path: Path, version: OcppVersion) -> None:
    """Install the studio root, go to 2 over wss, let the studio sign the charger's CSR
    (SignCertificate -> CertificateSigned), go to 3: the charger is then authenticated by
    its certificate."""
    cid = f"UP{version.label.replace('.', '')}"

    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={cid: PASSWORD},
                                   client_certificates="optional") as studio:
            ca = StudioCA(tmp_path / "ca")
            move = move_201 if version is V201 else move_16
            async with demo(ws_base(studio), cid, version,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                root = "CSMSRootCertificate" if version is V201 \
                    else "CentralSystemRootCertificate"
                assert (await studio.central.call(cid, "InstallCertificate", {
                    "certificateType": root, "certificate": ca.certificate_pem()}))[
                    "status"] == "Accepted"
                if version is V16:
                    before = charger.connection_count
                    assert (await studio.central.call(cid, "ChangeConfiguration", {
                        "key": "CentralSystemURL", "value": wss_base(studio)}))["status"] \
                        == "Accepted"
                    await until(lambda: charger.connection_count > before and charger.booted,
                                "over wss")
                before = charger.connection_count
                await move(studio, cid, 2)
                await until(lambda: charger.connection_count > before and charger.booted,
                            "back at profile 2")
                assert await security_profile(studio, charger) == "2"
                action, payload = trigger(version)
                assert (await studio.central.call(cid, action, payload))["status"] \
                    == "Accepted"
                await until(charger.security.has_client_certificate,
                            "CertificateSigned from the studio")
                before = charger.connection_count
                await move(studio, cid, 3)
                await until(lambda: charger.connection_count > before and charger.booted,
                            "back at profile 3")
                assert await security_profile(studio, charger) == "3"
                extra = events(studio, "connected", cid)[-1]["extra"]
                assert extra["scheme"] == "wss"
                assert extra["authenticated_by"] == "client certificate"
                assert extra["tls"]["client_certificate"]["common_name"] == cid
    run(scenario())


# ------------------------------------------------------------------------------ passwords, events
@BOTH
def test_new_password_is_used_from_the_next_connection_and_never_read_back(
        tmp_path: Path, version: OcppVersion) -> None:
    """A01.FR.03: once the charger accepted a new password it connects with it (the studio,
    still expecting the old one here, refuses it with 401); the value cannot be read back."""
    new = "fedcba9876543210fedcba9876543210"

    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"PW": PASSWORD}) as studio:
            async with demo(wss_base(studio), "PW", version, ca_file=str(
                    tmp_path / "ca" / "ca.pem"), basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                if version is V16:
                    reply = await studio.central.call("PW", "ChangeConfiguration", {
                        "key": "AuthorizationKey", "value": new})
                    assert reply["status"] == "Accepted"
                    read = await studio.central.call("PW", "GetConfiguration",
                                                     {"key": ["AuthorizationKey"]})
                    assert "value" not in read["configurationKey"][0]
                else:
                    variable = {"component": {"name": "SecurityCtrlr"},
                                "variable": {"name": "BasicAuthPassword"}}
                    reply = await studio.central.call("PW", "SetVariables", {
                        "setVariableData": [{**variable, "attributeValue": new}]})
                    assert reply["setVariableResult"][0]["attributeStatus"] == "Accepted"
                    read = await studio.central.call("PW", "GetVariables",
                                                     {"getVariableData": [variable]})
                    assert "attributeValue" not in read["getVariableResult"][0]
                # A01.FR.11/12: logged in the security log, never with the value; not pushed
                changed = [e for e in charger.security.log if e.tech_info and
                           e.tech_info.endswith("changed")]
                assert len(changed) == 1 and not changed[0].push and not changed[0].sent
                assert not any(new in line or PASSWORD in line
                               for line in charger.security.log_lines())
                await charger.reconnect("test")
                reason = await until(lambda: charger.security.last_failure, "refused")
                assert "HTTP 401" in reason
                refused = events(studio, "refused", "PW")[-1]
                assert refused["reason"] == "Wrong password for charger 'PW'"
    run(scenario())


@BOTH
def test_tamper_event_on_demand_reaches_the_studio_as_an_alert(
        tmp_path: Path, version: OcppVersion) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"TAMPER": PASSWORD}) as studio:
            async with demo(wss_base(studio), "TAMPER", version, ca_file=str(
                    tmp_path / "ca" / "ca.pem"), basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                event = charger.send_security_event("TamperDetectionActivated", "lid opened")
                await until(lambda: event.sent, "sent")
                station = studio.central.stations["TAMPER"]
                seen = await until(lambda: [e for e in station.security.events
                                            if e.type == "TamperDetectionActivated"], "kept")
                assert seen[0].tech_info == "lid opened" and seen[0].alert
    run(scenario())


def test_demo_charger_cli_connects_over_wss_with_ca_and_password(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CLI2": PASSWORD}) as studio:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ocpp_studio.cli", "demo-charger",
                "--url", f"{wss_base(studio)}/CLI2", "--ca", str(tmp_path / "ca" / "ca.pem"),
                "--password", PASSWORD, "--ocpp", "2.0.1",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                connected = await until(lambda: events(studio, "connected", "CLI2"),
                                        "the CLI demo connected", timeout=60)
                assert connected[-1]["extra"]["scheme"] == "wss"
                assert connected[-1]["auth_user"] == "CLI2"
                reply = await studio.central.call("CLI2", "GetVariables", {"getVariableData": [
                    {"component": {"name": "SecurityCtrlr"},
                     "variable": {"name": "SecurityProfile"}}]})
                assert reply["getVariableResult"][0]["attributeValue"] == "2"
            finally:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
    run(scenario())


def test_v16_raised_profile_that_cannot_connect_falls_back_to_the_previous_one(
        tmp_path: Path) -> None:
    """Whitepaper A05.FR.08: SecurityProfile 2 accepted (root installed) but the backend URL is
    still ws://, so profile 2 cannot connect; after the attempts the charger is back at 1."""
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"FB": PASSWORD}) as studio:
            ca = StudioCA(tmp_path / "ca")
            async with demo(ws_base(studio), "FB", V16, basic_auth_password=PASSWORD,
                            connection_attempts=2) as charger:
                assert await charger.wait_booted(TIMEOUT)
                assert (await studio.central.call("FB", "InstallCertificate", {
                    "certificateType": "CentralSystemRootCertificate",
                    "certificate": ca.certificate_pem()}))["status"] == "Accepted"
                before = charger.connection_count
                assert (await studio.central.call("FB", "ChangeConfiguration", {
                    "key": "SecurityProfile", "value": "2"}))["status"] == "Accepted"
                await until(lambda: charger.connection_count > before and charger.booted,
                            "back at the previous profile")
                [(failed, back, reason)] = charger.security.fallbacks
                assert (failed.profile, back.profile) == (2, 1)
                assert "security profile 2 needs TLS" in reason
                assert await security_profile(studio, charger) == "1"
                assert events(studio, "connected", "FB")[-1]["extra"]["scheme"] == "ws"
    run(scenario())


@pytest.mark.parametrize("key", ["ec", "rsa"])
def test_csr_key_types_pass_the_studio_check(key: str) -> None:
    """The CSR is made locally (no connection needed): EC P-256 or RSA 2048, CN = charger
    id, O = CpoName; the private key stays in the charger (A02.FR.05)."""
    charger = DemoCharger("ws://127.0.0.1:9/ocpp", DemoChargerConfig(charger_id="KEYS",
                                                                       csr_key=key))
    charger.configuration.keys["CpoName"].value = "Operator Ltd"
    csr = charger.security.make_csr("ChargePointCertificate")
    check = check_csr(csr, "KEYS", "Operator Ltd")
    assert check.ok, check.summary()
    assert "PRIVATE" not in csr


@pytest.mark.parametrize("fault, words", [
    ("not-pkcs10", "not PKCS#10"), ("wrong-cn", "CN is 'BADCSR-WRONG', expected 'BADCSR'"),
    ("rsa-1024", "1024")])
def test_bad_csrs_from_the_demo_are_refused_by_the_studio_with_the_reason(
        tmp_path: Path, fault: str, words: str) -> None:
    """The demo as a faulty charger (csr_fault): the studio answers SignCertificate Rejected
    and says why, and the demo never gets a certificate."""
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"BADCSR": PASSWORD}) as studio:
            async with demo(wss_base(studio), "BADCSR", V201, ca_file=str(
                    tmp_path / "ca" / "ca.pem"), basic_auth_password=PASSWORD,
                            csr_fault=fault) as charger:
                assert await charger.wait_booted(TIMEOUT)
                action, payload = trigger(V201)
                assert (await studio.central.call("BADCSR", action, payload))["status"] \
                    == "Accepted"
                station = studio.central.stations["BADCSR"]
                [record] = await until(lambda: list(station.security.csrs), "the CSR kept")
                await until(lambda: record.final, "answered")
                assert record.answer == "Rejected" and record.outcome == "rejected"
                assert words in record.reason, record.reason
                assert not charger.security.has_client_certificate()
    run(scenario())


@pytest.mark.parametrize("suites, expected", [
    ("ecdhe-ecdsa", {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"}),
    ("rsa", {"AES128-GCM-SHA256", "AES256-GCM-SHA384"})])
def test_tls12_charger_with_either_whitepaper_suite_pair_connects(
        tmp_path: Path, suites: str, expected: set[str]) -> None:
    """A00.FR.317/318: the central system supports both pairs; a TLS 1.2-only charger with
    either pair (ECDHE-ECDSA, or plain RSA key exchange) gets through."""
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"TLS12": PASSWORD}) as studio:
            async with demo(wss_base(studio), "TLS12", V16, ca_file=str(
                    tmp_path / "ca" / "ca.pem"), basic_auth_password=PASSWORD,
                            tls12_suites=suites) as charger:
                assert await charger.wait_booted(TIMEOUT), charger.security.last_failure
                tls = events(studio, "connected", "TLS12")[-1]["extra"]["tls"]
                assert tls["version"] == "TLSv1.2" and tls["cipher"] in expected
    run(scenario())


def test_renewed_client_certificate_that_fails_falls_back_to_the_old_one(
        tmp_path: Path) -> None:
    """2.0.1 A02.FR.28: a new client certificate the central system does not accept (here
    issued by a CA it does not trust) -> after the attempts, back to the old certificate."""
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, client_certificates="required",
                                   sign_csrs="never") as studio:
            ca, other = StudioCA(tmp_path / "ca"), StudioCA(tmp_path / "other")
            first, _ = old = ca.issue_client_certificate("RENEW")
            async with demo(wss_base(studio), "RENEW", V201, ca_file=str(ca.ca_file),
                            **write_pair(tmp_path, "renew", *old)) as charger:
                assert await charger.wait_booted(TIMEOUT)
                action, payload = trigger(V201)
                assert (await studio.central.call("RENEW", action, payload))["status"] \
                    == "Accepted"
                csr = await until(lambda: charger.security.last_csr, "a CSR")
                signed = sign_csr(other, csr, "RENEW", "OCPP Studio")
                assert signed.chain_pem is not None
                reply = await studio.central.call("RENEW", "CertificateSigned", {
                    "certificateChain": signed.chain_pem + other.certificate_pem(),
                    "certificateType": "ChargingStationCertificate"})
                assert reply["status"] == "Accepted"
                before = charger.connection_count
                await charger.reconnect("new client certificate")
                await until(lambda: charger.connection_count > before and charger.booted,
                            "back with the old certificate")
                [(failed, back, _)] = charger.security.fallbacks
                assert failed.client_serial == signed.certificate.serial_number
                assert back.client_serial == first.serial_number
                assert charger.security.client_chain[0] == first
                extra = events(studio, "connected", "RENEW")[-1]["extra"]
                assert extra["tls"]["client_certificate"]["serial"] == format(
                    first.serial_number, "x")
    run(scenario())


@BOTH
def test_certificates_are_judged_by_the_chargers_own_clock(tmp_path: Path,
                                                           version: OcppVersion) -> None:
    """M05.FR.06 / A02.FR.06: a charger whose clock is past the studio CA's end refuses to
    install it and refuses a certificate that, by its clock, has expired."""
    later = datetime.now(timezone.utc) + timedelta(days=365 * 30)
    root = "CSMSRootCertificate" if version is V201 else "CentralSystemRootCertificate"

    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CLOCK": PASSWORD},
                                   sign_csrs="never") as studio:
            ca = StudioCA(tmp_path / "ca")
            async with demo(ws_base(studio), "CLOCK", version, clock=lambda: later,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                assert (await studio.central.call("CLOCK", "InstallCertificate", {
                    "certificateType": root, "certificate": ca.certificate_pem()}))[
                    "status"] == "Rejected"
                action, payload = trigger(version)
                await studio.central.call("CLOCK", action, payload)
                csr = await until(lambda: charger.security.last_csr, "a CSR")
                signed = sign_csr(ca, csr, "CLOCK", "OCPP Studio")
                assert signed.chain_pem is not None
                assert (await studio.central.call("CLOCK", "CertificateSigned", {
                    "certificateChain": signed.chain_pem + ca.certificate_pem()}))[
                    "status"] == "Rejected"
                assert not charger.security.has_client_certificate()
    run(scenario())
