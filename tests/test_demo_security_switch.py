"""The demo charger switching security profiles against the studio over real TLS on
127.0.0.1: 1.6 SecurityProfile (+ backend URL), 2.0.1 SetNetworkProfile +
NetworkConfigurationPriority + Reset, the full upgrade 1 -> 2 -> 3 with the studio signing the
CSR, no downgrade, and the fallbacks when a new connection fails (1.6 A05.FR.08, 2.0.1
B10.FR.07, A02.FR.28)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo_tls import (BOTH, PASSWORD, TIMEOUT, V16, V201, demo, events, run, security_profile,
                      studio_with_wss, trigger, until, write_pair, ws_base, wss_base)
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.security.ca import StudioCA
from ocpp_studio.security.csr import sign_csr
from ocpp_studio.service import Studio


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
