"""Log retrieval end to end (issue 16 §2-3, 5): the studio's TransferManager, its one-shot
FTP/HTTP server on 127.0.0.1 and the real demo charger, which really uploads over the wire and
reports every status; the server's limits, the API, the thin operations and the builders.
Firmware updates: test_transfers_firmware.py (it shares this file's helpers)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ftplib
import io
import re
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import SplitResult, urlsplit

import aiohttp
import pytest
from conftest import booted_demo, running_csms, wait_for
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ocpp_studio.capture.store import FrameQuery
from ocpp_studio.core.frames import loads
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.station.transfers import JobState, TransferError

V16, V201 = OcppVersion.V16, OcppVersion.V201
WAIT = 60.0


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@asynccontextmanager
async def charger(tmp_path: Path, version: OcppVersion, *quirks: str, **config: Any
                  ) -> AsyncIterator[tuple[Any, DemoCharger, str]]:
    """A real central system with its file folder in tmp_path, and a booted demo charger."""
    cid = f"T{version.label.replace('.', '')}"
    cfg = DemoChargerConfig(charger_id=cid, version=version, quirks=list(quirks), **config)
    async with running_csms() as csms:
        csms.central.transfers.folder = tmp_path / "files"
        async with booted_demo(csms, cfg) as demo:
            yield csms, demo, cid


def sent(csms: Any, cid: str, action: str) -> list[Any]:
    rows = csms.store.frames(FrameQuery(charger=cid, action=action, limit=1000))
    return [loads(r.raw)[3] for r in rows if r.message_type == 2]


def ftp_login(url: SplitResult) -> ftplib.FTP:
    """An FTP client logged in with the one-time credentials of a transfer's URL."""
    ftp = ftplib.FTP(timeout=10)
    ftp.connect(url.hostname or "", url.port or 21)
    ftp.login(url.username or "", url.password or "")
    return ftp


def signing_pair(kind: str = "rsa") -> tuple[bytes, str]:
    """A firmware signing key (PEM) and its self-signed certificate (PEM)."""
    key: Any = rsa.generate_private_key(65537, 2048) if kind == "rsa" \
        else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Acme firmware signing")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


# ----------------------------------------------------------------------------- logs

@pytest.mark.parametrize("version,kind,scheme,action,status_action", [
    (V16, "diagnostics", "ftp", "GetDiagnostics", "DiagnosticsStatusNotification"),
    (V16, "diagnostics", "http", "GetDiagnostics", "DiagnosticsStatusNotification"),
    (V16, "security", "ftp", "GetLog", "LogStatusNotification"),
    (V201, "diagnostics", "ftp", "GetLog", "LogStatusNotification"),
    (V201, "diagnostics", "http", "GetLog", "LogStatusNotification"),
    (V201, "security", "http", "GetLog", "LogStatusNotification"),
    (OcppVersion.V21, "security", "ftp", "GetLog", "LogStatusNotification"),
])
def test_log_is_uploaded_into_the_data_folder(tmp_path: Path, version: OcppVersion, kind: str,
                                              scheme: str, action: str,
                                              status_action: str) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, version) as (csms, demo, cid):
            seen: list[Any] = []
            csms.central.transfers.progress.connect(seen.append)
            job = await csms.central.transfers.get_log(cid, kind, scheme=scheme)
            done = await job.wait(WAIT)
            assert done.state == JobState.DONE, done.words
            assert done.action == action
            assert [s.status for s in done.steps] == ["Uploading", "Uploaded"]
            assert {s.action for s in done.steps} == {status_action}
            assert done.file is not None and done.file.parent == tmp_path / "files" / cid
            assert f"{kind} log" in done.file.read_text()
            assert done.size == done.file.stat().st_size
            assert "the charger reported Uploaded" in done.words
            request = sent(csms, cid, action)[-1]
            location = request.get("location") or request["log"]["remoteLocation"]
            assert location.startswith(f"{scheme}://") and "127.0.0.1" in location
            if action == "GetLog":
                assert request["logType"] == ("SecurityLog" if kind == "security"
                                              else "DiagnosticsLog")
                assert request["requestId"] == done.request_id
                assert all(p["requestId"] == done.request_id
                           for p in sent(csms, cid, "LogStatusNotification"))
            assert seen[-1].state == JobState.DONE
            # nothing but the log in the folder (no .part left)
            assert [p.name for p in done.file.parent.iterdir()] == [done.file.name]

    run(scenario())


def test_get_diagnostics_carries_times_and_retries(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, V16) as (csms, demo, cid):
            job = await csms.central.transfers.get_log(
                cid, "diagnostics", oldest="2026-01-01T00:00:00Z",
                latest=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), retries=3,
                retry_interval=30)
            assert (await job.wait(WAIT)).ok
            request = sent(csms, cid, "GetDiagnostics")[-1]
            assert request["startTime"] == "2026-01-01T00:00:00Z"
            assert request["stopTime"] == "2026-01-02T00:00:00Z"
            assert (request["retries"], request["retryInterval"]) == (3, 30)

    run(scenario())


@pytest.mark.parametrize("version,scheme", [(V16, "ftp"), (V201, "http")])
def test_a_charger_that_never_uploads_is_told_apart(tmp_path: Path, version: OcppVersion,
                                                    scheme: str) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, version, "transfer-fail=never-upload") as (csms, demo, cid):
            job = await csms.central.transfers.get_log(cid, "diagnostics", scheme=scheme)
            await wait_for(lambda: job.snapshot().last_status == "Uploading", WAIT)
            assert job.transfer is not None
            job.transfer.expire()  # what the timeout does, without waiting for it
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED
            assert done.last_status == "Uploading"
            assert "last status was Uploading" in done.words
            assert "never connected" in done.words
            assert "laptop's address" in done.words and "firewall" in done.words
            if scheme == "ftp":
                assert "passive mode" in done.words
            assert done.file is None

    run(scenario())


def test_a_charger_that_gives_up_says_so(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, V201, "transfer-fail=upload") as (csms, demo, cid):
            job = await csms.central.transfers.get_log(cid, "security", scheme="ftp")
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED
            assert [s.status for s in done.steps] == ["Uploading", "UploadFailure"]
            assert done.steps[-1].failure
            assert "The charger gave up" in done.words and "never connected" in done.words
            # it gave up before the server's timer: how long it had, never "within 0 s"
            assert re.search(r"never connected to the FTP server at 127\.0\.0\.1:\d+ within "
                             r"(the first second|[1-9]\d* s) — check", done.words), done.words

    run(scenario())


@pytest.mark.parametrize("scheme", ["ftp", "http"])
def test_an_upload_bigger_than_the_limit_is_cut_off(tmp_path: Path, scheme: str) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, V201) as (csms, demo, cid):
            job = await csms.central.transfers.get_log(cid, "diagnostics", scheme=scheme,
                                                       max_bytes=200)
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED
            assert "bigger than the limit of 200 bytes" in done.words
            folder = tmp_path / "files" / cid
            assert list(folder.iterdir()) == []  # nothing kept, no partial file

    run(scenario())


def test_the_wired_server_refuses_path_traversal(tmp_path: Path) -> None:
    """The server a real log job starts (FTP and HTTP): climbing out of the data folder is
    refused, nothing is written outside it, and the job goes on waiting."""
    async def scenario() -> None:
        async with charger(tmp_path, V16, "transfer-fail=never-upload") as (csms, demo, cid):
            ftp_job = await csms.central.transfers.get_log(cid, "diagnostics", scheme="ftp")
            assert ftp_job.transfer is not None
            url = urlsplit(ftp_job.transfer.url)

            def stor() -> str:
                ftp = ftp_login(url)
                try:
                    ftp.storbinary("STOR ../../escape.log", io.BytesIO(b"x"))
                except ftplib.error_perm as exc:
                    return str(exc)
                finally:
                    ftp.close()
                return "stored"

            assert (await asyncio.to_thread(stor)).startswith("550")
            assert not ftp_job.snapshot().finished
            await csms.central.transfers.cancel(ftp_job.id)
            http_job = await csms.central.transfers.get_log(cid, "security", scheme="http")
            assert http_job.transfer is not None
            target = http_job.transfer.url + "%2e%2e/%2e%2e/escape.log"
            async with aiohttp.ClientSession() as session:
                async with session.put(aiohttp.client.URL(target, encoded=True),
                                       data=b"x") as response:
                    assert response.status == 400
            await csms.central.transfers.cancel(http_job.id)
            assert not list(tmp_path.rglob("escape.log"))

    run(scenario())


def test_a_second_log_job_waits_for_the_first(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, V16, "transfer-fail=never-upload") as (csms, demo, cid):
            job = await csms.central.transfers.get_log(cid, "diagnostics")
            with pytest.raises(TransferError, match="still running"):
                await csms.central.transfers.get_log(cid, "security")
            cancelled = await csms.central.transfers.cancel(job.id)
            assert cancelled.state == JobState.FAILED and "stopped in the studio" in cancelled.words

    run(scenario())


# ------------------------------------------------ the thin operations (your own server)

def test_thin_operations_use_a_location_the_user_gives(tmp_path: Path) -> None:
    """``op log-to-url`` / ``op firmware-from-url``: the charger uses a server of the user's
    (here a file server started by hand) and the statuses are linked to the result."""
    from ocpp_studio.fileserver import serve_download, serve_upload
    from ocpp_studio.station.operations import run_operation

    async def scenario() -> None:
        own = tmp_path / "own"
        own.mkdir()
        async with charger(tmp_path, V201) as (csms, demo, cid):
            server = await serve_upload(scheme="http", host="127.0.0.1", folder=own, timeout=60)
            result = await run_operation(csms.central, cid, "log-to-url",
                                         {"location": server.url, "type": "security"})
            assert result.ok and result.action == "GetLog", result.words
            assert "will upload T201-security.log" in result.words
            assert [f.action for f in result.followed] == ["LogStatusNotification"] * 2
            assert (await server.wait()).path == own / "T201-security.log"
            # the login in the location is masked where the result is shown (API, op --json)
            password = urlsplit(server.url).password
            assert password and password in result.request["log"]["remoteLocation"]
            assert password not in str(result.to_json())
        async with charger(tmp_path, V16) as (csms, demo, cid):
            image = tmp_path / "8.0.bin"
            image.write_bytes(b"fw")
            server = await serve_download(scheme="ftp", host="127.0.0.1", file=image, timeout=60)
            result = await run_operation(csms.central, cid, "firmware-from-url",
                                         {"location": server.url}, confirm=True)
            assert result.ok and result.action == "UpdateFirmware", result.words
            statuses = [loads(csms.store.frame(f.id).raw)[3]["status"] for f in result.followed
                        if f.action == "FirmwareStatusNotification"]
            assert statuses[-1] == "Installed"

    run(scenario())


def test_a_server_that_cannot_start_is_said_and_does_not_block_the_next_try(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, V16) as (csms, demo, cid):
            handshake = csms.central.session(cid).handshake
            assert handshake.local == "127.0.0.1"  # the address the charger reached
            handshake.local = "192.0.2.1"  # TEST-NET: not an address of this machine
            with pytest.raises(TransferError, match="cannot start its FTP server on 192.0.2.1"):
                await csms.central.transfers.get_log(cid)
            assert csms.central.transfers.jobs(cid) == []
            handshake.local = "127.0.0.1"
            assert (await (await csms.central.transfers.get_log(cid)).wait(WAIT)).ok

    run(scenario())


def test_api_firmware_by_local_path_and_log_file_download(tmp_path: Path) -> None:
    """The control API routes in process: firmware named by a local path (JSON), a log job
    followed with ?wait and its file fetched."""
    from ocpp_studio.api.server import ControlApi

    async def scenario() -> None:
        image = tmp_path / "2.5.bin"
        image.write_bytes(b"fw" * 100)
        async with charger(tmp_path, V201) as (csms, demo, cid):
            api = ControlApi(csms.central, csms.store, 0, token="t")
            await api.start()
            base = f"http://127.0.0.1:{api.port}/api/v1"
            try:
                async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                    async with http.post(f"{base}/chargers/{cid}/firmware",
                                         json={"path": str(image), "expect_version": "2.5",
                                               "scheme": "ftp"}) as r:
                        started = await r.json()
                    assert r.status == 200 and started["action"] == "UpdateFirmware"
                    async with http.get(f"{base}/transfers/{started['id']}?wait=60") as r:
                        done = await r.json()
                    assert done["ok"] and done["reported_version"] == "2.5", done["words"]
                    async with http.post(f"{base}/chargers/{cid}/logs",
                                         json={"type": "security", "scheme": "http"}) as r:
                        job = await r.json()
                    async with http.get(f"{base}/transfers/{job['id']}?wait=60") as r:
                        assert (await r.json())["ok"]
                    async with http.get(f"{base}/transfers/{job['id']}/file") as r:
                        assert r.status == 200
                        assert b"security log" in await r.read()
                    async with http.post(f"{base}/chargers/NOPE/logs", json={}) as r:
                        assert r.status == 404
            finally:
                await api.stop()

    run(scenario())


def test_closing_stops_running_transfers_and_their_servers(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with charger(tmp_path, V16, "transfer-fail=never-upload") as (csms, demo, cid):
            job = await csms.central.transfers.get_log(cid, scheme="http")
            await csms.central.transfers.close()
            done = job.snapshot()
            assert done.state == JobState.FAILED and "studio was closed" in done.words
            assert job.transfer is not None and job.transfer.state.finished
            async with aiohttp.ClientSession() as session:
                with pytest.raises(aiohttp.ClientConnectionError):
                    await session.put(job.transfer.url + "late.log", data=b"x")

    run(scenario())


def test_ftp_passive_mode_uses_the_data_ports_of_the_settings(tmp_path: Path) -> None:
    """transfer_ftp_data_ports: the ports to open in a firewall for passive mode."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]

    async def scenario() -> None:
        async with charger(tmp_path, V16, "transfer-fail=never-upload") as (csms, demo, cid):
            csms.central.settings.transfer_ftp_data_ports = f"{free}-{free}"
            job = await csms.central.transfers.get_log(cid, scheme="ftp")
            assert job.transfer is not None
            url = urlsplit(job.transfer.url)

            def passive_port() -> int:
                ftp = ftp_login(url)
                try:
                    return ftp.makepasv()[1]
                finally:
                    ftp.close()

            assert await asyncio.to_thread(passive_port) == free
            await csms.central.transfers.cancel(job.id)
            csms.central.settings.transfer_ftp_data_ports = "many"
            with pytest.raises(TransferError, match="FTP data ports"):
                await csms.central.transfers.get_log(cid, scheme="ftp")
            assert len(csms.central.transfers.jobs(cid)) == 1

    run(scenario())


# --------------------------------------------------------------- the builders, alone

@pytest.mark.parametrize("version", [V16, V201, OcppVersion.V21])
def test_transfer_builders_make_requests_their_schema_accepts(version: OcppVersion) -> None:
    from ocpp_studio.core.schemas import validate
    from ocpp_studio.station.adapters.operations import operation_requests

    b = operation_requests(version)
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    _, cert = signing_pair("ec")
    requests = [b.log_request("diagnostics", "ftp://u:p@10.0.0.2:2121/x/", 7, oldest=when,
                              latest="2026-03-02T00:00:00Z", retries=1, retry_interval=5),
                b.log_request("security", "http://10.0.0.2/x/", 8),
                b.firmware_request("http://10.0.0.2/fw.bin", 9, when, retries=2),
                b.firmware_request("http://10.0.0.2/fw.bin", 10, when, signing_certificate=cert,
                                   signature="c2lnbmF0dXJl", install=when)]
    for request in requests:
        assert validate(version, request.action, "request", request.payload) == [], request
    actions = [r.action for r in requests]
    if version == V16:
        assert actions == ["GetDiagnostics", "GetLog", "UpdateFirmware", "SignedUpdateFirmware"]
        assert requests[0].payload["startTime"] == "2026-03-01T12:00:00Z"
        # GetDiagnostics.conf without fileName: nothing to upload
        assert b.log_answer(requests[0], {}) == (False, None, None)
        assert b.log_answer(requests[0], {"fileName": "d.zip"}) == (True, None, "d.zip")
        assert b.firmware_answer(requests[2], {}) == (True, None)  # an empty conf
        assert b.boot_firmware({"firmwareVersion": "1.2"}) == "1.2"
    else:
        assert actions == ["GetLog", "GetLog", "UpdateFirmware", "UpdateFirmware"]
        assert requests[0].payload["log"]["oldestTimestamp"] == "2026-03-01T12:00:00Z"
        assert "signature" not in requests[2].payload["firmware"]
        assert b.firmware_answer(requests[3], {"status": "InvalidCertificate"}) == \
            (False, "InvalidCertificate")
        assert b.boot_firmware({"chargingStation": {"firmwareVersion": "2.0"}}) == "2.0"
    assert b.log_answer(requests[1], {"status": "Rejected"})[0] is False
    with pytest.raises(ValueError, match="both"):
        b.firmware_request("http://x/fw", 1, when, signature="c2ln")


def test_refusals_are_finished_jobs_in_words(tmp_path: Path) -> None:
    """A bare 1.6 charger: GetDiagnostics answered without a fileName, then SecurityLog
    answered with a CALLERROR NotSupported; each job ends REFUSED and its server stops."""
    import json

    from conftest import BOOT_16, exchange, raw_charger

    async def answer(ws: Any, reply: Any) -> dict[str, Any]:
        call = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        await ws.send(json.dumps(reply(call[1])))
        return call[3]

    async def scenario() -> None:
        async with running_csms() as csms:
            csms.central.transfers.folder = tmp_path
            async with raw_charger(f"ws://127.0.0.1:{csms.server.port}/ocpp/BARE") as ws:
                await exchange(ws, BOOT_16)
                transfers = csms.central.transfers
                started = asyncio.create_task(transfers.get_log("BARE"))
                await answer(ws, lambda uid: [3, uid, {}])
                job = await started
                done = await job.wait(WAIT)
                assert done.state == JobState.REFUSED
                assert "no diagnostics to upload" in done.words
                assert job.transfer is not None and job.transfer.state.finished
                started = asyncio.create_task(transfers.get_log("BARE", "security"))
                payload = await answer(ws, lambda uid: [4, uid, "NotSupported", "no", {}])
                assert payload["logType"] == "SecurityLog"
                done = await (await started).wait(WAIT)
                assert done.state == JobState.REFUSED
                assert "error NotSupported" in done.words and "does not support" in done.words

    run(scenario())


def studio_tls(tmp_path: Path) -> tuple[list[tuple[Path, Path]], str]:
    """Server certificates for 127.0.0.1 from a studio CA, and the CA file chargers trust."""
    from ocpp_studio.security.ca import StudioCA

    ca = StudioCA(tmp_path / "ca")
    certificates = [(c.cert_file, c.key_file) for c in ca.server_certificates(["127.0.0.1"])]
    return certificates, str(ca.ca_file)


@pytest.mark.parametrize("version", [V16, V201])
def test_log_over_https_with_the_studio_certificate(tmp_path: Path,
                                                    version: OcppVersion) -> None:
    certificates, ca_file = studio_tls(tmp_path)

    async def scenario() -> None:
        async with charger(tmp_path, version, ca_file=ca_file) as (csms, demo, cid):
            transfers = csms.central.transfers
            with pytest.raises(TransferError, match="HTTPS needs the studio's TLS"):
                await transfers.get_log(cid, scheme="https")
            transfers.use_tls(certificates)
            job = await transfers.get_log(cid, "security", scheme="https")
            done = await job.wait(WAIT)
            assert done.state == JobState.DONE, done.words
            assert sent(csms, cid, "GetLog")[-1]["log"]["remoteLocation"].startswith("https://")
            assert done.file is not None and "security log" in done.file.read_text()

    run(scenario())


def test_a_charger_that_does_not_trust_the_certificate_fails_its_upload(tmp_path: Path) -> None:
    certificates, _ = studio_tls(tmp_path)

    async def scenario() -> None:
        async with charger(tmp_path, V201) as (csms, demo, cid):  # no ca_file: system CAs
            csms.central.transfers.use_tls(certificates)
            job = await csms.central.transfers.get_log(cid, scheme="https")
            done = await job.wait(WAIT)
            assert done.state == JobState.FAILED
            assert done.last_status == "UploadFailure"
            assert "The charger gave up" in done.words
            assert "trusts the studio's certificate" in done.words

    run(scenario())
