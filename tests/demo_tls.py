"""Helpers of the demo charger security tests (tests/test_demo_security*.py): a studio
listening on ws:// and wss:// on 127.0.0.1, a demo charger run for the length of a block,
waiting on a condition with a generous timeout, client certificate files."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from cryptography.hazmat.primitives import serialization

from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.service import Studio
from ocpp_studio.settings import AppSettings, CsmsSettings

V16, V201 = OcppVersion.V16, OcppVersion.V201
BOTH = pytest.mark.parametrize("version", [V16, V201], ids=["1.6", "2.0.1"])
PASSWORD = "0123456789abcdef0123456789abcdef"  # 32 characters (A00.FR.205: 16..40)
TIMEOUT = 20.0


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@asynccontextmanager
async def studio_with_wss(tmp_path: Path, **csms: Any) -> AsyncIterator[Studio]:
    settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0, wss_port=0,
                                             ca_dir=str(tmp_path / "ca"), **csms),
                           capture_path=":memory:")
    studio = Studio(settings)
    await studio.start()
    try:
        yield studio
    finally:
        await studio.stop()


def wss_base(studio: Studio) -> str:
    assert studio.server is not None and studio.server.wss_port is not None
    return f"wss://127.0.0.1:{studio.server.wss_port}/ocpp"


def ws_base(studio: Studio) -> str:
    assert studio.server is not None
    return f"ws://127.0.0.1:{studio.server.port}/ocpp"


@asynccontextmanager
async def demo(base: str, charger_id: str, version: OcppVersion,
               clock: Callable[[], datetime] | None = None,
               **config: Any) -> AsyncIterator[DemoCharger]:
    charger = DemoCharger(base, DemoChargerConfig(charger_id=charger_id, version=version,
                                                  heartbeat_interval=300, **config),
                          clock=clock)
    task = asyncio.create_task(charger.run())
    try:
        yield charger
    finally:
        await charger.stop()
        await asyncio.wait_for(task, 10)


async def until(check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.05)
    raise AssertionError(what)  # pragma: no cover


def events(studio: Studio, kind: str, charger: str) -> list[dict[str, Any]]:
    return [e.detail for e in studio.store.events(charger) if e.kind == kind]


def write_pair(folder: Path, name: str, certificate: Any, key: Any) -> dict[str, str]:
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return {"client_cert_file": str(cert_file), "client_key_file": str(key_file)}


async def security_profile(studio: Studio, charger: DemoCharger) -> str:
    """What the charger itself reports: 1.6 GetConfiguration, 2.0.1 GetVariables."""
    cid = charger.config.charger_id
    if charger.version is V16:
        reply = await studio.central.call(cid, "GetConfiguration", {"key": ["SecurityProfile"]})
        return reply["configurationKey"][0]["value"]
    reply = await studio.central.call(cid, "GetVariables", {"getVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"}}]})
    return reply["getVariableResult"][0]["attributeValue"]


def trigger(version: OcppVersion) -> tuple[str, dict[str, Any]]:
    if version is V16:
        return "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}
    return "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
