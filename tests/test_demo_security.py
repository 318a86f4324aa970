"""The demo charger's security (issue 15 §5) over real TLS on 127.0.0.1 against the studio's
own central system: profiles 2 and 3 (good, wrong CA, wrong CN, expired), the CSR and
CertificateSigned, install/list/delete, passwords, security events, bad CSRs, TLS 1.2 suites.
Switching profiles: test_demo_security_switch.py; ocpp-rpc and the CLI:
test_demo_security_external.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from demo_tls import (BOTH, PASSWORD, TIMEOUT, V16, V201, demo, events, run, security_profile,
                      studio_with_wss, trigger, until, write_pair, ws_base, wss_base)
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.demo.security import hash_data
from ocpp_studio.security.ca import StudioCA, pem
from ocpp_studio.security.csr import check_csr, sign_csr
from ocpp_studio.service import Studio
from ocpp_studio.station.security_state import hash_data_of


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
                # the studio's side: the charger hung up in the handshake without an alert;
                # that is recorded, with the address and what to do
                refused = await until(lambda: [
                    e for e in studio.store.events() if e.kind == "refused"
                    and (e.detail.get("extra") or {}).get("tls_failure")
                    == "closed-before-request"], "the hang-up recorded")
                reason = refused[-1].detail["reason"]
                assert "A TLS connection from 127.0.0.1:" in reason
                assert "may not trust the studio's certificate" in reason
                assert "ocpp-studio ca export" in reason
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


# ------------------------------------------------------------------ security log over GetLog
@BOTH
def test_security_log_upload_and_firmware_signature_event_go_through_the_security_log(
        tmp_path: Path, version: OcppVersion) -> None:
    """GetLog SecurityLog uploads the demo's own security log (A04.FR.04); a firmware with a
    bad signature raises InvalidFirmwareSignature through it: logged, queued, delivered."""
    from test_transfers import charger, signing_pair
    from ocpp_studio.station.transfer_signing import sign_firmware

    async def scenario() -> None:
        async with charger(tmp_path, version) as (csms, demo_charger, cid):
            image = tmp_path / "4.0.bin"
            image.write_bytes(b"firmware " * 100)
            _, cert = signing_pair("rsa")
            other_key, _ = signing_pair("rsa")
            job = await csms.central.transfers.update_firmware(
                cid, image, signing_certificate=cert, signature=sign_firmware(image, other_key))
            await job.wait(60)
            event = await until(lambda: next((e for e in demo_charger.security.log
                                              if e.type == "InvalidFirmwareSignature"
                                              and e.sent), None), "the event delivered")
            assert event.push and event.tech_info
            job = await csms.central.transfers.get_log(cid, "security")
            done = await job.wait(60)
            assert done.file is not None, done.words
            text = done.file.read_text()
            assert "security log" in text  # the header line
            assert "StartupOfTheDevice" in text and "InvalidFirmwareSignature" in text
            assert "nothing to report" not in text  # not the generated diagnostics filler
    run(scenario())
