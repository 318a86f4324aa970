"""The demo charger on OCPP 2.1 against the real central system (``serve``: CentralSystem +
CsmsServer) over websockets on 127.0.0.1.

Each scenario ends by checking every frame both sides recorded against the ``ocpp``
package's v21 schemas, independently of the RPC layer's own verdict.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, AsyncIterator

import pytest
from conftest import running_csms, wait_for

from ocpp_studio.capture.store import FrameQuery
from ocpp_studio.core import schemas
from ocpp_studio.core.frames import loads
from ocpp_studio.core.records import Direction, MemoryRecorder
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig

V21 = OcppVersion.V21
CID = "DEMO-21"


@asynccontextmanager
async def demo21(**config: Any) -> AsyncIterator[tuple[Any, DemoCharger]]:
    async with running_csms(heartbeat_interval=1) as csms:
        cfg = DemoChargerConfig(charger_id=CID, version=V21, phases=3, max_current_a=16.0,
                                meter_interval=1, **config)
        charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", cfg,
                              recorder=MemoryRecorder())
        task = asyncio.create_task(charger.run())
        try:
            assert await charger.wait_booted(10)
            yield csms, charger
        finally:
            await charger.stop()
            task.cancel()


def frames(csms: Any, action: str | None = None) -> list[Any]:
    return csms.store.frames(FrameQuery(charger=CID, action=action, limit=10_000))


def calls(csms: Any, action: str) -> list[dict[str, Any]]:
    return [loads(f.raw)[3] for f in frames(csms, action) if f.message_type == 2]


def assert_v21_valid(raw_frames: list[tuple[str, str | None]]) -> None:
    """Every CALL, CALLRESULT and SEND validates against its 2.1 schema (CALLERRORs have
    none)."""
    checked = 0
    for raw, action in raw_frames:
        message = loads(raw)
        if message[0] == 2:
            kind, name, payload = "request", message[2], message[3]
        elif message[0] == 3:
            kind, name, payload = "response", action, message[2]
        elif message[0] == 6:
            kind, name, payload = "send", message[2], message[3]
        else:
            continue
        assert name, raw
        violations = schemas.validate(V21, name, kind, payload)
        assert not violations, (raw, violations)
        checked += 1
    assert checked


def assert_both_sides_valid(csms: Any, charger: DemoCharger) -> None:
    server = frames(csms)
    assert all(f.valid and not f.problem for f in server if f.message_type in (2, 3, 6)), [
        (f.raw, f.problem) for f in server if not f.valid or f.problem]
    assert_v21_valid([(f.raw, f.action) for f in server])
    own = charger.recorder.frames  # type: ignore[attr-defined]
    assert_v21_valid([(f.raw, f.action) for f in own])


def test_v21_demo_boots_heartbeats_charges_and_is_configured_through_serve():
    async def scenario():
        async with demo21() as (csms, charger):
            central = csms.central
            assert central.version_of(CID) is V21
            boot = calls(csms, "BootNotification")[0]
            assert boot["chargingStation"]["vendorName"] == "OCPP Studio"
            # heartbeat_interval=1 in the boot answer: a Heartbeat within a few seconds
            await wait_for(lambda: calls(csms, "Heartbeat"), timeout=10)

            # a local charge: Authorize, TransactionEvent Started, periodic Updated with power
            assert await charger.start_charging(1)
            await wait_for(lambda: any(p["eventType"] == "Updated" and p.get("meterValue")
                                       for p in calls(csms, "TransactionEvent")), timeout=10)
            started = calls(csms, "TransactionEvent")[0]
            assert started["eventType"] == "Started" and started["evse"] == {"id": 1,
                                                                              "connectorId": 1}
            assert charger.power_w() > 10_000  # 16 A on three phases

            # GetBaseReport -> NotifyReport parts from seqNo 0, the last with tbc false
            reply = await central.call(CID, "GetBaseReport",
                                       {"requestId": 7, "reportBase": "FullInventory"})
            assert reply["status"] == "Accepted"
            await wait_for(lambda: any(not p["tbc"] for p in calls(csms, "NotifyReport")))
            parts = calls(csms, "NotifyReport")
            assert [p["seqNo"] for p in parts] == list(range(len(parts)))

            # GetVariables / SetVariables on the device model
            sampled = {"component": {"name": "SampledDataCtrlr"},
                       "variable": {"name": "TxUpdatedInterval"}}
            got = await central.call(CID, "GetVariables", {"getVariableData": [sampled]})
            assert got["getVariableResult"][0]["attributeValue"] == "1"
            put = await central.call(CID, "SetVariables", {"setVariableData": [
                {**sampled, "attributeValue": "5"}]})
            assert put["setVariableResult"][0]["attributeStatus"] == "Accepted"
            assert charger.configuration.actual("SampledDataCtrlr", "TxUpdatedInterval") == "5"

            # SetChargingProfile: a 10 A TxDefaultProfile is followed by the simulated EV
            profile = {"id": 21, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
                       "chargingProfileKind": "Absolute", "chargingSchedule": [{
                           "id": 1, "chargingRateUnit": "A",
                           "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}]}]}
            reply = await central.call(CID, "SetChargingProfile",
                                       {"evseId": 0, "chargingProfile": profile})
            assert reply["status"] == "Accepted"
            await wait_for(lambda: 6_000 < charger.power_w() < 7_000)
            composite = await central.call(CID, "GetCompositeSchedule",
                                           {"evseId": 1, "duration": 3600,
                                            "chargingRateUnit": "A"})
            assert composite["schedule"]["chargingSchedulePeriod"][0]["limit"] == 10
            # 2.1 lets a period carry no limit (a V2X setpoint): the demo has no V2X
            setpoint_only = {**profile, "id": 22, "chargingSchedule": [{
                "id": 2, "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "setpoint": 3000}]}]}
            reply = await central.call(CID, "SetChargingProfile",
                                       {"evseId": 0, "chargingProfile": setpoint_only})
            assert reply["status"] == "Rejected"

            await charger.stop_charging(1)
            await wait_for(lambda: any(p["eventType"] == "Ended"
                                       for p in calls(csms, "TransactionEvent")))
            assert_both_sides_valid(csms, charger)
    asyncio.run(scenario())


_TARIFF = {"tariffId": "T1", "currency": "EUR"}
#: Each new CSMS-initiated 2.1 message, a minimal valid request, and the demo's answer.
NEW_21_CALLS: list[tuple[str, dict[str, Any], str | None]] = [
    ("SetDERControl", {"isDefault": False, "controlId": "c1", "controlType": "LimitMaxDischarge",
                       "limitMaxDischarge": {"priority": 1, "pctMaxDischargePower": 50}},
     "NotSupported"),
    ("GetDERControl", {"requestId": 1}, "NotSupported"),
    ("ClearDERControl", {"isDefault": True}, "NotSupported"),
    ("AFRRSignal", {"timestamp": "2026-11-26T02:00:00Z", "signal": 1}, "Rejected"),
    ("UpdateDynamicSchedule", {"chargingProfileId": 5, "scheduleUpdate": {"limit": 10}},
     "Rejected"),
    ("UsePriorityCharging", {"transactionId": "X", "activate": True}, "NoProfile"),
    ("SetDefaultTariff", {"evseId": 0, "tariff": _TARIFF}, "Rejected"),
    ("GetTariffs", {"evseId": 0}, "NoTariff"),
    ("ClearTariffs", {}, None),
    ("ChangeTransactionTariff", {"transactionId": "NOPE", "tariff": _TARIFF}, "TxNotFound"),
    ("RequestBatterySwap", {"requestId": 3, "idToken": {"idToken": "T", "type": "ISO14443"}},
     "Rejected"),
    ("NotifyAllowedEnergyTransfer", {"transactionId": "NOPE",
                                     "allowedEnergyTransfer": ["AC_three_phase"]}, "Rejected"),
    ("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 60}, None),
    ("AdjustPeriodicEventStream", {"id": 99, "params": {"interval": 5}}, "Rejected"),
    ("GetPeriodicEventStream", {}, None),
]


def test_v21_demo_answers_every_new_csms_message_schema_valid():
    async def scenario():
        async with demo21() as (csms, charger):
            for action, request, status in NEW_21_CALLS:
                assert not schemas.validate(V21, action, "request", request), action
                reply = await csms.central.call(CID, action, request)
                assert not schemas.validate(V21, action, "response", reply), (action, reply)
                assert reply.get("status") == status, (action, reply)
            assert (await csms.central.call(CID, "ClearTariffs", {}))[
                "clearTariffsResult"] == [{"status": "NoTariff"}]
            # during a transaction the transaction-bound ones know it
            assert await charger.start_charging(1)
            tx = charger.transaction_id(1)
            reply = await csms.central.call(CID, "NotifyAllowedEnergyTransfer", {
                "transactionId": tx, "allowedEnergyTransfer": ["AC_three_phase"]})
            assert reply == {"status": "Accepted"}
            reply = await csms.central.call(CID, "ChangeTransactionTariff",
                                            {"transactionId": tx, "tariff": _TARIFF})
            assert reply["status"] == "Rejected"
            assert_both_sides_valid(csms, charger)
    asyncio.run(scenario())


def test_v21_demo_opens_a_periodic_event_stream_sends_it_and_notifies_a_settlement():
    async def scenario():
        async with demo21() as (csms, charger):
            stream = await charger.open_periodic_event_stream(4, interval=1, values=2)
            assert stream is not None
            opened = calls(csms, "OpenPeriodicEventStream")
            assert opened == [{"constantStreamData": {"id": stream.id, "variableMonitoringId": 4,
                                                      "params": {"interval": 1, "values": 2}}}]
            # the CSMS can read and adjust it
            got = await csms.central.call(CID, "GetPeriodicEventStream", {})
            assert got["constantStreamData"][0]["id"] == stream.id
            adjusted = await csms.central.call(CID, "AdjustPeriodicEventStream",
                                               {"id": stream.id, "params": {"interval": 10}})
            assert adjusted == {"status": "Accepted"} and stream.interval == 10

            # NotifyPeriodicEventStream goes out as an OCPP-J 2.1 SEND frame [6, id, action, {}]
            sent = await charger.notify_periodic_event_stream(stream.id, ["230.1", "229.8"])
            assert not schemas.validate(V21, "NotifyPeriodicEventStream", "send", sent)
            await wait_for(lambda: any(f.message_type == 6 for f in frames(csms)))
            arrived = next(f for f in frames(csms) if f.message_type == 6)
            message = loads(arrived.raw)
            assert message[2] == "NotifyPeriodicEventStream" and message[3] == json.loads(
                json.dumps(sent), parse_float=Decimal)
            assert arrived.direction is Direction.TO_CSMS
            assert arrived.valid and not arrived.problem
            own = [f for f in charger.recorder.frames  # type: ignore[attr-defined]
                   if f.message_type == 6]
            assert [f.unique_id for f in own] == [message[1]]

            answer = await charger.notify_settlement(amount=12.5, psp_ref="PSP-1")
            assert not schemas.validate(V21, "NotifySettlement", "response", answer)
            settled = calls(csms, "NotifySettlement")[0]
            assert settled["pspRef"] == "PSP-1" and settled["status"] == "Settled"
            # a SEND is never answered: nothing came back for it, not even a CALLERROR
            assert not [f for f in frames(csms) if f.unique_id == message[1]
                        and f.message_type != 6]
            assert_both_sides_valid(csms, charger)
    asyncio.run(scenario())


def test_21_only_messages_are_refused_on_other_versions():
    charger = DemoCharger("ws://127.0.0.1:1/ocpp",
                          DemoChargerConfig(version=OcppVersion.V201))
    with pytest.raises(RuntimeError, match="OCPP 2.1"):
        asyncio.run(charger.notify_settlement(amount=1.0, psp_ref="x"))
