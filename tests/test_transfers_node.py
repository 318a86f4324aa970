"""File transfers with a charger we did not write (issue 16 §5): ``tests/node/transfer_charger.js``
is ocpp-rpc's RPCClient in strict mode (our GetDiagnostics / GetLog / UpdateFirmware checked
against ocpp-rpc's own schemas) that uploads its log over FTP (a few lines of Node ``net``:
USER, PASS, TYPE I, EPSV, STOR) or HTTP PUT and downloads firmware over HTTP GET or FTP RETR.

As in test_external_ocpp_rpc.py, a missing ``npm ci --prefix tests/node`` fails, never skips.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import running_csms
from test_external_ocpp_rpc import NODE_DIR, NodeCharger, start_node

from ocpp_studio.station.transfers import JobState

pytestmark = pytest.mark.external

SCRIPT = NODE_DIR / "transfer_charger.js"
WAIT = 60.0


async def start(url: str, protocol: str) -> NodeCharger:
    return await start_node(url, protocol, SCRIPT, 120)


@pytest.mark.parametrize("protocol,scheme,kind", [("ocpp1.6", "ftp", "diagnostics"),
                                                  ("ocpp1.6", "http", "diagnostics"),
                                                  ("ocpp2.0.1", "ftp", "security")])
def test_ocpp_rpc_charger_uploads_its_log(tmp_path: Path, protocol: str, scheme: str,
                                          kind: str) -> None:
    async def scenario() -> None:
        async with running_csms() as csms:
            csms.central.transfers.folder = tmp_path
            node = await start(f"ws://127.0.0.1:{csms.server.port}/ocpp/CP-NODE-FTP", protocol)
            try:
                await node.wait_for("ready")
                job = await csms.central.transfers.get_log("CP-NODE-FTP", kind, scheme=scheme)
                done = await job.wait(WAIT)
                assert done.state == JobState.DONE, (done.words, node.transcript())
                assert [s.status for s in done.steps] == ["Uploading", "Uploaded"]
                assert done.file is not None
                assert done.file.read_text().startswith(
                    f"ocpp-rpc transfer charger CP-NODE-FTP {kind} log")
                await node.wait_for("uploaded")
            finally:
                code, stderr = await node.finish()
            assert code == 0 and not node.errors(), (stderr, node.transcript())

    asyncio.run(scenario())


@pytest.mark.parametrize("scheme", ["http", "ftp"])
def test_ocpp_rpc_charger_downloads_firmware(tmp_path: Path, scheme: str) -> None:
    async def scenario() -> None:
        image = tmp_path / "9.0.bin"
        image.write_bytes(b"firmware for node" * 300)
        async with running_csms() as csms:
            csms.central.transfers.folder = tmp_path / "files"
            csms.central.transfers.reboot_wait_s = 0.5  # this charger does not reboot
            node = await start(f"ws://127.0.0.1:{csms.server.port}/ocpp/CP-NODE-FW", "ocpp1.6")
            try:
                await node.wait_for("ready")
                job = await csms.central.transfers.update_firmware("CP-NODE-FW", image,
                                                                   scheme=scheme)
                done = await job.wait(WAIT)
                assert [s.status for s in done.steps] == ["Downloading", "Downloaded",
                                                          "Installing", "Installed"]
                # Installed from the charger, but no reboot: the version is not confirmed
                assert done.state == JobState.DONE
                assert "did not reboot" in done.words and "not confirmed" in done.words
                assert node.of("downloaded")[0]["bytes"] == image.stat().st_size
            finally:
                code, stderr = await node.finish()
            assert code == 0 and not node.errors(), (stderr, node.transcript())

    asyncio.run(scenario())
