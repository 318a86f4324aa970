"""Meter data of every shape -> typed samples (1.6 §7.43/§7.45, 2.0.1 SampledValueType)."""

from __future__ import annotations

import json
import math

import pytest

from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.core.records import Direction, FrameRecord
from ocpp_studio.metering import POWER, MeteringService, SeriesKey, samples_from_frame
from ocpp_studio.metering.samples import parse_timestamp_us


def call(action: str, payload: dict, charger: str = "CP1", frame_id: int | None = 7) -> FrameRecord:
    raw = json.dumps([2, "u1", action, payload])
    return FrameRecord(charger=charger, direction=Direction.TO_CSMS, raw=raw, message_type=2,
                       unique_id="u1", action=action, ts_us=1_700_000_000_000_000, id=frame_id)


T0 = "2026-11-21T10:00:00.000Z"
T0_US = parse_timestamp_us(T0)

# A real-looking 1.6 MeterValues from a three-phase wall box: strings, kW/kWh, per phase.
MV16 = {
    "connectorId": 1, "transactionId": 42,
    "meterValue": [{"timestamp": T0, "sampledValue": [
        {"value": "12.345", "context": "Sample.Periodic", "format": "Raw",
         "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "kWh"},
        {"value": "3.68", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L1"},
        {"value": "3.70", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L2"},
        {"value": "3.62", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L3"},
        {"value": "16.02", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
        {"value": "231.4", "measurand": "Voltage", "unit": "V", "phase": "L1-N"},
        {"value": "55", "measurand": "SoC", "unit": "Percent", "location": "EV"},
        {"value": "32", "measurand": "Current.Offered", "unit": "A"},
        {"value": "38.5", "measurand": "Temperature", "unit": "Celsius", "location": "Body"},
    ]}]}


def by_measurand(samples, measurand, phase=None):
    return [s for s in samples if s.measurand == measurand and s.phase == phase]


def test_16_meter_values_strings_kw_kwh_phases():
    samples, problems = samples_from_frame(call("MeterValues", MV16))
    assert problems == []
    assert len(samples) == 9
    energy, = by_measurand(samples, "Energy.Active.Import.Register")
    assert energy.value == pytest.approx(12345.0) and energy.unit == "Wh"
    assert energy.ts_us == T0_US and energy.connector == "1" and energy.transaction_id == "42"
    assert energy.context == "Sample.Periodic" and energy.location == "Outlet"
    assert energy.frame_id == 7 and energy.charger == "CP1" and energy.signed is None
    l2, = by_measurand(samples, POWER, "L2")
    assert l2.value == pytest.approx(3700.0) and l2.unit == "W"
    volt, = by_measurand(samples, "Voltage", "L1-N")
    assert volt.value == pytest.approx(231.4) and volt.unit == "V"
    soc, = by_measurand(samples, "SoC")
    assert soc.value == 55 and soc.unit == "%" and soc.location == "EV"
    temp, = by_measurand(samples, "Temperature")
    assert temp.unit == "Celsius" and temp.location == "Body"
    assert by_measurand(samples, "Current.Offered")[0].value == 32


def test_16_missing_unit_and_measurand_use_spec_defaults():
    payload = {"connectorId": 2, "meterValue": [{"timestamp": "2026-11-21T10:00:01+01:00",
                                                 "sampledValue": [
        {"value": "1500"},  # no measurand, no unit: Energy.Active.Import.Register in Wh
        {"value": "7200", "measurand": "Power.Active.Import"},  # no unit: W
        {"value": "12.5", "measurand": "Current.Import"},
    ]}]}
    samples, problems = samples_from_frame(call("MeterValues", payload))
    assert problems == []
    energy, power, current = samples
    assert (energy.measurand, energy.value, energy.unit) == ("Energy.Active.Import.Register",
                                                           1500.0, "Wh")
    assert energy.context == "Sample.Periodic" and energy.location == "Outlet"  # §7.43 defaults
    assert energy.transaction_id is None and energy.connector == "2"
    assert (power.value, power.unit) == (7200.0, "W")
    assert current.unit == "A"
    assert energy.ts_us == T0_US + 1_000_000 - 3_600_000_000  # +01:00 offset honoured


def test_16_start_and_stop_transaction_meter_data():
    start = call("StartTransaction", {"connectorId": 1, "idTag": "TAG", "meterStart": 12345,
                                      "timestamp": T0})
    samples, problems = samples_from_frame(start)
    assert problems == []
    s, = samples
    assert (s.measurand, s.value, s.unit, s.context, s.connector) == (
        "Energy.Active.Import.Register", 12345.0, "Wh", "Transaction.Begin", "1")
    stop = call("StopTransaction", {
        "transactionId": 42, "meterStop": 19000, "timestamp": "2026-11-21T11:00:00Z",
        "reason": "EVDisconnected", "transactionData": [
            {"timestamp": T0, "sampledValue": [
                {"value": "12.345", "unit": "kWh", "context": "Transaction.Begin"}]},
            {"timestamp": "2026-11-21T11:00:00Z", "sampledValue": [
                {"value": "19.0", "unit": "kWh", "context": "Transaction.End"},
                {"value": "0", "measurand": "Power.Active.Import", "unit": "W",
                 "context": "Transaction.End"}]}]})
    tx_map = {"42": "1"}  # learnt from the transaction's MeterValues
    samples, problems = samples_from_frame(stop, tx_map)
    assert problems == []
    assert [(s.context, s.measurand, s.value) for s in samples] == [
        ("Transaction.End", "Energy.Active.Import.Register", 19000.0),
        ("Transaction.Begin", "Energy.Active.Import.Register", 12345.0),
        ("Transaction.End", "Energy.Active.Import.Register", 19000.0),
        ("Transaction.End", "Power.Active.Import", 0.0)]
    assert {s.transaction_id for s in samples} == {"42"}
    assert {s.connector for s in samples} == {"1"}


def test_16_signed_data_kept_intact_not_parsed():
    blob = "AB12CD34EF"
    payload = {"connectorId": 1, "meterValue": [{"timestamp": T0, "sampledValue": [
        {"value": blob, "format": "SignedData", "unit": "Wh"}]}]}
    samples, problems = samples_from_frame(call("MeterValues", payload))
    assert problems == []
    assert samples[0].signed == blob and math.isnan(samples[0].value)


def test_201_meter_values_and_transaction_event_with_multiplier():
    mv = {"evseId": 1, "meterValue": [{"timestamp": T0, "sampledValue": [
        {"value": 11.04, "measurand": "Power.Active.Import",
         "unitOfMeasure": {"unit": "W", "multiplier": 3}},
        {"value": 15.5, "measurand": "Energy.Active.Import.Register",
         "unitOfMeasure": {"unit": "kWh"}},
        {"value": 230.1, "measurand": "Voltage", "phase": "L1-N",
         "unitOfMeasure": {"unit": "V"}},
        {"value": 1234, "unitOfMeasure": {"unit": "Wh", "multiplier": -1}},
    ]}]}
    samples, problems = samples_from_frame(call("MeterValues", mv))
    assert problems == []
    power, energy, volt, default = samples
    assert (power.value, power.unit, power.connector) == (pytest.approx(11040.0), "W", "1")
    assert (energy.value, energy.unit) == (pytest.approx(15500.0), "Wh")
    assert volt.phase == "L1-N"
    assert default.measurand == "Energy.Active.Import.Register"
    assert default.value == pytest.approx(123.4)

    signed = {"signedMeterData": "deadbeef", "signingMethod": "ECDSA-secp256r1-SHA256",
              "encodingMethod": "OCMF", "publicKey": "abc"}
    started = call("TransactionEvent", {
        "eventType": "Started", "timestamp": T0, "triggerReason": "CablePluggedIn", "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-9"}, "evse": {"id": 2, "connectorId": 1},
        "meterValue": [{"timestamp": T0, "sampledValue": [
            {"value": 100.5, "context": "Transaction.Begin",
             "unitOfMeasure": {"unit": "kWh"}, "signedMeterValue": signed}]}]})
    tx_map: dict[str, str] = {}
    samples, problems = samples_from_frame(started, tx_map)
    assert problems == []
    s, = samples
    assert s.value == pytest.approx(100500.0) and s.connector == "2"
    assert s.transaction_id == "tx-9" and s.context == "Transaction.Begin"
    assert json.loads(s.signed) == signed
    # Updated events may leave out evse (E01): placed by the transaction's first event.
    updated = call("TransactionEvent", {
        "eventType": "Updated", "timestamp": T0, "triggerReason": "MeterValuePeriodic",
        "seqNo": 1, "transactionInfo": {"transactionId": "tx-9"},
        "meterValue": [{"timestamp": "2026-11-21T10:00:01.500Z", "sampledValue": [
            {"value": 7.2, "measurand": "Power.Active.Import", "context": "Sample.Periodic",
             "unitOfMeasure": {"unit": "kW"}}]}]})
    samples, problems = samples_from_frame(updated, tx_map)
    assert problems == [] and samples[0].connector == "2"
    assert samples[0].ts_us == T0_US + 1_500_000 and samples[0].value == pytest.approx(7200)


def test_other_frames_give_nothing():
    assert samples_from_frame(call("Heartbeat", {})) == ([], [])
    result = FrameRecord(charger="CP1", direction=Direction.TO_CHARGER, message_type=3,
                         raw='[3,"u1",{}]', action="MeterValues")
    assert samples_from_frame(result) == ([], [])
    broken = FrameRecord(charger="CP1", direction=Direction.TO_CSMS, message_type=2,
                         raw='[2,"u1","MeterValues",', action="MeterValues")
    assert samples_from_frame(broken) == ([], [])


def test_garbage_values_become_problems_not_crashes():
    payload = {"connectorId": 1, "meterValue": [
        {"timestamp": T0, "sampledValue": [
            {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": "abc", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": "NaN"},
            "not an object",
            {"value": "5", "measurand": 12}]},
        {"timestamp": "yesterday", "sampledValue": [{"value": "1"}]},
        {"timestamp": T0},
        42]}
    samples, problems = samples_from_frame(call("MeterValues", payload))
    assert [s.value for s in samples] == [7200.0, 1.0]
    assert "meterValue[0].sampledValue[1]: value 'abc' is not a number" in problems
    assert any("sampledValue[2]" in p for p in problems)
    assert any("sampledValue[3]: is not an object" in p for p in problems)
    assert any("timestamp 'yesterday'" in p for p in problems)
    assert any("meterValue[2]: sampledValue is missing" in p for p in problems)
    assert any("meterValue[3]: is not an object" in p for p in problems)
    samples, problems = samples_from_frame(call("MeterValues", {"connectorId": 1,
                                                                "meterValue": "x"}))
    assert samples == [] and problems
    samples, problems = samples_from_frame(call("TransactionEvent", {
        "meterValue": [{"timestamp": T0, "sampledValue": [
            {"value": "x", "unitOfMeasure": {"unit": "W", "multiplier": "3"}}]}]}))
    assert samples == [] and len(problems) == 2


def test_store_add_problem_and_live_service_records_problems():
    store = CaptureStore(":memory:")
    service = MeteringService()
    service.attach(store)
    got = []
    service.samples_added.connect(got.append)
    bad = call("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": T0,
                                                                 "sampledValue": [
        {"value": "3.5", "measurand": "Power.Active.Import", "unit": "kW"},
        {"value": "abc", "measurand": "Power.Active.Import", "unit": "kW"}]}]},
        frame_id=None)
    bad.valid = True
    store.record_frame(bad)
    row = store.frame(bad.id)
    assert row.problem == ("meter data: meterValue[0].sampledValue[1]: value 'abc' is not a "
                           "number")
    assert row.valid is True  # add_problem leaves validity alone
    assert [s.value for s in got[0]] == [3500.0]
    assert service.power("CP1", "1").last() == (T0_US / 1e6, 3500.0)
    store.add_problem(bad.id, "second")
    assert store.frame(bad.id).problem.endswith("is not a number; second")
    assert store.frames(problems_only=True)[0].id == bad.id
    service.detach()
    store.record_frame(call("MeterValues", MV16, frame_id=None))
    assert len(service.keys()) == 1  # detached: not fed any more


def test_service_sums_per_phase_only_power():
    service = MeteringService()
    store = CaptureStore(":memory:")
    service.attach(store)
    store.record_frame(call("MeterValues", MV16, frame_id=None))
    power = service.power("CP1", "1")
    assert power is not None and power.unit == "W"
    assert power.last() == (T0_US / 1e6, pytest.approx(3680 + 3700 + 3620))
    assert SeriesKey("CP1", "1", POWER, None) not in service.keys()  # derived, not sent
    assert SeriesKey("CP1", "1", POWER, "L1") in service.keys("CP1")
    assert service.connectors("CP1") == ["1"]
    # A charger that does send its own total: that one is used.
    payload = {"connectorId": 2, "meterValue": [{"timestamp": T0, "sampledValue": [
        {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
        {"value": "2000", "measurand": "Power.Active.Import", "unit": "W", "phase": "L1"}]}]}
    store.record_frame(call("MeterValues", payload, frame_id=None))
    assert service.power("CP1", "2").last()[1] == 7000
    assert service.connectors("CP1") == ["1", "2"]
    assert service.power("CP1", "9") is None
