"""Commissioning steps on chargers we did not write (issue 14 §2): the real engine, the real
server on 127.0.0.1 and the demo charger with the quirk that reproduces each behaviour; the
assertions are on the step records and summaries an installer reads."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from ocpp_studio.commissioning import CommissioningProfile, StepStatus
from ocpp_studio.commissioning.steps import (ClockStep, ConnectStep, HandOverStep, IdentifyStep,
                                             MeteringStep, TestChargeStep)
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.service import Studio
from ocpp_studio.settings import AppSettings, CsmsSettings

from conftest import wait_for

PROFILE = dict(installer_name="Ada Installer", company="Sparks Ltd", site_name="12 High St",
               max_current_a=16.0, phases=1, heartbeat_interval_s=120, meter_interval_s=30,
               randomised_delay_s=600, test_charge_seconds=1)


def run_async(coro, timeout=90):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def new_studio(path: Path) -> Studio:
    return Studio(AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                              capture_path=str(path)))


@contextlib.asynccontextmanager
async def demo(url: str, cid: str, version: OcppVersion, quirks=(), **config):
    charger = DemoCharger(url, DemoChargerConfig(
        charger_id=cid, version=version, seed=1, quirks=list(quirks),
        **{"auto_charge": False, **config}))
    task = asyncio.create_task(charger.run())
    try:
        yield charger
    finally:
        with contextlib.suppress(Exception):
            await charger.stop()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


@contextlib.asynccontextmanager
async def studio_and_demo(tmp_path: Path, cid: str, version: OcppVersion, quirks=(), **config):
    studio = new_studio(tmp_path / "capture.db")
    await studio.start()
    try:
        async with demo(studio.loopback_url(), cid, version, quirks, **config) as charger:
            yield studio, charger
    finally:
        await studio.stop()


async def run_steps(studio: Studio, cid: str, steps: list, **profile):
    run = studio.commissioning.start(cid, CommissioningProfile(**{**PROFILE, **profile}), steps)
    run.wait_timeout = 15
    await run.run_all()
    return run


def evidence(record, label: str):
    return next(e for e in record.evidence if e.label == label)


VERSIONS = [OcppVersion.V16, OcppVersion.V201]


# ---------------------------------------------------------------- 1 identify
@pytest.mark.parametrize("version", VERSIONS)
def test_identify_asks_for_a_boot_from_a_charger_that_connected_without_one(tmp_path, version):
    """Quirk reconnect-without-boot: before, "The charger did not report its vendor and
    model."; now the step asks for a BootNotification (TriggerMessage) and says so."""
    async def go():
        cid = f"FLD-ID-{version.label}"
        async with studio_and_demo(tmp_path, cid, version, ["reconnect-without-boot"]) as (
                studio, charger):
            run = await run_steps(studio, cid, [ConnectStep(), IdentifyStep()])
            record = run.records["identify"]
            assert record.status is StepStatus.PASSED, record.summary
            assert record.summary == (
                f"OCPP Studio Demo 7kW, serial DEMO-0001, firmware 1.0.0, OCPP {version.label} "
                "(from a BootNotification asked for with TriggerMessage).")
            source = evidence(record, "Identity from")
            assert source.value == "a BootNotification asked for with TriggerMessage"
            assert source.detail == "the charger had connected without one"
            assert run.ctx.data["identity"]["vendor"] == "OCPP Studio"
    run_async(go())


def test_identify_uses_the_boot_an_earlier_connection_left_in_the_capture(tmp_path):
    """The studio restarted on the same capture while the charger stayed up: the charger
    reconnects without a BootNotification and the studio's memory of it is gone; the
    capture still has the boot of the earlier connection, and the step says it used it."""
    async def go():
        cid = "FLD-ID-EARLIER"
        capture = tmp_path / "capture.db"
        first = new_studio(capture)
        await first.start()
        try:
            async with demo(first.loopback_url(), cid, OcppVersion.V16):
                await wait_for(lambda: first.central.stations.get(cid) is not None
                               and first.central.stations[cid].vendor == "OCPP Studio", 10)
        finally:
            await first.stop()
        second = new_studio(capture)
        await second.start()
        try:
            async with demo(second.loopback_url(), cid, OcppVersion.V16,
                            ["reconnect-without-boot"]):
                run = await run_steps(second, cid, [ConnectStep(), IdentifyStep()])
                record = run.records["identify"]
                assert record.status is StepStatus.PASSED, record.summary
                assert record.summary.endswith(
                    "OCPP 1.6 (from an earlier BootNotification in the capture).")
                source = evidence(record, "Identity from")
                assert source.detail.endswith("the charger reconnected without a new one")
                # nothing was asked of the charger: the earlier boot was enough
                sent = second.store.frames(charger=cid, action="TriggerMessage")
                assert not sent
        finally:
            await second.stop()
    run_async(go())


# ---------------------------------------------------------------- 5 clock
def test_clock_record_says_measured(tmp_path):
    async def go():
        cid = "FLD-CLK"
        async with studio_and_demo(tmp_path, cid, OcppVersion.V201) as (studio, _):
            run = await run_steps(studio, cid, [ConnectStep(), ClockStep()])
            record = run.records["clock"]
            assert record.status is StepStatus.PASSED, record.summary
            assert record.summary.startswith("Clock checked (")
            assert evidence(record, "Clock").value == "measured"
            assert run.ctx.data["clock"]["measured"] is True
            assert run.ctx.data["clock"]["offset_s"] is not None
    run_async(go())


def test_clock_record_says_not_measured(tmp_path):
    """A charger that sends nothing carrying its time: the record says "not measured" in its
    evidence and data, and its summary never reads "Clock checked"."""
    from conftest import scripted_charger  # noqa: PLC0415

    def handler(action, payload):
        if action in ("TriggerMessage", "ChangeConfiguration"):
            return {"status": "Accepted"}
        if action == "GetConfiguration":
            return {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False,
                                          "value": "120"}]}
        raise AssertionError(action)

    async def go():
        studio = new_studio(tmp_path / "capture.db")
        await studio.start()
        try:
            async with scripted_charger(studio.loopback_url() + "/FLD-CLK0", handler):
                await wait_for(lambda: "FLD-CLK0" in studio.central.sessions, 10)
                run = await run_steps(studio, "FLD-CLK0", [ConnectStep(), ClockStep()])
                record = run.records["clock"]
                assert "Clock checked" not in record.summary
                assert record.summary.startswith("Clock not checked:")
                assert evidence(record, "Clock").value == "not measured"
                assert run.ctx.data["clock"] == {"offset_s": None, "max_offset_s": 60.0,
                                                 "measured": False}
        finally:
            await studio.stop()
    run_async(go())


# ---------------------------------------------------------------- 2 already charging
def free_port() -> int:
    import socket  # noqa: PLC0415
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_session_running_before_the_studio_started_is_used(tmp_path, version):
    """The charger was charging before this studio started (it restarted on the same port):
    the studio knows no session, the remote start is Rejected, and the steps use the running
    session, found with TriggerMessage; the test charge stops it at the end."""
    async def go():
        cid = f"FLD-RUN-{version.label}"
        port = free_port()

        def settings(name: str) -> AppSettings:
            return AppSettings(csms=CsmsSettings(host="127.0.0.1", port=port),
                               capture_path=str(tmp_path / name))
        first = Studio(settings("first.db"))
        await first.start()
        async with demo(first.loopback_url(), cid, version, ["reconnect-without-boot"],
                        auto_charge=True, meter_interval=3) as charger:
            # stopped once the charger has the answer to its session's start (the answer leaves
            # after the commit that holds it; the demo reports Charging only after it): the
            # charger has its session, the next studio knows nothing of it
            await wait_for(lambda: cid in first.central.stations
                           and first.central.stations[cid].transactions
                           and charger.connectors[1].status == "Charging", 10)
            await first.stop()
            studio = Studio(settings("second.db"))
            studio.one_second.memory_path = tmp_path / "one-second.json"
            await studio.start()
            try:
                run = await run_steps(studio, cid, [ConnectStep(), IdentifyStep(),
                                                    MeteringStep(samples=4), TestChargeStep()])
                bad = [(r.step_id, r.summary) for r in run.records.values()
                       if r.status is not StepStatus.PASSED]
                assert not bad, bad
                trigger = "MeterValues" if version is OcppVersion.V16 else "TransactionEvent"
                found = (f"already running (the charger answered Rejected to a remote start); "
                         f"found with TriggerMessage {trigger}")
                metering = run.records["metering"]
                assert evidence(metering, "Measurement session").detail == found
                assert metering.summary.startswith("Measured: the charger reports power every 1.0")
                session = evidence(run.records["test_charge"], "Session")
                assert session.value == evidence(metering, "Measurement session").value
                assert not any(c.tx for c in charger.connectors.values())  # stopped at the end
            finally:
                await studio.stop()
    run_async(go())


def test_metering_settings_are_restored_when_the_step_fails(tmp_path):
    """The step fails midway (the connector is out of order: no session can start); the
    reporting settings it changed are back on the charger all the same."""
    async def go():
        cid = "FLD-RESTORE"
        async with studio_and_demo(tmp_path, cid, OcppVersion.V16, meter_interval=10) as (
                studio, charger):
            studio.one_second.memory_path = tmp_path / "one-second.json"
            await wait_for(lambda: cid in studio.central.sessions, 10)
            measurands = charger.configuration.value("MeterValuesSampledData")
            await studio.central.call(cid, "ChangeAvailability",
                                      {"connectorId": 1, "type": "Inoperative"})
            run = await run_steps(studio, cid, [ConnectStep(), MeteringStep(samples=4)])
            record = run.records["metering"]
            assert record.status is StepStatus.FAILED
            assert record.summary.startswith("The charger refused to start charging remotely "
                                             "(Rejected) and reported no running session")
            assert evidence(record, "1-second mode off").value == "restored"
            assert charger.configuration.value("MeterValueSampleInterval") == "30"
            assert charger.configuration.value("MeterValuesSampledData") == measurands
            changed = [(k, after) for k, _, after, _ in run.ctx.settings_changed]
            assert ("MeterValueSampleInterval", "1") in changed
            assert changed[-1] == ("MeterValueSampleInterval", "30")
    run_async(go())


# ---------------------------------------------------------------- 3 cadence measured
async def session_reporting(studio: Studio, cid: str) -> None:
    """Until the running session has sent a periodic meter value: its interval is then the
    one in force when it started (quirk interval-next-session)."""
    await wait_for(lambda: studio.store.frames(charger=cid, text="Sample.Periodic", limit=1), 15)


@pytest.mark.parametrize("version", VERSIONS)
def test_interval_from_the_next_session_restarts_the_session(tmp_path, version):
    """Quirk interval-next-session with a session running: the charger takes the 1-second
    interval but keeps reporting every 3 s; with a test charge allowed, the step stops and
    starts the session, and says "every second" only from the meter values after that."""
    async def go():
        cid = f"FLD-NEXT-{version.label}"
        async with studio_and_demo(tmp_path, cid, version, ["interval-next-session"],
                                   auto_charge=True, meter_interval=3) as (studio, charger):
            studio.one_second.memory_path = tmp_path / "one-second.json"
            await session_reporting(studio, cid)
            run = await run_steps(studio, cid, [ConnectStep(), MeteringStep(samples=4)])
            record = run.records["metering"]
            assert record.status is StepStatus.PASSED, record.summary
            assert evidence(record, "Cadence after the change").value == "every 3 s"
            assert evidence(record, "Session restarted").value == "yes"
            assert "it applies the interval from the next session, so the running session " \
                   "was stopped and started again" in record.summary
            assert run.ctx.data["cadence"]["mean_s"] <= 1.5
    run_async(go())


def test_interval_from_the_next_session_without_a_test_charge_says_what_to_do(tmp_path):
    async def go():
        cid = "FLD-NEXT-NO"
        async with studio_and_demo(tmp_path, cid, OcppVersion.V201, ["interval-next-session"],
                                   auto_charge=True, meter_interval=3) as (studio, charger):
            studio.one_second.memory_path = tmp_path / "one-second.json"
            await session_reporting(studio, cid)
            run = await run_steps(studio, cid, [ConnectStep(), MeteringStep(samples=4)],
                                  test_charge_seconds=0)
            record = run.records["metering"]
            assert record.status is StepStatus.FAILED
            assert record.summary == (
                "The charger accepted the 1-second interval but still reports every 3 s: it "
                "applies the interval from the next charging session. Allow a test charge (the "
                "step then stops and starts the session) or stop and start the session on the "
                "charger, then run this step again.")
            assert "cadence" not in run.ctx.data  # nothing measured is claimed
            assert charger.protocol.dm.actual("SampledDataCtrlr", "TxUpdatedInterval") == "30"
    run_async(go())


# ---------------------------------------------------------------- 4 hand-over
@contextlib.asynccontextmanager
async def production_studio(tmp_path: Path):
    production = new_studio(tmp_path / "production.db")
    await production.start()
    try:
        yield production
    finally:
        await production.stop()


@pytest.mark.parametrize("key, why", [
    ("CentralSystemAddress", "a known name for the backend URL"),
    ("VendorBackendLink", "its value {old} is the URL the charger used to reach the laptop")])
def test_handover_finds_the_backend_url_under_a_vendor_key(tmp_path, key, why):
    """Quirk backend-url-key: before, "The charger has no configuration key for its backend
    URL"; now the key is found by name, or by holding the URL the charger came in on."""
    async def go():
        cid = f"FLD-HO-{key}"
        async with production_studio(tmp_path) as production:
            async with studio_and_demo(tmp_path, cid, OcppVersion.V16,
                                       [f"backend-url-key={key}"]) as (studio, charger):
                old = studio.loopback_url()
                run = await run_steps(studio, cid, [ConnectStep(), IdentifyStep(),
                                                    HandOverStep(leave_timeout_s=15)],
                                      production_url=production.loopback_url())
                record = run.records["handover"]
                assert record.status is StepStatus.PASSED, record.summary
                new = production.loopback_url()
                assert record.summary == (f"The charger now connects to {new} ({key}={new}); "
                                          "it left the laptop and did not come back.")
                assert evidence(record, "Backend URL setting").value == key
                assert evidence(record, "Backend URL setting").detail == why.format(old=old)
                assert evidence(record, key).detail == "written; the charger answered Accepted"
                assert evidence(record, "Left the laptop").value == "yes"
                assert evidence(record, "Came back to the laptop").value == "no"
                await wait_for(lambda: cid in production.central.sessions, 10)
                assert charger.configuration.value(key) == new
    run_async(go())


@pytest.mark.parametrize("version", [OcppVersion.V201, OcppVersion.V21])
def test_handover_sets_a_network_profile_and_resets(tmp_path, version):
    """2.0.1 B09: SetNetworkProfile into a free slot, that slot first in
    NetworkConfigurationPriority, Reset; the charger leaves and reaches the production
    central system."""
    async def go():
        cid = f"FLD-NP-{version.label}"
        async with production_studio(tmp_path) as production:
            async with studio_and_demo(tmp_path, cid, version) as (studio, charger):
                new = production.loopback_url()
                run = await run_steps(studio, cid, [ConnectStep(), IdentifyStep(),
                                                    HandOverStep(leave_timeout_s=15)],
                                      production_url=new)
                record = run.records["handover"]
                assert record.status is StepStatus.PASSED, record.summary
                assert record.summary == (
                    f"The charger now connects to {new} (network profile slot 1 first in "
                    "OCPPCommCtrlr.NetworkConfigurationPriority); it left the laptop and did "
                    "not come back.")
                sent = evidence(record, "SetNetworkProfile")
                assert (sent.value, sent.detail) == (f"slot 1: {new}, security profile 0",
                                                     "the charger answered Accepted")
                priority = evidence(record, "OCPPCommCtrlr.NetworkConfigurationPriority")
                assert priority.value == "0 → 1,0"
                assert priority.detail == "the charger answered RebootRequired"
                assert evidence(record, "Reset").value == "Accepted"
                assert evidence(record, "Left the laptop").value == "yes"
                assert run.ctx.data["handover"]["done"] is True
                await wait_for(lambda: cid in production.central.sessions, 10)
                assert charger.configuration.network_profiles[1]["ocppCsmsUrl"] == new
    run_async(go())


def test_handover_reports_a_refused_network_profile(tmp_path):
    """B09.FR.02: an invalid profile is Rejected; the step quotes the answer and its reason."""
    async def go():
        cid = "FLD-NP-BAD"
        async with studio_and_demo(tmp_path, cid, OcppVersion.V201) as (studio, charger):
            run = await run_steps(studio, cid, [ConnectStep(), HandOverStep(leave_timeout_s=15)],
                                  production_url="http://example.invalid/ocpp")
            record = run.records["handover"]
            assert record.status is StepStatus.FAILED
            assert record.summary == ("The charger refused the network profile for "
                                      "http://example.invalid/ocpp (Rejected, "
                                      "InvalidNetworkConf).")
            assert studio.central.sessions.get(cid) is not None  # still here
            assert run.ctx.data["handover"]["done"] is False
    run_async(go())


def test_handover_says_when_the_charger_comes_back(tmp_path):
    """The production URL given is the laptop's own: the charger restarts, leaves, and comes
    straight back. The step must not say it moved."""
    async def go():
        cid = "FLD-NP-BACK"
        async with studio_and_demo(tmp_path, cid, OcppVersion.V201) as (studio, charger):
            run = await run_steps(studio, cid, [ConnectStep(), HandOverStep(leave_timeout_s=15)],
                                  production_url=studio.loopback_url())
            record = run.records["handover"]
            assert record.status is StepStatus.FAILED
            assert record.summary.startswith(
                "The charger took network profile slot 1 first in OCPPCommCtrlr."
                "NetworkConfigurationPriority, left, and came back to the laptop: it could not "
                f"reach {studio.loopback_url()} or kept its old connection.")
            assert evidence(record, "Came back to the laptop").value == "yes"
            assert run.ctx.data["handover"]["done"] is False
    run_async(go())
