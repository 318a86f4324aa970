"""The demo charger from the command line, and a charger we did not write (npm ocpp-rpc),
over wss:// against the studio: issue 15 §5."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from demo_tls import PASSWORD, events, run, studio_with_wss, until, write_pair, wss_base
from ocpp_studio.security.ca import StudioCA


# ------------------------------------------------------------------------------ ocpp-rpc
NODE_DIR = Path(__file__).parent / "node"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: this test needs `node` (>= 17.3) on PATH")
    if not (NODE_DIR / "node_modules" / "ocpp-rpc" / "package.json").is_file():
        pytest.fail("tests/node/node_modules is missing: run `npm ci --prefix tests/node`")
    return node


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def node_charger(url: str, ca_file: Path, *client: Path) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run([_node(), str(NODE_DIR / "wss_charger.js"), url, str(ca_file),
                           *map(str, client)], cwd=str(NODE_DIR), capture_output=True,
                          text=True, timeout=90)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line]


def test_ocpp_rpc_over_wss_with_a_client_certificate_against_serve(tmp_path: Path) -> None:
    """A charger we did not write: ocpp-rpc's RPCClient passes wsOpts ca/cert/key to Node's
    TLS, so it connects at profile 3 to `serve --wss-port --client-certs required`."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    port, wss_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ocpp_studio.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--wss-port", str(wss_port), "--client-certs", "required",
         "--capture", str(tmp_path / "capture.db")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        while "wss://" not in (line := server.stdout.readline()):
            assert line, "serve ended before listening on wss://"
        ca_file = tmp_path / "studio-ca.pem"
        exported = subprocess.run([sys.executable, "-m", "ocpp_studio.cli", "ca", "export",
                                   "--out", str(ca_file)], env=env, capture_output=True,
                                  text=True, timeout=60)
        assert exported.returncode == 0, exported.stderr
        ca = StudioCA(next((tmp_path / "config").rglob("ca.pem")).parent)
        good = write_pair(tmp_path, "node", *ca.issue_client_certificate("NODE3"))
        url = f"wss://127.0.0.1:{wss_port}/ocpp/NODE3"
        code, out = node_charger(url, ca_file, Path(good["client_cert_file"]),
                                 Path(good["client_key_file"]))
        assert code == 0, out
        assert [e["response"]["status"] for e in out if e["event"] == "boot"] == ["Accepted"]
        # the certificate of another charger: refused with 403 (CN must be the charger id)
        code, out = node_charger(f"wss://127.0.0.1:{wss_port}/ocpp/NODE4", ca_file,
                                 Path(good["client_cert_file"]), Path(good["client_key_file"]))
        assert code == 1 and [e.get("code") for e in out if e["event"] == "refused"] == [403]
    finally:
        server.terminate()
        out_text, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert any("connected" in line and "NODE3" in line for line in out_text.splitlines()), \
        out_text


def test_demo_charger_cli_connects_over_wss_with_ca_and_password(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with studio_with_wss(tmp_path, passwords={"CLI2": PASSWORD}) as studio:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ocpp_studio.cli", "demo-charger",
                "--url", f"{wss_base(studio)}/CLI2", "--ca", str(tmp_path / "ca" / "ca.pem"),
                "--password", PASSWORD, "--ocpp", "2.0.1",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                connected = await until(lambda: events(studio, "connected", "CLI2"),
                                        "the CLI demo connected", timeout=60)
                assert connected[-1]["extra"]["scheme"] == "wss"
                assert connected[-1]["auth_user"] == "CLI2"
                reply = await studio.central.call("CLI2", "GetVariables", {"getVariableData": [
                    {"component": {"name": "SecurityCtrlr"},
                     "variable": {"name": "SecurityProfile"}}]})
                assert reply["getVariableResult"][0]["attributeValue"] == "2"
            finally:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
    run(scenario())
