"""libcurl, the FTP/HTTP client inside many chargers' firmware, against the studio's file server.

curl does what such chargers do with a GetDiagnostics location: log in from the URL, CWD into
its path, EPSV (not PASV), TYPE I, STOR; and for UpdateFirmware: SIZE then RETR. Skipped where
no curl is installed.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from ocpp_studio.fileserver import TransferState, serve_download, serve_upload

pytestmark = [pytest.mark.external,
              pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")]

HOST = "127.0.0.1"


async def curl(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "curl", "--silent", "--show-error", "--max-time", "20", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, (out + err).decode(errors="replace")


@pytest.mark.parametrize("scheme", ["ftp", "http"])
def test_curl_uploads_a_log_to_the_folder_url(tmp_path: Path, scheme: str) -> None:
    log_file = tmp_path / "CP1-diagnostics.tar.gz"
    log_file.write_bytes(b"\x1f\x8b" + b"log" * 30000)
    folder = tmp_path / "data"
    folder.mkdir()

    async def scenario() -> None:
        transfer = await serve_upload(scheme=scheme, host=HOST, folder=folder, timeout=30)
        # curl -T FILE URL/ appends the file name to a folder URL, as chargers do
        code, output = await curl("-T", str(log_file), transfer.url)
        assert code == 0, output
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE
        assert outcome.path == folder / "CP1-diagnostics.tar.gz"
        assert outcome.path.read_bytes() == log_file.read_bytes()

    asyncio.run(scenario())


@pytest.mark.parametrize("scheme", ["ftp", "http"])
def test_curl_downloads_the_firmware(tmp_path: Path, scheme: str) -> None:
    firmware = tmp_path / "fw-3.1.bin"
    firmware.write_bytes(bytes(range(256)) * 4096)
    fetched = tmp_path / "fetched.bin"

    async def scenario() -> None:
        transfer = await serve_download(scheme=scheme, host=HOST, file=firmware, timeout=30)
        code, output = await curl("--fail", "-o", str(fetched), transfer.url)
        assert code == 0, output
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE
        assert fetched.read_bytes() == firmware.read_bytes()

    asyncio.run(scenario())


def test_curl_with_a_traversing_ftp_path_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    log_file = tmp_path / "x.log"
    log_file.write_text("x")

    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=folder, timeout=30)
        # %2e%2e in an FTP URL is decoded by curl to ".." and sent as CWD ..: refused
        code, _ = await curl("-T", str(log_file), transfer.url + "%2e%2e/%2e%2e/escape.log")
        assert code != 0
        code, _ = await curl("--path-as-is", "-T", str(log_file), transfer.url + "../../escape.log")
        assert code != 0
        await transfer.stop()
        assert list(folder.iterdir()) == []
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "x.log"]
        assert transfer.notes and all("refused" in note for note in transfer.notes)

    asyncio.run(scenario())
