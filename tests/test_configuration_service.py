"""ConfigurationService against the demo charger (and scripted chargers) over loopback."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any

import pytest

from conftest import running_csms, scripted_charger, wait_for
from ocpp_studio.capture.store import FrameQuery
from ocpp_studio.configuration import ConfigurationService, diff
from ocpp_studio.configuration.model import REDACTED
from ocpp_studio.core.frames import loads
from ocpp_studio.core.records import Direction
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig

PASSWORD = "0123456789abcdef0123"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@asynccontextmanager
async def demo(version: str, tmp_path=None, report_timeout: float = 5.0, **config: Any):
    async with running_csms() as csms:
        cfg = DemoChargerConfig(charger_id=f"CP{version.replace('.', '')}",
                                version=OcppVersion.parse(version), **config)
        charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", cfg)
        task = asyncio.create_task(charger.run())
        try:
            assert await charger.wait_booted(10)
            service = ConfigurationService(csms.central, tmp_path, report_timeout=report_timeout)
            yield csms, charger, service, cfg.charger_id
        finally:
            await charger.stop()
            task.cancel()


def calls(csms, charger_id: str, action: str) -> list[dict]:
    frames = csms.store.frames(FrameQuery(charger=charger_id, action=action,
                                          direction=Direction.TO_CHARGER, limit=10_000))
    return [loads(f.raw)[3] for f in frames if f.message_type == 2]


# ------------------------------------------------------------------------- 1.6
def test_read_all_16_lists_every_key_with_catalogue_facts(tmp_path):
    async def scenario():
        async with demo("1.6", tmp_path, basic_auth_password=PASSWORD) as (csms, charger, svc, cid):
            snap = await svc.read_all(cid)
            assert snap.version == "1.6"
            hb = snap.items["HeartbeatInterval"]
            assert hb.value == charger.configuration.value("HeartbeatInterval") and not hb.readonly and hb.known and hb.unit == "s"
            assert hb.connectivity
            assert snap.items["NumberOfConnectors"].readonly
            # write-only AuthorizationKey: found by name, no value, secret and dangerous
            auth = snap.items["AuthorizationKey"]
            assert auth.value is None and auth.secret and auth.danger and auth.write_only
            # standard keys the demo does not have are reported unknown by the charger
            assert "LocalAuthListEnabled" in snap.unknown_keys
            assert snap.items["MeterValueSampleInterval"].uk_regulation
            # a JSON file per read, secrets never in it
            files = list((tmp_path / cid).glob("*.json"))
            assert len(files) == 1
            assert PASSWORD not in files[0].read_text()
            # a new service reads the saved snapshots back
            again = ConfigurationService(csms.central, tmp_path)
            assert again.latest(cid).items["HeartbeatInterval"].value == hb.value
    run(scenario())


def test_read_all_16_batches_by_get_configuration_max_keys():
    async def scenario():
        async with demo("1.6") as (csms, charger, svc, cid):
            charger.configuration.keys["GetConfigurationMaxKeys"].value = "4"
            snap = await svc.read_all(cid)
            requests = calls(csms, cid, "GetConfiguration")
            by_name = [r["key"] for r in requests if r.get("key")]
            assert len(by_name) >= 3 and all(len(keys) <= 4 for keys in by_name)
            assert "AuthorizationKey" in snap.items
    run(scenario())


def test_read_all_16_truncating_charger_gets_the_rest_in_batches():
    store = {f"Key{i}": str(i) for i in range(3)}
    store.update({"GetConfigurationMaxKeys": "3", "HeartbeatInterval": "300",
                  "NumberOfConnectors": "1", "MeterValueSampleInterval": "10",
                  "CentralSystemUrl": "ws://example/ocpp"})
    asked: list[list[str]] = []

    def handler(action, payload):
        assert action == "GetConfiguration"
        keys = payload.get("key")
        asked.append(keys or [])
        if not keys:
            names = list(store)[:3]  # this charger cuts the all-keys answer short
        else:
            assert len(keys) <= 3
            names = [k for k in keys if k in store]
        answer = {"configurationKey": [{"key": k, "readonly": k == "NumberOfConnectors",
                                        "value": store[k]} for k in names]}
        unknown = [k for k in keys or [] if k not in store]
        if unknown:
            answer["unknownKey"] = unknown
        return answer

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("CPT"), handler):
                await wait_for(lambda: "CPT" in csms.central.sessions)
                svc = ConfigurationService(csms.central)
                snap = await svc.read_all("CPT")
                assert snap.items["HeartbeatInterval"].value == "300"
                assert snap.items["MeterValueSampleInterval"].value == "10"
                assert any("GetConfigurationMaxKeys" in n for n in snap.notes)
                assert all(len(k) <= 3 for k in asked)
                assert not snap.items["Key0"].known
    run(scenario())


def test_read_all_16_more_keys_than_max_keys_is_not_called_truncated():
    """Field report: 47 keys from a charger whose GetConfigurationMaxKeys is 30 drew "vendor
    keys beyond that may be missing". The maximum bounds the keys a request names (§5.8), so
    an answer longer than it proves nothing is cut; no note."""
    store = {f"Vendor{i}": str(i) for i in range(45)}
    store.update({"GetConfigurationMaxKeys": "30", "HeartbeatInterval": "300"})

    def handler(action, payload):
        keys = payload.get("key") or list(store)
        answer = {"configurationKey": [{"key": k, "readonly": False, "value": store[k]}
                                       for k in keys if k in store]}
        unknown = [k for k in keys if k not in store]
        if unknown:
            answer["unknownKey"] = unknown
        return answer

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("CP47"), handler):
                await wait_for(lambda: "CP47" in csms.central.sessions)
                snap = await ConfigurationService(csms.central).read_all("CP47")
                assert len([k for k in snap.items if k in store]) == 47
                assert not any("may be missing" in n for n in snap.notes), snap.notes
    run(scenario())


def test_change_16_each_result_kind():
    async def scenario():
        async with demo("1.6") as (csms, charger, svc, cid):
            first = await svc.read_all(cid)
            hb0 = first.value("HeartbeatInterval")
            results = await svc.write(cid, {
                "HeartbeatInterval": "120",        # Accepted
                "WebSocketPingInterval": "60",     # RebootRequired
                "VendorThing": "x",                # NotSupported (unknown to the demo)
                "CpoName": "y" * 65,               # Rejected by the charger (max 64)
                "NumberOfConnectors": "3",         # read-only: not sent
                "MeterValueSampleInterval": "abc",  # invalid: not sent
            })
            status = {r.key: r.status for r in results}
            assert status == {"HeartbeatInterval": "Accepted",
                              "WebSocketPingInterval": "RebootRequired",
                              "VendorThing": "NotSupported", "CpoName": "Rejected",
                              "NumberOfConnectors": "NotSent",
                              "MeterValueSampleInterval": "NotSent"}
            assert "read-only" in results[4].detail and "whole number" in results[5].detail
            assert svc.reboot_needed(results)
            assert charger.configuration.value("HeartbeatInterval") == "120"
            sent = [c["key"] for c in calls(csms, cid, "ChangeConfiguration")]
            assert "NumberOfConnectors" not in sent and "MeterValueSampleInterval" not in sent
            snap = await svc.refresh(cid, ["HeartbeatInterval"])
            assert snap.items["HeartbeatInterval"].value == "120"
            assert len(svc.snapshots(cid)) == 2
            assert diff(svc.snapshots(cid)[0], snap) == [("HeartbeatInterval", hb0, "120")]
    run(scenario())


def test_dangerous_16_needs_confirmation():
    async def scenario():
        async with demo("1.6") as (csms, charger, svc, cid):
            await svc.read_all(cid)
            plan = svc.plan(cid, {"AuthorizationKey": PASSWORD, "HeartbeatInterval": "30"})
            assert plan[0].danger and "not be able to connect" in plan[0].danger
            assert plan[1].danger is None and plan[1].before == charger.configuration.value("HeartbeatInterval")
            results = await svc.write(cid, {"AuthorizationKey": PASSWORD})
            assert results[0].status == "NotSent" and "confirmation" in results[0].detail
            assert calls(csms, cid, "ChangeConfiguration") == []
            results = await svc.write(cid, {"AuthorizationKey": PASSWORD}, confirm_dangerous=True)
            assert results[0].status == "Accepted"
            assert charger.configuration.value("AuthorizationKey") == PASSWORD
            # vendor URL keys are dangerous too
            assert svc.plan(cid, {"CentralSystemURL": "ws://x"})[0].danger
    run(scenario())


# ----------------------------------------------------------------------- 2.0.1
@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_read_all_201_assembles_report_parts(tmp_path, version):
    """2.1 keeps the 2.0.1 device model: the same read gives the same snapshot."""
    async def scenario():
        async with demo(version, tmp_path, basic_auth_password=PASSWORD) as (csms, charger, svc, cid):
            snap = await svc.read_all(cid)
            assert snap.version == version
            reports = [loads(f.raw)[3] for f in csms.store.frames(FrameQuery(
                charger=cid, action="NotifyReport", limit=1000)) if f.message_type == 2]
            assert len(reports) >= 2  # ItemsPerMessage(GetReport)=16 -> several parts
            assert snap.notes == []
            item = snap.items["SampledDataCtrlr.TxUpdatedInterval"]
            assert item.value == "10" and item.unit == "s" and item.uk_regulation and item.known
            assert "TxUpdatedInterval" not in item.description and item.description
            pw = snap.items["SecurityCtrlr.BasicAuthPassword"]
            assert pw.secret and pw.danger and pw.write_only
            assert snap.items["OCPPCommCtrlr.MessageTimeout[Default]"].ref.variable_instance == "Default"
            assert snap.items["OCPPCommCtrlr.NetworkConfigurationPriority"].danger
            total = sum(len(r["reportData"]) for r in reports)
            assert total == len({(tuple(sorted(r["component"].items(), key=str)),
                                  tuple(sorted(r["variable"].items())))
                                 for p in reports for r in p["reportData"]})
            full = await svc.read_all(cid, full_inventory=True)
            assert "EVSE 1 Connector 1 / Connector.AvailabilityState" in full.items
            assert full.items["EVSE 1 / EVSE.Power (MaxSet)"].value
            text = "".join(p.read_text() for p in (tmp_path / cid).glob("*.json"))
            assert PASSWORD not in text
    run(scenario())


@pytest.mark.parametrize("subprotocol", ["ocpp2.0.1", "ocpp2.1"])
def test_notify_report_missing_part_is_noted(subprotocol):
    def report(seq, tbc, name):
        return {"requestId": None, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": seq,
                "tbc": tbc, "reportData": [{
                    "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": name},
                    "variableAttribute": [{"value": "1", "mutability": "ReadWrite"}],
                    "variableCharacteristics": {"dataType": "integer",
                                                "supportsMonitoring": False}}]}
    endpoint_box: list[Any] = []

    bases: list[str] = []

    def handler(action, payload):
        assert action == "GetBaseReport"
        bases.append(payload["reportBase"])
        endpoint = endpoint_box[0]

        async def send():
            for seq, tbc, name in ((0, True, "HeartbeatInterval"), (2, False, "OfflineThreshold")):
                part = report(seq, tbc, name)
                part["requestId"] = payload["requestId"]
                await endpoint.call("NotifyReport", part)
        asyncio.get_running_loop().create_task(send())
        return {"status": "Accepted"}

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("CPR"), handler, subprotocol) as endpoint:
                endpoint_box.append(endpoint)
                await wait_for(lambda: "CPR" in csms.central.sessions)
                svc = ConfigurationService(csms.central, report_timeout=0.5)
                snap = await svc.read_all("CPR")
                assert "OCPPCommCtrlr.HeartbeatInterval" in snap.items
                assert "OCPPCommCtrlr.OfflineThreshold" in snap.items
                # the incomplete ConfigurationInventory is followed by the full inventory
                # (which this charger sends with the same gap): each gap is noted
                assert bases == ["ConfigurationInventory", "FullInventory"]
                assert len(snap.notes) == 3
                assert "part 2 of 3" in snap.notes[0] and "missing after 0.5 s" in snap.notes[0]
                assert "ConfigurationInventory" in snap.notes[0]
                assert snap.notes[1] == (
                    "The ConfigurationInventory report was incomplete, so the full inventory "
                    "(GetBaseReport FullInventory) was read too: 0 more setting(s); it was "
                    "incomplete as well, so some settings may still be missing.")
                assert snap.notes[2].startswith("Full inventory: NotifyReport part 2 of 3")
    run(scenario())


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_set_variables_201_results_and_batching(version):
    async def scenario():
        async with demo(version) as (csms, charger, svc, cid):
            dm = charger.configuration
            dm.find("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables").attributes["Actual"].value = "2"
            await svc.read_all(cid)
            changes = {
                "OCPPCommCtrlr.HeartbeatInterval": "120",           # Accepted
                "OCPPCommCtrlr.WebSocketPingInterval": "60",        # RebootRequired
                "SampledDataCtrlr.TxUpdatedInterval": "1",          # Accepted
                "AuthCtrlr.AuthorizeRemoteStart": "true",           # Accepted
                "NoSuchCtrlr.Thing": "1",                           # UnknownComponent
                "OCPPCommCtrlr.NoSuchVariable": "1",                # UnknownVariable
                "OCPPCommCtrlr.HeartbeatInterval (MaxSet)": "5",    # NotSupportedAttributeType
                "SecurityCtrlr.OrganizationName": "z" * 70,         # not sent (max 64)
            }
            results = await svc.write(cid, changes)
            status = {r.key: r.status for r in results}
            assert status == {
                "OCPPCommCtrlr.HeartbeatInterval": "Accepted",
                "OCPPCommCtrlr.WebSocketPingInterval": "RebootRequired",
                "SampledDataCtrlr.TxUpdatedInterval": "Accepted",
                "AuthCtrlr.AuthorizeRemoteStart": "Accepted",
                "NoSuchCtrlr.Thing": "UnknownComponent",
                "OCPPCommCtrlr.NoSuchVariable": "UnknownVariable",
                "OCPPCommCtrlr.HeartbeatInterval (MaxSet)": "NotSupportedAttributeType",
                "SecurityCtrlr.OrganizationName": "NotSent"}
            sets = calls(csms, cid, "SetVariables")
            assert [len(s["setVariableData"]) for s in sets] == [2, 2, 2, 1]
            assert dm.actual("OCPPCommCtrlr", "HeartbeatInterval") == "120"
            # Rejected with the charger's statusInfo shown
            dm.find("OCPPCommCtrlr", "OfflineThreshold").max_limit = 10_000_000  # pass our check
            svc.latest(cid).items["OCPPCommCtrlr.OfflineThreshold"].maximum = None
            dm.find("OCPPCommCtrlr", "OfflineThreshold").max_limit = 5
            r = await svc.write(cid, {"OCPPCommCtrlr.OfflineThreshold": "600"})
            assert r[0].status == "Rejected" and r[0].detail == "InvalidValue"
            snap = await svc.refresh(cid, ["OCPPCommCtrlr.HeartbeatInterval",
                                           "SampledDataCtrlr.TxUpdatedInterval"])
            assert snap.items["OCPPCommCtrlr.HeartbeatInterval"].value == "120"
            assert snap.items["SampledDataCtrlr.TxUpdatedInterval"].value == "1"
    run(scenario())


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_dangerous_201_needs_confirmation(version):
    async def scenario():
        async with demo(version) as (csms, charger, svc, cid):
            await svc.read_all(cid)
            key = "OCPPCommCtrlr.NetworkConfigurationPriority"
            r = await svc.write(cid, {key: "1,0"})
            assert r[0].status == "NotSent" and "confirmation" in r[0].detail
            assert calls(csms, cid, "SetVariables") == []
            r = await svc.write(cid, {key: "1,0"}, confirm_dangerous=True)
            assert r[0].status == "RebootRequired"
            r = await svc.write(cid, {"SecurityCtrlr.BasicAuthPassword": "short"},
                                confirm_dangerous=True)
            assert r[0].status == "NotSent" and "16 to 40" in r[0].detail
            assert r[0].to_json(secret=True)["value"] == REDACTED
            assert json.dumps(svc.latest(cid).to_json()).count(PASSWORD) == 0
    run(scenario())


def test_charger_vanishing_mid_write_says_what_is_known_per_key():
    """Three keys; the charger accepts the first, vanishes (no close frame) on the second:
    the second may or may not have changed, the third was never sent. Each key says so."""
    async def scenario():
        async with running_csms() as csms:
            url = f"ws://127.0.0.1:{csms.server.port}/ocpp/CP-GONE"
            seen: list[str] = []
            gone = asyncio.Event()

            def handler(action: str, payload: Any) -> Any:
                seen.append(payload.get("key", action))
                if payload.get("key") == "MeterValueSampleInterval":
                    gone.set()  # the charger loses power while handling it
                    return asyncio.get_running_loop().create_future()  # never answered
                return {"status": "Accepted"}

            async with scripted_charger(url, handler) as charger:
                await wait_for(lambda: "CP-GONE" in csms.central.sessions)
                svc = ConfigurationService(csms.central, call_timeout=10)
                writing = asyncio.create_task(svc.write("CP-GONE", {
                    "HeartbeatInterval": "300", "MeterValueSampleInterval": "60",
                    "ClockAlignedDataInterval": "900"}))
                await gone.wait()
                charger.websocket.transport.abort()  # no close frame: the power went
                results = await asyncio.wait_for(writing, 10)
            by_key = {r.key: r for r in results}
            assert by_key["HeartbeatInterval"].status == "Accepted"
            lost = by_key["MeterValueSampleInterval"]
            assert lost.status == "Unknown" and "may or may not have changed" in lost.detail
            never = by_key["ClockAlignedDataInterval"]
            assert never.status == "NotSent" and never.detail.startswith("Not sent:")
            assert "not connected" in never.detail
            assert seen == ["HeartbeatInterval", "MeterValueSampleInterval"]

    run(scenario())
