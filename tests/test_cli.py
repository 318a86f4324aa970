"""The command line as a user runs it: serve, demo-charger, export/import."""

import asyncio
import re
import sys

import pytest

CLI = [sys.executable, "-m", "ocpp_studio.cli"]


async def _read_until(stream, pattern, seen, timeout=30.0):
    """Read lines until one matches; keep everything read in ``seen``."""
    async with asyncio.timeout(timeout):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError("process ended; output:\n" + "".join(seen))
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_serve_prints_frames_of_a_demo_charger_and_exports(tmp_path, version):
    capture = tmp_path / "capture.db"

    async def scenario():
        serve = await asyncio.create_subprocess_exec(
            *CLI, "serve", "--host", "127.0.0.1", "--port", "0", "--capture", str(capture),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        charger = None
        seen: list[str] = []
        try:
            port = (await _read_until(serve.stdout, r"CSMS on port (\d+)", seen)).group(1)
            charger = await asyncio.create_subprocess_exec(
                *CLI, "demo-charger", "--url", f"ws://127.0.0.1:{port}/ocpp/CLI-CP", "--ocpp", version,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            await _read_until(serve.stdout, rf"CLI-CP .*connected from .* subprotocol ocpp{re.escape(version)}\s*$",
                              seen)
            await _read_until(serve.stdout, r"CLI-CP\s+→CSMS\s+CALL\s+BootNotification", seen)
            answer = await _read_until(serve.stdout, r"CLI-CP\s+→CP\s+RESULT\s+BootNotification\s+[\d.]+ms", seen)
            assert '"status":"Accepted"' in answer.string
        finally:
            for process in (charger, serve):
                if process is not None and process.returncode is None:
                    process.terminate()
                    await process.wait()
        return seen

    lines = asyncio.run(scenario())
    assert not any("!!" in line for line in lines), lines

    out = tmp_path / "out.jsonl"
    export = asyncio.run(_run(*CLI, "export", "--capture", str(capture), str(out)))
    assert export[0] == 0 and "wrote" in export[1]
    assert '"charger": "CLI-CP"' in out.read_text()
    imported = asyncio.run(_run(*CLI, "import", "--capture", str(tmp_path / "copy.db"), str(out)))
    assert imported[0] == 0 and re.search(r"imported \d+ frames and \d+ events", imported[1])


async def _run(*argv):
    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    return process.returncode, out.decode()


def test_serve_explains_a_busy_port(tmp_path):
    import socket
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        code, out = asyncio.run(_run(*CLI, "serve", "--host", "127.0.0.1", "--port", str(port),
                                     "--capture", str(tmp_path / "c.db")))
    assert code != 0
    assert f"Cannot listen on 127.0.0.1:{port}" in out and "Choose a port with --port" in out


def test_serve_line_of_a_tls_connection_says_how_the_charger_connected():
    """`serve` prints one line per connection: over wss it names the TLS version and cipher,
    the client certificate and the password form, as the handshake event recorded them."""
    from ocpp_studio.cli.common import format_record
    from ocpp_studio.core.records import ConnectionEvent
    tls = ConnectionEvent("CP-P3", "connected", {
        "remote": "127.0.0.1:35508", "path": "/ocpp/CP-P3", "subprotocol": "ocpp1.6",
        "extra": {"scheme": "wss", "tls": {
            "version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
            "client_certificate": {"subject": "CN=CP-P3,O=OCPP Studio",
                                   "not_after": "2027-11-26T02:53:25+00:00"}},
            "password_form": "bytes"}})
    line = format_record(tls)
    assert line.endswith("subprotocol ocpp1.6, over TLS TLSv1.3 TLS_AES_256_GCM_SHA384, "
                         "client certificate CN=CP-P3,O=OCPP Studio (until 2027-11-26), "
                         "password sent as bytes"), line
    plain = ConnectionEvent("CP-1", "connected", {"remote": "x", "path": "/ocpp/CP-1",
                                                  "subprotocol": "ocpp2.0.1", "extra": {}})
    assert format_record(plain).endswith("subprotocol ocpp2.0.1")
