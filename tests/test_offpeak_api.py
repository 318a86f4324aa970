"""Off-peak hours through the control API and `ocpp-studio offpeak`, against the demo charger."""

import asyncio
import sys

import aiohttp
import pytest

from conftest import running_csms
from ocpp_studio.api.server import ControlApi
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.smartcharging.service import SmartChargingService


@pytest.mark.timesensitive  # installs charging hours built from "now"
def test_offpeak_apply_show_clear_over_the_api_and_cli(tmp_path):
    async def scenario():
        async with running_csms() as csms:
            service = SmartChargingService(csms.central, state_path=tmp_path / "sc.json")
            api = ControlApi(csms.central, csms.store, 0, token="t", smart_charging=service)
            await api.start()
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp",
                                  DemoChargerConfig(charger_id="OP1", version=OcppVersion.V16))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted(timeout=10)
                base = f"http://127.0.0.1:{api.port}/api/v1/chargers/OP1/offpeak"
                async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                    async with http.post(base, json={"hours": "default"}) as r:
                        applied = await r.json()
                    assert r.status == 200 and applied["ok"] and applied["installed"]
                    async with http.get(base) as r:
                        status = await r.json()
                    assert sorted(status["installed"]) == sorted(applied["installed"])
                    assert len(charger.profiles.profiles) >= 2  # on the charger itself
                    # the CLI shows the same, through the API
                    process = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "ocpp_studio.cli", "offpeak", "show", "--api",
                        str(api.port), "--token", "t", "OP1",
                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
                    out, _ = await process.communicate()
                    assert process.returncode == 0, out.decode()
                    assert "08:00" in out.decode() or "installed" in out.decode().lower()
                    async with http.delete(base) as r:
                        cleared = await r.json()
                    assert r.status == 200 and cleared["ok"] and cleared["installed"] == []
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await api.stop()
    asyncio.run(scenario())
