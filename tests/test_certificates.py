"""Certificate management on the studio side (issue 15 §2, §4): SignCertificate checked and
answered, CertificateSigned sent after the answer with the signed leaf, ask/never policies,
InstallCertificate / GetInstalledCertificateIds / DeleteCertificate, security events, ISO 15118
refusals and expiry warnings. Real CentralSystem + CsmsServer on 127.0.0.1, chargers made of
our RpcEndpoint (``scripted_charger``) with real PKCS#10 CSRs from ``cryptography``."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import running_csms, scripted_charger, wait_for
from ocpp_studio.core.clock import FixedClock
from ocpp_studio.core.schemas import validate
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.security.ca import StudioCA
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.adapters.certificates import CertificateKindError
from ocpp_studio.station.adapters.operations import operation_requests
from ocpp_studio.station.model import Station
from ocpp_studio.station.responder import CsmsResponder
from ocpp_studio.station.security_state import (SecurityEvent, hash_data_of, hash_key,
                                                InstalledRead)
from ocpp_studio.station.adapters.certificates import InstalledCertificate

V16, V201 = OcppVersion.V16, OcppVersion.V201
ORG = "Acme Charging Ltd"
SUBPROTOCOL = {V16: "ocpp1.6", V201: "ocpp2.0.1"}


def make_csr(cn: str = "CP1", org: str | None = ORG) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        names.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)) \
        .sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


class CertStore:
    """The certificate side of a scripted charger: what it holds, what it was sent."""

    def __init__(self, version: OcppVersion) -> None:
        self.version = version
        self.roots: list[tuple[str, str]] = []  # (certificateType, PEM)
        self.signed: list[dict[str, Any]] = []
        self.signed_event = asyncio.Event()
        self.triggers: list[str] = []
        self.order: list[str] = []  # what the charger saw, in order

    def handler(self, action: str, payload: dict[str, Any]) -> Any:
        self.order.append(f"in:{action}")
        if action == "CertificateSigned":
            self.signed.append(payload)
            self.signed_event.set()
            return {"status": "Accepted"}
        if action == "InstallCertificate":
            self.roots.append((payload["certificateType"], payload["certificate"]))
            return {"status": "Accepted"}
        if action in ("ExtendedTriggerMessage", "TriggerMessage"):
            self.triggers.append(payload["requestedMessage"])
            return {"status": "Accepted"}
        if action == "GetInstalledCertificateIds":
            asked = payload.get("certificateType")
            asked = [asked] if isinstance(asked, str) else (asked or None)
            items = []
            for kind, text in self.roots:
                if asked is None or kind in asked:
                    cert = x509.load_pem_x509_certificate(text.encode())
                    items.append((kind, hash_data_of(cert)))
            if not items:
                return {"status": "NotFound"}
            if self.version is V16:
                return {"status": "Accepted", "certificateHashData": [h for _, h in items]}
            return {"status": "Accepted", "certificateHashDataChain": [
                {"certificateType": k, "certificateHashData": h} for k, h in items]}
        if action == "DeleteCertificate":
            wanted = hash_key(payload["certificateHashData"])
            before = len(self.roots)
            self.roots = [(k, t) for k, t in self.roots if hash_key(hash_data_of(
                x509.load_pem_x509_certificate(t.encode()))) != wanted]
            return {"status": "Accepted" if len(self.roots) < before else "NotFound"}
        raise AssertionError(f"unexpected {action}")


def _ca(tmp_path: Path) -> StudioCA:
    return StudioCA(tmp_path / "ca", organisation=ORG)


async def _sign(charger: Any, csr: str, version: OcppVersion, **extra: Any) -> Any:
    payload = {"csr": csr, **extra}
    return await charger.call("SignCertificate", payload)


@pytest.mark.parametrize("version", [V16, V201])
def test_valid_csr_is_answered_accepted_then_certificate_signed_follows(tmp_path, version):
    async def scenario() -> None:
        async with running_csms(organisation=ORG) as csms:
            ca = _ca(tmp_path)
            csms.central.certificates.set_signer(ca)
            store = CertStore(version)
            async with scripted_charger(csms.url("CP1"), store.handler,
                                        SUBPROTOCOL[version]) as charger:
                extra = {"certificateType": "ChargingStationCertificate"} \
                    if version is V201 else {}
                answer = await _sign(charger, make_csr(), version, **extra)
                assert answer == {"status": "Accepted"}
                await asyncio.wait_for(store.signed_event.wait(), 10)
                station = csms.central.stations["CP1"]
                await wait_for(lambda: station.security.csrs[-1].outcome == "installed")
            # on the wire, the CALLRESULT reached the charger before our CertificateSigned
            # CALL: the charger's own recorder keeps frames in the order they arrived
            arrived = [(f.message_type, f.action) for f in charger._recorder.frames
                       if f.direction.name == "TO_CHARGER"]
            assert arrived.index((3, "SignCertificate")) < \
                arrived.index((2, "CertificateSigned"))
            payload = store.signed[0]
            assert validate(version, "CertificateSigned", "request", payload) == []
            chain = x509.load_pem_x509_certificates(payload["certificateChain"].encode())
            assert chain[0].subject.rfc4514_string() == f"CN=CP1,O={ORG}"
            chain[0].verify_directly_issued_by(ca.certificate)
            assert chain[1] == ca.certificate  # leaf, then the CA
            if version is V201:
                assert payload["certificateType"] == "ChargingStationCertificate"
            else:
                assert "certificateType" not in payload
            record = station.security.csrs[-1]
            assert record.charger_answer == "Accepted" and record.answer_frame_id is not None
            assert record.serial == format(chain[0].serial_number, "x")
            assert "accepted the signed certificate" in station.summary()["security"]["last_csr"]
    asyncio.run(scenario())


@pytest.mark.parametrize("csr, words", [
    ("not a csr at all", "not PKCS#10"),
    (None, "CN is 'CP9', expected 'CP1'"),
])
def test_a_csr_failing_a_check_is_rejected_with_the_reason_and_nothing_is_signed(
        tmp_path, csr, words):
    async def scenario() -> None:
        async with running_csms(organisation=ORG, ca_dir=str(tmp_path / "never")) as csms:
            store = CertStore(V16)
            async with scripted_charger(csms.url("CP1"), store.handler) as charger:
                answer = await _sign(charger, csr or make_csr(cn="CP9"), V16)
            assert answer == {"status": "Rejected"}
            record = csms.central.stations["CP1"].security.csrs[-1]
            assert record.outcome == "rejected" and words in record.reason
            assert store.signed == []
        assert not (tmp_path / "never").exists()  # no CA made for a CSR that failed
    asyncio.run(scenario())


def test_ask_mode_keeps_the_csr_pending_until_approved(tmp_path):
    async def scenario() -> None:
        async with running_csms(organisation=ORG, sign_csrs="ask") as csms:
            manager = csms.central.certificates
            manager.set_signer(_ca(tmp_path))
            store = CertStore(V201)
            async with scripted_charger(csms.url("CP1"), store.handler, "ocpp2.0.1") as charger:
                assert await _sign(charger, make_csr(), V201) == {"status": "Accepted"}
                pending = manager.pending()
                assert [(c, r.outcome) for c, r in pending] == [("CP1", "pending")]
                assert store.signed == []
                record = await manager.approve("CP1", pending[0][1].id)
                assert record.outcome == "installed"
                assert len(store.signed) == 1
                assert manager.pending() == []
                # a second one, refused by the user: nothing is sent
                await _sign(charger, make_csr(), V201)
                second = manager.pending()[0][1]
                manager.reject("CP1", second.id)
                assert second.outcome == "rejected" and len(store.signed) == 1
                with pytest.raises(ValueError):
                    await manager.approve("CP1", second.id)
    asyncio.run(scenario())


def test_never_mode_rejects_even_a_good_csr(tmp_path):
    async def scenario() -> None:
        async with running_csms(organisation=ORG, sign_csrs="never",
                                ca_dir=str(tmp_path / "ca")) as csms:
            async with scripted_charger(csms.url("CP1"), CertStore(V16).handler) as charger:
                assert await _sign(charger, make_csr(), V16) == {"status": "Rejected"}
            record = csms.central.stations["CP1"].security.csrs[-1]
            assert "never" in record.reason
        assert not (tmp_path / "ca").exists()
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_install_list_delete_and_trigger_csr(tmp_path, version):
    async def scenario() -> None:
        async with running_csms(organisation=ORG) as csms:
            manager = csms.central.certificates
            ca = _ca(tmp_path)
            manager.set_signer(ca)
            store = CertStore(version)

            def handler(action: str, payload: dict[str, Any]) -> Any:
                answer = store.handler(action, payload)
                if action in ("ExtendedTriggerMessage", "TriggerMessage"):
                    # the charger sends its CSR after answering the trigger
                    asyncio.get_running_loop().call_soon(
                        lambda: asyncio.ensure_future(charger.call(
                            "SignCertificate", {"csr": make_csr()})))
                return answer

            async with scripted_charger(csms.url("CP1"), handler,
                                        SUBPROTOCOL[version]) as charger:
                installed = await manager.install("CP1", "csms", "studio-ca")
                assert installed.ok and installed.status == "Accepted", installed.words
                listed = await manager.list_installed("CP1", ["csms"])
                assert [c.kind for c in listed.certificates] == ["csms"]
                assert manager.holds("CP1", "studio-ca") is True
                deleted = await manager.delete("CP1", listed.certificates[0].hash_data)
                assert deleted.ok, deleted.words
                assert manager.holds("CP1", "studio-ca") is False
                outcome = await manager.request_csr("CP1", timeout=20)
                assert outcome.ok, outcome.words
                assert outcome.record is not None and outcome.record.outcome == "installed"
                assert outcome.answer_frame_id is not None
                assert store.triggers == (["SignChargePointCertificate"] if version is V16
                                          else ["SignChargingStationCertificate"])
    asyncio.run(scenario())


def test_v2g_and_mo_roots_do_not_exist_in_1_6():
    builders = operation_requests(V16)
    with pytest.raises(CertificateKindError, match="no v2g root"):
        builders.install_certificate_request("v2g", "PEM")
    with pytest.raises(NotImplementedError):
        builders.trigger_sign_certificate_request("v2g")
    two = operation_requests(V201)
    assert two.install_certificate_request("mo", "PEM").payload["certificateType"] == \
        "MORootCertificate"


@pytest.mark.parametrize("version", [V16, V201])
def test_builders_make_schema_valid_requests(tmp_path, version):
    builders = operation_requests(version)
    ca = _ca(tmp_path)
    requests = [builders.install_certificate_request("csms", ca.certificate_pem()),
                builders.installed_certificates_request(["csms"]),
                builders.delete_certificate_request(hash_data_of(ca.certificate)),
                builders.trigger_sign_certificate_request(),
                builders.certificate_signed_request(ca.certificate_pem(), "charging-station")]
    for request in requests:
        assert validate(version, request.action, "request", request.payload) == [], request


def test_critical_security_events_are_flagged_and_kept():
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    for version, tamper in ((V16, "TamperDetectionActivated"),
                            (V201, "InvalidCsmsCertificate")):
        station = Station("CP", version=version)
        for kind in ("StartupOfTheDevice", tamper, "FailedToAuthenticateAtCsms",
                     "InvalidCentralSystemCertificate"):
            answer = responder.respond(station, "SecurityEventNotification", {
                "type": kind, "timestamp": "2026-11-26T10:00:00Z", "techInfo": "lid open"})
            assert validate(version, "SecurityEventNotification", "response", answer) == []
        events = list(station.security.events)
        assert [e.critical for e in events] == [True, True, False, True]
        assert [e.type for e in station.security.alerts] == [tamper,
                                                             "InvalidCentralSystemCertificate"]
        assert events[1].tech_info == "lid open"
        assert tamper in station.summary()["security"]["alerts"]


def test_iso15118_requests_are_answered_failed_and_explained():
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    station = Station("CP", version=V201)
    answer = responder.respond(station, "Get15118EVCertificate", {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install",
        "exiRequest": "AAAA"})
    assert answer["status"] == "Failed"
    assert validate(V201, "Get15118EVCertificate", "response", answer) == []
    status = responder.respond(station, "GetCertificateStatus", {"ocspRequestData": {
        "hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b",
        "serialNumber": "1", "responderURL": "http://ocsp.example"}})
    assert status["status"] == "Failed"
    assert validate(V201, "GetCertificateStatus", "response", status) == []
    words = [r.words for r in station.security.iso15118]
    assert words[0].startswith("Get15118EVCertificate needs the internet")
    assert "answered Failed" in words[0] and "OCSP" in words[1]


def test_notify_event_data_is_kept_bounded():
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    station = Station("CP", version=V201)
    entry = {"eventId": 1, "timestamp": "2026-11-26T10:00:00Z", "trigger": "Alerting",
             "actualValue": "1", "eventNotificationType": "HardWiredNotification",
             "component": {"name": "EVSE"}, "variable": {"name": "Problem"}}
    for _ in range(600):
        responder.respond(station, "NotifyEvent", {"generatedAt": "2026-11-26T10:00:00Z",
                                                   "seqNo": 0, "eventData": [entry]})
    assert len(station.notify_events) == 500
    assert station.notify_events[-1]["component"] == {"name": "EVSE"}


def test_expiry_warnings_with_an_injected_clock(tmp_path):
    """Client certificate from the handshake, an installed root the studio installed, and
    the studio's server root missing from the charger's CSMS roots."""
    async def scenario() -> None:
        async with running_csms() as csms:
            manager = csms.central.certificates
            ca = _ca(tmp_path)
            manager.set_signer(ca)
            station = csms.central.station("CP1")
            expires = ca.certificate.not_valid_after_utc
            # a connection over wss with a client certificate that ends in 10 days
            from ocpp_studio.station.model import ConnectionRecord
            station.connections.append(ConnectionRecord(
                1, 0, "127.0.0.1", "/CP1", "ocpp1.6", [], None, scheme="wss",
                tls={"version": "TLSv1.3", "cipher": "x", "client_certificate": {
                    "not_after": "2026-12-06T00:00:00+00:00"}}))
            manager.clock = FixedClock(datetime(2026, 11, 26, tzinfo=timezone.utc))
            assert manager.refresh(station)[0].startswith(
                "The charger's client certificate expires on 2026-12-06 (10 days left)")
            manager.clock = FixedClock(datetime(2026, 10, 1, tzinfo=timezone.utc))
            assert manager.refresh(station) == []
            # the charger holds a CSMS root that is not the studio's server root
            other = StudioCA(tmp_path / "other", organisation="Other")
            pem_text = other.certificate_pem()
            station.security.installed_pems[hash_key(hash_data_of(other.certificate))] = \
                pem_text
            station.security.installed = InstalledRead(0, ["csms"], "Accepted", [
                InstalledCertificate("csms", "CentralSystemRootCertificate",
                                     hash_data_of(other.certificate))])
            manager.server_root = lambda: ca.certificate
            manager.clock = FixedClock(other.certificate.not_valid_after_utc
                                       - timedelta(days=5))
            warnings = manager.refresh(station)
            assert any("installed csms root" in w and "5 days left" in w for w in warnings)
            assert any("No CSMS root installed on the charger matches" in w for w in warnings)
            assert station.summary()["security"]["warnings"] == warnings
            # once the studio CA is listed, the trust warning goes
            station.security.installed.certificates.append(InstalledCertificate(
                "csms", "CentralSystemRootCertificate", hash_data_of(ca.certificate)))
            manager.clock = FixedClock(expires - timedelta(days=3650 - 100))
            assert not any("No CSMS root" in w for w in manager.refresh(station))
    asyncio.run(scenario())


def test_security_event_alert_property():
    assert SecurityEvent("SecurityLogWasCleared", None, None).alert
    assert not SecurityEvent("StartupOfTheDevice", None, None).alert
    assert SecurityEvent("StartupOfTheDevice", None, None).critical


# ------------------------------------------------------------- with the demo charger
@pytest.mark.parametrize("version", [V16, V201])
def test_demo_charger_install_list_delete_and_csr_end_to_end(tmp_path, version):
    """The real demo charger (its own certificate store and CSR): install the studio CA,
    see it listed, delete it; trigger a CSR, sign it, the charger accepts CertificateSigned;
    the same through the operation catalogue."""
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.station.operations import run_operation

    async def scenario() -> None:
        async with running_csms() as csms:
            manager = csms.central.certificates
            ca = _ca(tmp_path)
            manager.set_signer(ca)
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp",
                                  DemoChargerConfig(charger_id="SEC", version=version,
                                                    reconnect_min_s=0.1, reconnect_max_s=0.2))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted(10)
                installed = await manager.install("SEC", "csms", "studio-ca")
                assert installed.ok, installed.words
                listed = await manager.list_installed("SEC", ["csms"])
                assert manager.holds("SEC", "studio-ca") is True, listed
                serial = format(ca.certificate.serial_number, "x")
                found = manager.find_installed("SEC", serial)
                deleted = await manager.delete("SEC", found)
                assert deleted.ok, deleted.words
                await manager.list_installed("SEC", ["csms"])
                assert manager.holds("SEC", "studio-ca") is False
                outcome = await manager.request_csr("SEC", timeout=30)
                assert outcome.ok, outcome.words
                record = outcome.record
                assert record is not None and record.charger_answer == "Accepted"
                assert csms.store.frame(record.answer_frame_id).action == "CertificateSigned"
                # the catalogue: install through an operation, list, then the state shows it
                result = await run_operation(csms.central, "SEC", "install-certificate",
                                             {"kind": "csms", "certificate": "studio-ca"})
                assert result.ok, result.words
                result = await run_operation(csms.central, "SEC",
                                             "get-installed-certificates", {"kind": "csms"})
                assert result.ok and "lists 1 certificate" in result.words, result.words
                assert manager.holds("SEC", "studio-ca") is True
                result = await run_operation(csms.central, "SEC", "trigger-csr", {})
                assert result.ok, result.words
                assert [f.action for f in result.followed] == ["SignCertificate"]
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_profile_3_connection_record_and_warnings_over_real_tls(tmp_path, version):
    """Over wss:// with a client certificate that ends in 10 days: the connection says wss and
    its TLS facts; the card warns of the expiry; a studio CA the charger's CSMS roots do not
    name raises the warning that the studio's server certificate would not be trusted."""
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.service import Studio
    from ocpp_studio.settings import AppSettings

    async def scenario() -> None:
        settings = AppSettings(csms=CsmsSettings(
            host="127.0.0.1", port=0, wss_port=0, ca_dir=str(tmp_path / "ca"),
            client_certificates="required"), capture_path=":memory:")
        studio = Studio(settings)
        await studio.start()
        try:
            ca = StudioCA(tmp_path / "ca")
            now = datetime.now(timezone.utc)
            cert, key = ca.issue_client_certificate("TLS3", not_before=now - timedelta(days=1),
                                                    not_after=now + timedelta(days=10, hours=1))
            files = {}
            for name, data in (("cert", cert.public_bytes(serialization.Encoding.PEM)),
                               ("key", key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))):
                (tmp_path / f"{name}.pem").write_bytes(data)
                files[f"client_{name}_file"] = str(tmp_path / f"{name}.pem")
            assert studio.server is not None
            charger = DemoCharger(f"wss://127.0.0.1:{studio.server.wss_port}/ocpp",
                                  DemoChargerConfig(charger_id="TLS3", version=version,
                                                    ca_file=str(ca.ca_file), **files))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted(20)
                station = studio.central.stations["TLS3"]
                connection = station.current_connection
                assert connection is not None and connection.scheme == "wss"
                assert connection.tls is not None and connection.tls["version"] in (
                    "TLSv1.2", "TLSv1.3")
                assert connection.tls["client_certificate"]["common_name"] == "TLS3"
                summary = station.summary()
                assert summary["scheme"] == "wss" and summary["tls_version"].startswith("TLS")
                manager = studio.central.certificates
                manager.clock = FixedClock(now)
                warnings = manager.refresh(station)
                assert any(w.startswith("The charger's client certificate expires on")
                           and "(10 days left)" in w for w in warnings), warnings
                listed = await manager.list_installed("TLS3", ["csms"])
                assert manager.holds("TLS3", "studio-ca") is True, listed
                assert not any("No CSMS root" in w for w in station.security.warnings)
                # M04.FR.06: the root of the running connection is not deleted
                deleted = await manager.delete("TLS3", listed.certificates[0].hash_data)
                assert not deleted.ok and deleted.status == "Failed", deleted.words
                assert manager.holds("TLS3", "studio-ca") is True
                # a studio whose CA was made anew (the folder moved away) is not trusted
                other = StudioCA(tmp_path / "new-ca")
                manager.server_root = lambda: other.certificate
                assert any("No CSMS root installed on the charger matches the studio's CA" in w
                           for w in manager.refresh(station)), station.security.warnings
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        finally:
            await studio.stop()
    asyncio.run(scenario())


def test_a_studio_ca_that_cannot_be_used_rejects_the_csr_and_says_why(tmp_path):
    from ocpp_studio.security.ca import CaError

    def broken() -> StudioCA:
        raise CaError("the studio's CA in /x is incomplete: ca.pem is missing")

    async def scenario() -> None:
        async with running_csms() as csms:
            csms.central.certificates.set_signer(broken)
            store = CertStore(V16)
            async with scripted_charger(csms.url("CP1"), store.handler) as charger:
                assert await _sign(charger, make_csr(), V16) == {"status": "Rejected"}
            record = csms.central.stations["CP1"].security.csrs[-1]
            assert record.reason.startswith("the studio's CA cannot be used: ")
            assert "ca.pem is missing" in record.reason and store.signed == []
    asyncio.run(scenario())


def test_expiry_warnings_are_worked_out_again_for_a_charger_connected_for_weeks(tmp_path):
    """A charger that stays connected: its client certificate's warning comes once the
    injected clock is within the warning days and the charger sends something (here a
    Heartbeat), at most hourly, without anyone asking for a refresh."""
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.service import Studio
    from ocpp_studio.settings import AppSettings

    async def scenario() -> None:
        settings = AppSettings(csms=CsmsSettings(
            host="127.0.0.1", port=0, wss_port=0, ca_dir=str(tmp_path / "ca"),
            client_certificates="required"), capture_path=":memory:")
        studio = Studio(settings)
        now = datetime.now(timezone.utc)
        clock = FixedClock(now)
        studio.central.certificates.clock = clock
        await studio.start()
        try:
            ca = StudioCA(tmp_path / "ca")
            cert, key = ca.issue_client_certificate("WEEKS", not_before=now - timedelta(days=1),
                                                    not_after=now + timedelta(days=40))
            files = {}
            for name, data in (("cert", cert.public_bytes(serialization.Encoding.PEM)),
                               ("key", key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))):
                (tmp_path / f"{name}.pem").write_bytes(data)
                files[f"client_{name}_file"] = str(tmp_path / f"{name}.pem")
            assert studio.server is not None
            charger = DemoCharger(f"wss://127.0.0.1:{studio.server.wss_port}/ocpp",
                                  DemoChargerConfig(charger_id="WEEKS", version=OcppVersion.V201,
                                                    ca_file=str(ca.ca_file), **files))
            task = asyncio.create_task(charger.run())
            changed: list[str] = []
            studio.central.station_changed.connect(
                lambda s: changed.append(s.charger_id) if s.security.warnings else None)
            try:
                assert await charger.wait_booted(20)
                station = studio.central.stations["WEEKS"]
                assert station.security.warnings == []  # 40 days left: nothing to say

                beats: list[int] = []
                studio.store.recorded.connect(
                    lambda r: beats.append(1) if getattr(r, "action", None) == "Heartbeat"
                    and getattr(r, "message_type", None) == 2 else None)

                async def heartbeat() -> None:
                    seen = len(beats)
                    await studio.central.call("WEEKS", "TriggerMessage",
                                              {"requestedMessage": "Heartbeat"})
                    await wait_for(lambda: len(beats) > seen, 20)  # its Heartbeat CALL

                clock.advance(timedelta(days=15).total_seconds())  # 25 days left
                await heartbeat()
                assert any(w.startswith("The charger's client certificate expires on")
                           and "days left" in w for w in station.security.warnings), \
                    station.security.warnings
                assert "WEEKS" in changed  # the card and the Security tab are told
                clock.advance(timedelta(minutes=30).total_seconds())  # not an hour yet
                station.security.warnings = ["kept until the hour is up"]
                await heartbeat()
                assert station.security.warnings == ["kept until the hour is up"]
                clock.advance(timedelta(days=25).total_seconds())  # past its end
                await heartbeat()
                assert any("expired on" in w for w in station.security.warnings), \
                    station.security.warnings
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        finally:
            await studio.stop()
    asyncio.run(scenario())
