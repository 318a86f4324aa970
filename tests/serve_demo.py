"""``serve --demo --api`` in a subprocess for the CLI end-to-end tests (``op``, ``logs``,
``firmware``): a private runtime folder for the API token, ports picked on 127.0.0.1, the
two demo chargers (DEMO-16, DEMO-201) waited for, and the command run as a user would."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from ocpp_studio.api.client import ApiError, request

CLI = [sys.executable, "-m", "ocpp_studio.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment of serve and the commands: the token registered under tmp_path."""
    (tmp_path / "run").mkdir(mode=0o700)
    return dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path / "run"))


async def run_cli(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    """``ocpp-studio *argv``: its exit status, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        *CLI, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def wait_ready(port: int, token_file: Path, serve: asyncio.subprocess.Process) -> str:
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


@asynccontextmanager
async def serve_demo(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[tuple[int, str]]:
    """``serve --demo --api`` capturing to tmp_path/c.db (its log in serve.log), once both
    demo chargers are ready: (API port, token). Stopped on leaving."""
    api_port, ws_port = free_port(), free_port()
    token_file = Path(env["XDG_RUNTIME_DIR"]) / "ocpp-studio" / f"api-{api_port}.token"
    with open(tmp_path / "serve.log", "wb") as log:
        serve = await asyncio.create_subprocess_exec(
            *CLI, "serve", "--host", "127.0.0.1", "--port", str(ws_port), "--api",
            str(api_port), "--demo", "--quiet", "--capture", str(tmp_path / "c.db"),
            stdout=log, stderr=asyncio.subprocess.STDOUT, env=env)
    try:
        yield api_port, await wait_ready(api_port, token_file, serve)
    finally:
        serve.terminate()
        await serve.wait()
