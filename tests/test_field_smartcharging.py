"""Smart charging on chargers we did not write (issue 14 §2), against the real central system
and the demo charger's quirks: a charger that answers GetCompositeSchedule for connector 0
with −1 W, one without smart charging, and one that takes schedules in W only. Each test
checks the words an installer reads."""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from conftest import running_csms

from ocpp_studio.api.server import ControlApi
from ocpp_studio.core.clock import FixedClock
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.smartcharging.offpeak import WeeklyHours
from ocpp_studio.smartcharging.service import SITE_LIMIT_PROFILE_ID, SmartChargingService

LONDON = ZoneInfo("Europe/London")
#: Sunday night: off-peak, so the hours allow charging now (one clock for studio and charger)
SUNDAY_NIGHT = datetime(2026, 11, 29, 3, 0, tzinfo=LONDON)
VERSIONS = [OcppVersion.V16, OcppVersion.V201]


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 120))


@asynccontextmanager
async def quirky(tmp_path: Any, version: OcppVersion, *quirks: str, **config: Any
                 ) -> AsyncIterator[tuple[Any, DemoCharger, SmartChargingService, str]]:
    clock = FixedClock(SUNDAY_NIGHT)
    async with running_csms() as csms:
        cid = f"F{version.label.replace('.', '')}"
        cfg = DemoChargerConfig(charger_id=cid, version=version, quirks=list(quirks), **config)
        charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", cfg, clock=clock)
        task = asyncio.create_task(charger.run())
        try:
            assert await charger.wait_booted(10)
            service = SmartChargingService(csms.central, state_path=tmp_path / "sc.json",
                                           clock=clock)
            yield csms, charger, service, cid
        finally:
            await charger.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


# ------------------------------------------------------------ composite schedule evidence
@pytest.mark.parametrize("version", VERSIONS)
def test_minus_one_on_connector_0_is_no_evidence_and_connector_1_is_checked(tmp_path, version):
    noun = "connector" if version is OcppVersion.V16 else "EVSE"

    async def scenario():
        async with quirky(tmp_path, version, "composite-minus-one") as (_, _c, svc, cid):
            assert (await svc.apply_hours(cid, WeeklyHours.uk_default())).ok
            check = await svc.verify(cid)
            whole, one = check.checks
            assert whole.verdict == "no evidence"
            assert whole.words == (f"the whole charger ({noun} 0): the charger's schedule "
                                   "gives -1 W, no evidence that the hours are in force")
            assert one.verdict == "matches"
            assert check.evidence is True
            assert check.summary == ("The charger's own schedule matches the intended hours "
                                     f"({noun} 1).")
            assert check.notes[0] == check.summary
    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_charger_that_lost_the_profiles_differs_and_says_where(tmp_path, version):
    """The hours were accepted, then the charger forgot them (as one that ignored them would):
    connector 0 says −1 W (no evidence), connector 1 shows full power in the peaks."""
    async def scenario():
        async with quirky(tmp_path, version, "composite-minus-one") as (_, charger, svc, cid):
            assert (await svc.apply_hours(cid, WeeklyHours.uk_default())).ok
            charger.profiles.profiles.clear()  # behind the studio's back
            check = await svc.verify(cid)
            assert check.evidence is False
            assert check.differences and check.mismatches
            first = check.mismatches[0]
            # Sunday night: the first peak is Monday 08:00-11:00, asked 0 W
            assert first.where == ("Mon 30 Nov 08:00-11:00: asked 0 W, the charger's "
                                   "schedule 7,360 W")
            assert first.asked_w == 0 and first.charger_w == 7360
            noun = "connector" if version is OcppVersion.V16 else "EVSE"
            assert check.summary.startswith(
                f"The charger's own schedule for {noun} 1 differs from the intended hours in "
                f"10 place(s): Mon 30 Nov 08:00-11:00: asked 0 W, the charger's schedule "
                "7,360 W; Mon 30 Nov 16:00-22:00: asked 0 W")
            assert check.summary.endswith(" and 7 more.")
    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_no_smart_charging_is_no_evidence_never_matches(tmp_path, version):
    noun = "connector" if version is OcppVersion.V16 else "EVSE"
    fault = "NotSupported" if version is OcppVersion.V16 else "NotImplemented"

    async def scenario():
        async with quirky(tmp_path, version, "no-smart-charging") as (_, _c, svc, cid):
            check = await svc.verify(cid)
            assert check.evidence is None and not check.differences
            assert check.summary == (
                f"No evidence that the charger follows the hours: the whole charger ({noun} 0)"
                f": not readable; {noun} 1: not readable.")
            assert any(n.startswith(f"GetCompositeSchedule for {noun} 1: {fault}.")
                       for n in check.notes)
    run(scenario())


# ------------------------------------------------------------ W-only chargers
def test_site_limit_in_amps_goes_in_watts_to_a_w_only_16_charger(tmp_path):
    async def scenario():
        async with quirky(tmp_path, OcppVersion.V16, "rate-unit=W") as (_, charger, svc, cid):
            result = await svc.set_site_limit(cid, 32, phases=1)
            assert result.ok, result.explanation
            assert result.explanation == ("Maximum current set: 32 A sent as 7,360 W: 32 A × "
                                          "230 V × 1 phase, the charger accepts schedules in "
                                          "W only.")
            assert result.rate.unit == "W" and result.rate.limit == 7360
            [profile] = [p for p in charger.profiles.profiles if p.id == SITE_LIMIT_PROFILE_ID]
            assert profile.unit == "W" and profile.periods[0].phases == 1
            # the charger works the current out from W, volts and numberPhases: 32 A
            assert charger.profiles.limit_a(0, charger.clock()) == pytest.approx(32)
    run(scenario())


def test_site_limit_w_only_201_takes_the_phases_from_the_device_model(tmp_path):
    async def scenario():
        async with quirky(tmp_path, OcppVersion.V201, "rate-unit=W", phases=3,
                          max_current_a=32) as (_, charger, svc, cid):
            result = await svc.set_site_limit(cid, 16)
            assert result.ok, result.explanation
            assert result.rate.words == ("sent as 11,040 W: 16 A × 230 V × 3 phases, the "
                                         "charger accepts schedules in W only")
            assert charger.profiles.limit_a(0, charger.clock()) == pytest.approx(16)
    run(scenario())


def test_site_limit_in_amps_stays_in_amps_where_allowed(tmp_path):
    async def scenario():
        async with quirky(tmp_path, OcppVersion.V16) as (_, charger, svc, cid):
            result = await svc.set_site_limit(cid, 20, phases=1)
            assert result.ok and result.rate.unit == "A" and result.rate.words == ""
            assert result.explanation == "Maximum current set: 20 A, 1 phase."
    run(scenario())


# ------------------------------------------------------------ offpeak show
def test_offpeak_show_reads_the_charger_schedule_and_fails_without_evidence(tmp_path):
    async def scenario():
        async with quirky(tmp_path, OcppVersion.V16, "composite-minus-one") as (
                csms, charger, svc, cid):
            assert (await svc.apply_hours(cid, WeeklyHours.uk_default())).ok
            api = ControlApi(csms.central, csms.store, 0, token="t", smart_charging=svc)
            await api.start()
            try:
                ok = await _cli("offpeak", "show", "--api", str(api.port), "--token", "t", cid)
                charger.profiles.profiles.clear()
                differs = await _cli("offpeak", "show", "--api", str(api.port), "--token",
                                     "t", cid)
            finally:
                await api.stop()
        code, out, err = ok
        assert code == 0, err
        data = json.loads(out)
        assert data["charger_schedule"]["evidence"] is True
        assert ("Charger's own schedule: The charger's own schedule matches the intended "
                "hours (connector 1).") in err
        code, out, err = differs
        assert code == 1
        assert json.loads(out)["charger_schedule"]["evidence"] is False
        assert ("differs from the intended hours in 10 place(s): Mon 30 Nov 08:00-11:00: "
                "asked 0 W, the charger's schedule 7,360 W") in err
    run(scenario())


async def _cli(*argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpp_studio.cli", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


# ------------------------------------------------------------ site limit in force?
@pytest.mark.parametrize("version", VERSIONS)
def test_site_limit_checked_on_the_chargers_own_schedule_not_on_minus_one(tmp_path, version):
    noun = "connector" if version is OcppVersion.V16 else "EVSE"

    async def scenario():
        async with quirky(tmp_path, version, "rate-unit=W", "composite-minus-one") as (
                _, charger, svc, cid):
            assert (await svc.set_site_limit(cid, 16, phases=1)).ok
            evidence, words = await svc.check_site_limit(cid, 16, phases=1)
            assert evidence is True
            assert words == ("The charger's own schedule stays within the maximum of 3,680 W "
                             f"(16 A × 230 V × 1 phase) ({noun} 1).")
            # applying hours keeps the installation's maximum
            assert (await svc.apply_hours(cid, WeeklyHours.uk_default())).ok
            assert SITE_LIMIT_PROFILE_ID in svc.installed_ids(cid)
            assert any(p.id == SITE_LIMIT_PROFILE_ID for p in charger.profiles.profiles)
            charger.profiles.profiles.clear()  # a charger that dropped it
            evidence, words = await svc.check_site_limit(cid, 16, phases=1)
            assert evidence is False
            assert words == (f"The charger's own schedule for {noun} 1 allows 7,360 W, more "
                             "than the maximum of 3,680 W (16 A × 230 V × 1 phase).")
    run(scenario())


def test_site_limit_without_smart_charging_is_no_evidence(tmp_path):
    async def scenario():
        async with quirky(tmp_path, OcppVersion.V201, "no-smart-charging") as (_, _c, svc, cid):
            result = await svc.set_site_limit(cid, 32, phases=1)
            assert not result.ok and result.step.status == "NotImplemented"
            assert result.explanation.startswith(
                "The maximum current (32 A, 1 phase) was not set: the charger answered "
                "NotImplemented to SetChargingProfile. The charger does not implement "
                "SetChargingProfile (smart charging missing or switched off).")
            evidence, words = await svc.check_site_limit(cid, 32, phases=1)
            assert evidence is None
            assert words == ("No evidence that the maximum of 7,360 W (32 A × 230 V × 1 phase) "
                             "is in force: the whole charger (EVSE 0): not readable; EVSE 1: "
                             "not readable.")
    run(scenario())
