"""The demo charger against a minimal CSMS over real websockets on 127.0.0.1.

Every test runs a scenario with ``asyncio.run`` (no pytest-asyncio) and ends by checking that
every frame recorded on both sides is valid against the official schemas.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

import pytest
from websockets.asyncio.server import serve

from ocpp_studio.core.records import MemoryRecorder
from ocpp_studio.core.rpc import CallError, RpcEndpoint
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.demo.profiles import format_time

V16, V201 = OcppVersion.V16, OcppVersion.V201
TIMEOUT = 10.0


def _now() -> str:
    return format_time(datetime.now(timezone.utc))


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class MiniCsms:
    """Just enough of a central system: answers every charger-initiated message."""

    def __init__(self, heartbeat_interval: int = 60) -> None:
        self.recorder = MemoryRecorder()
        self.heartbeat_interval = heartbeat_interval
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.endpoint: RpcEndpoint | None = None
        self.connections = 0
        self.auth_headers: list[str | None] = []
        self.tx_counter = 100
        self._changed = asyncio.Event()

    async def start(self) -> None:
        self.server = await serve(self._serve, "127.0.0.1", 0,
                                  subprotocols=["ocpp1.6", "ocpp2.0.1"])  # type: ignore[list-item]
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def _notify(self) -> None:
        old, self._changed = self._changed, asyncio.Event()
        old.set()

    async def _serve(self, ws: Any) -> None:
        version = OcppVersion(ws.subprotocol)
        self.connections += 1
        self.auth_headers.append(ws.request.headers.get("Authorization"))
        endpoint = RpcEndpoint(version=version, role="csms",
                               charger_id=ws.request.path.rsplit("/", 1)[-1], send=ws.send,
                               recorder=self.recorder, handler=self._answerer(version),
                               connection_id=self.connections)
        self.endpoint = endpoint
        self._notify()
        try:
            async for message in ws:
                await endpoint.receive(message)
        except Exception:  # noqa: BLE001 - connection dropped
            pass
        finally:
            endpoint.close()
            self._notify()

    def _answerer(self, version: OcppVersion) -> Callable[[str, Any], Any]:
        def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
            self.received.append((action, payload))
            self._notify()
            if action == "BootNotification":
                return {"status": "Accepted", "currentTime": _now(),
                        "interval": self.heartbeat_interval}
            if action == "Heartbeat":
                return {"currentTime": _now()}
            if action == "Authorize":
                key = "idTagInfo" if version is V16 else "idTokenInfo"
                return {key: {"status": "Accepted"}}
            if action == "StartTransaction":
                self.tx_counter += 1
                return {"transactionId": self.tx_counter, "idTagInfo": {"status": "Accepted"}}
            if action == "StopTransaction":
                return {"idTagInfo": {"status": "Accepted"}}
            return {}  # StatusNotification, MeterValues, TransactionEvent, NotifyReport, ...
        return answer

    # ------------------------------------------------------------ helpers
    def messages(self, action: str) -> list[dict[str, Any]]:
        return [p for a, p in self.received if a == action]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
        async with asyncio.timeout(timeout):
            while True:
                event = self._changed
                result = predicate()
                if result:
                    return result
                await event.wait()

    async def wait_count(self, action: str, count: int, timeout: float = TIMEOUT
                         ) -> list[dict[str, Any]]:
        await self.wait_for(lambda: len(self.messages(action)) >= count, timeout)
        return self.messages(action)

    async def call(self, action: str, payload: dict[str, Any]) -> Any:
        await self.wait_for(lambda: self.endpoint is not None and not self.endpoint.closed)
        assert self.endpoint is not None
        return await self.endpoint.call(action, payload, timeout=TIMEOUT)


def assert_all_valid(*recorders: MemoryRecorder) -> None:
    for recorder in recorders:
        bad = [(f.action, f.problem, f.raw[:300]) for f in recorder.frames if f.valid is not True]
        assert not bad, f"invalid frames: {bad}"


Scenario = Callable[[MiniCsms, DemoCharger], Awaitable[None]]


def run_scenario(version: OcppVersion, scenario: Scenario, *, heartbeat: int = 60,
                 wait_boot: bool = True, **config: Any) -> None:
    async def main() -> None:
        csms = MiniCsms(heartbeat_interval=heartbeat)
        await csms.start()
        settings = dict(charger_id="DEMO-16" if version is V16 else "DEMO-201", version=version,
                        seed=7)
        settings.update(config)
        charger = DemoCharger(f"ws://127.0.0.1:{csms.port}/ocpp",
                              DemoChargerConfig(**settings))  # type: ignore[arg-type]
        task = asyncio.create_task(charger.run())
        try:
            if wait_boot:
                assert await charger.wait_booted(TIMEOUT)
                # the post-boot StatusNotifications have gone out
                await csms.wait_count("StatusNotification",
                                      charger.config.connectors + (1 if version is V16 else 0))
            await scenario(csms, charger)
        finally:
            await charger.stop()
            await asyncio.wait_for(task, TIMEOUT)
            await csms.close()
        assert charger.recorder.frames, "the charger recorded nothing"
        assert_all_valid(csms.recorder, charger.recorder)  # type: ignore[arg-type]

    asyncio.run(asyncio.wait_for(main(), 40))


def statuses(csms: MiniCsms, connector: int) -> list[str]:
    out = []
    for payload in csms.messages("StatusNotification"):
        if payload.get("connectorId") == connector and "status" in payload:
            out.append(payload["status"])
        elif payload.get("evseId") == connector:
            out.append(payload["connectorStatus"])
    return out


def sampled(meter_value: dict[str, Any], measurand: str) -> list[dict[str, Any]]:
    return [s for s in meter_value["sampledValue"] if s.get("measurand") == measurand]


# ====================================================================== boot
@pytest.mark.parametrize("version", [V16, V201])
def test_boot_status_and_heartbeat(version: OcppVersion) -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        boot = csms.messages("BootNotification")[0]
        if version is V16:
            assert boot["chargePointVendor"] == "OCPP Studio"
            assert statuses(csms, 0) == ["Available"]
        else:
            assert boot["reason"] == "PowerUp"
            assert boot["chargingStation"]["model"] == "Demo 7kW"
        assert statuses(csms, 1) == ["Available"]
        # the CSMS said interval=1: a heartbeat follows a second of silence
        await csms.wait_count("Heartbeat", 1, timeout=5)
        assert charger.connection_count == 1 and charger.boot_count == 1

    run_scenario(version, scenario, heartbeat=1)


@pytest.mark.parametrize("version", [V16, V201])
def test_basic_auth_header(version: OcppVersion) -> None:
    password = "0123456789abcdef0123"

    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        expected = base64.b64encode(f"{charger.config.charger_id}:{password}".encode()).decode()
        assert csms.auth_headers == [f"Basic {expected}"]

    run_scenario(version, scenario, basic_auth_password=password)


def test_unsupported_action_is_not_supported() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        with pytest.raises(CallError) as info:
            await csms.call("CancelReservation", {"reservationId": 1})  # reservations: none
        assert info.value.code == "NotSupported"

    run_scenario(V16, scenario)


# =============================================================== 1.6 config
def test_get_configuration_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        everything = await csms.call("GetConfiguration", {})
        keys = {k["key"]: k for k in everything["configurationKey"]}
        for name in ("ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit",
                     "ChargingScheduleMaxPeriods", "MaxChargingProfilesInstalled",
                     "GetConfigurationMaxKeys", "HeartbeatInterval", "MeterValueSampleInterval",
                     "MeterValuesSampledData", "SupportedFeatureProfiles", "SecurityProfile",
                     "NumberOfConnectors"):
            assert name in keys, name
        assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True,
                                              "value": "1"}
        assert keys["HeartbeatInterval"]["readonly"] is False
        assert "AuthorizationKey" not in keys  # write-only (OCPP-J 1.6 errata §3.12)
        assert "unknownKey" not in everything

        some = await csms.call("GetConfiguration",
                               {"key": ["HeartbeatInterval", "NoSuchKey", "AuthorizationKey"]})
        assert some["unknownKey"] == ["NoSuchKey"]
        by_key = {k["key"]: k for k in some["configurationKey"]}
        assert by_key["HeartbeatInterval"]["value"] == "60"
        assert "value" not in by_key["AuthorizationKey"]

    run_scenario(V16, scenario)


def test_change_configuration_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        async def change(key: str, value: str) -> str:
            return (await csms.call("ChangeConfiguration", {"key": key, "value": value}))["status"]

        assert await change("HeartbeatInterval", "30") == "Accepted"
        assert charger.configuration.value("HeartbeatInterval") == "30"  # type: ignore[union-attr]
        assert await change("HeartbeatInterval", "soon") == "Rejected"
        assert await change("MeterValueSampleInterval", "-1") == "Rejected"
        assert await change("NumberOfConnectors", "2") == "Rejected"  # read-only
        assert await change("ChargeProfileMaxStackLevel", "99") == "Rejected"
        assert await change("NoSuchKey", "1") == "NotSupported"
        assert await change("WebSocketPingInterval", "60") == "RebootRequired"
        assert await change("MeterValuesSampledData", "Voltage,Bogus") == "Rejected"
        assert await change("MeterValuesSampledData",
                            "Power.Active.Import,Current.Import.L1") == "Accepted"
        assert await change("AuthorizationKey", "short") == "Rejected"
        assert await change("AuthorizationKey", "00112233445566778899aabbccddeeff") == "Accepted"
        got = await csms.call("GetConfiguration", {"key": ["AuthorizationKey"]})
        assert "value" not in got["configurationKey"][0]
        # Security whitepaper A05.FR.01/03: never downwards, no profile 2/3 without certificates
        assert await change("SecurityProfile", "0") == "Rejected"
        assert await change("SecurityProfile", "2") == "Rejected"

    run_scenario(V16, scenario)


def test_security_profile_upgrade_reconnects_with_basic_auth() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        key = "00112233445566778899aabbccddeeff"
        for k, v in (("AuthorizationKey", key), ("SecurityProfile", "1")):
            assert (await csms.call("ChangeConfiguration", {"key": k, "value": v}))[
                "status"] == "Accepted"
        await csms.wait_for(lambda: csms.connections == 2 and len(csms.auth_headers) == 2)
        expected = base64.b64encode(f"DEMO-16:{key}".encode()).decode()
        assert csms.auth_headers == [None, f"Basic {expected}"]
        # a reconnect is not a reboot: no second BootNotification
        await csms.wait_count("StatusNotification", 4)
        assert len(csms.messages("BootNotification")) == 1

    run_scenario(V16, scenario)


# ==================================================================== metering
def test_meter_values_every_second_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        assert await charger.start_charging(1, "DEMO-TAG")
        assert 7000 < charger.power_w(1) < 7400  # 32 A x 230 V single phase
        result = await csms.call("ChangeConfiguration",
                                 {"key": "MeterValueSampleInterval", "value": "1"})
        assert result["status"] == "Accepted"
        values = await csms.wait_count("MeterValues", 4, timeout=10)
        stamps = [_ts(v["meterValue"][0]["timestamp"]) for v in values[-3:]]
        gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:])]
        assert all(0.8 <= gap <= 1.3 for gap in gaps), gaps
        last = values[-1]
        assert last["transactionId"] == int(charger.transaction_id(1) or 0)
        power = sampled(last["meterValue"][0], "Power.Active.Import")
        assert power and power[0]["unit"] == "W" and isinstance(power[0]["value"], str)
        assert 7000 < float(power[0]["value"]) < 7400
        energy = [float(sampled(v["meterValue"][0], "Energy.Active.Import.Register")[0]["value"])
                  for v in values[-3:]]
        assert energy[0] < energy[1] < energy[2]
        currents = sampled(last["meterValue"][0], "Current.Import")
        assert [c["phase"] for c in currents] == ["L1"]
        voltage = sampled(last["meterValue"][0], "Voltage")[0]
        assert 225 < float(voltage["value"]) < 235 and voltage["phase"] == "L1-N"
        await charger.stop_charging(1)
        stop = (await csms.wait_count("StopTransaction", 1))[0]
        assert stop["reason"] == "Local" and stop["meterStop"] >= int(energy[0])
        assert statuses(csms, 1) == ["Available", "Preparing", "Charging", "Finishing",
                                     "Available"]

    run_scenario(V16, scenario)


def test_three_phase_11kw_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        assert 10_500 < charger.power_w(1) < 11_100
        await csms.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})
        values = await csms.wait_count("MeterValues", 1)
        mv = values[-1]["meterValue"][0]
        assert [c["phase"] for c in sampled(mv, "Current.Import")] == ["L1", "L2", "L3"]
        assert all(15 < float(c["value"]) <= 16 for c in sampled(mv, "Current.Import"))
        assert all(s["context"] == "Trigger" for s in mv["sampledValue"])

    run_scenario(V16, scenario, phases=3, max_current_a=16.0, model="Demo 11kW")


def test_three_phase_charger_under_a_single_phase_limit_charges_on_one_phase() -> None:
    """A site limit of 16 A with numberPhases 1 on an 11 kW three-phase charger: it charges
    at about 3.7 kW on L1 only (as phase-switching wall boxes do), and its composite schedule
    says 3,680 W; it used to draw 11 kW, or nothing once the limit was read as 5.3 A a phase."""
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        assert charger.power_w(1) > 10_000
        profile = {"id": 7, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
                   "chargingProfileKind": "Absolute", "chargingSchedule": [{
                       "id": 1, "chargingRateUnit": "A",
                       "startSchedule": format_time(datetime.now(timezone.utc)
                                                    - timedelta(minutes=1)),
                       "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16,
                                                   "numberPhases": 1}]}]}
        reply = await csms.call("SetChargingProfile", {"evseId": 0, "chargingProfile": profile})
        assert reply["status"] == "Accepted"
        assert 3400 < charger.power_w(1) <= 3680
        currents = charger.connectors[1].currents  # what its meter measures, L1..L3
        assert len(currents) == 3 and 15 < currents[0] <= 16 and currents[1:] == [0.0, 0.0]
        composite = await csms.call("GetCompositeSchedule", {"evseId": 0, "duration": 60,
                                                             "chargingRateUnit": "W"})
        assert composite["schedule"]["chargingSchedulePeriod"][0]["limit"] == 3680

    run_scenario(V201, scenario, phases=3, max_current_a=16.0, model="Demo 11kW")


def test_tx_updated_interval_v201() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        result = await csms.call("SetVariables", {"setVariableData": [{
            "component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
            "attributeValue": "1"}]})
        assert result["setVariableResult"][0]["attributeStatus"] == "Accepted"
        assert await charger.start_charging(1, "DEMO-TAG")
        await csms.wait_for(lambda: len([e for e in csms.messages("TransactionEvent")
                                         if e["eventType"] == "Updated"]) >= 3)
        events = csms.messages("TransactionEvent")
        started = events[0]
        assert started["eventType"] == "Started" and started["seqNo"] == 0
        assert started["triggerReason"] == "Authorized"
        assert started["evse"] == {"id": 1, "connectorId": 1}
        updates = [e for e in events if e["eventType"] == "Updated"][:3]
        assert [e["triggerReason"] for e in updates] == ["MeterValuePeriodic"] * 3
        stamps = [_ts(e["meterValue"][0]["timestamp"]) for e in updates]
        gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:])]
        assert all(0.8 <= gap <= 1.3 for gap in gaps), gaps
        power = sampled(updates[-1]["meterValue"][0], "Power.Active.Import")[0]
        assert not isinstance(power["value"], str)  # 2.0.1: numbers
        assert 7000 < float(power["value"]) < 7400
        assert power["unitOfMeasure"] == {"unit": "W"}
        await charger.stop_charging(1)
        ended = await csms.wait_for(lambda: [e for e in csms.messages("TransactionEvent")
                                             if e["eventType"] == "Ended"])
        seqs = [e["seqNo"] for e in csms.messages("TransactionEvent")]
        assert seqs == list(range(len(seqs)))
        assert ended[0]["transactionInfo"]["stoppedReason"] == "Local"
        assert statuses(csms, 1) == ["Available", "Occupied", "Available"]

    run_scenario(V201, scenario)


# ============================================================ 2.0.1 device model
def test_get_base_report_v201() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        reply = await csms.call("GetBaseReport", {"requestId": 42, "reportBase": "FullInventory"})
        assert reply["status"] == "Accepted"
        parts = await csms.wait_for(
            lambda: [p for p in csms.messages("NotifyReport") if p.get("tbc") is False]
            and csms.messages("NotifyReport"))
        assert len(parts) >= 3
        assert [p["seqNo"] for p in parts] == list(range(len(parts)))
        assert all(p["tbc"] for p in parts[:-1]) and parts[-1]["tbc"] is False
        assert {p["requestId"] for p in parts} == {42}
        entries = [e for p in parts for e in p["reportData"]]
        names = {(e["component"]["name"], e["variable"]["name"]) for e in entries}
        for expected in (("OCPPCommCtrlr", "HeartbeatInterval"),
                         ("SampledDataCtrlr", "TxUpdatedInterval"),
                         ("SmartChargingCtrlr", "ProfileStackLevel"),
                         ("DeviceDataCtrlr", "ItemsPerMessage"),
                         ("SecurityCtrlr", "SecurityProfile"),
                         ("ChargingStation", "AvailabilityState"),
                         ("EVSE", "Power"), ("Connector", "ConnectorType")):
            assert expected in names, expected
        heartbeat = next(e for e in entries if e["variable"]["name"] == "HeartbeatInterval")
        assert heartbeat["variableAttribute"][0]["mutability"] == "ReadWrite"
        assert heartbeat["variableCharacteristics"]["unit"] == "s"
        password = next(e for e in entries if e["variable"]["name"] == "BasicAuthPassword")
        assert "value" not in password["variableAttribute"][0]
        power = next(e for e in entries if e["component"]["name"] == "EVSE"
                     and e["variable"]["name"] == "Power")
        assert {a["type"] for a in power["variableAttribute"]} == {"Actual", "MaxSet"}
        assert power["component"]["evse"] == {"id": 1}

        reply = await csms.call("GetBaseReport", {"requestId": 43,
                                                  "reportBase": "ConfigurationInventory"})
        assert reply["status"] == "Accepted"
        await csms.wait_for(lambda: any(p["requestId"] == 43 and p.get("tbc") is False
                                        for p in csms.messages("NotifyReport")))

    run_scenario(V201, scenario)


def test_get_report_v201_reports_only_the_named_variables() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        wanted = {"component": {"name": "SampledDataCtrlr"},
                  "variable": {"name": "TxUpdatedInterval"}}
        reply = await csms.call("GetReport", {"requestId": 51, "componentVariable": [wanted]})
        assert reply["status"] == "Accepted"
        parts = await csms.wait_for(lambda: [p for p in csms.messages("NotifyReport")
                                             if p["requestId"] == 51])
        assert [(e["component"]["name"], e["variable"]["name"])
                for e in parts[0]["reportData"]] == [("SampledDataCtrlr", "TxUpdatedInterval")]
        # a whole component, EVSE-bound variables by EVSE id
        reply = await csms.call("GetReport", {"requestId": 52, "componentVariable": [
            {"component": {"name": "EVSE", "evse": {"id": 1}}}]})
        assert reply["status"] == "Accepted"
        await csms.wait_for(lambda: [p for p in csms.messages("NotifyReport")
                                     if p["requestId"] == 52 and not p["tbc"]])
        entries = [e for p in csms.messages("NotifyReport") if p["requestId"] == 52
                   for e in p["reportData"]]
        assert {e["component"]["name"] for e in entries} == {"EVSE"}
        assert {e["component"]["evse"]["id"] for e in entries} == {1}
        for missing in ({"requestId": 53, "componentVariable": [{"component": {"name": "Nope"}}]},
                        {"requestId": 54, "componentCriteria": ["Problem"]}):
            assert (await csms.call("GetReport", missing))["status"] == "EmptyResultSet"

    run_scenario(V201, scenario)


def test_get_and_set_variables_v201() -> None:
    def item(component: str, variable: str, value: str | None = None, **extra: Any
             ) -> dict[str, Any]:
        data: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
        if value is not None:
            data["attributeValue"] = value
        data.update(extra)
        return data

    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        got = await csms.call("GetVariables", {"getVariableData": [
            item("OCPPCommCtrlr", "HeartbeatInterval"),
            item("NoSuchCtrlr", "X"),
            item("OCPPCommCtrlr", "NoSuchVariable"),
            item("OCPPCommCtrlr", "HeartbeatInterval", attributeType="MaxSet"),
            item("SecurityCtrlr", "BasicAuthPassword"),
            {"component": {"name": "DeviceDataCtrlr"},
             "variable": {"name": "ItemsPerMessage", "instance": "GetVariables"}},
        ]})
        statuses_ = [r["attributeStatus"] for r in got["getVariableResult"]]
        assert statuses_ == ["Accepted", "UnknownComponent", "UnknownVariable",
                             "NotSupportedAttributeType", "Rejected", "Accepted"]
        assert got["getVariableResult"][0]["attributeValue"] == "60"
        assert got["getVariableResult"][5]["attributeValue"] == "16"

        result = await csms.call("SetVariables", {"setVariableData": [
            item("OCPPCommCtrlr", "HeartbeatInterval", "30"),
            item("OCPPCommCtrlr", "HeartbeatInterval", "often"),
            item("ChargingStation", "Model", "Other"),
            item("NoSuchCtrlr", "X", "1"),
            item("OCPPCommCtrlr", "NoSuchVariable", "1"),
            item("OCPPCommCtrlr", "WebSocketPingInterval", "60"),
            item("SampledDataCtrlr", "TxUpdatedMeasurands", "Power.Active.Import,Bogus"),
            item("SampledDataCtrlr", "TxUpdatedMeasurands", "Power.Active.Import,Voltage"),
        ]})
        assert [r["attributeStatus"] for r in result["setVariableResult"]] == [
            "Accepted", "Rejected", "Rejected", "UnknownComponent", "UnknownVariable",
            "RebootRequired", "Rejected", "Accepted"]
        dm = charger.configuration
        assert dm.actual("OCPPCommCtrlr", "HeartbeatInterval") == "30"  # type: ignore[union-attr]

        with pytest.raises(CallError) as info:  # more than ItemsPerMessage(GetVariables)
            await csms.call("GetVariables", {"getVariableData": [
                item("OCPPCommCtrlr", "HeartbeatInterval")] * 17})
        assert info.value.code == "OccurrenceConstraintViolation"

    run_scenario(V201, scenario)


# ============================================================= smart charging
def _profile16(limit: float, unit: str = "A", purpose: str = "TxDefaultProfile",
               profile_id: int = 1, stack: int = 0) -> dict[str, Any]:
    return {"chargingProfileId": profile_id, "stackLevel": stack,
            "chargingProfilePurpose": purpose, "chargingProfileKind": "Relative",
            "chargingSchedule": {"chargingRateUnit": unit, "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": limit}]}}


def test_set_charging_profile_limits_power_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        assert charger.power_w(1) > 7000
        reply = await csms.call("SetChargingProfile",
                                {"connectorId": 1, "csChargingProfiles": _profile16(6)})
        assert reply["status"] == "Accepted"
        assert 1250 < charger.power_w(1) <= 1380  # 6 A x 230 V
        composite = await csms.call("GetCompositeSchedule", {"connectorId": 1, "duration": 3600})
        assert composite["status"] == "Accepted"
        periods = composite["chargingSchedule"]["chargingSchedulePeriod"]
        assert composite["chargingSchedule"]["chargingRateUnit"] == "A"
        assert periods == [{"startPeriod": 0, "limit": 6}]
        in_watts = await csms.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60,
                                                            "chargingRateUnit": "W"})
        assert in_watts["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 1380
        # a TxProfile overrides the TxDefaultProfile; the ChargePointMaxProfile caps both
        tx = _profile16(10, purpose="TxProfile", profile_id=2)
        assert (await csms.call("SetChargingProfile", {"connectorId": 1,
                                                       "csChargingProfiles": tx}))["status"] == "Accepted"
        assert 2100 < charger.power_w(1) <= 2300
        cap = _profile16(8, purpose="ChargePointMaxProfile", profile_id=3)
        assert (await csms.call("SetChargingProfile", {"connectorId": 1,
                                                       "csChargingProfiles": cap}))["status"] == "Rejected"
        assert (await csms.call("SetChargingProfile", {"connectorId": 0,
                                                       "csChargingProfiles": cap}))["status"] == "Accepted"
        assert 1700 < charger.power_w(1) <= 1840
        # below 6 A the EVSE suspends charging
        assert (await csms.call("SetChargingProfile", {"connectorId": 0, "csChargingProfiles":
                                                       _profile16(0, purpose="ChargePointMaxProfile",
                                                                  profile_id=3)}))["status"] == "Accepted"
        assert charger.power_w(1) == 0
        await csms.wait_for(lambda: statuses(csms, 1)[-1] == "SuspendedEVSE")
        cleared = await csms.call("ClearChargingProfile", {})
        assert cleared["status"] == "Accepted"
        assert charger.power_w(1) > 7000
        await csms.wait_for(lambda: statuses(csms, 1)[-1] == "Charging")
        assert (await csms.call("ClearChargingProfile", {"id": 99}))["status"] == "Unknown"
        # a stack level above ChargeProfileMaxStackLevel is rejected
        assert (await csms.call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles":
                                                       _profile16(6, stack=9)}))["status"] == "Rejected"

    run_scenario(V16, scenario)


def test_set_charging_profile_limits_power_v201() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        assert charger.power_w(1) > 7000
        profile = {"id": 5, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
                   "chargingProfileKind": "Absolute", "chargingSchedule": [{
                       "id": 1, "chargingRateUnit": "W",
                       "startSchedule": format_time(datetime.now(timezone.utc)
                                                    - timedelta(minutes=1)),
                       "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 1380}]}]}
        reply = await csms.call("SetChargingProfile", {"evseId": 0, "chargingProfile": profile})
        assert reply["status"] == "Accepted"
        assert 1250 < charger.power_w(1) <= 1380
        composite = await csms.call("GetCompositeSchedule", {"evseId": 1, "duration": 600,
                                                             "chargingRateUnit": "W"})
        assert composite["status"] == "Accepted"
        assert composite["schedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0,
                                                                    "limit": 1380}]
        # a TxProfile needs a transaction on that EVSE
        tx_profile = dict(profile, id=6, chargingProfilePurpose="TxProfile")
        assert (await csms.call("SetChargingProfile", {"evseId": 0, "chargingProfile":
                                                       tx_profile}))["status"] == "Rejected"
        cleared = await csms.call("ClearChargingProfile", {"chargingProfileId": 5})
        assert cleared["status"] == "Accepted"
        assert charger.power_w(1) > 7000

    run_scenario(V201, scenario)


# ============================================================== remote start/stop
def test_remote_start_stop_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        reply = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "APP-1",
                                                           "chargingProfile": dict(
                                                               _profile16(16, purpose="TxProfile"),
                                                               chargingProfileId=9)})
        assert reply["status"] == "Accepted"
        start = (await csms.wait_count("StartTransaction", 1))[0]
        assert start["idTag"] == "APP-1" and start["connectorId"] == 1
        assert not csms.messages("Authorize")  # AuthorizeRemoteTxRequests is false
        await csms.wait_for(lambda: "Charging" in statuses(csms, 1))
        assert 3400 < charger.power_w(1) <= 3680  # the TxProfile's 16 A
        tx_id = int(charger.transaction_id(1) or 0)
        busy = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "APP-2"})
        assert busy["status"] == "Rejected"
        assert (await csms.call("RemoteStopTransaction", {"transactionId": 999}))[
            "status"] == "Rejected"
        reply = await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
        assert reply["status"] == "Accepted"
        stop = (await csms.wait_count("StopTransaction", 1))[0]
        assert stop["transactionId"] == tx_id and stop["reason"] == "Remote"
        contexts = {s["context"] for mv in stop["transactionData"] for s in mv["sampledValue"]}
        assert contexts == {"Transaction.Begin", "Transaction.End"}
        await csms.wait_for(lambda: statuses(csms, 1)[-1:] == ["Available"])
        assert statuses(csms, 1) == ["Available", "Preparing", "Charging", "Finishing",
                                     "Available"]
        assert not charger.profiles.profiles  # the TxProfile ended with its transaction

    run_scenario(V16, scenario, unplug_delay_s=0.1)


def test_request_start_stop_v201() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        reply = await csms.call("RequestStartTransaction", {
            "evseId": 1, "remoteStartId": 77, "idToken": {"idToken": "APP-1", "type": "Central"}})
        assert reply["status"] == "Accepted"
        started = (await csms.wait_count("TransactionEvent", 1))[0]
        assert started["eventType"] == "Started" and started["triggerReason"] == "RemoteStart"
        assert started["seqNo"] == 0
        assert started["transactionInfo"]["remoteStartId"] == 77
        assert started["idToken"] == {"idToken": "APP-1", "type": "Central"}
        begin = sampled(started["meterValue"][0], "Energy.Active.Import.Register")[0]
        assert begin["context"] == "Transaction.Begin" and not isinstance(begin["value"], str)
        tx_id = started["transactionInfo"]["transactionId"]
        assert (await csms.call("RequestStopTransaction", {"transactionId": "nope"}))[
            "status"] == "Rejected"
        trig = await csms.call("TriggerMessage", {"requestedMessage": "TransactionEvent",
                                                  "evse": {"id": 1}})
        assert trig["status"] == "Accepted"
        reply = await csms.call("RequestStopTransaction", {"transactionId": tx_id})
        assert reply["status"] == "Accepted"
        ended = await csms.wait_for(lambda: [e for e in csms.messages("TransactionEvent")
                                             if e["eventType"] == "Ended"])
        assert ended[0]["triggerReason"] == "RemoteStop"
        assert ended[0]["transactionInfo"]["stoppedReason"] == "Remote"
        events = csms.messages("TransactionEvent")
        assert [e["seqNo"] for e in events] == list(range(len(events)))
        assert any(e["triggerReason"] == "Trigger" for e in events)
        await csms.wait_for(lambda: statuses(csms, 1)[-1:] == ["Available"])
        assert statuses(csms, 1) == ["Available", "Occupied", "Available"]

    run_scenario(V201, scenario, unplug_delay_s=0.1)


# ======================================================================= reset
def test_soft_reset_reconnects_and_boots_again_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        reply = await csms.call("Reset", {"type": "Soft"})
        assert reply["status"] == "Accepted"
        stop = (await csms.wait_count("StopTransaction", 1))[0]
        assert stop["reason"] == "SoftReset"
        await csms.wait_count("BootNotification", 2)
        await csms.wait_for(lambda: charger.boot_count == 2)
        assert csms.connections == 2
        # the EV is still plugged in after the reboot
        await csms.wait_for(lambda: statuses(csms, 1)[-1] == "Preparing")

    run_scenario(V16, scenario)


def test_hard_reset_sends_stop_after_boot_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        assert (await csms.call("Reset", {"type": "Hard"}))["status"] == "Accepted"
        stop = (await csms.wait_count("StopTransaction", 1))[0]
        assert stop["reason"] == "HardReset"
        order = [a for a, _ in csms.received]
        assert order.index("StopTransaction") > len(order) - 1 - order[::-1].index(
            "BootNotification")

    run_scenario(V16, scenario)


def test_reset_v201() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        await charger.start_charging(1)
        assert (await csms.call("Reset", {"type": "OnIdle"}))["status"] == "Scheduled"
        assert (await csms.call("Reset", {"type": "Immediate"}))["status"] == "Accepted"
        ended = await csms.wait_for(lambda: [e for e in csms.messages("TransactionEvent")
                                             if e["eventType"] == "Ended"])
        assert ended[0]["triggerReason"] == "ResetCommand"
        assert ended[0]["transactionInfo"]["stoppedReason"] == "ImmediateReset"
        boots = await csms.wait_count("BootNotification", 2)
        assert boots[1]["reason"] == "RemoteReset"
        await csms.wait_for(lambda: charger.boot_count == 2)

    run_scenario(V201, scenario)


# ============================================================== trigger message
def test_trigger_message_v16() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        async def trigger(message: str, **extra: Any) -> str:
            reply = await csms.call("TriggerMessage", {"requestedMessage": message, **extra})
            return reply["status"]

        assert await trigger("StatusNotification") == "Accepted"
        await csms.wait_count("StatusNotification", 4)  # 2 after boot + charger + connector
        assert await trigger("StatusNotification", connectorId=1) == "Accepted"
        await csms.wait_count("StatusNotification", 5)
        assert await trigger("Heartbeat") == "Accepted"
        await csms.wait_count("Heartbeat", 1)
        assert await trigger("MeterValues", connectorId=1) == "Accepted"
        values = await csms.wait_count("MeterValues", 1)
        assert "transactionId" not in values[0]  # no transaction running
        assert await trigger("BootNotification") == "Accepted"
        await csms.wait_count("BootNotification", 2)
        assert await trigger("StatusNotification", connectorId=5) == "Rejected"
        assert await trigger("FirmwareStatusNotification") == "Accepted"
        await csms.wait_count("FirmwareStatusNotification", 1)

    run_scenario(V16, scenario)


def test_trigger_message_v201() -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        async def trigger(message: str, **extra: Any) -> str:
            reply = await csms.call("TriggerMessage", {"requestedMessage": message, **extra})
            return reply["status"]

        # F06.FR.17: no BootNotification on request once it was Accepted
        assert await trigger("BootNotification") == "Rejected"
        assert await trigger("Heartbeat") == "Accepted"
        await csms.wait_count("Heartbeat", 1)
        assert await trigger("StatusNotification", evse={"id": 1, "connectorId": 1}) == "Accepted"
        await csms.wait_count("StatusNotification", 2)
        assert await trigger("MeterValues") == "Accepted"
        values = await csms.wait_count("MeterValues", 1)
        assert values[0]["evseId"] == 1
        assert await trigger("LogStatusNotification") == "NotImplemented"

    run_scenario(V201, scenario)


# ==================================================================== auto charge
@pytest.mark.parametrize("version", [V16, V201])
def test_auto_charge(version: OcppVersion) -> None:
    async def scenario(csms: MiniCsms, charger: DemoCharger) -> None:
        if version is V16:
            await csms.wait_count("StartTransaction", 1)
        else:
            await csms.wait_count("TransactionEvent", 1)
        await csms.wait_for(lambda: charger.transaction_id(1) is not None)
        assert charger.power_w(1) > 7000

    run_scenario(version, scenario, auto_charge=True)
