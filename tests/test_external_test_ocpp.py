"""A charger we did not write: the PyPI ``test-ocpp`` smoke test (boot + heartbeat).

``test-ocpp URL CHARGER_ID`` connects as a charge point (built on the ``ocpp``
package's ChargePoint), sends BootNotification and Heartbeat and exits 0 when
both were answered, 1 otherwise. We run it as a subprocess against our
CsmsServer, so the server loop and the client do not share anything.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.central import CentralSystem
from ocpp_studio.transports.websocket_server import CsmsServer

pytestmark = pytest.mark.external

TIMEOUT = 60.0
PASSWORD = "s3cret-password-123"


def _test_ocpp() -> str:
    command = Path(sys.executable).parent / ("test-ocpp.exe" if sys.platform == "win32"
                                             else "test-ocpp")
    if not command.exists():
        pytest.fail(f"{command} is missing: install the test extras "
                    "(`pip install -e .[test]`, which brings test-ocpp)")
    return str(command)


async def _run_test_ocpp(settings: CsmsSettings, charger: str, *args: str):
    store = CaptureStore(":memory:")
    central = CentralSystem(store, settings)
    async with CsmsServer(central) as server:
        process = await asyncio.create_subprocess_exec(
            _test_ocpp(), f"ws://127.0.0.1:{server.port}/ocpp", charger, "--timeout", "20",
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError("test-ocpp did not finish") from None
        # The charger closes its socket as it exits; let our side finish recording
        # the disconnect before the server stops.
        for _ in range(int(TIMEOUT * 20)):
            if charger not in central.sessions:
                break
            await asyncio.sleep(0.05)
    return process.returncode, output.decode("utf-8", errors="replace"), store, central


def _assert_valid_pair(store: CaptureStore, charger: str, action: str) -> None:
    frames = store.frames(charger=charger, action=action)
    calls = [f for f in frames if f.message_type == 2]
    results = [f for f in frames if f.message_type == 3]
    assert len(calls) == 1 and len(results) == 1, [(f.message_type, f.raw) for f in frames]
    call, result = calls[0], results[0]
    assert call.direction.value == "to_csms" and result.direction.value == "to_charger"
    assert call.valid and not call.violations and call.problem is None, call
    assert result.valid and not result.violations and result.problem is None, result
    assert call.state == "answered"
    assert result.pair_id == call.id and result.unique_id == call.unique_id
    assert result.latency_ms is not None and result.latency_ms >= 0


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_test_ocpp_boot_and_heartbeat(version: str) -> None:
    charger = f"CP-TEST-OCPP-{version.replace('.', '')}"
    code, output, store, central = asyncio.run(_run_test_ocpp(
        CsmsSettings(host="127.0.0.1", port=0), charger, "--ocpp", version))

    assert code == 0, output
    assert "SUCCESS" in output, output
    _assert_valid_pair(store, charger, "BootNotification")
    _assert_valid_pair(store, charger, "Heartbeat")
    assert all(f.valid for f in store.frames(charger=charger)), output
    kinds = [e.kind for e in store.events(charger)]
    assert kinds[0] == "connected" and "refused" not in kinds, kinds
    connected = store.events(charger)[0].detail
    assert connected["subprotocol"] == f"ocpp{version}"
    assert connected["version"] == version
    station = central.stations[charger]
    assert station.boot_status == "Accepted" and station.last_heartbeat_us is not None


def test_test_ocpp_wrong_password_is_refused_with_reason() -> None:
    charger = "CP1"
    settings = CsmsSettings(host="127.0.0.1", port=0, passwords={charger: PASSWORD})
    code, output, store, central = asyncio.run(_run_test_ocpp(
        settings, charger, "--password", "not-the-password-123"))

    assert code == 1, output
    assert "401" in output, output
    assert store.frames(charger=charger) == []
    events = store.events(charger)
    assert [e.kind for e in events] == ["refused"], events
    detail = events[0].detail
    assert detail["http_status"] == 401
    assert detail["reason"] == f"Wrong password for charger {charger!r}"
    assert detail["auth_user"] == charger
    assert PASSWORD not in str(detail) and "not-the-password-123" not in str(detail)
    assert charger not in central.sessions


def test_test_ocpp_no_password_is_refused_with_reason() -> None:
    charger = "CP1"
    settings = CsmsSettings(host="127.0.0.1", port=0, passwords={charger: PASSWORD})
    code, output, store, _ = asyncio.run(_run_test_ocpp(settings, charger))

    assert code == 1, output
    events = store.events(charger)
    assert [e.kind for e in events] == ["refused"], events
    assert events[0].detail["reason"] == "The charger sent no HTTP Basic credentials"


def test_test_ocpp_right_password_passes() -> None:
    charger = "CP1"
    settings = CsmsSettings(host="127.0.0.1", port=0, passwords={charger: PASSWORD})
    code, output, store, _ = asyncio.run(_run_test_ocpp(
        settings, charger, "--password", PASSWORD))

    assert code == 0, output
    assert "SUCCESS" in output
    _assert_valid_pair(store, charger, "BootNotification")
    _assert_valid_pair(store, charger, "Heartbeat")
    events = store.events(charger)
    assert events[0].kind == "connected" and events[0].detail["auth_user"] == charger
    assert "refused" not in [e.kind for e in events]
