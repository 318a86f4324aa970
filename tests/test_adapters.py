"""One adapter per OCPP version: every request it builds is schema-valid for its version, and
reads and writes go out in the messages and batches the version uses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ocpp_studio.core.rpc import CallError, CallTimeout
from ocpp_studio.core.errors import Fault
from ocpp_studio.core.schemas import validate
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.station.adapters import (MessageLimits, NotBound, Ocpp16Adapter,
                                          Ocpp201Adapter, Ocpp21Adapter, VariableName,
                                          adapter_for)

VERSIONS = list(OcppVersion)

PROFILE = {  # the neutral shape: a 1.6 csChargingProfiles body
    "chargingProfileId": 9100, "stackLevel": 1, "chargingProfileKind": "Recurring",
    "recurrencyKind": "Daily", "chargingProfilePurpose": "ChargePointMaxProfile",
    "chargingSchedule": {"chargingRateUnit": "W", "duration": 86400,
                         "startSchedule": "2026-01-01T00:00:00.000Z",
                         "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400},
                                                    {"startPeriod": 3600, "limit": 0}]}}


class FakeCharger:
    """Records the calls an adapter makes and answers them with ``answer(action, payload)``."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict]] = []

    async def __call__(self, action: str, payload: dict) -> Any:
        self.calls.append((action, payload))
        result = self.answer(action, payload)
        if isinstance(result, Exception):
            raise result
        return result


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_factory_picks_one_adapter_per_version():
    assert type(adapter_for(OcppVersion.V16)) is Ocpp16Adapter
    assert type(adapter_for(OcppVersion.V201)) is Ocpp201Adapter
    assert type(adapter_for("ocpp2.1")) is Ocpp21Adapter
    assert [adapter_for(v).label for v in VERSIONS] == ["1.6", "2.0.1", "2.1"]
    assert [adapter_for(v).settings_grouped_by_component for v in VERSIONS] == [False, True, True]
    assert [adapter_for(v).connector_field for v in VERSIONS] == ["connectorId", "evseId",
                                                                   "evseId"]
    assert adapter_for("2.1").interval_setting == "SampledDataCtrlr.TxUpdatedInterval"
    assert adapter_for("1.6").measurands_setting == "MeterValuesSampledData"
    with pytest.raises(NotBound):
        run(adapter_for("1.6").reset())


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.label)
def test_every_request_is_schema_valid(version):
    adapter = adapter_for(version)
    name = "HeartbeatInterval" if version is OcppVersion.V16 else "OCPPCommCtrlr.HeartbeatInterval"
    requests = [
        adapter.reset_request(), adapter.reset_request(hard=True),
        adapter.trigger_request("StatusNotification"),
        adapter.trigger_request("StatusNotification", evse=1, connector=1),
        adapter.start_charge_request("TAG", connector=1, remote_start_id=42),
        adapter.start_charge_request("TAG"),
        adapter.stop_charge_request("17"),
        adapter.set_profile_request(0, PROFILE),
        adapter.set_profile_request(1, {**PROFILE, "chargingProfilePurpose": "TxProfile",
                                        "transactionId": "17"}),
        adapter.clear_profile_request(9100),
        adapter.composite_schedule_request(0, 86400), adapter.composite_schedule_request(1, 60, None),
        adapter.read_settings_request([name]), adapter.write_setting_request(name, "300"),
    ]
    if adapter.settings_grouped_by_component:
        requests.append(adapter.report_request(5, full_inventory=True))
    for request in requests:
        assert validate(version, request.action, "request", request.payload) == [], request


def test_version_words_for_the_same_operation():
    v16, v201, v21 = (adapter_for(v) for v in VERSIONS)
    assert v16.reset_request().payload == {"type": "Soft"}
    assert v16.reset_request(hard=True).payload == {"type": "Hard"}
    assert v201.reset_request().payload == {"type": "OnIdle"}
    assert v21.reset_request(hard=True).payload == {"type": "Immediate"}
    assert v16.clear_profile_request(3).payload == {"id": 3}
    assert v21.clear_profile_request(3).payload == {"chargingProfileId": 3}
    assert v16.start_charge_request("T", 1).action == "RemoteStartTransaction"
    assert v201.start_charge_request("T", 1).payload["idToken"] == {"idToken": "T",
                                                                    "type": "Central"}
    assert v16.stop_charge_request("5").payload == {"transactionId": 5}
    assert v21.stop_charge_request("abc").payload == {"transactionId": "abc"}
    assert v16.trigger_request("MeterValues", connector=2).payload == {
        "requestedMessage": "MeterValues", "connectorId": 2}
    assert v201.trigger_request("StatusNotification", evse=1, connector=1).payload == {
        "requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}}
    assert v16.schedule_of({"status": "Accepted", "chargingSchedule": {"duration": 1}}) == {
        "duration": 1}
    assert v201.schedule_of({"status": "Accepted", "schedule": {"duration": 2}}) == {
        "duration": 2}
    assert v201.schedule_of({"status": "Rejected"}) is None


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.label)
def test_charging_profile_round_trip(version):
    adapter = adapter_for(version)
    request = adapter.set_profile_request(0, {**PROFILE, "transactionId": "17"})
    connector, profile = adapter.profile_from_request(request.payload)
    assert connector == 0
    expected = {**PROFILE, "transactionId": 17 if version is OcppVersion.V16 else "17"}
    assert profile == expected
    if version is not OcppVersion.V16:
        body = request.payload["chargingProfile"]
        assert body["chargingProfilePurpose"] == "ChargingStationMaxProfile"
        assert body["chargingSchedule"][0]["id"] == 1 and body["id"] == 9100


def test_16_reads_in_batches_of_get_configuration_max_keys():
    def answer(action, payload):
        return {"configurationKey": [{"key": k, "value": "1", "readonly": k == "A"}
                                     for k in payload["key"] if k != "C"],
                "unknownKey": [k for k in payload["key"] if k == "C"]}
    charger = FakeCharger(answer)
    adapter = adapter_for("1.6", charger)
    reads = run(adapter.read_settings(["A", "B", "C", "D", "E"], MessageLimits(2)))
    assert [c[1]["key"] for c in charger.calls] == [["A", "B"], ["C", "D"], ["E"]]
    assert [(r.name, r.value, r.status, r.readonly) for r in reads] == [
        ("A", "1", "Accepted", True), ("B", "1", "Accepted", False),
        ("D", "1", "Accepted", False), ("C", None, "UnknownKey", None),
        ("E", "1", "Accepted", False)]
    assert reads[3].unknown and not reads[3].found


def test_16_writes_one_key_per_message_and_keeps_failures():
    def answer(action, payload):
        if payload["key"] == "Gone":
            return CallTimeout("no answer")
        return {"status": "RebootRequired" if payload["key"] == "B" else "Accepted"}
    charger = FakeCharger(answer)
    seen = []
    writes = run(adapter_for("1.6", charger).write_settings(
        [("A", "1"), ("B", "2"), ("Gone", "3")], on_result=seen.append))
    assert [c[0] for c in charger.calls] == ["ChangeConfiguration"] * 3
    assert [(w.asked, w.status, w.taken) for w in writes] == [
        ("A", "Accepted", True), ("B", "RebootRequired", True), ("Gone", "", False)]
    assert isinstance(writes[2].error, CallTimeout) and seen == writes


@pytest.mark.parametrize("version", [OcppVersion.V201, OcppVersion.V21], ids=lambda v: v.label)
def test_2x_writes_batched_by_device_data_limits(version):
    def answer(action, payload):
        if action == "GetVariables":  # DeviceDataCtrlr limits
            return {"getVariableResult": [
                {"attributeStatus": "Accepted", "attributeValue": "2",
                 "component": r["component"], "variable": r["variable"]}
                if r["variable"]["name"] == "ItemsPerMessage" else
                {"attributeStatus": "UnknownVariable", "component": r["component"],
                 "variable": r["variable"]} for r in payload["getVariableData"]]}
        return {"setVariableResult": [
            {"attributeStatus": "Rejected" if r["variable"]["name"] == "B" else "Accepted",
             "component": r["component"], "variable": r["variable"]}
            for r in payload["setVariableData"] if r["variable"]["name"] != "C"]}
    charger = FakeCharger(answer)
    writes = run(adapter_for(version, charger).write_settings(
        [("X.A", "1"), ("X.B", "2"), ("X.C", "3")]))
    sets = [p["setVariableData"] for a, p in charger.calls if a == "SetVariables"]
    assert [len(b) for b in sets] == [2, 1]
    assert [(w.asked, w.status) for w in writes] == [("X.A", "Accepted"), ("X.B", "Rejected"),
                                                     ("X.C", "Error")]
    assert "did not mention" in writes[2].info


def test_2x_reads_match_answers_to_what_was_asked():
    def answer(action, payload):
        return {"getVariableResult": [
            {"attributeStatus": "Accepted", "attributeValue": 30,
             "component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}},
            {"attributeStatus": "UnknownVariable", "attributeStatusInfo": {"reasonCode": "x"},
             "component": {"name": "SampledDataCtrlr"},
             "variable": {"name": "TxUpdatedMeasurands"}}]}
    adapter = adapter_for("2.1", FakeCharger(answer))
    assert run(adapter.reporting()) == {"SampledDataCtrlr.TxUpdatedInterval": "30",
                                        "SampledDataCtrlr.TxUpdatedMeasurands": None}
    reads = run(adapter.read_settings([VariableName.parse("SampledDataCtrlr.TxUpdatedMeasurands")]))
    assert reads[1].unknown and reads[1].info == "x"


def test_2x_write_without_limits_reports_the_failure_per_setting():
    charger = FakeCharger(lambda a, p: CallError(Fault.NOT_IMPLEMENTED, "no"))
    writes = run(adapter_for("2.0.1", charger).write_settings([("X.A", "1")]))
    # unreadable DeviceDataCtrlr limits fall back to defaults; the write itself fails
    assert [a for a, _ in charger.calls] == ["GetVariables", "SetVariables"]
    assert isinstance(writes[0].error, CallError) and not writes[0].taken


def test_variable_name_parse():
    name = VariableName.parse("OCPPCommCtrlr[x].MessageTimeout[Default]")
    assert name.component_json() == {"name": "OCPPCommCtrlr", "instance": "x"}
    assert name.variable_json() == {"name": "MessageTimeout", "instance": "Default"}
    with pytest.raises(ValueError):
        VariableName.parse("NoDot")


def test_set_variables_batches_respect_bytes_per_message():
    """Moved from test_configuration_catalogue with the batching (2.0.1 B05.FR.03)."""
    import json
    from ocpp_studio.station.adapters.v201 import batches
    items = [{"attributeValue": "x" * 100, "component": {"name": "C"},
              "variable": {"name": f"V{i}"}} for i in range(10)]
    parts = batches(items, MessageLimits(50, 600), "SetVariables")
    assert sum(len(b) for b in parts) == 10 and len(parts) > 2
    assert all(len(json.dumps({"setVariableData": b})) < 600 for b in parts)
    assert [len(b) for b in batches(items, MessageLimits(3, 100_000), "SetVariables")] \
        == [3, 3, 3, 1]
