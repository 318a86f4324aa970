"""Certificates through the control API and ``ocpp-studio cert`` (issue 15 §2): the API with
the demo charger in-process (ask mode: pending, approve; security events), and the CLI end to
end against ``serve --demo --api`` in a subprocess (the studio CA made in a temporary config
folder), both versions: the words and exit status a user sees."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from conftest import running_csms
from ocpp_studio.api.client import ApiError, request
from ocpp_studio.api.server import ControlApi
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.security.ca import StudioCA

CLI = [sys.executable, "-m", "ocpp_studio.cli"]


def test_api_ask_mode_pending_approve_and_state(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_csms(sign_csrs="ask") as csms:
            csms.central.certificates.set_signer(StudioCA(tmp_path / "ca"))
            api = ControlApi(csms.central, csms.store, 0, token="t")
            await api.start()
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp",
                                  DemoChargerConfig(charger_id="ASK", version=OcppVersion.V201,
                                                    reconnect_min_s=0.1, reconnect_max_s=0.2))
            task = asyncio.create_task(charger.run())
            base = f"http://127.0.0.1:{api.port}/api/v1"
            try:
                assert await charger.wait_booted(10)
                async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                    async with http.post(f"{base}/chargers/ASK/certificates/trigger-csr",
                                         json={"timeout": 30}) as response:
                        outcome = await response.json()
                    assert response.status == 200
                    assert outcome["ok"] is False and outcome["csr"]["outcome"] == "pending"
                    assert "waiting for your approval" in outcome["words"]
                    async with http.get(f"{base}/csrs") as response:
                        pending = await response.json()
                    assert [(p["charger"], p["id"]) for p in pending] == [
                        ("ASK", outcome["csr"]["id"])]
                    async with http.post(f"{base}/chargers/ASK/csrs/{pending[0]['id']}"
                                         "/approve") as response:
                        record = await response.json()
                    assert record["outcome"] == "installed", record
                    assert record["charger_answer"] == "Accepted"
                    async with http.post(f"{base}/chargers/ASK/csrs/{pending[0]['id']}"
                                         "/approve") as response:
                        assert response.status == 400  # not pending any more
                    async with http.post(f"{base}/chargers/ASK/certificates/install",
                                         json={"kind": "csms", "certificate": "studio-ca"}
                                         ) as response:
                        assert (await response.json())["ok"] is True
                    async with http.get(f"{base}/chargers/ASK/certificates",
                                        params={"read": "1"}) as response:
                        state = await response.json()
                    assert [c["kind"] for c in state["installed"]["certificates"]] == ["csms"]
                    assert state["sign_csrs"] == "ask"
                    assert state["csrs"][-1]["outcome"] == "installed"
                    async with http.post(f"{base}/chargers/ASK/certificates/install",
                                         json={"kind": "csms", "certificate": "nonsense"}
                                         ) as response:
                        assert response.status == 400
                    async with http.get(f"{base}/chargers/NOPE/certificates") as response:
                        assert response.status == 404
                    async with http.get(f"{base}/chargers/ASK/security-events") as response:
                        assert response.status == 200
                        assert isinstance(await response.json(), list)
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await api.stop()
    asyncio.run(scenario())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _cert(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, "cert", *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _wait_ready(port: int, token_file: Path, serve: Any) -> None:
    """Both demo chargers booted (asked every 0.1 s, 60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert serve.returncode is None, "serve ended"
        if token_file.exists():
            token = token_file.read_text().strip()
            try:
                chargers = await asyncio.to_thread(request, port, token, "GET", "/chargers")
            except (ApiError, OSError):
                chargers = []
            if {"DEMO-16", "DEMO-201"} <= {c["id"] for c in chargers
                                           if c["connected"] and c["boot_status"]}:
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the demo chargers did not connect within 60 s")


def test_cert_cli_end_to_end_on_both_demo_chargers(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path / "run"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
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
            out: dict[str, tuple[int, str, str]] = {}
            for charger in ("DEMO-16", "DEMO-201"):
                out[f"install {charger}"] = await _cert(env, "install", *api, charger,
                                                        "--kind", "csms", "--studio-ca")
                out[f"list {charger}"] = await _cert(env, "list", *api, charger,
                                                     "--kind", "csms")
                out[f"csr {charger}"] = await _cert(env, "csr", *api, charger)
                out[f"events {charger}"] = await _cert(env, "events", *api, charger)
            ca = StudioCA(tmp_path / "config" / "ocpp-studio" / "ca")
            serial = format(ca.certificate.serial_number, "x")
            out["unconfirmed"] = await _cert(env, "delete", *api, "DEMO-16", serial)
            out["delete"] = await _cert(env, "delete", *api, "DEMO-16", serial, "--yes")
            out["list after"] = await _cert(env, "list", *api, "DEMO-16", "--kind", "csms")
            out["v2g on 1.6"] = await _cert(env, "install", *api, "DEMO-16", "--kind", "v2g",
                                            "--studio-ca")
            out["pending"] = await _cert(env, "pending", *api, "DEMO-16")
            return out
        finally:
            serve.terminate()
            await serve.wait()

    out = asyncio.run(scenario())
    for charger in ("DEMO-16", "DEMO-201"):
        code, text, err = out[f"install {charger}"]
        assert code == 0 and "accepted the csms root certificate" in text, (text, err)
        code, text, err = out[f"list {charger}"]
        assert code == 0 and f"{charger} holds 1 certificate" in text, (text, err)
        code, text, err = out[f"csr {charger}"]
        assert code == 0 and "The charger accepted the signed certificate" in text, (text, err)
        assert "the charger's answer: frame #" in text
        assert out[f"events {charger}"][0] == 0
    assert out["unconfirmed"][0] == 3 and "Add --yes" in out["unconfirmed"][2]
    code, text, err = out["delete"]
    assert code == 0 and "deleted the certificate" in text, (text, err)
    code, text, err = out["list after"]
    assert "holds 0 certificates" in text or "NotFound" in text, (text, err)
    code, text, err = out["v2g on 1.6"]
    assert code == 1 and "OCPP 1.6 has no v2g root certificate" in err, (text, err)
    assert out["pending"][0] == 0 and "No CSR from DEMO-16" in out["pending"][1]
