"""Configuration reads on chargers that drop report parts (issue 14 §2): the demo charger's
``report-drops-part-0`` quirk, the real central system, ConfigurationService and
``ocpp-studio config pull`` through the control API, as an installer would run them."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from conftest import running_csms, scripted_charger, wait_for

from ocpp_studio.api.server import ControlApi
from ocpp_studio.configuration import ConfigurationService
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig


@asynccontextmanager
async def demo201(*quirks: str, report_timeout: float = 30.0
                  ) -> AsyncIterator[tuple[Any, ConfigurationService, str]]:
    async with running_csms() as csms:
        cfg = DemoChargerConfig(charger_id="DROP0", version=OcppVersion.V201,
                                quirks=list(quirks))
        charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", cfg)
        task = asyncio.create_task(charger.run())
        try:
            assert await charger.wait_booted(10)
            yield csms, ConfigurationService(csms.central, report_timeout=report_timeout), "DROP0"
        finally:
            await charger.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _cli(*argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpp_studio.cli", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def test_dropped_part_0_falls_back_to_the_full_inventory_without_waiting_30_s():
    async def scenario():
        async with demo201() as (csms, svc, cid):
            whole = await svc.read_all(cid)  # the same charger without the quirk
        async with demo201("report-drops-part-0") as (csms, svc, cid):
            started = time.monotonic()
            snap = await svc.read_all(cid)
            # the last part arrived, part 0 never does: a short grace, not report_timeout
            assert time.monotonic() - started < 20
            assert snap.notes[0].startswith(
                "NotifyReport part 1 of ")
            assert "(seqNo 0) of the ConfigurationInventory report missing after 5 s" \
                in snap.notes[0]
            assert snap.notes[1].startswith("The ConfigurationInventory report was "
                                            "incomplete, so the full inventory (GetBaseReport "
                                            "FullInventory) was read too: ")
            # what the installer edits is there: the writable settings of the full read
            writable = {k for k, item in whole.items.items() if not item.readonly}
            found = writable & set(snap.items)
            assert "SampledDataCtrlr.TxUpdatedInterval" in snap.items
            assert len(found) > len(writable) // 2, (len(found), len(writable))
    asyncio.run(scenario())


def test_config_pull_writes_the_template_and_the_notes_when_parts_are_missing(tmp_path):
    async def scenario():
        async with demo201("report-drops-part-0") as (csms, svc, cid):
            api = ControlApi(csms.central, csms.store, 0, token="t", configuration=svc)
            await api.start()
            try:
                out_file = tmp_path / "t.json"
                code, out, err = await _cli("config", "pull", "--api", str(api.port),
                                            "--token", "t", cid, "--out", str(out_file))
            finally:
                await api.stop()
        assert code == 0, err
        assert "note: NotifyReport part 1 of" in err
        assert "the full inventory (GetBaseReport FullInventory) was read too" in err
        template = json.loads(out_file.read_text())
        assert "SampledDataCtrlr.TxUpdatedInterval" in template["settings"]
        assert out.startswith(f"{len(template['settings'])} writable settings of DROP0")
    asyncio.run(scenario())


def test_config_pull_exits_non_zero_when_nothing_was_read(tmp_path):
    """A charger that accepts GetBaseReport and never sends a part: no empty template."""
    def handler(action: str, payload: Any) -> Any:
        assert action == "GetBaseReport"
        return {"status": "Accepted"}

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("SILENT"), handler, "ocpp2.0.1"):
                await wait_for(lambda: "SILENT" in csms.central.sessions)
                svc = ConfigurationService(csms.central, report_timeout=0.3)
                api = ControlApi(csms.central, csms.store, 0, token="t", configuration=svc)
                await api.start()
                try:
                    out_file = tmp_path / "t.json"
                    code, out, err = await _cli("config", "pull", "--api", str(api.port),
                                                "--token", "t", "SILENT", "--out",
                                                str(out_file))
                finally:
                    await api.stop()
        assert code == 1
        assert not out_file.exists()
        assert ("note: NotifyReport part 1 of ? (seqNo 0) of the ConfigurationInventory "
                "report missing after 0.3 s") in err
        assert (f"error: nothing was read from SILENT (OCPP 2.0.1); {out_file} was not "
                "written. See the notes above.") in err
    asyncio.run(scenario())
