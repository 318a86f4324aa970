"""The 1.6 catalogue, 2.0.1 descriptions and checks, snapshots, diff and redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocpp_studio.configuration import (CATALOGUE_16, ConfigItem, Snapshot, VariableEntry,
                                       VariableRef, describe_201, diff, redact, validate_16,
                                       validate_201)
from ocpp_studio.configuration.devicemodel import parse_label
from ocpp_studio.configuration.model import REDACTED
from ocpp_studio.configuration.templates import TEMPLATE_SCHEMA

ROOT = Path(__file__).resolve().parents[1]


def test_catalogue_spot_checks():
    hb = CATALOGUE_16["HeartbeatInterval"]
    assert (hb.access, hb.type, hb.unit, hb.required, hb.profile) == ("RW", "integer", "s", True, "Core")
    auth = CATALOGUE_16["AuthorizationKey"]
    assert auth.access == "W" and auth.secret and auth.danger and auth.profile == "Security"
    sfp = CATALOGUE_16["SupportedFeatureProfiles"]
    assert sfp.access == "R" and sfp.type == "CSL" and "SmartCharging" in sfp.allowed
    assert CATALOGUE_16["SecurityProfile"].danger and CATALOGUE_16["SecurityProfile"].default == "0"
    assert CATALOGUE_16["MeterValuesSampledData"].uk_regulation
    assert CATALOGUE_16["WebSocketPingInterval"].connectivity
    # every key of 1.6 §9 and the security whitepaper §7
    expected = {
        "AllowOfflineTxForUnknownId", "AuthorizationCacheEnabled", "AuthorizeRemoteTxRequests",
        "BlinkRepeat", "ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation",
        "ConnectorPhaseRotationMaxLength", "GetConfigurationMaxKeys", "HeartbeatInterval",
        "LightIntensity", "LocalAuthorizeOffline", "LocalPreAuthorize", "MaxEnergyOnInvalidId",
        "MeterValuesAlignedData", "MeterValuesAlignedDataMaxLength", "MeterValuesSampledData",
        "MeterValuesSampledDataMaxLength", "MeterValueSampleInterval", "MinimumStatusDuration",
        "NumberOfConnectors", "ResetRetries", "StopTransactionOnEVSideDisconnect",
        "StopTransactionOnInvalidId", "StopTxnAlignedData", "StopTxnAlignedDataMaxLength",
        "StopTxnSampledData", "StopTxnSampledDataMaxLength", "SupportedFeatureProfiles",
        "SupportedFeatureProfilesMaxLength", "TransactionMessageAttempts",
        "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect",
        "WebSocketPingInterval", "LocalAuthListEnabled", "LocalAuthListMaxLength",
        "SendLocalListMaxLength", "ReserveConnectorZeroSupported", "ChargeProfileMaxStackLevel",
        "ChargingScheduleAllowedChargingRateUnit", "ChargingScheduleMaxPeriods",
        "ConnectorSwitch3to1PhaseSupported", "MaxChargingProfilesInstalled",
        "AdditionalRootCertificateCheck", "AuthorizationKey", "CertificateSignedMaxChainSize",
        "CertificateStoreMaxLength", "CpoName", "SecurityProfile"}
    assert expected == set(CATALOGUE_16)
    assert all(info.description for info in CATALOGUE_16.values())


@pytest.mark.parametrize("key,value,ok", [
    ("HeartbeatInterval", "300", True), ("HeartbeatInterval", "-1", False),
    ("HeartbeatInterval", "5 min", False), ("LocalPreAuthorize", "TRUE", True),
    ("LocalPreAuthorize", "yes", False), ("NumberOfConnectors", "2", False),
    ("MeterValuesSampledData", "Energy.Active.Import.Register,Voltage.L1", True),
    ("MeterValuesSampledData", "Power,Voltage", False), ("MeterValuesSampledData", "", True),
    ("ConnectorPhaseRotation", "0.RST,1.NotApplicable", True),
    ("ConnectorPhaseRotation", "1.XYZ", False), ("LightIntensity", "101", False),
    ("AuthorizationKey", "short", False), ("AuthorizationKey", "a" * 41, False),
    ("AuthorizationKey", "a" * 20, True), ("SecurityProfile", "4", False),
    ("VendorKey", "x" * 500, True), ("VendorKey", "x" * 501, False),
])
def test_validate_16(key, value, ok):
    assert (validate_16(key, value) is None) is ok


def test_201_labels_descriptions_and_checks():
    ref = VariableRef("Connector", "AvailabilityState", evse=1, connector=1)
    assert ref.label() == "EVSE 1 Connector 1 / Connector.AvailabilityState"
    ref2 = VariableRef("OCPPCommCtrlr", "MessageTimeout", variable_instance="Default",
                       attribute="Target")
    assert ref2.label() == "OCPPCommCtrlr.MessageTimeout[Default] (Target)"
    for r in (ref, ref2, VariableRef("EVSE", "Power", evse=2, attribute="MaxSet"),
              VariableRef("Lock", "Active", component_instance="x", evse=1)):
        assert parse_label(r.label()) == r
    assert "sampled meter data" not in describe_201("SampledDataCtrlr", "TxUpdatedInterval")
    assert describe_201("SampledDataCtrlr", "TxUpdatedInterval")
    assert "Heartbeat" in describe_201("OCPPCommCtrlr", "HeartbeatInterval")
    assert describe_201("NoSuch", "Thing") == ""
    entry = VariableEntry(VariableRef("OCPPCommCtrlr", "HeartbeatInterval"), "60", "ReadWrite",
                          data_type="integer", min_limit=1, max_limit=86400)
    assert validate_201(entry, "0") and validate_201(entry, "1.5") and validate_201(entry, "x")
    assert validate_201(entry, "86400") is None
    members = VariableEntry(VariableRef("SampledDataCtrlr", "TxUpdatedMeasurands"), "",
                            "ReadWrite", data_type="MemberList",
                            values_list=("Voltage", "Current.Import"))
    assert validate_201(members, "Voltage,Current.Import") is None
    assert "Power" in validate_201(members, "Voltage,Power")
    ro = VariableEntry(VariableRef("ChargingStation", "Model"), "x", "ReadOnly", data_type="string")
    assert "read-only" in validate_201(ro, "y")


def _snap(values):
    snap = Snapshot("CP", "1.6", 1)
    for key, value in values.items():
        snap.items[key] = ConfigItem(key, value, False, True)
    return snap


def test_diff_and_redact_and_json_round_trip():
    a = _snap({"A": "1", "B": "2", "C": "3"})
    b = _snap({"A": "1", "B": "20", "D": "4"})
    assert diff(a, b) == [("B", "2", "20"), ("C", "3", None), ("D", None, "4")]
    secret = ConfigItem("AuthorizationKey", "s3cret-s3cret-s3cret", False, True, secret=True)
    assert redact(secret.value, secret) == REDACTED
    assert redact(None, secret) is None and redact("x", a.items["A"]) == "x"
    a.items["AuthorizationKey"] = secret
    a.items["R"] = ConfigItem("R", "1", False, True, ref=VariableRef("X", "Y", evse=1))
    data = a.to_json()
    assert "s3cret" not in json.dumps(data)
    back = Snapshot.from_json(json.loads(json.dumps(data)))
    assert back.items["R"].ref == VariableRef("X", "Y", evse=1)
    assert back.items["AuthorizationKey"].value == REDACTED
    full = Snapshot.from_json(a.to_json(redact_secrets=False))
    assert full.items["AuthorizationKey"].value == "s3cret-s3cret-s3cret"


def test_template_schema_file_matches_code():
    on_disk = json.loads((ROOT / "schemas" / "config-template.schema.json").read_text())
    assert on_disk == TEMPLATE_SCHEMA
