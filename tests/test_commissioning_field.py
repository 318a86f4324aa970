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
