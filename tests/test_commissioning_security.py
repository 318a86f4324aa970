"""The commissioning report's security items say only what the charger showed (issue 15 §3):
"Unique password" met only when the charger accepted the generated one, "Encrypted
communication" met only after the charger was seen connected over TLS at profile 2 or 3.
Real demo charger, real TLS on 127.0.0.1, both versions."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import jsonschema
import pytest

from ocpp_studio.commissioning import CommissioningProfile, StepStatus
from ocpp_studio.commissioning.steps import ConnectStep, SecurityStep
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.service import Studio
from ocpp_studio.settings import AppSettings, CsmsSettings

from conftest import wait_for

ROOT = Path(__file__).resolve().parents[1]
OLD = "00112233445566778899aabbccddeeff"  # valid both as 1.6 key and 2.0.1 password
PROFILE = dict(installer_name="Ada Installer", company="Sparks Ltd", site_name="12 High St",
               max_current_a=16.0, phases=1, heartbeat_interval_s=120, meter_interval_s=30,
               randomised_delay_s=600, test_charge_seconds=1, security_profile=2)
PASSWORD = "Unique password of 16-40 random characters"
ENCRYPTED = "Encrypted communication (security profile 2 or 3)"


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@contextlib.asynccontextmanager
async def studio_and_demo(tmp_path: Path, version: OcppVersion):
    """A studio listening on ws:// and wss://, and a demo charger at profile 1 on ws://."""
    studio = Studio(AppSettings(csms=CsmsSettings(
        host="127.0.0.1", port=0, wss_port=0, ca_dir=str(tmp_path / "ca"),
        client_certificates="optional", passwords={"COM-SEC": OLD}),
        capture_path=str(tmp_path / "capture.db")))
    await studio.start()
    charger = DemoCharger(studio.loopback_url(), DemoChargerConfig(
        charger_id="COM-SEC", version=version, basic_auth_password=OLD, seed=1))
    task = asyncio.create_task(charger.run())
    try:
        await wait_for(lambda: "COM-SEC" in studio.central.sessions, 20)
        yield studio, charger
    finally:
        with contextlib.suppress(Exception):
            await charger.stop()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await studio.stop()


def item(report, name: str):
    return next(i for i in report.checklist if i.name == name)


def valid_report(report) -> dict:
    data = report.to_json()
    schema = json.loads((ROOT / "schemas" / "commissioning-report.schema.json").read_text())
    jsonschema.validate(data, schema)
    return data


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201])
def test_encrypted_communication_met_only_after_the_wss_reconnect(tmp_path, version):
    async def go():
        async with studio_and_demo(tmp_path, version) as (studio, charger):
            run_ = studio.commissioning.start("COM-SEC", CommissioningProfile(**PROFILE),
                                              [ConnectStep(), SecurityStep()])
            run_.wait_timeout = 15
            run_.choices["write_password"] = True
            await run_.run_all()
            assert run_.records["security"].status is StepStatus.PASSED
            before = run_.report()
            # the charger accepted the generated password: met, and the studio expects it
            assert item(before, PASSWORD).status == "met"
            assert studio.settings.csms.passwords["COM-SEC"] == run_.choices["password"]
            # on ws:// at profile 1: not met, whatever was chosen
            assert item(before, ENCRYPTED).status == "not met"
            assert "not seen connected over TLS" in item(before, ENCRYPTED).evidence
            assert valid_report(before)["security"]["tls"] is None

            # the wizard's Security step runs the guided upgrade when asked and confirmed
            run_.choices.update(security_upgrade=2, upgrade_confirmed=True)
            record = await run_.run_step("security")
            assert record.status is StepStatus.PASSED, record.summary
            # the charger reports the new profile in its security log once it is back over
            # wss:// (ReconfigurationOfSecurityParameters "security profile 1 -> 2", both
            # versions), just after the reconnect the step waited for: wait for that event
            events = studio.central.station("COM-SEC").security.events
            await wait_for(lambda: any(
                e.type == "ReconfigurationOfSecurityParameters" and "1 -> 2" in
                (e.tech_info or "") and e.received_us >= record.started_us for e in events), 30)
            newest = "ReconfigurationOfSecurityParameters"
            after = run_.report()
            encrypted = item(after, ENCRYPTED)
            assert encrypted.status == "met", encrypted.evidence
            assert "seen connected over TLS with its password: security profile 2" in \
                encrypted.evidence
            data = valid_report(after)
            # the security events of the run, in the JSON and the printable report
            types = [e["type"] for e in data["security"]["events"]]
            assert newest in types
            html = after.to_html()
            assert "Security events seen during commissioning" in html
            assert newest in html and "yes: wss:// with its password" in html
            assert data["security"]["tls"]["scheme"] == "wss"
            assert data["security"]["upgrade"]["ok"] is True
            # the evidence keeps the charger's answer, never the password itself
            assert data["security"]["password_change"]["status"] == "Accepted"
            assert run_.choices["password"] not in json.dumps(data)
    run(go(), 150)


def test_declined_upgrade_leaves_encryption_not_met(tmp_path):
    async def go():
        async with studio_and_demo(tmp_path, OcppVersion.V201) as (studio, charger):
            run_ = studio.commissioning.start("COM-SEC", CommissioningProfile(**PROFILE),
                                              [ConnectStep(), SecurityStep()])
            run_.wait_timeout = 15
            run_.choices.update(security_upgrade=2, upgrade_confirmed=False)
            await run_.run_all()
            record = run_.records["security"]
            assert record.status is StepStatus.FAILED
            assert "Not confirmed" in record.summary
            report = run_.report()
            assert item(report, ENCRYPTED).status == "not met"
            # never written: the generated password is not "met" either
            assert item(report, PASSWORD).status == "not met"
            assert not studio.store.frames(charger="COM-SEC", action="SetNetworkProfile")
    run(go())


def test_wizard_upgrade_writes_the_shown_password_first(tmp_path):
    """Upgrade to 2 chosen in the wizard (no separate 'write password'): the password the
    installer was shown is the one written, accepted and then used over wss://."""
    async def go():
        async with studio_and_demo(tmp_path, OcppVersion.V16) as (studio, charger):
            run_ = studio.commissioning.start("COM-SEC", CommissioningProfile(**PROFILE),
                                              [ConnectStep(), SecurityStep()])
            run_.wait_timeout = 15
            run_.choices.update(password="Shown2Installer0123456789",
                                security_upgrade=2, upgrade_confirmed=True)
            await run_.run_all()
            assert run_.records["security"].status is StepStatus.PASSED, \
                run_.records["security"].summary
            assert studio.settings.csms.passwords["COM-SEC"] == "Shown2Installer0123456789"
            report = run_.report()
            assert item(report, PASSWORD).status == "met"
            assert item(report, ENCRYPTED).status == "met"
    run(go())


def test_wizard_security_page_offers_the_upgrade(qtbot, loop, tmp_path):
    """Ticking 'Move the charger to this profile now' (its tooltip is the spec's no-downgrade
    warning) is the confirmation: the run gets the upgrade and the confirmation."""
    from test_ui_commissioning import make_wizard, run_page

    from ocpp_studio.station.security_upgrade import DOWNGRADE_WARNING as WARNING
    wizard, run_ = make_wizard(qtbot)
    page = wizard.step_pages["security"]
    assert page.upgrade_now.toolTip() == WARNING and not page.upgrade_now.isChecked()
    page.upgrade_now.setChecked(True)
    run_page(loop, page)
    assert run_.choices_seen["security"]["security_upgrade"] == 2
    assert run_.choices_seen["security"]["upgrade_confirmed"] is True
