"""OCPP 2.1 against the real central system (CentralSystem + CsmsServer on 127.0.0.1): the
demo charger speaking ``ocpp2.1`` and a bare websockets client sending the new 2.1 messages.
Every answer the studio sends is checked against the ``ocpp`` package's v21 schemas, and the
configuration is read and written on 2.1 exactly as on 2.0.1 (through the 2.1 adapter)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from conftest import raw_charger, running_csms, wait_for
from ocpp_studio.capture.store import FrameQuery
from ocpp_studio.configuration import ConfigurationService
from ocpp_studio.configuration.templates import check_template, make_template, template_changes
from ocpp_studio.core.frames import loads
from ocpp_studio.core.records import Direction
from ocpp_studio.core.schemas import validate
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.station.adapters import Ocpp21Adapter

V21 = OcppVersion.V21
NOW = "2026-01-01T00:00:00Z"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def answers_valid(csms: Any, charger_id: str) -> dict[str, int]:
    """Every CALLRESULT the studio sent the charger, checked against its 2.1 response schema:
    {action: answers checked}."""
    sent = csms.store.frames(FrameQuery(charger=charger_id, direction=Direction.TO_CHARGER,
                                        limit=10_000))
    received = {f.unique_id: f.action for f in csms.store.frames(FrameQuery(
        charger=charger_id, direction=Direction.TO_CSMS, limit=10_000)) if f.message_type == 2}
    checked: dict[str, int] = {}
    for frame in sent:
        if frame.message_type != 3 or frame.unique_id not in received:
            continue
        action = received[frame.unique_id]
        assert validate(V21, action, "response", loads(frame.raw)[2]) == [], frame.raw
        assert frame.valid, frame.raw
        checked[action] = checked.get(action, 0) + 1
    return checked


def test_demo_charger_on_2_1_is_answered_and_configured_like_2_0_1(tmp_path):
    async def scenario():
        async with running_csms(heartbeat_interval=1) as csms:
            cfg = DemoChargerConfig(charger_id="CP21", version=V21)
            charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", cfg)
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted(10)
                station = csms.central.stations["CP21"]
                assert station.version is V21 and station.boot_status == "Accepted"
                assert station.summary()["version"] == "2.1"
                adapter = csms.central.adapter("CP21")
                assert isinstance(adapter, Ocpp21Adapter)
                await wait_for(lambda: station.last_heartbeat_us is not None, 10)

                # configuration: GetBaseReport -> NotifyReport parts, as on 2.0.1
                service = ConfigurationService(csms.central, tmp_path, report_timeout=5)
                snap = await service.read_all("CP21")
                assert snap.version == "2.1" and snap.notes == []
                assert snap.items["SampledDataCtrlr.TxUpdatedInterval"].value == "10"
                results = await service.write("CP21", {"OCPPCommCtrlr.HeartbeatInterval": "120",
                                                       "NoSuchCtrlr.Thing": "1"})
                assert [(r.key, r.status) for r in results] == [
                    ("OCPPCommCtrlr.HeartbeatInterval", "Accepted"),
                    ("NoSuchCtrlr.Thing", "UnknownComponent")]
                assert charger.configuration.actual("OCPPCommCtrlr", "HeartbeatInterval") == "120"
                again = await service.refresh("CP21", ["OCPPCommCtrlr.HeartbeatInterval"])
                assert again.items["OCPPCommCtrlr.HeartbeatInterval"].value == "120"
                # a template of a 2.1 charger is a valid template (config pull / push)
                template = check_template(make_template(again, ["OCPPCommCtrlr.HeartbeatInterval"]))
                assert template["ocpp_version"] == "2.1"
                assert template_changes(template) == {"OCPPCommCtrlr.HeartbeatInterval": "120"}

                # a charge: TransactionEvent Started/Updated/Ended keep the station's sessions
                assert await charger.start_charging()
                await wait_for(lambda: station.transactions, 10)
                await charger.stop_charging()
                await wait_for(lambda: not station.transactions and
                               station.finished_transactions, 10)

                # what only 2.1 has: a settlement and a periodic event stream (its data is a
                # SEND, recorded and never answered)
                assert await charger.notify_settlement(amount=12.5, psp_ref="PSP-1") == {}
                stream = await charger.open_periodic_event_stream(1, interval=1)
                assert stream is not None
                await charger.notify_periodic_event_stream(stream.id, ["1", "2"])
                await wait_for(lambda: any(
                    f.message_type == 6 for f in csms.store.frames(FrameQuery(
                        charger="CP21", action="NotifyPeriodicEventStream", limit=10))), 10)
                sends = csms.store.frames(FrameQuery(charger="CP21",
                                                     action="NotifyPeriodicEventStream"))
                assert [f.valid for f in sends] == [True]
            finally:
                await charger.stop()
                task.cancel()
            checked = answers_valid(csms, "CP21")
            for action in ("BootNotification", "Heartbeat", "NotifyReport", "TransactionEvent",
                           "StatusNotification", "NotifySettlement",
                           "OpenPeriodicEventStream"):
                assert checked.get(action), (action, checked)
    run(scenario())


NEW_21 = {  # the new charger-initiated 2.1 messages, as a charger would send them
    "NotifyDERAlarm": {"controlType": "FreqDroop", "timestamp": NOW, "gridEventFault": "OverVoltage"},
    "NotifyDERStartStop": {"controlId": "der-1", "started": True, "timestamp": NOW},
    "ReportDERControl": {"requestId": 1},
    "NotifySettlement": {"pspRef": "PSP-9", "status": "Settled", "settlementAmount": 3.2,
                         "settlementTime": NOW},
    "NotifyPriorityCharging": {"transactionId": "t-1", "activated": True},
    "PullDynamicScheduleUpdate": {"chargingProfileId": 5},
    "ClosePeriodicEventStream": {"id": 3},
    "VatNumberValidation": {"vatNumber": "GB123456789"},
}


def test_new_2_1_messages_from_a_bare_client_get_schema_valid_answers():
    async def scenario():
        async with running_csms() as csms:
            async with raw_charger(csms.url("RAW21"), "ocpp2.1") as ws:
                boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}
                frames = [("BootNotification", boot), *NEW_21.items()]
                for index, (action, payload) in enumerate(frames):
                    assert validate(V21, action, "request", payload) == [], action
                    await ws.send(json.dumps([2, f"m{index}", action, payload]))
                    answer = loads(await asyncio.wait_for(ws.recv(), 10))
                    assert answer[0] == 3 and answer[1] == f"m{index}", answer
                    assert validate(V21, action, "response", answer[2]) == [], (action, answer)
                # a SEND is recorded and validated, and gets no answer at all
                await ws.send(json.dumps([6, "s1", "NotifyPeriodicEventStream", {
                    "id": 3, "pending": 0, "basetime": NOW,
                    "data": [{"t": 0, "v": "230.1"}]}]))
                await ws.send(json.dumps([2, "hb", "Heartbeat", {}]))
                answer = loads(await asyncio.wait_for(ws.recv(), 10))
                assert answer[1] == "hb"  # the next frame answers the Heartbeat, not the SEND
            checked = answers_valid(csms, "RAW21")
            assert set(NEW_21) <= set(checked)
            send = csms.store.frames(FrameQuery(charger="RAW21",
                                                action="NotifyPeriodicEventStream"))
            assert [(f.message_type, f.valid) for f in send] == [(6, True)]
    run(scenario())
