"""``ocpp-studio op`` end to end: ``serve --demo --api`` in a subprocess (the two demo chargers,
1.6 and 2.0.1), the ``op`` command against it, the words and exit status a user sees."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

from ocpp_studio.api.client import ApiError, request

CLI = [sys.executable, "-m", "ocpp_studio.cli"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _op(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, "op", *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _wait_ready(port: int, token_file: Path, serve: asyncio.subprocess.Process) -> str:
    """The token once the studio registered it and both demo chargers reported their
    connector status (asked every 0.1 s, 60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert serve.returncode is None, "serve ended"
        if token_file.exists():
            token = token_file.read_text().strip()
            try:
                chargers = await asyncio.to_thread(request, port, token, "GET", "/chargers")
            except (ApiError, OSError):
                chargers = []
            ready = {c["id"] for c in chargers if c["connected"] and any(
                s["status"] != "Unknown" for label, s in c["connectors"].items()
                if label != "0")}
            if {"DEMO-16", "DEMO-201"} <= ready:
                return token
        await asyncio.sleep(0.1)
    raise AssertionError("the demo chargers did not connect within 60 s")


def test_op_end_to_end_on_both_demo_chargers(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path / "run"))
    api_port, ws_port = _free_port(), _free_port()
    token_file = tmp_path / "run" / "ocpp-studio" / f"api-{api_port}.token"

    async def scenario() -> dict[str, tuple[int, str, str]]:
        with open(tmp_path / "serve.log", "wb") as log:
            serve = await asyncio.create_subprocess_exec(
                *CLI, "serve", "--host", "127.0.0.1", "--port", str(ws_port), "--api",
                str(api_port), "--demo", "--quiet", "--capture", str(tmp_path / "c.db"),
                stdout=log, stderr=asyncio.subprocess.STDOUT, env=env)
        try:
            await _wait_ready(api_port, token_file, serve)
            api = ("--api", str(api_port))
            out = {
                "list16": await _op(env, "--list", *api, "DEMO-16"),
                "list201": await _op(env, "--list", *api, "DEMO-201"),
                "unconfirmed": await _op(env, "availability", *api, "DEMO-16",
                                         "--field", "status=Inoperative"),
                # the demo chargers of serve --demo are charging: the change waits
                "scheduled": await _op(env, "availability", *api, "DEMO-16",
                                       "--field", "status=Inoperative", "--yes"),
                "stop": await _op(env, "stop", *api, "DEMO-16"),
                "operative": await _op(env, "availability", *api, "DEMO-16"),
                "inoperative": await _op(env, "availability", *api, "DEMO-16",
                                         "--field", "status=Inoperative", "--yes"),
                "reserve": await _op(env, "reserve", *api, "DEMO-201"),
                "vendor": await _op(env, "data-transfer", *api, "DEMO-16",
                                    "--field", "vendor_id=com.example"),
                "bad": await _op(env, "availability", *api, "DEMO-16", "--field", "status=Off"),
                "hard-unconfirmed": await _op(env, "reset", *api, "DEMO-201",
                                              "--field", "hard=yes"),
                "reset": await _op(env, "reset", *api, "DEMO-201", "--field", "hard=yes",
                                   "--yes"),
            }
        finally:
            serve.terminate()
            await serve.wait()
        return out

    out = asyncio.run(scenario())
    code, text, _ = out["list16"]
    assert code == 0 and "Operations of DEMO-16 (OCPP 1.6):" in text
    assert "availability" in text and "(dangerous: asks --yes)" in text
    assert "clear-customer-information" not in text
    code, text, _ = out["list201"]
    assert code == 0 and "clear-customer-information" in text and "TransactionEvent" in text
    code, _, err = out["unconfirmed"]
    assert code == 3 and "no one can charge until it is set Operative again" in err
    assert "Add --yes to go ahead." in err
    code, text, _ = out["scheduled"]
    assert code == 0 and text.startswith("Scheduled: a session is running; the change "
                                         "applies when it ends")
    code, text, _ = out["stop"]
    assert code == 0 and text.startswith("Accepted: the charger stops the session")
    assert "StopTransaction: transaction" in text and "reason Remote" in text
    code, text, _ = out["operative"]
    assert code == 0 and text.startswith("Accepted: the availability changed")
    assert "StatusNotification: connector 1:" in text and "not " not in text
    code, text, _ = out["inoperative"]
    assert code == 0 and text.startswith("Accepted: the availability changed")
    assert "StatusNotification: connector 1: Unavailable" in text
    code, _, err = out["reserve"]
    assert code == 1 and err.startswith("The charger does not implement ReserveNow")
    code, _, err = out["vendor"]
    assert code == 1 and err.strip() == "The charger does not know this vendor id"
    code, _, err = out["bad"]
    assert code == 1 and "status must be one of Operative, Inoperative, not 'Off'" in err
    code, _, err = out["hard-unconfirmed"]
    assert code == 3 and "cut off without waiting for the session to end" in err
    code, text, _ = out["reset"]
    assert code == 0 and text.startswith("Accepted: the charger restarts now")
    assert "BootNotification: reason RemoteReset" in text
