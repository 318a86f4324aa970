"""The demo charger's quirk switches, each shown on the wire against the real central system
(CentralSystem + CsmsServer on 127.0.0.1), as the studio would meet them on third-party
chargers (issue 14 §3)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, AsyncIterator

import pytest
from conftest import booted_demo, running_csms, wait_for

from ocpp_studio.capture.store import FrameQuery
from ocpp_studio.core import schemas
from ocpp_studio.core.frames import loads
from ocpp_studio.core.rpc import CallError
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.demo.quirks import QUIRKS, Quirks

V16, V201 = OcppVersion.V16, OcppVersion.V201


@asynccontextmanager
async def quirky(version: OcppVersion, *quirks: str, csms: Any = None,
                 **config: Any) -> AsyncIterator[tuple[Any, DemoCharger, str]]:
    cid = f"Q{version.label.replace('.', '')}"
    cfg = DemoChargerConfig(charger_id=cid, version=version, quirks=list(quirks), **config)
    async with running_csms() if csms is None else _given(csms) as server:
        async with booted_demo(server, cfg) as charger:
            yield server, charger, cid


@asynccontextmanager
async def _given(csms: Any) -> AsyncIterator[Any]:
    yield csms


def frames(csms: Any, cid: str, action: str | None = None) -> list[Any]:
    return csms.store.frames(FrameQuery(charger=cid, action=action, limit=10_000))


def calls(csms: Any, cid: str, action: str) -> list[dict[str, Any]]:
    return [loads(f.raw)[3] for f in frames(csms, cid, action) if f.message_type == 2]


def assert_valid(csms: Any, cid: str) -> None:
    """The quirks misbehave within the protocol: every frame still matches its schema."""
    bad = [(f.raw, f.problem) for f in frames(csms, cid) if not f.valid or f.problem]
    assert not bad, bad


def tx_default(profile_id: int, limit: float, unit: str, version: OcppVersion) -> dict[str, Any]:
    # Decimal: the schema's multipleOf 0.1 is checked exactly (DESIGN.md, protocol facts)
    schedule = {"chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": Decimal(str(limit))}]}
    if version is V16:
        return {"connectorId": 0, "csChargingProfiles": {
            "chargingProfileId": profile_id, "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
            "chargingSchedule": schedule}}
    return {"evseId": 0, "chargingProfile": {
        "id": profile_id, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": [{"id": 1, **schedule}]}}


# ------------------------------------------------------------------- the switches
def test_quirks_parse_and_unknown_names_are_refused_with_the_known_list():
    quirks = Quirks.parse(["backend-url-key=CentralSystemAddress", "rate-unit=w",
                           "composite-minus-one"])
    assert quirks.backend_url_key == "CentralSystemAddress" and quirks.rate_unit == "W"
    assert quirks.names == ["backend-url-key=CentralSystemAddress", "rate-unit=W",
                            "composite-minus-one"]
    config = DemoChargerConfig(quirks=["no-smart-charging"])
    assert config.quirks == Quirks(no_smart_charging=True)
    with pytest.raises(ValueError, match="unknown quirk 'no-such-thing'.*rate-unit=W\\|A"):
        DemoChargerConfig(quirks=["no-such-thing"])
    with pytest.raises(ValueError, match="needs a value"):
        Quirks.parse(["backend-url-key"])
    with pytest.raises(ValueError, match="W or A"):
        Quirks.parse(["rate-unit=kW"])
    with pytest.raises(ValueError, match="takes no value"):
        Quirks.parse(["composite-minus-one=yes"])
    assert Quirks(report_drops_part_0=True).unused_in(V16)


def test_demo_charger_command_refuses_an_unknown_quirk_as_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "ocpp_studio", "demo-charger", "--url", "ws://127.0.0.1:9/x/CP",
         "--quirk", "no-such-thing"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown quirk 'no-such-thing'" in done.stderr
    for name in QUIRKS:
        assert name in done.stderr  # the message lists what exists


def test_backend_url_key_moves_the_backend_url_under_a_vendor_key():
    async def scenario():
        async with running_csms() as other:
            async with quirky(V16, "backend-url-key=CentralSystemAddress") as (csms, ch, cid):
                url = f"ws://127.0.0.1:{csms.server.port}/ocpp"
                reply = await csms.central.call(cid, "GetConfiguration", {})
                keys = {k["key"]: k for k in reply["configurationKey"]}
                assert keys["CentralSystemAddress"]["value"] == url
                assert not keys["CentralSystemAddress"]["readonly"]
                assert "CentralSystemURL" not in keys
                reply = await csms.central.call(cid, "GetConfiguration",
                                                {"key": ["CentralSystemURL"]})
                assert reply["unknownKey"] == ["CentralSystemURL"]
                # writing the vendor key moves the charger to another central system
                moved = f"ws://127.0.0.1:{other.server.port}/ocpp"
                reply = await csms.central.call(cid, "ChangeConfiguration",
                                                {"key": "CentralSystemAddress", "value": moved})
                assert reply == {"status": "Accepted"}
                await wait_for(lambda: calls(other, cid, "StatusNotification"))
                assert ch.url == f"{moved}/{cid}"
                assert_valid(csms, cid)
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_rate_unit_w_rejects_schedules_in_amps_and_follows_schedules_in_watts(version):
    async def scenario():
        async with quirky(version, "rate-unit=W", phases=1, max_current_a=32.0) as (
                csms, ch, cid):
            central = csms.central
            if version is V16:
                reply = await central.call(cid, "GetConfiguration", {
                    "key": ["ChargingScheduleAllowedChargingRateUnit"]})
                assert reply["configurationKey"][0]["value"] == "Power"
            else:
                reply = await central.call(cid, "GetVariables", {"getVariableData": [{
                    "component": {"name": "SmartChargingCtrlr"},
                    "variable": {"name": "RateUnit"}}]})
                assert reply["getVariableResult"][0]["attributeValue"] == "W"
            refused = await central.call(cid, "SetChargingProfile",
                                         tx_default(1, 10.0, "A", version))
            assert refused["status"] == "Rejected"
            if version is V201:
                assert refused["statusInfo"]["reasonCode"] == "UnsupportedRateUnit"
            assert not ch.profiles.profiles
            # 2300 W on one 230 V phase: 10 A
            accepted = await central.call(cid, "SetChargingProfile",
                                          tx_default(2, 2300.0, "W", version))
            assert accepted["status"] == "Accepted"
            assert await ch.start_charging(1)
            await wait_for(lambda: 2_000 < ch.power_w() < 2_400)
            assert_valid(csms, cid)
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_composite_minus_one_answers_connector_0_with_minus_one_watt(version):
    async def scenario():
        async with quirky(version, "composite-minus-one") as (csms, ch, cid):
            central = csms.central
            assert (await central.call(cid, "SetChargingProfile",
                                       tx_default(1, 10.0, "A", version)))["status"] == "Accepted"
            key = "connectorId" if version is V16 else "evseId"
            ask = {key: 0, "duration": 3600, "chargingRateUnit": "A"}
            whole = await central.call(cid, "GetCompositeSchedule", ask)
            schedule = whole["chargingSchedule"] if version is V16 else whole["schedule"]
            assert whole["status"] == "Accepted"
            assert schedule["chargingRateUnit"] == "W"
            assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": -1}]
            # the connector itself tells the truth
            one = await central.call(cid, "GetCompositeSchedule", {**ask, key: 1})
            schedule = one["chargingSchedule"] if version is V16 else one["schedule"]
            assert schedule["chargingSchedulePeriod"][0]["limit"] == 10
            assert_valid(csms, cid)
    asyncio.run(scenario())


@pytest.mark.parametrize("version, code", [(V16, "NotSupported"), (V201, "NotImplemented")])
def test_no_smart_charging_answers_charging_profiles_with_a_callerror(version, code):
    async def scenario():
        async with quirky(version, "no-smart-charging") as (csms, ch, cid):
            central = csms.central
            for action, payload in [
                    ("SetChargingProfile", tx_default(1, 10.0, "A", version)),
                    ("GetCompositeSchedule", {("connectorId" if version is V16 else "evseId"): 1,
                                              "duration": 60})]:
                with pytest.raises(CallError) as raised:
                    await central.call(cid, action, payload)
                assert raised.value.code == code
                errors = [f for f in frames(csms, cid, action) if f.message_type == 4]
                assert errors and errors[-1].error_code == code
            assert not ch.profiles.profiles
            if version is V16:
                reply = await central.call(cid, "GetConfiguration",
                                           {"key": ["SupportedFeatureProfiles"]})
                assert "SmartCharging" not in reply["configurationKey"][0]["value"]
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_reconnect_without_boot_connects_silently_until_a_boot_is_triggered(version):
    async def scenario():
        async with running_csms() as csms:
            async with quirky(version, "reconnect-without-boot", csms=csms) as (_, ch, cid):
                await wait_for(lambda: calls(csms, cid, "StatusNotification"))
                assert not calls(csms, cid, "BootNotification")
                assert ch.boot_count == 0
                seen = len(calls(csms, cid, "StatusNotification"))
            # powered off and on again (the studio restarted, the charger came back): still none
            async with quirky(version, "reconnect-without-boot", csms=csms) as (_, ch, cid):
                await wait_for(lambda: len(calls(csms, cid, "StatusNotification")) > seen)
                assert not calls(csms, cid, "BootNotification")
                # TriggerMessage BootNotification is how a central system learns who it is
                reply = await csms.central.call(cid, "TriggerMessage",
                                                {"requestedMessage": "BootNotification"})
                assert reply["status"] == "Accepted"
                await wait_for(lambda: calls(csms, cid, "BootNotification"))
                assert_valid(csms, cid)
    asyncio.run(scenario())


def _periodic(csms: Any, cid: str, version: OcppVersion) -> list[dict[str, Any]]:
    if version is V16:
        return [p for p in calls(csms, cid, "MeterValues")
                if p["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Periodic"]
    return [p for p in calls(csms, cid, "TransactionEvent")
            if p["triggerReason"] == "MeterValuePeriodic"]


@pytest.mark.parametrize("version", [V16, V201])
def test_interval_next_session_keeps_the_old_interval_until_the_next_transaction(version):
    async def scenario():
        async with quirky(version, "interval-next-session", meter_interval=300) as (
                csms, ch, cid):
            central = csms.central
            assert await ch.start_charging(1)
            first_tx = ch.transaction_id(1)
            if version is V16:
                reply = await central.call(cid, "ChangeConfiguration",
                                           {"key": "MeterValueSampleInterval", "value": "1"})
                assert reply == {"status": "Accepted"}
            else:
                reply = await central.call(cid, "SetVariables", {"setVariableData": [{
                    "component": {"name": "SampledDataCtrlr"},
                    "variable": {"name": "TxUpdatedInterval"}, "attributeValue": "1"}]})
                assert reply["setVariableResult"][0]["attributeStatus"] == "Accepted"
            # Accepted, yet the running session keeps its 300 s cadence: nothing in 3 s
            await asyncio.sleep(3)
            assert not _periodic(csms, cid, version)
            await ch.stop_charging(1)
            assert await ch.start_charging(1)
            assert ch.transaction_id(1) != first_tx
            # the next session samples every second
            await wait_for(lambda: len(_periodic(csms, cid, version)) >= 2, timeout=10)
            assert_valid(csms, cid)
    asyncio.run(scenario())


def test_report_drops_part_0_sends_notify_report_from_seq_no_1():
    async def scenario():
        async with quirky(V201, "report-drops-part-0") as (csms, ch, cid):
            reply = await csms.central.call(cid, "GetBaseReport",
                                            {"requestId": 5, "reportBase": "FullInventory"})
            assert reply == {"status": "Accepted"}
            await wait_for(lambda: any(not p["tbc"] for p in calls(csms, cid, "NotifyReport")))
            parts = calls(csms, cid, "NotifyReport")
            seq = [p["seqNo"] for p in parts]
            assert seq == list(range(1, len(parts) + 1))  # part 0 never arrives
            assert all(not schemas.validate(V201, "NotifyReport", "request", p) for p in parts)
            assert_valid(csms, cid)
    asyncio.run(scenario())
