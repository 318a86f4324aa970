"""1-second mode against the demo charger over loopback (1.6, 2.0.1, 2.1), refusals explained
in plain words, the control API endpoints and ``ocpp-studio meter export``."""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from conftest import running_csms, scripted_charger, wait_for
from ocpp_studio.api.server import ControlApi
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.metering import POWER, MeteringService, OneSecondMode, SeriesKey

ORIGINAL_MEASURANDS = "Energy.Active.Import.Register,Current.Import"
ORIGINAL_201 = "Energy.Active.Import.Register,Voltage"


def run(coro):
    return asyncio.run(coro)


def _setting(charger: DemoCharger, key: str) -> str:
    if charger.version is OcppVersion.V16:
        return charger.configuration.value(key)
    component, _, name = key.partition(".")
    return str(charger.configuration.actual(component, name))


async def _prepare(csms, charger_id: str, version: OcppVersion) -> None:
    """Leave Power.Active.Import out of the charger's measurands, so enable must add it."""
    if version is OcppVersion.V16:
        answer = await csms.central.call(charger_id, "ChangeConfiguration", {
            "key": "MeterValuesSampledData", "value": ORIGINAL_MEASURANDS})
    else:
        answer = await csms.central.call(charger_id, "SetVariables", {"setVariableData": [{
            "attributeValue": ORIGINAL_201, "component": {"name": "SampledDataCtrlr"},
            "variable": {"name": "TxUpdatedMeasurands"}}]})
        answer = {"status": answer["setVariableResult"][0]["attributeStatus"]}
    assert answer["status"] == "Accepted"


@pytest.mark.parametrize("version", list(OcppVersion))
def test_enable_and_restore_against_demo_charger(tmp_path, version):
    memory = tmp_path / "one-second-restore.json"
    charger_id = f"DEMO-{version.label}"
    interval_key, measurands_key = (
        ("MeterValueSampleInterval", "MeterValuesSampledData") if version is OcppVersion.V16
        else ("SampledDataCtrlr.TxUpdatedInterval", "SampledDataCtrlr.TxUpdatedMeasurands"))
    original_measurands = ORIGINAL_MEASURANDS if version is OcppVersion.V16 else ORIGINAL_201

    async def scenario():
        async with running_csms() as csms:
            metering = MeteringService()
            metering.attach(csms.store)
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", DemoChargerConfig(
                charger_id=charger_id, version=version, phases=3 if version is OcppVersion.V201
                else 1, meter_interval=10, auto_charge=True))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted()
                await wait_for(lambda: charger.transaction_id() is not None)
                await _prepare(csms, charger_id, version)
                mode = OneSecondMode(csms.central, memory)
                assert not mode.is_enabled(charger_id) and mode.remembered(charger_id) is None

                result = await mode.enable(charger_id)
                assert result.ok and result.enabled, result.explanation
                assert "every second" in result.explanation
                assert _setting(charger, interval_key) == "1"
                assert _setting(charger, measurands_key) == original_measurands + "," + POWER
                assert [(c.key, c.before, c.after, c.status) for c in result.changes] == [
                    (interval_key, "10", "1", "Accepted"),
                    (measurands_key, original_measurands, original_measurands + "," + POWER,
                     "Accepted")]
                assert mode.is_enabled(charger_id)

                # Samples now arrive about 1 s apart (payload timestamps).
                power_key = SeriesKey(charger_id, "1", POWER, None)
                enabled_at = asyncio.get_running_loop().time()
                await wait_for(lambda: (metering.series(power_key) is not None
                                        and len(metering.series(power_key)) >= 5), timeout=20)
                cadence = metering.series(power_key).cadence(last_n=3)
                assert cadence.mean_interval_s == pytest.approx(1.0, abs=0.25), cadence
                assert cadence.jitter_s < 0.25
                assert asyncio.get_running_loop().time() - enabled_at < 15

                # A second enable keeps the real originals.
                again = await mode.enable(charger_id)
                assert again.ok and again.changes == []

                # Remembered across a restart of the app (a new instance, same file).
                reborn = OneSecondMode(csms.central, memory)
                assert reborn.remembered(charger_id) == {
                    interval_key: "10", measurands_key: original_measurands}
                assert reborn.is_enabled(charger_id)
                assert reborn.pending_restores() == {charger_id: reborn.remembered(charger_id)}

                result = await reborn.disable(charger_id)
                assert result.ok and not result.enabled, result.explanation
                assert _setting(charger, interval_key) == "10"
                assert _setting(charger, measurands_key) == original_measurands
                assert reborn.remembered(charger_id) is None
                assert not reborn.is_enabled(charger_id)
                assert json.loads(memory.read_text()) == {}
                nothing = await reborn.disable(charger_id)
                assert nothing.ok and "Nothing to restore" in nothing.explanation
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    run(scenario())


def _refusing_16(action, payload):
    if action == "GetConfiguration":
        return {"configurationKey": [
            {"key": "MeterValueSampleInterval", "readonly": False, "value": "60"},
            {"key": "MeterValuesSampledData", "readonly": False,
             "value": "Energy.Active.Import.Register"}]}
    if action == "ChangeConfiguration":
        return {"status": "Rejected" if payload["key"] == "MeterValueSampleInterval"
                else "NotSupported"}
    raise AssertionError(action)


def _refusing_201(action, payload):
    if action == "GetVariables":
        return {"getVariableResult": [
            {"attributeStatus": "Accepted", "attributeValue": "30", **r} if
            r["variable"]["name"] == "TxUpdatedInterval" else
            {"attributeStatus": "UnknownVariable", **r} for r in payload["getVariableData"]]}
    if action == "SetVariables":
        r = payload["setVariableData"][0]
        status = ("Rejected" if r["variable"]["name"] == "TxUpdatedInterval"
                  else "UnknownVariable")
        return {"setVariableResult": [{"attributeStatus": status, "component": r["component"],
                                       "variable": r["variable"]}]}
    raise AssertionError(action)


def test_refusals_get_plain_explanations(tmp_path):
    memory = tmp_path / "memory.json"

    async def scenario():
        async with running_csms() as csms:
            mode = OneSecondMode(csms.central, memory, timeout=5)
            async with scripted_charger(csms.url("CP16"), _refusing_16):
                result = await mode.enable("CP16")
            assert not result.ok and not result.enabled
            assert [c.status for c in result.changes] == ["Rejected", "NotSupported"]
            assert ("The charger refused MeterValueSampleInterval=1 (Rejected). Some chargers do "
                    "not allow sampling faster than 5 or 10 seconds") in result.explanation
            assert ("MeterValuesSampledData is not supported by this charger (NotSupported): it "
                    "will report its default measurands; power may be missing."
                    ) in result.explanation
            assert mode.remembered("CP16") is None  # nothing changed: nothing to restore

            async with scripted_charger(csms.url("CP201"), _refusing_201, "ocpp2.0.1"):
                result = await mode.enable("CP201")
            assert not result.ok
            assert [c.status for c in result.changes] == ["Rejected", "UnknownVariable"]
            assert "SampledDataCtrlr.TxUpdatedInterval=1 (Rejected)" in result.explanation
            assert "power may be missing" in result.explanation

            gone = await mode.enable("NEVER")
            assert not gone.ok and "has never connected" in gone.explanation
            assert "Connect the charger" in gone.explanation

    run(scenario())


def test_api_one_second_and_meter_endpoints(tmp_path):
    async def scenario():
        async with running_csms() as csms:
            metering = MeteringService()
            metering.attach(csms.store)
            mode = OneSecondMode(csms.central, tmp_path / "memory.json")
            api = ControlApi(csms.central, csms.store, 0, token="t", one_second=mode,
                             metering=metering)
            await api.start()
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", DemoChargerConfig(
                charger_id="API-16", meter_interval=10, auto_charge=True))
            task = asyncio.create_task(charger.run())
            base = f"http://127.0.0.1:{api.port}/api/v1/chargers/API-16"
            try:
                assert await charger.wait_booted()
                async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                    async with http.post(f"{base}/one-second", json={"enabled": True}) as r:
                        body = await r.json()
                    assert r.status == 200 and body["ok"] and body["enabled"]
                    assert body["changes"][0]["key"] == "MeterValueSampleInterval"
                    assert body["remembered"] == {"MeterValueSampleInterval": "10"}
                    assert charger.configuration.value("MeterValueSampleInterval") == "1"
                    key = SeriesKey("API-16", "1", POWER, None)
                    await wait_for(lambda: metering.series(key) is not None
                                   and len(metering.series(key)) >= 3, timeout=20)
                    async with http.get(f"{base}/meter", params={"connector": "1"}) as r:
                        meter = await r.json()
                    power = [s for s in meter["series"] if s["measurand"] == POWER]
                    assert power[0]["unit"] == "W" and len(power[0]["samples"]) == 1
                    first_us = int(metering.series(key).arrays()[0][0] * 1e6)
                    async with http.get(f"{base}/meter", params={"since_us": first_us}) as r:
                        later = await r.json()
                    power = [s for s in later["series"] if s["measurand"] == POWER][0]
                    assert len(power["samples"]) >= 2
                    assert all(t > first_us for t, _ in power["samples"])
                    async with http.post(f"{base}/one-second", json={"enabled": False}) as r:
                        body = await r.json()
                    assert r.status == 200 and body["ok"] and not body["enabled"]
                    assert body["remembered"] is None
                    assert charger.configuration.value("MeterValueSampleInterval") == "10"
                    async with http.post(f"{base}/one-second", json={"enabled": "yes"}) as r:
                        assert r.status == 400
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await api.stop()

    run(scenario())


def test_meter_export_csv_from_a_demo_capture(tmp_path):
    capture = tmp_path / "capture.db"

    async def record():
        store = CaptureStore(capture)
        async with running_csms(store) as csms:
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", DemoChargerConfig(
                charger_id="CSV-201", version=OcppVersion.V201, phases=3, meter_interval=1,
                auto_charge=True))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted()
                count = lambda: len(store.frames(charger="CSV-201", action="TransactionEvent"))  # noqa: E731
                await wait_for(lambda: count() >= 4, timeout=20)
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        store.close()

    run(record())
    out = tmp_path / "meter.csv"
    command = [sys.executable, "-m", "ocpp_studio.cli", "meter", "export", str(capture),
               "--charger", "CSV-201", "--connector", "1", "--csv", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert f"wrote {len(rows)} rows" in done.stdout
    assert list(rows[0]) == ["time_utc", "charger", "connector", "measurand", "phase", "value",
                             "unit", "context", "transaction_id", "frame_id"]
    assert rows == sorted(rows, key=lambda r: r["time_utc"])
    assert rows[0]["time_utc"].endswith("Z") and len(rows[0]["time_utc"]) == 27
    power = [r for r in rows if r["measurand"] == POWER and not r["phase"]]
    assert power and all(r["unit"] == "W" and float(r["value"]) > 1000 for r in power)
    voltages = {r["phase"] for r in rows if r["measurand"] == "Voltage"}
    assert voltages == {"L1-N", "L2-N", "L3-N"}
    assert {r["connector"] for r in rows} == {"1"} and {r["charger"] for r in rows} == {"CSV-201"}
    assert all(r["transaction_id"] and r["frame_id"] for r in rows)
    # The replay gives the plot the same data.
    metering = MeteringService()
    store = CaptureStore(capture)
    assert metering.load(store, "CSV-201") > 0
    assert len(metering.power("CSV-201", "1")) == len(
        {r["time_utc"] for r in power})
    store.close()

    # a customer's JSON Lines export gives the same rows as the capture database
    from ocpp_studio.capture.jsonl import export_jsonl  # noqa: PLC0415
    exported = tmp_path / "customer.jsonl"
    store = CaptureStore(capture)
    export_jsonl(store, exported)
    store.close()
    from_export = tmp_path / "meter-from-export.csv"
    done = subprocess.run([sys.executable, "-m", "ocpp_studio.cli", "meter", "export",
                           str(exported), "--charger", "CSV-201", "--connector", "1",
                           "--csv", str(from_export)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    again = list(csv.DictReader(from_export.open(encoding="utf-8")))
    ignore_ids = lambda rs: [{k: v for k, v in r.items() if k != "frame_id"} for r in rs]  # noqa: E731
    assert ignore_ids(again) == ignore_ids(rows)  # ids are renumbered on import

    missing = subprocess.run([sys.executable, "-m", "ocpp_studio.cli", "meter", "export",
                              str(capture), "--charger", "NOPE", "--csv", str(out)],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    assert "No meter samples for charger 'NOPE'" in missing.stderr
    assert Path(out).exists()


@pytest.mark.parametrize("version", list(OcppVersion))
def test_read_limit_from_demo_charger(version):
    from ocpp_studio.metering import read_limit

    async def scenario():
        async with running_csms() as csms:
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", DemoChargerConfig(
                charger_id="LIM", version=version, phases=1, max_current_a=32.0))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted()
                steps = await read_limit(csms.central, "LIM", "1", duration_s=600)
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            sent = csms.store.frames(charger="LIM", action="GetCompositeSchedule")[0]
            assert '"chargingRateUnit": "W"' in sent.raw or '"chargingRateUnit":"W"' in sent.raw
            return steps

    steps = run(scenario())
    assert steps and steps[-1].limit_w is None
    assert steps[-1].start_s - steps[0].start_s == pytest.approx(600)
    assert all(s.limit_w is not None and s.limit_w > 0 for s in steps[:-1])


def test_studio_wires_metering_and_one_second(tmp_path):
    from ocpp_studio.service import Studio
    from ocpp_studio.settings import AppSettings

    async def scenario():
        settings = AppSettings()
        settings.capture_path = str(tmp_path / "capture.db")
        settings.csms.host, settings.csms.port = "127.0.0.1", 0
        studio = Studio(settings)
        studio.one_second.memory_path = tmp_path / "memory.json"
        await studio.start()
        api = await studio.start_api(0)
        assert api.one_second is studio.one_second and api.metering is studio.metering
        charger = DemoCharger(studio.loopback_url(), DemoChargerConfig(
            charger_id="ST-16", meter_interval=1, auto_charge=True))
        task = asyncio.create_task(charger.run())
        try:
            await wait_for(lambda: studio.metering.power("ST-16", "1") is not None
                           and len(studio.metering.power("ST-16", "1")) >= 2, timeout=20)
        finally:
            await charger.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await studio.stop()

    run(scenario())
