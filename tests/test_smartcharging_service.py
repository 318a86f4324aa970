"""SmartChargingService against the demo charger over loopback (both versions)."""
import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import running_csms, scripted_charger, wait_for
from ocpp_studio.core.clock import FixedClock
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.demo.keys16 import ConfigKey, INTEGER
from ocpp_studio.smartcharging.offpeak import WeeklyHours
from ocpp_studio.smartcharging.service import (DELAY_PROFILE_ID, OVERRIDE_PROFILE_ID,
                                               SmartChargingService)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 90))


LONDON = ZoneInfo("Europe/London")
#: A weekday evening peak (16:00-22:00) and a Sunday night: both clocks are set to one of these,
#: so the tests pass whatever the real time of day is (CI once failed on weekday evenings).
WEDNESDAY_PEAK = datetime(2026, 11, 25, 17, 30, tzinfo=LONDON)
SUNDAY_NIGHT = datetime(2026, 11, 29, 3, 0, tzinfo=LONDON)


def blocking_now(clock: FixedClock) -> WeeklyHours:
    """All allowed except the clock's current and next half hour (local London time)."""
    hours = WeeklyHours.all_allowed()
    now = clock.now().astimezone(LONDON)
    for extra in (0, 1800):
        lt = datetime.fromtimestamp(now.timestamp() + extra, LONDON)
        hours.allowed[lt.weekday()][(lt.hour * 60 + lt.minute) // 30] = False
    return hours


@pytest.mark.timesensitive
@pytest.mark.parametrize("version", list(OcppVersion))
def test_offpeak_on_demo_charger(tmp_path, version):
    # One clock for the studio and the charger: Sunday night is off-peak, so charging is allowed.
    clock = FixedClock(SUNDAY_NIGHT)

    async def scenario():
        async with running_csms() as csms:
            charger = DemoCharger(csms.server and f"ws://127.0.0.1:{csms.server.port}/ocpp",
                                  DemoChargerConfig(charger_id="SC1", version=version,
                                                    auto_charge=True, meter_interval=1),
                                  clock=clock)
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted()
                svc = SmartChargingService(csms.central, state_path=tmp_path / "sc.json",
                                           clock=clock)
                # apply the defaults, verify: no differences
                result = await svc.apply_hours("SC1", WeeklyHours.uk_default())
                assert result.ok, result.explanation
                assert result.installed == [9100, 9101, 9102, 9103]
                check = await svc.verify("SC1")
                assert check.charger and not check.differences, check.notes
                # the power follows the schedule: block the current half hour
                await wait_for(lambda: charger.power_w(1) > 1000, 20)
                result = await svc.apply_hours("SC1", blocking_now(clock))
                assert result.ok, result.explanation
                assert result.installed == [9100, 9102]  # leftovers cleared
                assert not (await svc.verify("SC1")).differences
                await wait_for(lambda: charger.power_w(1) < 50, 20)
                # owner override for this session: full power again
                await wait_for(lambda: csms.central.stations["SC1"].transactions, 10)
                result = await svc.override("SC1", True)
                assert result.ok, result.explanation
                assert (await svc.status("SC1")).override_active
                await wait_for(lambda: charger.power_w(1) > 1000, 20)
                result = await svc.override("SC1", False)
                assert result.ok and OVERRIDE_PROFILE_ID not in result.installed
                await wait_for(lambda: charger.power_w(1) < 50, 20)
                # remove the hours: charging resumes
                result = await svc.remove_hours("SC1")
                assert result.ok and result.installed == []
                await wait_for(lambda: charger.power_w(1) > 1000, 20)
                # randomised delay: the demo has no such setting -> CSMS-side profile
                support = await svc.randomised_delay("SC1")
                assert not support.supported and support.method == "none"
                result = await svc.set_randomised_delay("SC1", 600)
                assert result.ok and DELAY_PROFILE_ID in result.installed
                assert "only works while this studio" in result.explanation
                status = await svc.status("SC1")
                assert status.delay.method == "csms-profile" and status.delay.value_s == 600
                result = await svc.set_randomised_delay("SC1", 0)
                assert result.ok and result.installed == []
                assert not (await svc.set_randomised_delay("SC1", 1801)).ok
                # one-click clear; state survives a new service
                await svc.apply_hours("SC1", WeeklyHours.uk_default())
                again = SmartChargingService(csms.central, state_path=tmp_path / "sc.json",
                                             clock=clock)
                assert again.installed_ids("SC1") == [9100, 9101, 9102, 9103]
                result = await again.clear("SC1")
                assert result.ok and result.installed == []
                assert len(charger.profiles) == 0
            finally:
                await charger.stop()
                task.cancel()
    run(scenario())


@pytest.mark.timesensitive
@pytest.mark.parametrize("version", list(OcppVersion))
def test_uk_default_hours_stop_charging_at_a_weekday_peak(tmp_path, version):
    """Wednesday 17:30 is inside the 16:00-22:00 peak: with the UK default hours the demo
    charger draws nothing; when its clock reaches Sunday night it charges again."""
    clock = FixedClock(WEDNESDAY_PEAK)

    async def scenario():
        async with running_csms() as csms:
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp",
                                  DemoChargerConfig(charger_id="SCP", version=version,
                                                    auto_charge=True, meter_interval=1),
                                  clock=clock)
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted()
                await wait_for(lambda: charger.power_w(1) > 1000, 20)  # no hours yet
                svc = SmartChargingService(csms.central, state_path=tmp_path / "sc.json",
                                           clock=clock)
                result = await svc.apply_hours("SCP", WeeklyHours.uk_default())
                assert result.ok, result.explanation
                assert not (await svc.verify("SCP")).differences
                await wait_for(lambda: charger.power_w(1) < 50, 20)
                clock.set(SUNDAY_NIGHT)
                await wait_for(lambda: charger.power_w(1) > 1000, 20)
            finally:
                await charger.stop()
                task.cancel()
    run(scenario())


def test_randomised_delay_with_charger_support_16(tmp_path):
    async def scenario():
        async with running_csms() as csms:
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp",
                                  DemoChargerConfig(charger_id="SC2", version=OcppVersion.V16))
            # test-local: give this demo instance the vendor key (app note §2.7)
            charger.configuration.add(ConfigKey("RandomisedDelay", "0", INTEGER))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted()
                svc = SmartChargingService(csms.central, state_path=tmp_path / "sc.json")
                support = await svc.randomised_delay("SC2")
                assert support.supported and support.key == "RandomisedDelay"
                assert support.method == "charger"
                result = await svc.set_randomised_delay("SC2", 600)
                assert result.ok, result.explanation
                assert charger.configuration.value("RandomisedDelay") == "600"
                assert result.installed == []  # no CSMS-side profile needed
            finally:
                await charger.stop()
                task.cancel()
    run(scenario())


def test_randomised_delay_with_charger_support_201_scripted(tmp_path):
    seen = []

    def handler(action, payload):
        seen.append((action, payload))
        if action == "GetVariables":
            return {"getVariableResult": [
                {"attributeStatus": "Accepted", "attributeValue": "600",
                 "component": d["component"], "variable": d["variable"]}
                for d in payload["getVariableData"]]}
        if action == "SetVariables":
            return {"setVariableResult": [
                {"attributeStatus": "Accepted", "component": d["component"],
                 "variable": d["variable"]} for d in payload["setVariableData"]]}
        raise AssertionError(action)

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("SC3"), handler, "ocpp2.0.1"):
                await wait_for(lambda: "SC3" in csms.central.sessions)
                svc = SmartChargingService(csms.central, state_path=tmp_path / "sc.json")
                support = await svc.randomised_delay("SC3")
                assert support.supported and support.value_s == 600
                assert support.key == "SmartChargingCtrlr.RandomisedDelay"
                result = await svc.set_randomised_delay("SC3", 0)
                assert result.ok
                assert seen[-1][1]["setVariableData"][0]["attributeValue"] == "0"
    run(scenario())


def test_charger_rejecting_profiles_is_explained(tmp_path):
    count = {"n": 0}

    def handler(action, payload):
        if action == "GetConfiguration":
            return {"configurationKey": [
                {"key": "ChargeProfileMaxStackLevel", "readonly": True, "value": "8"},
                {"key": "ChargingScheduleMaxPeriods", "readonly": True, "value": "24"},
                {"key": "ChargingScheduleAllowedChargingRateUnit", "readonly": True,
                 "value": "Current,Power"}]}
        if action == "SetChargingProfile":
            count["n"] += 1
            return {"status": "Accepted" if count["n"] == 1 else "Rejected"}
        if action == "ClearChargingProfile":
            return {"status": "Accepted"}
        raise AssertionError(action)

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("SC4"), handler):
                await wait_for(lambda: "SC4" in csms.central.sessions)
                svc = SmartChargingService(csms.central, state_path=tmp_path / "sc.json")
                result = await svc.apply_hours("SC4", WeeklyHours.uk_default())
                assert not result.ok
                assert result.installed == [9100]
                assert "refused" in result.explanation and "NOT fully" in result.explanation
                assert "#9100" in result.explanation
                status = await svc.status("SC4")
                assert status.installed == [9100]
                cleared = await svc.clear("SC4")
                assert cleared.ok and cleared.installed == []
    run(scenario())


def test_override_of_a_session_on_an_unknown_evse_says_so(tmp_path):
    """A 2.0.1 charger with two EVSEs whose running session was first seen without its evse:
    the override is refused in words, never sent to a made-up EVSE (it used to crash on
    int('?'))."""
    calls = []

    def handler(action, payload):
        calls.append(action)
        raise AssertionError(f"nothing should be sent: {action}")

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("SC9"), handler, "ocpp2.0.1") as charger:
                await wait_for(lambda: "SC9" in csms.central.sessions)
                for evse in (1, 2):
                    await charger.call("StatusNotification", {
                        "timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Occupied",
                        "evseId": evse, "connectorId": 1})
                await charger.call("TransactionEvent", {
                    "eventType": "Updated", "timestamp": "2026-01-01T00:00:00Z",
                    "triggerReason": "MeterValuePeriodic", "seqNo": 5,
                    "transactionInfo": {"transactionId": "T-1"}})
                svc = SmartChargingService(csms.central, state_path=tmp_path / "sc.json")
                result = await svc.override("SC9", True)
                assert not result.ok
                assert "has not said which EVSE the session is on" in result.explanation
                assert calls == []
    run(scenario())
