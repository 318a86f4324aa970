"""Security profiles 2 and 3 over real TLS on 127.0.0.1: a websockets server with the studio's
server context, chargers played by websockets clients with their own TLS contexts."""

from __future__ import annotations

import asyncio
import socket
import ssl
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request, Response

from ocpp_studio.core.clock import FixedClock
from ocpp_studio.security import tls
from ocpp_studio.security.ca import StudioCA
from ocpp_studio.security.server import WssEndpoint
from ocpp_studio.security.tls import OCPP_CIPHERS, TlsFailure, TlsInfo


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class Csms:
    """A minimal wss:// central system using ``WssEndpoint`` as the studio's server will."""

    def __init__(self, ca: StudioCA, client_certificates: str = "off") -> None:
        self.endpoint = WssEndpoint.from_studio_ca(
            ca, names=["localhost", "127.0.0.1"], client_certificates=client_certificates)
        self.context = self.endpoint.context
        self.failures: list[TlsFailure] = []
        self.refusals: list[TlsFailure] = []
        self.handshakes: list[TlsInfo | None] = []
        self.events: list[dict[str, object]] = []
        self.failed = asyncio.Event()
        self.endpoint.handshake_failed.connect(self.on_failure)

    def on_failure(self, failure: TlsFailure) -> None:
        self.failures.append(failure)
        self.failed.set()

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        charger_id = request.path.rsplit("/", 1)[-1]
        verdict = self.endpoint.check(connection.transport.get_extra_info("ssl_object"),
                                      charger_id)
        self.handshakes.append(verdict.info)
        self.events.append(verdict.event_fields())
        if verdict.refusal is not None:
            self.refusals.append(verdict.refusal)
            return connection.respond(403, verdict.refusal.reason + "\n")
        return None

    async def handler(self, websocket: ServerConnection) -> None:
        await websocket.send("welcome")

    async def talk(self, charger_context: ssl.SSLContext, charger_id: str = "CP1") -> str:
        """Connect as ``charger_id``; the server's first message, or raise what failed."""
        async with serve(self.handler, "127.0.0.1", 0, ssl=self.context,
                         process_request=self.process_request) as server:
            port = server.sockets[0].getsockname()[1]
            url = f"wss://127.0.0.1:{port}/ocpp/{charger_id}"
            async with connect(url, ssl=charger_context, open_timeout=10) as websocket:
                return str(await websocket.recv())


def charger_context(ca_file: Path, *, client: tuple[Path, Path] | None = None,
                    tls12: bool = False, ciphers: str | None = None) -> ssl.SSLContext:
    """A charger's TLS client: trusts ``ca_file`` and checks the server name (A00.FR.307)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    if tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    if ciphers:
        context.set_ciphers(ciphers)
    if client:
        context.load_cert_chain(str(client[0]), str(client[1]))
    return context


def write_pair(folder: Path, name: str, certificate: x509.Certificate,
               key: Any) -> tuple[Path, Path]:
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def ca(tmp_path: Path) -> StudioCA:
    return StudioCA(tmp_path / "ca")


# ------------------------------------------------------------------------------ profile 2
@pytest.mark.parametrize("tls12", [False, True], ids=["newest", "tls1.2"])
def test_profile_2_handshake_with_the_studio_ca(ca: StudioCA, tls12: bool) -> None:
    csms = Csms(ca)
    assert run(csms.talk(charger_context(ca.ca_file, tls12=tls12))) == "welcome"
    info = csms.handshakes[0]
    assert info is not None and info.client_certificate is None
    if tls12:
        assert info.version == "TLSv1.2" and info.cipher in OCPP_CIPHERS
    else:
        assert info.version == "TLSv1.3"
    assert csms.events == [{"scheme": "wss", "tls": info.as_dict()}]


@pytest.mark.parametrize("suite", OCPP_CIPHERS)
def test_each_whitepaper_cipher_suite_is_offered(ca: StudioCA, suite: str) -> None:
    # A00.FR.317: ECDSA suites need the EC certificate, TLS_RSA suites the RSA one.
    csms = Csms(ca)
    context = charger_context(ca.ca_file, tls12=True, ciphers=suite)
    assert run(csms.talk(context)) == "welcome"
    assert csms.handshakes[0] is not None and csms.handshakes[0].cipher == suite


def test_a_charger_without_a_whitepaper_suite_is_refused_with_the_reason(ca: StudioCA) -> None:
    csms = Csms(ca)
    context = charger_context(ca.ca_file, tls12=True, ciphers="ECDHE-ECDSA-AES128-SHA256")
    with pytest.raises(OSError):
        run(csms.talk(context))
    assert [f.kind for f in csms.failures] == ["no-common-protocol"]
    assert csms.failures[0].reason.startswith(
        "no common protocol: the charger and the studio share no cipher suite")


def test_a_tls_1_1_charger_is_refused_with_the_reason(ca: StudioCA) -> None:
    # A00.FR.312/A00.FR.314: the central system terminates a TLS 1.0/1.1-only connection.
    csms = Csms(ca)

    def old_charger(port: int) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with pytest.raises(ssl.SSLError):
                context.wrap_socket(raw)

    async def scenario() -> None:
        async with serve(csms.handler, "127.0.0.1", 0, ssl=csms.context) as server:
            await asyncio.to_thread(old_charger, server.sockets[0].getsockname()[1])
            await asyncio.wait_for(csms.failed.wait(), 10)

    run(scenario())
    assert csms.failures == [TlsFailure(
        "no-common-protocol", "no common protocol: the charger and the studio share no TLS "
        "version (OCPP needs TLS 1.2 or newer; 1.0 and 1.1 are refused)")]


def test_a_charger_that_trusts_another_ca_is_explained(ca: StudioCA, tmp_path: Path) -> None:
    other = StudioCA(tmp_path / "other")
    csms = Csms(ca)
    with pytest.raises(ssl.SSLCertVerificationError) as raised:
        run(csms.talk(charger_context(other.ca_file)))
    # the charger's side (the demo charger will show this)
    seen_by_charger = tls.explain_tls_error(raised.value, peer="the studio", us="the charger")
    assert seen_by_charger.kind == "unknown-ca"
    assert "the studio's certificate was not issued by a CA the charger trusts" in \
        seen_by_charger.reason


def test_the_alert_of_a_charger_that_trusts_another_ca_is_explained(ca: StudioCA,
                                                                     tmp_path: Path) -> None:
    # asyncio hangs up without sending the TLS alert; a charger's TLS stack (here a plain
    # blocking ssl socket, as most embedded stacks behave) sends "unknown CA" first.
    other = StudioCA(tmp_path / "other")
    csms = Csms(ca)

    def blocking_charger(port: int) -> None:
        context = charger_context(other.ca_file)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with pytest.raises(ssl.SSLCertVerificationError):
                context.wrap_socket(raw, server_hostname="127.0.0.1")

    async def scenario() -> None:
        async with serve(csms.handler, "127.0.0.1", 0, ssl=csms.context) as server:
            port = server.sockets[0].getsockname()[1]
            await asyncio.to_thread(blocking_charger, port)
            await asyncio.wait_for(csms.failed.wait(), 10)

    run(scenario())
    assert [f.kind for f in csms.failures] == ["unknown-ca"]
    assert csms.failures[0].reason == ("unknown CA: the charger does not trust the CA that "
                                       "issued the studio's certificate")


def test_plain_ws_to_the_wss_port_is_explained(ca: StudioCA) -> None:
    csms = Csms(ca)

    async def plain() -> None:
        async with serve(csms.handler, "127.0.0.1", 0, ssl=csms.context) as server:
            port = server.sockets[0].getsockname()[1]
            with pytest.raises(Exception):
                async with connect(f"ws://127.0.0.1:{port}/ocpp/CP1", open_timeout=10):
                    pass

    run(plain())
    assert [f.kind for f in csms.failures] == ["plain-http"]
    assert "wss://" in csms.failures[0].reason


# ------------------------------------------------------------------------------ profile 3
def test_profile_3_client_certificate_for_this_charger_is_accepted(ca: StudioCA,
                                                                   tmp_path: Path) -> None:
    certificate, key = ca.issue_client_certificate("CP1")
    csms = Csms(ca, "required")
    client = write_pair(tmp_path, "cp1", certificate, key)
    assert run(csms.talk(charger_context(ca.ca_file, client=client))) == "welcome"
    assert csms.refusals == [] and csms.failures == []
    info = csms.handshakes[0]
    assert info is not None and info.client_certificate is not None
    seen = info.client_certificate
    assert seen.common_name == "CP1"
    assert seen.subject == "CN=CP1,O=OCPP Studio"
    assert seen.issuer == ca.certificate.subject.rfc4514_string()
    assert seen.serial == format(certificate.serial_number, "x")
    assert seen.not_after == certificate.not_valid_after_utc.isoformat()
    event_tls = csms.events[0]["tls"]
    assert isinstance(event_tls, dict)
    assert event_tls["client_certificate"]["common_name"] == "CP1"


def test_profile_3_certificate_from_another_ca_is_refused(ca: StudioCA, tmp_path: Path) -> None:
    other = StudioCA(tmp_path / "other")
    certificate, key = other.issue_client_certificate("CP1")
    csms = Csms(ca, "required")
    client = write_pair(tmp_path, "cp1", certificate, key)
    with pytest.raises(Exception) as raised:
        run(csms.talk(charger_context(ca.ca_file, client=client)))
    assert [f.kind for f in csms.failures] == ["unknown-ca"]
    assert csms.failures[0].reason.startswith(
        "unknown CA: the charger's certificate was not issued by a CA the studio trusts")
    # asyncio drops a refused TLS connection without an alert: the charger sees it close
    assert tls.explain_tls_error(raised.value, peer="the studio").kind == "closed"


def test_profile_3_certificate_of_another_charger_is_refused(ca: StudioCA,
                                                             tmp_path: Path) -> None:
    # The known hole: a certificate from the right CA, but issued to another charger.
    certificate, key = ca.issue_client_certificate("CP2")
    csms = Csms(ca, "required")
    client = write_pair(tmp_path, "cp2", certificate, key)
    with pytest.raises(InvalidStatus) as raised:
        run(csms.talk(charger_context(ca.ca_file, client=client), charger_id="CP1"))
    assert raised.value.response.status_code == 403
    assert [r.kind for r in csms.refusals] == ["cn-mismatch"]
    reason = "CN mismatch: the certificate is for 'CP2', but the charger connected as 'CP1'"
    assert csms.refusals[0].reason == reason
    assert raised.value.response.body.decode().strip() == reason
    assert csms.events[0]["tls_refusal"] == "cn-mismatch"


def test_profile_3_expired_certificate_is_refused(ca: StudioCA, tmp_path: Path) -> None:
    certificate, key = ca.issue_client_certificate(
        "CP1", not_before=datetime(2020, 1, 1, tzinfo=timezone.utc),
        not_after=datetime(2021, 1, 1, tzinfo=timezone.utc))
    csms = Csms(ca, "required")
    client = write_pair(tmp_path, "cp1", certificate, key)
    with pytest.raises(Exception):
        run(csms.talk(charger_context(ca.ca_file, client=client)))
    assert [f.kind for f in csms.failures] == ["expired"]
    assert csms.failures[0].reason == "expired: the charger's certificate has expired"


def test_profile_3_without_a_client_certificate_is_refused(ca: StudioCA) -> None:
    csms = Csms(ca, "required")
    with pytest.raises(Exception):
        run(csms.talk(charger_context(ca.ca_file)))
    assert [f.kind for f in csms.failures] == ["no-client-certificate"]


# ------------------------------------------------------------------------------ the check alone
def test_client_certificate_check_uses_the_given_clock(ca: StudioCA) -> None:
    certificate, _ = ca.issue_client_certificate(
        "CP1", not_before=datetime(2030, 1, 1, tzinfo=timezone.utc),
        not_after=datetime(2031, 1, 1, tzinfo=timezone.utc))
    trusted = [ca.certificate]

    def at(year: int) -> TlsFailure | None:
        clock = FixedClock(datetime(year, 6, 1, tzinfo=timezone.utc))
        return tls.check_client_certificate(certificate, "CP1", trusted=trusted, clock=clock)

    assert at(2030) is None
    assert at(2029) is not None and at(2029).kind == "not-yet-valid"  # type: ignore[union-attr]
    expired = at(2031)
    assert expired is not None and expired.kind == "expired"
    assert expired.reason == "expired: the charger's certificate expired on 2031-01-01 00:00 UTC"


def test_client_certificate_check_of_organisation_and_der(ca: StudioCA) -> None:
    certificate, _ = ca.issue_client_certificate("CP1", organisation="Other Ltd")
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert tls.check_client_certificate(der, "CP1", trusted=[ca.certificate]) is None
    refusal = tls.check_client_certificate(der, "CP1", trusted=[ca.certificate],
                                           organisation="OCPP Studio")
    assert refusal is not None and refusal.kind == "organisation-mismatch"
    assert tls.check_client_certificate(None, "CP1", trusted=[], required=False) is None


def test_server_context_refuses_tls_1_1_and_compression(ca: StudioCA) -> None:
    context = WssEndpoint.from_studio_ca(ca, names=["localhost"]).context
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_NO_COMPRESSION
    assert context.verify_mode == ssl.CERT_NONE
    with pytest.raises(ValueError):
        tls.server_context([], client_certificates="off")


def test_user_certificate_and_user_client_ca(ca: StudioCA, tmp_path: Path) -> None:
    # serve --cert/--key --client-certs required --client-ca FILE: the chargers' certificates
    # come from the operator's CA, not the studio's.
    operator = StudioCA(tmp_path / "operator", organisation="Operator Ltd")
    server = ca.server_certificates(["localhost", "127.0.0.1"])[0]
    endpoint = WssEndpoint.from_files(server.cert_file, server.key_file,
                                      client_certificates="required",
                                      client_ca_file=operator.ca_file)
    certificate, key = operator.issue_client_certificate("CP1")
    csms = Csms(ca, "required")
    csms.endpoint = endpoint
    csms.context = endpoint.context
    client = write_pair(tmp_path, "cp1", certificate, key)
    assert run(csms.talk(charger_context(ca.ca_file, client=client))) == "welcome"
    assert csms.refusals == []
    assert csms.handshakes[0] is not None
    assert csms.handshakes[0].client_certificate is not None
    assert csms.handshakes[0].client_certificate.issuer.endswith("O=Operator Ltd")


def test_optional_client_certificates_let_a_charger_without_one_in(ca: StudioCA) -> None:
    csms = Csms(ca, "optional")
    assert run(csms.talk(charger_context(ca.ca_file))) == "welcome"
    assert csms.refusals == [] and csms.events[0]["scheme"] == "wss"
