"""File transfers that never happen, the address handed to the charger, and file names."""

from __future__ import annotations

import asyncio
import ftplib
import socket
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ocpp_studio.core.clock import FixedClock
from ocpp_studio.fileserver import (TransferState, reachable_host, safe_file_name, serve_download,
                                    serve_upload, transfer_url)
from ocpp_studio.transports import addresses

HOST = "127.0.0.1"


def run(coro):
    return asyncio.run(coro)


def test_an_ftp_upload_that_never_starts_expires_with_what_to_check(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, timeout=0.2)
        states = []
        transfer.progress.connect(lambda p: states.append(p.state))
        outcome = await transfer.wait()  # woken by the transfer's own timer, not a sleep
        assert outcome.state == TransferState.EXPIRED and states == [TransferState.EXPIRED]
        assert outcome.reason.startswith(
            f"the charger never connected to the FTP server at 127.0.0.1:{transfer.port} within 0.2 s")
        assert ("check that it can reach the laptop's address, the firewall, and FTP passive mode"
                in outcome.reason)
        with pytest.raises(OSError):  # and the server has stopped
            socket.create_connection((HOST, transfer.port), timeout=2).close()

    run(scenario())


def test_an_ftp_charger_that_logs_in_but_sends_nothing_is_told_apart(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc))
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, timeout=600,
                                      clock=clock)
        parts = urlsplit(transfer.url)

        def log_in_and_idle() -> None:
            ftp = ftplib.FTP(timeout=10)
            ftp.connect(parts.hostname, parts.port)
            ftp.login(parts.username, parts.password)
            ftp.cwd(parts.path)
            ftp.close()  # a charger whose data connection never came

        await asyncio.to_thread(log_in_and_idle)
        clock.advance(45)
        # the charger reported UploadFailed: the caller gives up before the 600 s timer
        transfer.expire()
        outcome = await transfer.wait()
        assert outcome.state == TransferState.EXPIRED
        assert "connected to the FTP server" in outcome.reason
        assert "did not send a file to it within 45 s" in outcome.reason
        assert "FTP passive mode" in outcome.reason

    run(scenario())


def test_a_wrong_password_is_named_in_the_timeout_reason(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, timeout=60)
        parts = urlsplit(transfer.url)

        def wrong_login() -> None:
            ftp = ftplib.FTP(timeout=10)
            ftp.connect(parts.hostname, parts.port)
            with pytest.raises(ftplib.error_perm):
                ftp.login(parts.username, "old-password")
            ftp.close()

        await asyncio.to_thread(wrong_login)
        transfer.expire()
        outcome = await transfer.wait()
        assert outcome.state == TransferState.EXPIRED
        assert "never logged in with the user and password of the URL" in outcome.reason
        assert "password was wrong" in outcome.reason

    run(scenario())


def test_an_http_download_never_fetched_expires(tmp_path: Path) -> None:
    firmware = tmp_path / "fw.bin"
    firmware.write_bytes(b"fw")

    async def scenario() -> None:
        transfer = await serve_download(scheme="http", host=HOST, file=firmware, timeout=0.2)
        outcome = await transfer.wait()
        assert outcome.state == TransferState.EXPIRED
        assert outcome.reason.startswith(
            f"the charger never connected to the HTTP server at 127.0.0.1:{transfer.port}")
        assert "passive" not in outcome.reason

    run(scenario())


def test_stop_ends_a_waiting_transfer(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, timeout=60)
        outcome = await transfer.stop()
        assert outcome.state == TransferState.FAILED
        assert outcome.reason == "the transfer was stopped in the studio"

    run(scenario())


def test_the_address_is_the_local_end_of_the_chargers_connection(monkeypatch) -> None:
    assert reachable_host(("192.168.1.20", 9000)) == "192.168.1.20"
    assert reachable_host(("::ffff:192.168.1.20", 9000, 0, 0)) == "192.168.1.20"
    assert reachable_host(("fe80::1%eth0", 9000, 0, 2)) == "fe80::1"
    monkeypatch.setattr(addresses, "lan_addresses", lambda: ["10.0.0.5", "192.168.1.20"])
    assert reachable_host(("0.0.0.0", 9000)) == "10.0.0.5"  # a wildcard: the first LAN address
    assert reachable_host(None) == "10.0.0.5"
    monkeypatch.setattr(addresses, "lan_addresses", lambda: [])
    assert reachable_host(("::", 9000, 0, 0)) == "127.0.0.1"


def test_urls_carry_the_credentials_quoted() -> None:
    assert transfer_url("ftp", "192.168.1.20", 2121, "tok/", "u", "p@ss:/") == \
        "ftp://u:p%40ss%3A%2F@192.168.1.20:2121/tok/"
    assert transfer_url("http", "fd00::2", 8080, "/tok/fw.bin") == "http://[fd00::2]:8080/tok/fw.bin"


@pytest.mark.parametrize("raw,expected", [
    ("diag.zip", "diag.zip"), ("CP1 2026-01-01T00:00:00Z.log", "CP1_2026-01-01T00_00_00Z.log"),
    (".hidden", "hidden"), ("", "upload.bin"),
    ("..", None), (".", None), ("../x", None), ("a/b", None), ("a\\b", None), ("%2e%2e", None),
    ("x\x00y", None),
])
def test_file_names_from_the_charger(raw: str, expected: str | None) -> None:
    assert safe_file_name(raw) == expected


def test_a_logged_transfer_does_not_show_its_password(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="ftp", host=HOST, folder=tmp_path, timeout=30)
        shown = repr(transfer)
        assert transfer.password not in shown and transfer.token not in shown
        await transfer.stop()

    run(scenario())
