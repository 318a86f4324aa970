"""Issue 12 item 6: the command line as a user meets it (token by port, missing captures,
--version, help texts, bad --ocpp, tolerant mode and shapeless payloads)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from ocpp_studio import __version__
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.cli import _build_parser
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.central import CentralSystem
from ocpp_studio.transports.websocket_server import CsmsServer

CLI = [sys.executable, "-m", "ocpp_studio.cli"]


async def _run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await process.communicate()
    return process.returncode, out.decode()


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    return asyncio.run(_run(*argv, env=env))


# ------------------------------------------------------------------ token by port
def test_a_client_given_only_the_port_finds_the_token_of_that_studio(tmp_path: Path) -> None:
    """serve --capture ELSEWHERE --api PORT: call/offpeak --api PORT must not say 'No API token'."""
    (tmp_path / "run").mkdir(mode=0o700)  # platformdirs ignores a runtime dir others can read
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path / "run"))
    registry = tmp_path / "run" / "ocpp-studio"

    import socket
    with socket.socket() as probe:  # --api takes no 0 (any port): take a free one
        probe.bind(("127.0.0.1", 0))
        api_port = str(probe.getsockname()[1])

    async def scenario() -> tuple[str, tuple[int, str], tuple[int, str], int, int]:
        serve = await asyncio.create_subprocess_exec(
            *CLI, "serve", "--host", "127.0.0.1", "--port", "0", "--api", api_port, "--quiet",
            "--capture", str(tmp_path / "elsewhere" / "c.db"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
        try:
            async with asyncio.timeout(30):
                while True:
                    line = (await serve.stdout.readline()).decode()
                    assert line, "serve ended"
                    match = re.search(r"Control API on http://127\.0\.0\.1:(\d+)", line)
                    if match:
                        break
            port = match.group(1)
            registered = registry / f"api-{port}.token"
            modes = (stat.S_IMODE(registry.stat().st_mode), stat.S_IMODE(registered.stat().st_mode))
            offpeak = await _run("offpeak", "show", "--api", port, "NO-SUCH-CP", env=env)
            call = await _run("call", "--api", port, "NO-SUCH-CP", "Reset", '{"type":"Soft"}',
                              env=env)
        finally:
            serve.terminate()
            await serve.wait()
        return port, offpeak, call, *modes

    port, offpeak, call, dir_mode, file_mode = asyncio.run(scenario())
    for code, out in (offpeak, call):
        # the studio answered (auth passed): it just has no such charger
        assert code == 1 and re.search("UnknownCharger|NotConnected", out), out
        assert "No API token" not in out and "Unauthorized" not in out
    assert dir_mode == 0o700 and file_mode == 0o600
    assert not (registry / f"api-{port}.token").exists(), "token left behind after exit"


def test_without_a_running_studio_the_client_says_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path / "run"), OCPP_STUDIO_API_TOKEN="")
    code, out = run("offpeak", "show", "--api", "1", "CP", env=env)
    assert code == 1 and "No API token" in out and "api-1.token" in out
    assert "Traceback" not in out


# ------------------------------------------------------------- reading captures
def test_export_of_a_missing_capture_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "MISSING.db"
    code, out = run("export", "--capture", str(missing), str(tmp_path / "out.jsonl"))
    assert code == 2, out
    assert out.strip() == f"Cannot export: No capture file at {missing}"
    assert not missing.exists() and not (tmp_path / "out.jsonl").exists()


def test_export_of_a_file_that_is_not_a_capture_is_one_plain_line(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite at all\n" * 100)
    other = tmp_path / "other.db"
    import sqlite3
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    for path in (corrupt, other):
        code, out = run("export", "--capture", str(path), str(tmp_path / "out.jsonl"))
        assert code == 2, out
        assert "Traceback" not in out and len(out.strip().splitlines()) == 1, out
        assert str(path) in out


def test_meter_export_of_a_missing_or_foreign_capture_exits_2(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"garbage" * 500)
    for path in (tmp_path / "missing.db", corrupt):
        code, out = run("meter", "export", str(path), "--charger", "CP", "--csv",
                        str(tmp_path / "m.csv"))
        assert code == 2 and "Traceback" not in out and len(out.strip().splitlines()) == 1, out
    assert not (tmp_path / "missing.db").exists()


def test_export_of_a_real_capture_still_works(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path / "c.db")
    store.close()
    code, out = run("export", "--capture", str(tmp_path / "c.db"), str(tmp_path / "o.jsonl"))
    assert code == 0 and "wrote" in out, out


def test_an_unknown_ocpp_version_is_a_usage_error_not_a_traceback() -> None:
    code, out = run("demo-charger", "--url", "ws://127.0.0.1:9/ocpp/CP", "--ocpp", "1.5")
    assert code == 2 and "Traceback" not in out
    assert "unknown OCPP version '1.5'; use 1.6, 2.0.1 or 2.1" in out


@pytest.mark.parametrize("port", ["0", "70000", "abc"])
def test_an_api_port_that_would_start_no_api_is_refused_with_the_range(port: str) -> None:
    """--api 0 used to start the studio with no control API and say nothing."""
    code, out = run("serve", "--api", port)
    assert code == 2 and "Traceback" not in out
    assert "argument --api: invalid port" in out and (port == "abc" or "1 to 65535" in out)


@pytest.mark.parametrize("command", ["demo-charger", "serial"])
@pytest.mark.parametrize("version", list(OcppVersion), ids=lambda v: v.label)
def test_ocpp_takes_every_version_the_studio_speaks(command: str, version: OcppVersion) -> None:
    required = {"demo-charger": ["--url", "ws://127.0.0.1:9/ocpp/CP"],
                "serial": ["--device", "/dev/null"]}[command]
    for spelling in (version.label, version.value):
        args = _build_parser().parse_args([command, *required, "--ocpp", spelling])
        assert args.ocpp == version.label
    code, out = run(command, "--help")
    assert code == 0 and "--ocpp 1.6|2.0.1|2.1" in out


# ---------------------------------------------------------------- help, version
def test_version() -> None:
    code, out = run("--version")
    assert code == 0 and out.strip() == f"ocpp-studio {__version__}"


def _parsers(parser: argparse.ArgumentParser, name: str = "ocpp-studio"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_argument_has_a_help_text() -> None:
    missing = [f"{name}: {'/'.join(action.option_strings) or action.dest}"
               for name, parser in _parsers(_build_parser())
               for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction) and not action.help]
    assert not missing, missing


def test_commission_report_names_its_formats(tmp_path: Path) -> None:
    code, out = run("commission", "--help")
    assert code == 0 and ".html" in out and ".pdf" in out
    profile = tmp_path / "p.json"
    profile.write_text("{}")
    code, out = run("commission", "--profile", str(profile), "--charger", "CP",
                    "--report", str(tmp_path / "r.docx"), "--port", "0")
    assert code == 2 and "Traceback" not in out, out


# ------------------------------------------------------ shapeless payload, tolerant
@pytest.mark.parametrize("tolerant", [False, True], ids=["strict", "tolerant"])
@pytest.mark.parametrize("version", list(OcppVersion), ids=lambda v: v.label)
def test_a_call_whose_payload_is_not_an_object_gets_a_format_error(
        version: OcppVersion, tolerant: bool, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list:
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0,
                                                     tolerant=tolerant))
        server = CsmsServer(central)
        await server.start()
        try:
            async with connect(f"ws://127.0.0.1:{server.port}/ocpp/CP1",
                               subprotocols=[version.value]) as ws:
                await ws.send('[2,"x","StatusNotification",true]')
                return json.loads(await asyncio.wait_for(ws.recv(), 10))
        finally:
            await server.stop()
            store.close()

    answer = asyncio.run(scenario())
    assert answer[:3] == [4, "x", "FormationViolation" if version is OcppVersion.V16
                          else "FormatViolation"], answer
    assert "Traceback" not in caplog.text and "could not be processed" not in caplog.text
