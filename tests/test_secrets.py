"""Issue 12 item 3: one rule for which names hold credentials, used by frame redaction,
the configuration API and snapshots; no credentials in logs; owner-only files."""

import asyncio
import base64
import json
import logging
import os
import stat
import sys
from pathlib import Path

import ocpp
import pytest

from conftest import exchange, raw_charger, running_csms
from ocpp_studio.capture.jsonl import export_jsonl
from ocpp_studio.capture.redaction import MASK, redact_raw
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.cli import format_record
from ocpp_studio.configuration.catalogue16 import CATALOGUE_16, vendor_info
from ocpp_studio.configuration.devicemodel import VariableRef, classify_201
from ocpp_studio.configuration.dm201_data import COMPONENT_VARIABLES, VARIABLES
from ocpp_studio.configuration.model import ConfigItem, Snapshot
from ocpp_studio.configuration.service import ConfigurationService
from ocpp_studio.core.records import Direction, FrameRecord
from ocpp_studio.core.secrets import is_secret_name

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


# ------------------------------------------------------------------ the rule
def test_the_rule_masks_only_real_secrets_of_the_standard_catalogues():
    assert sorted(k for k in CATALOGUE_16 if is_secret_name(k)) == ["AuthorizationKey"]
    names_201 = set(VARIABLES) | {variable for _, variable, _ in COMPONENT_VARIABLES}
    assert sorted(n for n in names_201 if is_secret_name(n)) == ["BasicAuthPassword"]


def _property_names(node, found):
    """Every property name of a JSON schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found.update(value)
            _property_names(value, found)
    elif isinstance(node, list):
        for item in node:
            _property_names(item, found)


def test_the_rule_masks_only_credential_fields_of_the_ocpp_schemas():
    names: set[str] = set()
    for path in Path(ocpp.__file__).parent.glob("v*/schemas/*.json"):
        _property_names(json.loads(path.read_text(encoding="utf-8")), names)
    # SetNetworkProfile's APN/VPN credentials (2.0.1, 2.1); 1.6 ChangeConfiguration's "key"
    # names a setting and SetNetworkProfile's vpn "key" is masked as "vpn.key" (see below)
    assert sorted(n for n in names if is_secret_name(n)) == \
        ["apnPassword", "basicAuthPassword", "password", "simPin"]
    assert "idToken" in names and "key" in names


@pytest.mark.parametrize("name", ["WifiPassword", "Cst_ApiToken", "MqttSecret", "vpn.key",
                                  "SharedKey", "wifi_psk", "WpaPassphrase", "simPin"])
def test_vendor_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["GetConfigurationMaxKeys", "SupportedFeatureProfiles", "key",
                                  "Token", "TokenType", "idToken", "groupIdToken", "MeterPublicKey",
                                  "PublicKeyWithSignedMeterValue", "MasterPassGroupId",
                                  "configurationKey", "unknownKey", "WebSocketPingInterval"])
def test_not_secret_names(name):
    assert not is_secret_name(name)


# ------------------------------------------------------- frames, everywhere
SET_NETWORK_PROFILE = json.dumps([2, "n1", "SetNetworkProfile", {
    "configurationSlot": 1, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": "wss://csms.example/",
        "messageTimeout": 30, "securityProfile": 1, "ocppInterface": "Wireless0",
        "vpn": {"server": "vpn.example", "user": "cp", "password": "vpn-pass-1", "key": "vpn-key-1",
                "type": "IPSec"},
        "apn": {"apn": "internet", "apnUserName": "cp", "apnPassword": "apn-pass-1",
                "simPin": 4321, "apnAuthentication": "AUTO"}}}])
PROFILES_VALUE = json.dumps([{"configurationSlot": 1, "connectionData": {
    "ocppCsmsUrl": "ws://x/", "apn": {"apn": "internet", "apnPassword": "apn-pass-2"}}}])
GET_VARIABLES_RESULT = json.dumps([3, "g1", {"getVariableResult": [{
    "attributeStatus": "Accepted", "component": {"name": "InternalCtrlr"},
    "variable": {"name": "NetworkConnectionProfiles"}, "attributeValue": PROFILES_VALUE}]}])
VENDOR_KEYS = json.dumps([3, "c1", {"configurationKey": [
    {"key": "WifiPassword", "readonly": False, "value": "wifi-pass-1"},
    {"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}])
SECRETS = ("vpn-pass-1", "vpn-key-1", "apn-pass-1", "4321", "apn-pass-2", "wifi-pass-1")
FRAMES = (SET_NETWORK_PROFILE, GET_VARIABLES_RESULT, VENDOR_KEYS)


def test_network_profile_and_vendor_secrets_are_masked_in_exports_and_serve(tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    for raw in FRAMES:
        store.record_frame(FrameRecord("CP", Direction.TO_CHARGER, raw, message_type=2))
    out = tmp_path / "out.jsonl"
    export_jsonl(store, out)
    text = out.read_text(encoding="utf-8")
    served = "\n".join(format_record(FrameRecord("CP", Direction.TO_CHARGER, raw))
                       for raw in FRAMES)
    for secret in SECRETS:
        assert secret not in text and secret not in served
    masked = json.loads(redact_raw(SET_NETWORK_PROFILE))[3]["connectionData"]
    assert masked["vpn"] == {"server": "vpn.example", "user": "cp", "password": MASK,
                             "key": MASK, "type": "IPSec"}
    assert masked["apn"]["apnUserName"] == "cp" and masked["apn"]["apnPassword"] == MASK
    assert "300" in redact_raw(VENDOR_KEYS)  # other settings stay readable
    export_jsonl(store, out, reveal_secrets=True)
    assert all(secret in out.read_text(encoding="utf-8") for secret in SECRETS)


@POSIX
def test_configuration_api_and_snapshots_use_the_same_rule(tmp_path):
    assert vendor_info("WifiPassword").secret and not vendor_info("WifiSsid").secret
    assert classify_201(VariableRef("NetworkConfiguration", "ApnPassword"))["secret"]
    items = {
        "WifiPassword": ConfigItem.from_16("WifiPassword", "wifi-pass-1", False, None,
                                           vendor_info("WifiPassword")),
        "NetworkConnectionProfiles": ConfigItem("NetworkConnectionProfiles", PROFILES_VALUE,
                                                False, False),
        "HeartbeatInterval": ConfigItem("HeartbeatInterval", "300", False, True),
    }
    snapshot = Snapshot("CP/1", "1.6", 1, items=items)
    api_json = json.dumps(snapshot.to_json(redact_secrets=True), ensure_ascii=False)
    service = ConfigurationService(None, snapshot_dir=tmp_path / "snapshots")
    service._keep(snapshot)
    [saved] = (tmp_path / "snapshots").rglob("*.json")
    for text in (api_json, saved.read_text(encoding="utf-8")):
        assert "wifi-pass-1" not in text and "apn-pass-2" not in text and "300" in text
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


# ------------------------------------------------------------- file modes
@POSIX
def test_capture_wal_export_and_folder_are_owner_only(tmp_path):
    folder = tmp_path / "data"
    store = CaptureStore(folder / "capture.db")
    store.record_frame(FrameRecord("CP", Direction.TO_CHARGER, VENDOR_KEYS, message_type=3))
    export_jsonl(store, tmp_path / "out.jsonl")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [folder / "capture.db", folder / "capture.db-wal", folder / "capture.db-shm",
             tmp_path / "out.jsonl"]
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == \
        {f.name: 0o600 for f in files}
    store.close()


@POSIX
def test_an_existing_world_readable_capture_becomes_owner_only(tmp_path):
    documents = tmp_path / "Documents"
    documents.mkdir()
    os.chmod(documents, 0o755)
    db = documents / "old.db"
    db.touch()
    os.chmod(db, 0o644)
    CaptureStore(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(documents.stat().st_mode) == 0o755  # the user's folder: unchanged


@POSIX
def test_log_file_and_folder_are_owner_only(tmp_path):
    from ocpp_studio.applog import remove_file_logging, setup_file_logging
    path = setup_file_logging(tmp_path / "logs" / "ocpp-studio.log")
    try:
        assert path is not None
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        remove_file_logging()


# ------------------------------------------------------------ library logs
def test_websockets_debug_log_shows_no_basic_auth_or_password(caplog):
    import ocpp_studio.applog  # noqa: F401 - installs the filter, as serve/proxy/GUI do
    password = "correct-horse-battery"
    token = base64.b64encode(f"CP6:{password}".encode()).decode()
    change = json.dumps([3, "c1", {"configurationKey": [
        {"key": "AuthorizationKey", "readonly": False, "value": "0123456789abcdef"}]}])
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with running_csms(passwords={"CP6": password}) as csms:
            async with raw_charger(csms.url("CP6"),
                                   additional_headers={"Authorization": f"Basic {token}"}) as ws:
                boot = ('[2,"b1","BootNotification",{"chargePointVendor":"V",'
                        '"chargePointModel":"M"}]')
                assert (await exchange(ws, boot))[2]["status"] == "Accepted"
                await ws.send(change)
    asyncio.run(scenario())
    text = caplog.text
    assert "Authorization: Basic [hidden]" in text  # the header is still visible as such
    assert token not in text and password not in text and "0123456789abcdef" not in text


@POSIX
def test_settings_file_with_charger_passwords_is_owner_only(tmp_path):
    from ocpp_studio.settings import AppSettings
    settings = AppSettings()
    settings.csms.passwords = {"CP1": "correct-horse-battery"}
    path = tmp_path / "config" / "settings.json"
    settings.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert AppSettings.load(path).csms.passwords == {"CP1": "correct-horse-battery"}


def test_demo_charger_debug_log_shows_no_basic_auth(caplog):
    """``ocpp-studio -v demo-charger --password …`` logs through websockets.client."""
    from ocpp_studio.core import secrets
    from ocpp_studio.demo.charger import DemoCharger
    from ocpp_studio.demo.config import DemoChargerConfig
    for name in secrets.WEBSOCKETS_LOGGERS:  # as in a fresh demo-charger process
        logging.getLogger(name).removeFilter(secrets._FILTER)
    password = "correct-horse-battery"
    token = base64.b64encode(f"CP9:{password}".encode()).decode()
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with running_csms(passwords={"CP9": password}) as csms:
            charger = DemoCharger(csms.url("CP9").rsplit("/", 1)[0],
                                  DemoChargerConfig(charger_id="CP9", basic_auth_password=password))
            task = asyncio.create_task(charger.run())
            try:
                assert await charger.wait_booted(20)
            finally:
                await charger.stop()
                await asyncio.wait_for(task, 20)
    asyncio.run(scenario())
    assert "> Authorization: Basic [hidden]" in caplog.text
    assert token not in caplog.text and password not in caplog.text


@POSIX
def test_commissioning_state_is_owner_only_even_over_a_leftover_tmp(tmp_path):
    from ocpp_studio.commissioning.engine import CommissioningRun
    from ocpp_studio.commissioning.profile import CommissioningProfile
    folder = tmp_path / "run"
    state = folder / "commissioning-state.json"
    folder.mkdir()
    leftover = folder / "commissioning-state.json.tmp"  # from a run killed mid-save
    leftover.write_text("{}")
    os.chmod(leftover, 0o644)
    run = CommissioningRun(None, "CP1", CommissioningProfile(), steps=[], state_path=state)
    run.ctx.choices["password"] = "generated-password-1"
    run.save_state()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
