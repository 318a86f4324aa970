"""Charger operations (issue 16 §1) on the real server with the demo charger, 1.6 and 2.0.1:
each request checked against its version's schema, the answer in words, and the frames that
follow linked in the result."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, AsyncIterator

import pytest

from conftest import booted_demo, running_csms, wait_for
from ocpp_studio.core.clock import FixedClock
from ocpp_studio.core.schemas import validate
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoChargerConfig
from ocpp_studio.security.ca import StudioCA
from ocpp_studio.station.adapters import adapter_for
from ocpp_studio.station.adapters.operations import NotInThisVersion, operation_requests
from ocpp_studio.station.operations import (OperationError, coerce_fields, operations_for,
                                            run_operation)

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21
CLOCK = FixedClock(datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc))
#: field values that make every operation buildable (the rest take their defaults)
SAMPLE = {"send-local-list": {"version": 2, "entries": "TAG1=Accepted,TAG2=Blocked"},
          "data-transfer": {"vendor_id": "com.example", "message_id": "Hello", "data": "x"},
          "clear-profile": {"profile_id": 7}, "stop": {"transaction_id": "42"},
          "clear-customer-information": {"id_tag": "TAG1"},
          "set-variable-monitoring": {"component": "EVSE", "variable": "Power",
                                      "value": 7000, "evse": 1},
          "clear-variable-monitoring": {"ids": "1,2"}}
#: issue 15: a real root certificate to install; a certificate named by its full hash data
SAMPLE["install-certificate"] = {"certificate": StudioCA(tempfile.mkdtemp()).certificate_pem()}
SAMPLE["delete-certificate"] = {"serial": f"SHA256/{'a' * 64}/{'b' * 64}/1f"}
#: issue 16: the thin transfer operations take the location of the user's own server
SAMPLE["log-to-url"] = {"location": "ftp://user:secret@192.0.2.1:21/logs/"}
SAMPLE["firmware-from-url"] = {"location": "http://192.0.2.1/fw-2.0.bin"}
#: the smaller 2.x operations (operations_2x.py)
SAMPLE["set-display-message"] = {"text": "Out of order until 14:00"}
SAMPLE["clear-display-message"] = {"id": 1}
SAMPLE["cost-updated"] = {"transaction_id": "TX1", "total_cost": 3.25}
SAMPLE["publish-firmware"] = {"location": "http://192.0.2.1/fw.bin", "checksum": "0" * 32}
SAMPLE["unpublish-firmware"] = {"checksum": "0" * 32}
SAMPLE["get-charging-profiles"] = {"evse": 1, "profile_ids": "1,2", "stack_level": 0}
SAMPLE["get-monitoring-report"] = {"criteria": "ThresholdMonitoring", "component": "EVSE",
                                   "variable": "Power"}


class _Context:
    def running_transactions(self) -> list[str]:
        return []

    def connector_count(self) -> int:
        return 1

    def in_minutes(self, minutes: float) -> Any:
        from datetime import timedelta
        return CLOCK.now() + timedelta(minutes=minutes)


@pytest.mark.parametrize("version", [V16, V201, V21])
def test_every_operation_builds_a_request_its_version_schema_accepts(version):
    adapter = adapter_for(version)
    builders = operation_requests(adapter)
    names = set()
    for op in operations_for(version):
        names.add(op.name)
        values = coerce_fields(op, builders, SAMPLE.get(op.name, {}))
        request = op.build(adapter, builders, values, _Context())
        assert validate(version, request.action, "request", request.payload) == [], op.name
    # every trigger the version has (from the ocpp package's enum), per connector / EVSE
    for message in builders.triggers:
        if message == "CustomTrigger":
            continue
        for request in (builders.trigger_message_request(message),
                        builders.trigger_message_request(message, 1, 1)):
            assert validate(version, request.action, "request", request.payload) == []
    # both kinds of local list, whole charger and one connector, both availabilities
    for request in (builders.send_local_list_request(3, False, [("TAG1", None)]),
                    builders.send_local_list_request(1, True, []),
                    builders.change_availability_request(False),
                    builders.change_availability_request(True, 1, 1),
                    builders.unlock_request(1, 1), builders.reset_at_request(False)):
        assert validate(version, request.action, "request", request.payload) == []
    if version == V16:
        assert "clear-customer-information" not in names
        with pytest.raises(NotInThisVersion):
            builders.clear_customer_information_request(1, "TAG1")
        assert {"LogStatusNotification", "SignChargePointCertificate"} <= set(builders.triggers)
        assert builders.trigger_message_request("LogStatusNotification").action == \
            "ExtendedTriggerMessage"
    else:
        assert {"clear-customer-information", "set-variable-monitoring",
                "clear-variable-monitoring"} <= names
        request = builders.reset_at_request(False, 1)
        assert request.payload == {"type": "OnIdle", "evseId": 1}
        request = builders.clear_customer_information_request(5, "TAG1")
        assert request.payload["clear"] is True and request.payload["report"] is False


def test_bad_field_values_are_refused_in_words():
    op = next(o for o in operations_for(V16) if o.name == "availability")
    with pytest.raises(OperationError, match="status must be one of Operative, Inoperative"):
        coerce_fields(op, operation_requests(V16), {"status": "Off"})
    with pytest.raises(OperationError, match="has no field colour"):
        coerce_fields(op, operation_requests(V16), {"colour": "red"})


@asynccontextmanager
async def demo(version: OcppVersion, charger_id: str = "OPS") -> AsyncIterator[tuple[Any, Any]]:
    config = DemoChargerConfig(charger_id=charger_id, version=version, reconnect_min_s=0.1,
                               reconnect_max_s=0.2)
    async with running_csms() as csms, booted_demo(csms, config) as charger:
        # the boot's StatusNotifications first, so they are not taken for a consequence
        await wait_for(lambda: any(c.status != "Unknown" for label, c in
                                   csms.central.stations[charger_id].connectors.items()
                                   if label != "0"))
        yield csms, charger


def _frame(csms: Any, frame_id: int | None) -> Any:
    assert frame_id is not None
    frame = csms.store.frame(frame_id)
    assert frame is not None
    return frame


@pytest.mark.parametrize("version", [V16, V201])
def test_reset_reboots_and_links_the_new_boot_notification(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            result = await run_operation(csms.central, "OPS", "reset", {}, clock=CLOCK)
            assert result.ok and result.status == "Accepted", result.words
            assert result.words == "Accepted: the charger restarts now"
            assert _frame(csms, result.request_frame_id).action == "Reset"
            assert _frame(csms, result.answer_frame_id).pair_id == result.request_frame_id
            boots = [f for f in result.followed if f.action == "BootNotification"]
            assert boots, result.lines()
            if version != V16:  # 1.6 BootNotification carries no reason
                assert "reason RemoteReset" in boots[0].summary
            boot = _frame(csms, boots[0].id)
            assert boot.action == "BootNotification" and boot.id > result.answer_frame_id
            assert result.waited_for is None
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_inoperative_needs_confirmation_then_links_the_unavailable_status(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            refused = await run_operation(csms.central, "OPS", "availability",
                                          {"status": "Inoperative"}, clock=CLOCK)
            assert not refused.ok and refused.needs_confirmation
            assert refused.request_frame_id is None  # nothing was sent
            assert "no one can charge until it is set Operative again" in refused.words
            before = len(csms.store.frames(charger="OPS", action="ChangeAvailability"))
            assert before == 0
            result = await run_operation(csms.central, "OPS", "availability",
                                         {"status": "Inoperative"}, confirm=True, clock=CLOCK)
            assert result.ok and result.words == "Accepted: the availability changed"
            statuses = [f for f in result.followed if f.action == "StatusNotification"]
            assert statuses and all(f.summary.endswith("Unavailable") for f in statuses)
            assert result.waited_for is None
            back = await run_operation(csms.central, "OPS", "availability",
                                       {"status": "Operative"}, clock=CLOCK)
            assert back.ok and back.followed[-1].summary.endswith("Available")
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_a_hard_reset_and_clear_customer_information_say_their_consequence(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            hard = await run_operation(csms.central, "OPS", "reset", {"hard": "yes"})
            assert hard.needs_confirmation and "cut off" in hard.words
            if version != V16:
                clear = await run_operation(csms.central, "OPS", "clear-customer-information",
                                            {"id_tag": "TAG1"})
                assert clear.needs_confirmation and "cannot be undone" in clear.words
            else:
                with pytest.raises(OperationError, match="does not exist in OCPP 1.6"):
                    await run_operation(csms.central, "OPS", "clear-customer-information", {})
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_an_operation_the_charger_lacks_reads_as_does_not_implement(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            # the demo charger has no reservations: it answers CALLERROR NotImplemented
            result = await run_operation(csms.central, "OPS", "reserve", {}, clock=CLOCK)
            assert not result.ok and result.error_code in ("NotImplemented", "NotSupported")
            assert result.words.startswith("The charger does not implement ReserveNow")
            assert "Rejected" not in result.words
            assert result.answer_frame_id is not None
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_start_links_the_new_session_and_stop_finds_it(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            await charger.plug_in(1)
            started = await run_operation(csms.central, "OPS", "start", {}, clock=CLOCK)
            assert started.ok, started.words
            expected = "StartTransaction" if version == V16 else "TransactionEvent"
            assert expected in [f.action for f in started.followed], started.lines()
            assert started.waited_for is None
            # the charger learns its 1.6 transaction id from StartTransaction.conf
            await wait_for(lambda: charger.transaction_id(1) is not None)
            stopped = await run_operation(csms.central, "OPS", "stop", {}, clock=CLOCK)
            assert stopped.ok, stopped.words
            assert stopped.words == "Accepted: the charger stops the session"
            assert stopped.waited_for is None
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_trigger_and_refusals_in_words(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            triggered = await run_operation(csms.central, "OPS", "trigger",
                                            {"message": "StatusNotification", "connector": 1,
                                             "evse": 1 if version != V16 else None}
                                            if version != V16 else
                                            {"message": "StatusNotification", "connector": 1})
            assert triggered.ok and triggered.followed[0].action == "StatusNotification"
            data = await run_operation(csms.central, "OPS", "data-transfer",
                                       {"vendor_id": "com.example"})
            assert not data.ok
            assert data.words == "The charger does not know this vendor id"
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201, V21])
def test_the_adapter_itself_builds_the_operations_for_send_message_examples(version):
    adapter = adapter_for(version)
    assert operation_requests(adapter) is adapter
    for request in (adapter.change_availability_request(False, 1),
                    adapter.unlock_request(1)):
        assert validate(version, request.action, "request", request.payload) == []
    assert ("CustomTrigger" in adapter.triggers) == (version == V21)


@pytest.mark.parametrize("version", [V16, V201])
def test_local_list_full_then_differential_then_a_stale_differential(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            run = lambda name, fields=None: run_operation(csms.central, "OPS", name,  # noqa
                                                          fields or {}, clock=CLOCK)
            empty = await run("local-list-version")
            assert empty.ok and empty.words == \
                "The charger has no local authorization list (version 0)"
            full = await run("send-local-list", {"version": 3,
                                                 "entries": "TAG1=Accepted,TAG2=Blocked"})
            assert full.ok and full.words == \
                "Accepted: the local authorization list was updated"
            diff = await run("send-local-list", {"version": 4, "update": "Differential",
                                                 "entries": "TAG2"})
            assert diff.ok and (await run("local-list-version")).words == \
                "The charger's local authorization list is version 4"
            stale = await run("send-local-list", {"version": 2, "update": "Differential",
                                                  "entries": "TAG3=Accepted"})
            assert not stale.ok and stale.words.startswith("Version mismatch: a differential")
    asyncio.run(scenario())


def test_clear_customer_information_links_notify_customer_information():
    async def scenario():
        async with demo(V201) as (csms, charger):
            await run_operation(csms.central, "OPS", "send-local-list",
                                {"version": 1, "entries": "TAG1=Accepted"})
            result = await run_operation(csms.central, "OPS", "clear-customer-information",
                                         {"id_tag": "TAG1"}, confirm=True, clock=CLOCK)
            assert result.ok and result.words == \
                "Accepted: the charger deletes the customer's data"
            assert [f.action for f in result.followed] == ["NotifyCustomerInformation"]
            frame = _frame(csms, result.followed[0].id)
            assert "token TAG1 removed from the local list" in frame.raw
            invalid = await run_operation(csms.central, "OPS", "clear-customer-information",
                                          {}, confirm=True)
            assert not invalid.ok and invalid.words.startswith("Invalid: give an id token")
    asyncio.run(scenario())


def test_reset_on_ocpp21_links_the_boot_too():
    async def scenario():
        async with demo(V21) as (csms, charger):
            result = await run_operation(csms.central, "OPS", "reset", {}, clock=CLOCK)
            boots = [f for f in result.followed if f.action == "BootNotification"]
            assert result.ok and boots and "reason RemoteReset" in boots[0].summary, \
                result.lines()
    asyncio.run(scenario())


def test_the_api_lists_runs_and_refuses_unconfirmed_operations():
    import aiohttp

    from ocpp_studio.api.server import ControlApi

    async def scenario():
        async with demo(V201) as (csms, charger):
            api = ControlApi(csms.central, csms.store, 0, token="t")
            await api.start()
            base = f"http://127.0.0.1:{api.port}/api/v1/chargers/OPS/operations"
            try:
                async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                    async with http.get(base) as r:
                        listing = await r.json()
                    assert r.status == 200 and listing["version"] == "2.0.1"
                    names = [op["name"] for op in listing["operations"]]
                    assert "clear-customer-information" in names and "reset" in names
                    reset = next(op for op in listing["operations"] if op["name"] == "reset")
                    assert [f["name"] for f in reset["fields"]] == ["hard", "evse"]
                    async with http.post(f"{base}/availability",
                                         json={"fields": {"status": "Inoperative"}}) as r:
                        refused = await r.json()
                    assert r.status == 409 and refused["needs_confirmation"]
                    assert "no one can charge" in refused["words"]
                    async with http.post(f"{base}/availability", json={
                            "fields": {"status": "Inoperative", "evse": 1},
                            "confirm": True}) as r:
                        done = await r.json()
                    assert r.status == 200 and done["ok"] and done["status"] == "Accepted"
                    assert done["followed"][0]["summary"] == "connector 1/1: Unavailable"
                    assert done["request"] == {"operationalStatus": "Inoperative",
                                               "evse": {"id": 1}}
                    async with http.post(f"{base}/warp-drive", json={}) as r:
                        assert r.status == 400 and "No operation 'warp-drive'" in \
                            (await r.json())["message"]
                    async with http.post(base.replace("OPS", "NOPE") + "/reset",
                                         json={}) as r:
                        assert r.status == 404
            finally:
                await api.stop()
    asyncio.run(scenario())


@pytest.mark.parametrize("version", [V16, V201])
def test_unlock_while_charging(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            idle = await run_operation(csms.central, "OPS", "unlock", {}, clock=CLOCK)
            assert idle.ok and idle.words == "Unlocked: the cable can be removed"
            assert idle.followed == [] and idle.waited_for is None  # nothing to wait for
            await charger.start_charging(1)
            await wait_for(lambda: csms.central.stations["OPS"].transactions)
            busy = await run_operation(csms.central, "OPS", "unlock", {}, clock=CLOCK)
            if version == V16:  # §5.18: the session ends first, then the lock opens
                assert busy.ok and "StopTransaction" in [f.action for f in busy.followed]
            else:  # F05.FR.02
                assert not busy.ok and busy.words == \
                    "Refused: a session is running on this EVSE; stop it first"
    asyncio.run(scenario())


def test_a_charger_we_did_not_write_its_reason_and_not_supported_errors():
    """A scripted 2.0.1 charger: a refused reset with its StatusInfo, and an operation it
    answers with CALLERROR NotSupported."""
    from conftest import scripted_charger
    from ocpp_studio.core.rpc import CallError

    def handler(action, payload):
        if action == "Reset":
            return {"status": "Rejected",
                    "statusInfo": {"reasonCode": "TxInProgress",
                                   "additionalInfo": "charging on EVSE 1"}}
        raise CallError("NotSupported", f"{action} is not supported")

    async def scenario():
        async with running_csms() as csms:
            async with scripted_charger(csms.url("CP201"), handler, "ocpp2.0.1"):
                reset = await run_operation(csms.central, "CP201", "reset", {"evse": 1})
                assert not reset.ok and reset.request == {"type": "OnIdle", "evseId": 1}
                assert reset.words.endswith(
                    "(the charger says: TxInProgress: charging on EVSE 1)")
                cache = await run_operation(csms.central, "CP201", "clear-cache", {})
                assert not cache.ok and cache.error_code == "NotSupported"
                assert cache.words == ("The charger does not implement ClearCache "
                                       "(CALLERROR NotSupported)")
    asyncio.run(scenario())


def test_a_refused_operation_links_nothing_that_merely_crossed_it():
    async def scenario():
        async with demo(V201) as (csms, charger):
            reset = await run_operation(csms.central, "OPS", "reset", {}, clock=CLOCK)
            assert reset.ok
            # the reboot's StatusNotifications may still be arriving: not the reservation's
            refused = await run_operation(csms.central, "OPS", "reserve", {}, clock=CLOCK)
            assert not refused.ok and refused.followed == []
    asyncio.run(scenario())
