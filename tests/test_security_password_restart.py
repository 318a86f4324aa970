"""A password the studio changed survives a restart of ``serve`` (issue 15 §1): after Accepted
the charger uses only the new one (A01.FR.03), so a ``serve`` that forgot it would lock the
charger out. Real ``serve`` processes, the real demo charger, the real CLI over the API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from ocpp_studio.api.client import request
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig

OLD = "OldPassword0123456789"
CLI = [sys.executable, "-m", "ocpp_studio.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_serve(env: dict[str, str], port: int, api: int, tmp_path: Path,
                      *extra: str) -> tuple[asyncio.subprocess.Process, str, list[str]]:
    """``serve`` on ``port`` with the API on ``api``: (process, API token, lines so far)."""
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--api", str(api),
        "--capture", str(tmp_path / "capture.db"), "--quiet", *extra, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    lines: list[str] = []
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        assert line, f"serve ended: {lines}"
        lines.append(line)
        if "Control API on" in line:
            return process, line.split(" token ")[1].split()[0], lines


async def stop(process: asyncio.subprocess.Process) -> str:
    process.terminate()
    out, _err = await asyncio.wait_for(process.communicate(), 30)
    return out.decode()


async def connected(api: int, token: str, charger: str) -> bool:
    try:
        summary: dict[str, Any] = await asyncio.to_thread(request, api, token, "GET",
                                                          f"/chargers/{charger}")
    except Exception:  # noqa: BLE001 - not seen yet
        return False
    return bool(summary.get("connected"))


async def until_connected(api: int, token: str, charger: str, timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await connected(api, token, charger):
        assert loop.time() < end, f"{charger} did not connect"
        await asyncio.sleep(0.2)


def test_a_changed_password_survives_a_restart_of_serve(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    settings_file = tmp_path / "config" / "ocpp-studio" / "settings.json"
    port, api = free_port(), free_port()

    async def scenario() -> None:
        serve, token, _ = await start_serve(env, port, api, tmp_path, "--password",
                                            f"PW-1={OLD}")
        charger = DemoCharger(f"ws://127.0.0.1:{port}/ocpp", DemoChargerConfig(
            charger_id="PW-1", version=OcppVersion.V201, basic_auth_password=OLD, seed=3))
        task = asyncio.create_task(charger.run())
        try:
            await until_connected(api, token, "PW-1")
            changed = await asyncio.create_subprocess_exec(
                *CLI, "security", "password", "--api", str(api), "--token", token, "PW-1",
                "--generate", env=env, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(changed.communicate(), 60)
            assert changed.returncode == 0, err.decode()
            assert str(settings_file) in out.decode()  # says where it was kept
            new = json.loads(settings_file.read_text())["csms"]["passwords"]["PW-1"]
            assert new != OLD and new not in out.decode() + err.decode()
            assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600  # owner-only
            first_run = await stop(serve)
            assert new not in first_run
            # the next serve, with another charger's password only (so it asks every charger
            # for one): it reads PW-1's from the settings file and lets it in
            serve, token, lines = await start_serve(env, port, api, tmp_path, "--password",
                                                    "OTHER=AnotherPassword0123456")
            assert any("Passwords of 1 charger from" in line and "PW-1" in line
                       for line in lines), lines
            await until_connected(api, token, "PW-1")
            assert new not in "".join(lines) + await stop(serve)
        finally:
            with contextlib.suppress(Exception):
                await charger.stop()
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            if serve.returncode is None:
                await stop(serve)

    asyncio.run(asyncio.wait_for(scenario(), 180))
