"""The studio's FTP server for one transfer: real transfers with the stdlib ftplib client on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ftplib
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ocpp_studio.fileserver import TransferState, serve_download, serve_upload

HOST = "127.0.0.1"


def run(coro):
    return asyncio.run(coro)


def login(url: str, user: str | None = None, password: str | None = None) -> ftplib.FTP:
    """Connect as a charger would from the URL it was given (passive mode, ftplib's default)."""
    parts = urlsplit(url)
    ftp = ftplib.FTP(timeout=10)
    ftp.connect(parts.hostname, parts.port)
    ftp.login(user if user is not None else parts.username,
              password if password is not None else parts.password)
    ftp.set_pasv(True)
    return ftp


def upload(url: str, name: str, data: bytes) -> str:
    """CWD into the URL's folder and STOR, as curl-based chargers do; the server's last reply."""
    ftp = login(url)
    try:
        ftp.cwd(urlsplit(url).path)
        return ftp.storbinary(f"STOR {name}", io.BytesIO(data))
    finally:
        ftp.close()


def test_upload_in_passive_mode_lands_in_the_folder_and_credentials_are_spent(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, max_bytes=1_000_000,
                                      timeout=30)
        assert transfer.url.startswith(f"ftp://{transfer.user}:{transfer.password}@127.0.0.1:")
        assert transfer.url.endswith(f"/{transfer.token}/")
        seen = []
        transfer.progress.connect(seen.append)
        data = b"diagnostics line\n" * 5000
        reply = await asyncio.to_thread(upload, transfer.url, "diag-CP1 2026:01:01.log", data)
        assert reply.startswith("226")
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE
        assert outcome.bytes == len(data)
        assert outcome.path == tmp_path / "diag-CP1_2026_01_01.log"
        assert outcome.path.read_bytes() == data
        assert [p.name for p in tmp_path.iterdir()] == [outcome.path.name]  # no .part left
        assert seen[0].state == TransferState.RECEIVING and seen[-1].state == TransferState.DONE
        # one-time: the same user and password no longer log in (the server has stopped, too)
        with pytest.raises((ftplib.error_perm, OSError)):
            await asyncio.to_thread(login, transfer.url)

    run(scenario())


def test_reused_credentials_are_refused_on_a_connection_still_open(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, timeout=30)
        ftp = await asyncio.to_thread(login, transfer.url)  # stays connected: the server lingers
        try:
            reply = await asyncio.to_thread(ftp.storbinary, "STOR a.log", io.BytesIO(b"x"))
            assert reply.startswith("226")
            parts = urlsplit(transfer.url)
            with pytest.raises(ftplib.error_perm, match="530"):
                await asyncio.to_thread(ftp.login, parts.username, parts.password)
        finally:
            ftp.close()
        assert (await transfer.wait()).state == TransferState.DONE
        assert "after the transfer had ended" in "; ".join(transfer.notes)

    run(scenario())


def test_wrong_user_or_password_is_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, timeout=30)
        with pytest.raises(ftplib.error_perm, match="530"):
            await asyncio.to_thread(login, transfer.url, password="guess")
        with pytest.raises(ftplib.error_perm, match="530"):
            await asyncio.to_thread(login, transfer.url, user="anonymous", password="a@b")
        assert transfer.state == TransferState.WAITING
        outcome = await transfer.stop()
        assert outcome.state == TransferState.FAILED
        assert list(tmp_path.iterdir()) == []

    run(scenario())


def test_upload_over_the_limit_is_cut_off_and_leaves_no_file(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, max_bytes=100_000,
                                      timeout=30)
        with pytest.raises((ftplib.Error, OSError)):
            await asyncio.to_thread(upload, transfer.url, "big.log", b"x" * 2_000_000)
        outcome = await transfer.wait()
        assert outcome.state == TransferState.FAILED
        assert "bigger than the limit of 100,000 bytes" in outcome.reason
        assert "partial file removed" in outcome.reason
        assert outcome.path is None
        assert list(tmp_path.iterdir()) == []

    run(scenario())


@pytest.mark.parametrize("target", ["../escape.log", "/../escape.log", "../../tmp/escape.log",
                                    "..\\escape.log", "sub/../../escape.log", "/etc/escape.log"])
def test_path_traversal_on_stor_is_refused(tmp_path: Path, target: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()

    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=folder, timeout=30)
        ftp = await asyncio.to_thread(login, transfer.url)
        try:
            with pytest.raises(ftplib.error_perm, match="550"):
                await asyncio.to_thread(ftp.storbinary, f"STOR {target}", io.BytesIO(b"evil"))
            with pytest.raises(ftplib.error_perm, match="550"):
                await asyncio.to_thread(ftp.cwd, "../..")
        finally:
            ftp.close()
        await transfer.stop()
        assert list(folder.iterdir()) == []
        assert [p.name for p in tmp_path.iterdir()] == ["data"]
        assert any("refused" in note for note in transfer.notes)

    run(scenario())


def test_upload_never_follows_a_symlink_planted_in_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    (folder / "diag.log").symlink_to(outside)

    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=folder, timeout=30)
        await asyncio.to_thread(upload, transfer.url, "diag.log", b"new contents")
        outcome = await transfer.wait()
        assert outcome.path == folder / "diag-1.log"
        assert outcome.path.read_bytes() == b"new contents"
        assert outside.read_text() == "untouched"

    run(scenario())


def test_download_serves_the_file_read_only_once(tmp_path: Path) -> None:
    firmware = tmp_path / "fw-1.2.3.bin"
    firmware.write_bytes(bytes(range(256)) * 1000)

    async def scenario() -> None:
        transfer = await serve_download(scheme="ftp", host=HOST, file=firmware, timeout=30)
        assert transfer.url.endswith(f"/{transfer.token}/fw-1.2.3.bin")

        def fetch() -> tuple[bytes, int | None, str]:
            ftp = login(transfer.url)
            try:
                size = ftp.size(urlsplit(transfer.url).path)
                got = io.BytesIO()
                with pytest.raises(ftplib.error_perm, match="502"):
                    ftp.delete(urlsplit(transfer.url).path)
                with pytest.raises(ftplib.error_perm, match="550"):
                    ftp.retrbinary("RETR ../../etc/passwd", got.write)
                with pytest.raises(ftplib.error_perm, match="502"):
                    ftp.storbinary("STOR fw-1.2.3.bin", io.BytesIO(b"overwrite"))
                reply = ftp.retrbinary(f"RETR {urlsplit(transfer.url).path}", got.write)
                return got.getvalue(), size, reply
            finally:
                ftp.close()

        data, size, reply = await asyncio.to_thread(fetch)
        assert reply.startswith("226")
        assert data == firmware.read_bytes() and size == len(data)
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE
        assert outcome.bytes == outcome.total == len(data)
        assert firmware.read_bytes() == bytes(range(256)) * 1000

    run(scenario())
