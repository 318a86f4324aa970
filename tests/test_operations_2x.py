"""The smaller OCPP 2.x operations (issue 16 §1: every operation of the version reachable from
the Operations panel) against the real 2.0.1 demo charger over websockets: each answer in
words and the report that follows linked from the result; and the catalogue's operations no
other test sends on the wire (cache, schedule, profile, reservation, certificates), on both
versions."""

from __future__ import annotations

import asyncio
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from test_operations import CLOCK, _frame, demo  # noqa: E402

from ocpp_studio.core.versions import OcppVersion  # noqa: E402
from ocpp_studio.station.operations import (OperationError, find_operation,  # noqa: E402
                                            run_operation)

V16, V201 = OcppVersion.V16, OcppVersion.V201


def test_transaction_status_and_cost_updated_on_a_running_session():
    async def scenario():
        async with demo(V201) as (csms, charger):
            started = await run_operation(csms.central, "OPS", "start", {}, clock=CLOCK)
            assert started.ok, started.lines()
            await asyncio.sleep(0)
            tx = next(iter(csms.central.stations["OPS"].transactions))
            status = await run_operation(csms.central, "OPS", "transaction-status",
                                         {"transaction_id": tx})
            assert status.ok and status.request == {"transactionId": tx}
            assert status.words == ("The charger says the transaction is still running; no "
                                    "messages wait in the charger's queue")
            queue = await run_operation(csms.central, "OPS", "transaction-status", {})
            assert queue.words == "The charger says no messages wait in the charger's queue"
            cost = await run_operation(csms.central, "OPS", "cost-updated",
                                       {"transaction_id": tx, "total_cost": "3.25"})
            assert cost.ok and cost.request == {"totalCost": 3.25, "transactionId": tx}
            assert "whether it shows it is not known" in cost.words
    asyncio.run(scenario())


def test_display_messages_set_listed_and_cleared():
    async def scenario():
        async with demo(V201) as (csms, charger):
            run = lambda name, **fields: run_operation(csms.central, "OPS", name, fields,
                                                       clock=CLOCK)
            none = await run("get-display-messages")
            assert not none.ok and none.words == \
                "The charger has no display message matching this"
            put = await run("set-display-message", id=4, text="Closed for service",
                            priority="InFront")
            assert put.ok and put.words.startswith("Accepted: the charger keeps the message")
            listed = await run("get-display-messages", message_ids="4")
            assert listed.ok and [f.action for f in listed.followed] == \
                ["NotifyDisplayMessages"]
            notify = json.loads(_frame(csms, listed.followed[0].id).raw)[3]
            assert notify["messageInfo"][0]["message"]["content"] == "Closed for service"
            cleared = await run("clear-display-message", id=4)
            assert cleared.ok and cleared.words == "Accepted: the charger removed the message"
            again = await run("clear-display-message", id=4)
            assert not again.ok and again.words == "The charger has no message with that id"
    asyncio.run(scenario())


def test_charging_profiles_read_back_link_report_charging_profiles():
    async def scenario():
        async with demo(V201) as (csms, charger):
            none = await run_operation(csms.central, "OPS", "get-charging-profiles",
                                       {"profile_ids": "77"}, clock=CLOCK)
            assert not none.ok and none.status == "NoProfiles"
            assert none.words == "The charger has no charging profile matching this"
            reply = await csms.central.call_detailed("OPS", "SetChargingProfile", {
                "evseId": 1, "chargingProfile": {
                    "id": 77, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
                    "chargingProfileKind": "Absolute", "chargingSchedule": [{
                        "id": 1, "chargingRateUnit": "A", "startSchedule":
                        "2026-11-26T00:00:00Z", "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16.0}]}]}}, None)
            assert reply.payload["status"] == "Accepted"
            result = await run_operation(csms.central, "OPS", "get-charging-profiles",
                                         {"profile_ids": "77"}, clock=CLOCK)
            assert result.ok and result.words.startswith("Accepted: the charger reports")
            assert [f.action for f in result.followed] == ["ReportChargingProfiles"]
            report = json.loads(_frame(csms, result.followed[0].id).raw)[3]
            assert report["evseId"] == 1 and report["chargingProfile"][0]["id"] == 77
    asyncio.run(scenario())


def test_customer_report_monitoring_level_base_and_report():
    async def scenario():
        async with demo(V201) as (csms, charger):
            run = lambda name, confirm=False, **fields: run_operation(
                csms.central, "OPS", name, fields, clock=CLOCK, confirm=confirm)
            report = await run("customer-information", id_tag="TAG9")
            assert report.ok and report.request["report"] is True \
                and report.request["clear"] is False
            assert "nothing is deleted" in report.words
            assert [f.action for f in report.followed] == ["NotifyCustomerInformation"]
            level = await run("set-monitoring-level", severity=5)
            assert level.ok and level.request == {"severity": 5}
            base = await run("set-monitoring-base", base="FactoryDefault")
            assert base.needs_confirmation and "remove the monitors" in base.words
            base = await run("set-monitoring-base", confirm=True, base="FactoryDefault")
            assert base.ok and base.words == "Accepted: the charger uses this monitoring base"
            listed = await run("get-monitoring-report", criteria="ThresholdMonitoring")
            assert not listed.ok and listed.status == "EmptyResultSet"
            assert listed.words == "The charger has no monitor matching this"
            assert listed.followed == []
    asyncio.run(scenario())


def test_publish_firmware_on_a_charger_that_is_no_local_controller():
    async def scenario():
        async with demo(V201) as (csms, charger):
            for name, fields in (("publish-firmware", {"location": "http://192.0.2.1/f.bin",
                                                       "checksum": "0" * 32}),
                                 ("unpublish-firmware", {"checksum": "0" * 32})):
                result = await run_operation(csms.central, "OPS", name, fields, clock=CLOCK)
                assert not result.ok and result.error_code in ("NotImplemented", "NotSupported")
                assert result.words.startswith(f"The charger does not implement "
                                               f"{result.action}")
    asyncio.run(scenario())


def test_the_2x_operations_are_not_offered_on_16():
    for name in ("transaction-status", "set-display-message", "cost-updated",
                 "get-monitoring-report", "customer-information", "publish-firmware"):
        assert find_operation(name, V201).name == name
        with pytest.raises(OperationError):
            find_operation(name, V16)


@pytest.mark.parametrize("version", [V16, V201])
def test_the_rest_of_the_catalogue_on_the_wire_in_words(version):
    async def scenario():
        async with demo(version) as (csms, charger):
            async def run(name, **fields):
                result = await run_operation(csms.central, "OPS", name, fields, clock=CLOCK,
                                             confirm=True)
                assert result.answer_frame_id is not None, (name, result.words)
                return result
            cache = await run("clear-cache")
            assert cache.words in ("Accepted: the authorization cache is empty",
                                   "Rejected: the charger did not clear its authorization "
                                   "cache (it may have none)")
            schedule = await run("composite-schedule", duration=3600)
            assert schedule.ok and schedule.words.startswith("Accepted: the charger's limit: ")
            assert "W from +0 s" in schedule.words
            profile = await run("clear-profile", profile_id=99)
            assert not profile.ok and profile.words == \
                "The charger has no charging profile with that id"
            cancel = await run("cancel-reservation", reservation_id=3)
            assert not cancel.ok and cancel.words.startswith(
                "The charger does not implement CancelReservation")
            listed = await run("get-installed-certificates")
            assert listed.status == "NotFound"
            deleted = await run("delete-certificate", serial=f"SHA256/{'a' * 64}/{'b' * 64}/1f")
            assert not deleted.ok and deleted.words == \
                "The charger holds no certificate with this hash data"
            csr = await run("trigger-csr")
            assert csr.ok and csr.words.startswith("Accepted: the charger will make a new key")
            assert [f.action for f in csr.followed] == ["SignCertificate"]
            if version == V201:  # the demo sets no monitors: NotSupported, in words
                cleared = await run("clear-variable-monitoring", ids="5")
                assert cleared.words.startswith(
                    "The charger does not implement ClearVariableMonitoring")
    asyncio.run(scenario())


def test_an_optional_choice_in_a_form_is_left_out_until_picked(qtbot):
    """A filter like GetDisplayMessages' priority is optional: the form's combo starts empty
    (it used to start at the first choice, which filtered every list to AlwaysFront)."""
    from ocpp_studio.ui.operations.operation_form import OperationForm
    form = OperationForm(find_operation("get-display-messages", V201).describe(V201))
    qtbot.addWidget(form)
    assert form.values() == {}
    form.set_values({"priority": "InFront"})
    assert form.values() == {"priority": "InFront"}
    required = OperationForm(find_operation("set-display-message", V201).describe(V201))
    qtbot.addWidget(required)
    assert required.values()["priority"] == "NormalCycle"  # a default stays chosen
