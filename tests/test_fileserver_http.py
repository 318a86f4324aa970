"""The studio's HTTP server for one transfer: real PUT/POST/GET with aiohttp on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from ocpp_studio.fileserver import TransferState, serve_download, serve_upload

HOST = "127.0.0.1"


def run(coro):
    return asyncio.run(coro)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def split(url: str) -> tuple[URL, dict[str, str]]:
    """What an HTTP client does with ``http://user:password@host/...``: Basic auth + bare URL."""
    parsed = URL(url)
    return parsed.with_user(None), basic(parsed.user or "", parsed.password or "")


async def raw_request(port: int, request_line: str, auth: dict[str, str], body: bytes = b"") -> int:
    """Send the request line exactly as written (no client normalises ``..`` away); the status."""
    reader, writer = await asyncio.open_connection(HOST, port)
    head = (f"{request_line} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: {auth['Authorization']}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


def test_put_upload_lands_in_the_folder_and_the_url_is_spent(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, max_bytes=1_000_000,
                                      timeout=30)
        assert transfer.url.startswith(f"http://{transfer.user}:{transfer.password}@127.0.0.1:")
        url, auth = split(transfer.url)
        data = b"security log\n" * 4000
        async with aiohttp.ClientSession() as http:
            async with http.put(url / "seclog.txt", data=data, headers=auth) as response:
                assert response.status == 201
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE
        assert outcome.path == tmp_path / "seclog.txt" and outcome.path.read_bytes() == data
        assert outcome.bytes == len(data)
        async with aiohttp.ClientSession() as http:  # one-time: the server is gone
            with pytest.raises(aiohttp.ClientConnectionError):
                await http.put(url / "again.txt", data=b"x", headers=auth)
        assert [p.name for p in tmp_path.iterdir()] == ["seclog.txt"]

    run(scenario())


def test_multipart_post_upload_takes_the_form_file_name(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, timeout=30)
        url, auth = split(transfer.url)
        form = aiohttp.FormData()
        form.add_field("file", b"PK\x03\x04 diagnostics", filename="../diag 1.zip",
                       content_type="application/zip")
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=form, headers=auth) as response:
                assert response.status == 400  # a traversing form file name is refused too
            form = aiohttp.FormData()
            form.add_field("file", b"PK\x03\x04 diagnostics", filename="diag 1.zip",
                           content_type="application/zip")
            async with http.post(url, data=form, headers=auth) as response:
                assert response.status == 201
        outcome = await transfer.wait()
        assert outcome.path == tmp_path / "diag_1.zip"
        assert outcome.path.read_bytes() == b"PK\x03\x04 diagnostics"

    run(scenario())


def test_raw_post_without_a_name_gets_the_default_name(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, timeout=30,
                                      default_name="CP1-diagnostics.bin")
        url, auth = split(transfer.url)
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=b"raw body", headers=auth) as response:
                assert response.status == 201
        outcome = await transfer.wait()
        assert outcome.path == tmp_path / "CP1-diagnostics.bin"

    run(scenario())


def test_wrong_or_missing_credentials_are_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, timeout=30)
        url, auth = split(transfer.url)
        async with aiohttp.ClientSession() as http:
            async with http.put(url / "a.log", data=b"x") as response:
                assert response.status == 401
            async with http.put(url / "a.log", data=b"x",
                                headers=basic(transfer.user, "guess")) as response:
                assert response.status == 401
            async with http.put(URL(f"http://{HOST}:{transfer.port}/not-the-token/a.log"),
                                data=b"x", headers=auth) as response:
                assert response.status == 400
        assert transfer.state == TransferState.WAITING
        assert list(tmp_path.iterdir()) == []
        await transfer.stop()

    run(scenario())


@pytest.mark.parametrize("announced", [True, False])
def test_upload_over_the_limit_is_cut_off_and_leaves_no_file(tmp_path: Path, announced: bool) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, max_bytes=100_000,
                                      timeout=30)
        url, auth = split(transfer.url)

        async def chunks():  # no Content-Length: the server only learns the size by counting
            for _ in range(40):
                yield b"y" * 65536

        body = b"y" * 2_000_000 if announced else chunks()
        async with aiohttp.ClientSession() as http:
            try:
                async with http.put(url / "big.log", data=body, headers=auth) as response:
                    assert response.status == 413
            except aiohttp.ClientError:
                pass  # the server closed the connection while the client was still sending
        outcome = await transfer.wait()
        assert outcome.state == TransferState.FAILED
        assert "bigger than the limit of 100,000 bytes" in outcome.reason
        assert list(tmp_path.iterdir()) == []

    run(scenario())


@pytest.mark.parametrize("path", ["/{token}/../escape.log", "/{token}/%2e%2e/escape.log",
                                  "/{token}/%2E%2E%2Fescape.log", "/{token}/..%5cescape.log",
                                  "/{token}/%252e%252e/escape.log", "/../{token}/escape.log",
                                  "/{token}/sub/escape.log", "/{token}/..\\escape.log"])
def test_path_traversal_is_refused(tmp_path: Path, path: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()

    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=folder, timeout=30)
        _, auth = split(transfer.url)
        status = await raw_request(transfer.port, f"PUT {path.format(token=transfer.token)}", auth,
                                   b"evil")
        assert status in (400, 404)
        await transfer.stop()
        assert list(folder.iterdir()) == []
        assert [p.name for p in tmp_path.iterdir()] == ["data"]

    run(scenario())


def test_download_serves_the_file_read_only(tmp_path: Path) -> None:
    firmware = tmp_path / "fw-2.0.bin"
    firmware.write_bytes(b"\x7fELF" + bytes(200_000))
    (tmp_path / "secret.txt").write_text("not for the charger")

    async def scenario() -> None:
        transfer = await serve_download(scheme="http", host=HOST, file=firmware, timeout=30)
        assert transfer.url.endswith(f"/{transfer.token}/fw-2.0.bin")
        url, auth = split(transfer.url)
        seen = []
        transfer.progress.connect(seen.append)
        async with aiohttp.ClientSession() as http:
            async with http.put(url, data=b"overwrite", headers=auth) as response:
                assert response.status == 405
            async with http.get(url.parent / "secret.txt", headers=auth) as response:
                assert response.status == 404
            status = await raw_request(transfer.port, f"GET /{transfer.token}/../secret.txt", auth)
            assert status == 400
            async with http.get(url, headers=auth) as response:
                assert response.status == 200
                body = await response.read()
        assert body == firmware.read_bytes()
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE and outcome.bytes == outcome.total == len(body)
        assert seen[0].state == TransferState.SENDING and seen[-1].state == TransferState.DONE
        assert firmware.read_bytes() == b"\x7fELF" + bytes(200_000)

    run(scenario())


def test_an_upload_that_stalls_expires_and_leaves_no_partial_file(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, timeout=600)
        url, auth = split(transfer.url)
        receiving = asyncio.Event()
        release = asyncio.Event()
        transfer.progress.connect(lambda p: p.bytes and receiving.set())

        async def stalled_body():
            yield b"z" * 1000
            await release.wait()  # the charger's link drops mid-file
            yield b"z" * 1000

        async def charger() -> None:
            async with aiohttp.ClientSession() as http:
                try:
                    async with http.put(url / "diag.log", data=stalled_body(), headers=auth) as r:
                        assert r.status == 410
                except aiohttp.ClientError:
                    pass

        sending = asyncio.create_task(charger())
        await receiving.wait()
        assert transfer.state == TransferState.RECEIVING
        transfer.expire()
        release.set()
        outcome = await transfer.wait()
        await sending
        assert outcome.state == TransferState.EXPIRED
        assert "started to send a file to the HTTP server" in outcome.reason
        assert "(1,000 bytes)" in outcome.reason
        assert list(tmp_path.iterdir()) == []

    run(scenario())


def test_https_upload_with_a_certificate_the_charger_trusts(tmp_path: Path, tls) -> None:
    import ssl

    ca, cert, _ = tls
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    charger_context = ssl.create_default_context()
    ca.configure_trust(charger_context)
    folder = tmp_path / "data"
    folder.mkdir()

    async def scenario() -> None:
        transfer = await serve_upload(scheme="https", host=HOST, folder=folder, timeout=30,
                                      ssl_context=server_context)
        assert transfer.url.startswith("https://")
        url, auth = split(transfer.url)
        async with aiohttp.ClientSession() as http:
            async with http.put(url / "seclog.txt", data=b"secure", headers=auth,
                                ssl=charger_context) as response:
                assert response.status == 201
        outcome = await transfer.wait()
        assert outcome.path == folder / "seclog.txt" and outcome.path.read_bytes() == b"secure"

    run(scenario())


def test_https_without_a_certificate_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="https needs an ssl_context"):
        run(serve_upload(scheme="https", host=HOST, folder=tmp_path))


def test_a_broken_off_upload_leaves_no_file_and_the_retry_succeeds(tmp_path: Path) -> None:
    async def scenario() -> None:
        transfer = await serve_upload(scheme="http", host=HOST, folder=tmp_path, timeout=600)
        url, auth = split(transfer.url)
        receiving = asyncio.Event()
        waiting_again = asyncio.Event()
        transfer.progress.connect(lambda p: p.bytes and receiving.set())
        transfer.progress.connect(
            lambda p: receiving.is_set() and p.state == TransferState.WAITING and waiting_again.set())
        reader, writer = await asyncio.open_connection(HOST, transfer.port)
        writer.write((f"PUT /{transfer.token}/diag.log HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: {auth['Authorization']}\r\nContent-Length: 10000\r\n\r\n"
                      ).encode() + b"a" * 100)
        await writer.drain()
        await receiving.wait()
        writer.close()  # the charger's link drops after 100 of 10,000 bytes
        await waiting_again.wait()
        assert list(tmp_path.iterdir()) == []
        async with aiohttp.ClientSession() as http:  # GetDiagnostics retries: the same URL works
            async with http.put(url / "diag.log", data=b"b" * 10000, headers=auth) as response:
                assert response.status == 201
        outcome = await transfer.wait()
        assert outcome.state == TransferState.DONE and outcome.bytes == 10000
        assert outcome.path.read_bytes() == b"b" * 10000
        assert any("broke off after 100 bytes" in note for note in transfer.notes)

    run(scenario())
