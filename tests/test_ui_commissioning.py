"""The commissioning wizard as an installer uses it: run a step, wait for a restarting
charger, retry a failure, skip with a reason, see the password once, save the report.

Most tests drive the wizard against a scripted fake CommissioningRun (the engine's
interface); the last one runs the real engine against a demo charger over a real
CsmsServer on 127.0.0.1 when the engine's steps and report are available.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

import jsonschema  # noqa: E402
import pytest  # noqa: E402
from conftest import loop, wait_until  # noqa: E402,F401
from PySide6.QtWidgets import QWizard  # noqa: E402

from ocpp_studio.commissioning.engine import Evidence, StepRecord, StepStatus  # noqa: E402
from ocpp_studio.core.events import Signal  # noqa: E402
from ocpp_studio.commissioning.profile import CommissioningProfile  # noqa: E402
from ocpp_studio.commissioning.steps import STANDARD_STEPS, SiteLimitStep  # noqa: E402
from ocpp_studio.ui.commissioning.commissioning_wizard import (  # noqa: E402
    WAITING_TEXT, CommissioningWizard, ConnectPage, OffPeakPage, SecurityPage, StepPage,
    generate_password, state_path_for,
)
from ocpp_studio.ui.commissioning.report_pdf import write_report_pdf  # noqa: E402

REPORT_HTML = ("<html><body><h1>Commissioning report</h1><p>Charger CP-1 commissioned by "
               "Jo Installer.</p><table border='1' width='100%'>"
               + "".join(f"<tr><td>Setting {i}</td><td>before</td><td>after</td></tr>"
                         for i in range(40)) + "</table></body></html>")


# ------------------------------------------------------------------ fakes
#: The fake's step ids are the engine's own: a fake with its own names once hid a wizard
#: that lost the site limit with the real engine (issue 13).
SITE = SiteLimitStep.step_id

@dataclass
class FakeStep:
    step_id: str
    title: str
    description: str = "Does the thing, then checks it."


@dataclass
class FakeReport:
    html: str = REPORT_HTML

    def to_html(self) -> str:
        return self.html

    def to_json(self) -> dict:
        return {"html": len(self.html)}

    def verdict(self) -> tuple[str, str]:
        return "ok", "Commissioning complete"


@dataclass
class FakeRun:
    """Scripted: ``script[step_id]`` is a list of outcomes, one per run_step call:
    "passed", "failed", or "waiting" (publishes WAITING, waits for ``back``, then passes)."""

    charger_id: str = "CP-1"
    steps: list = field(default_factory=lambda: [
        FakeStep("connect", "Connect the charger"), FakeStep(SITE, "Site settings"),
        FakeStep("offpeak", "Off-peak hours"), FakeStep("security", "Security"),
        FakeStep("report", "Report")])
    script: dict = field(default_factory=dict)
    #: the engine's StudioParts; None: a run that plots no power
    studio: Any = None

    def __post_init__(self) -> None:
        self.profile = CommissioningProfile(installer_name="Jo Installer", company="Sparks Ltd",
                                            site_name="12 High Street", max_current_a=16.0)
        self.context = SimpleNamespace(profile=self.profile, charger_id=self.charger_id,
                                       choices={}, records={}, settings_changed=[])
        self.records: dict[str, StepRecord] = {}
        self.current = 0
        self.step_changed: Signal[StepRecord] = Signal("commissioning step")
        self.calls: list[str] = []
        self.saved = 0
        self.back = asyncio.Event()
        self.choices_seen: dict[str, dict] = {}

    def _publish(self, record: StepRecord) -> StepRecord:
        self.records[record.step_id] = record
        self.step_changed.emit(record)
        return record

    async def run_step(self, step_id: str | None = None) -> StepRecord:
        self.calls.append(step_id)
        self.choices_seen[step_id] = dict(self.context.choices)
        outcomes = self.script.get(step_id, [])
        outcome = outcomes.pop(0) if outcomes else "passed"
        self._publish(StepRecord(step_id, step_id, StepStatus.RUNNING, ""))
        await asyncio.sleep(0.01)
        if outcome == "waiting":
            self._publish(StepRecord(step_id, step_id, StepStatus.WAITING, "waiting"))
            await self.back.wait()
            self._publish(StepRecord(step_id, step_id, StepStatus.RUNNING, ""))
            outcome = "passed"
        if outcome == "failed":
            return self._publish(StepRecord(
                step_id, step_id, StepStatus.FAILED, "The charger said no.",
                [Evidence("ChangeConfiguration", "Rejected")],
                error="The charger rejected the new setting."))
        evidence = [Evidence("Checked", "yes", "all good")]
        if step_id == "security":
            evidence.append(Evidence("AuthorizationKey", self.context.choices.get("password", "")))
        return self._publish(StepRecord(step_id, step_id, StepStatus.PASSED,
                                        f"{step_id} done.", evidence))

    def skip(self, step_id: str, reason: str) -> StepRecord:
        return self._publish(StepRecord(step_id, step_id, StepStatus.SKIPPED, f"Skipped: {reason}",
                                        skip_reason=reason))

    def save_state(self) -> None:
        self.saved += 1

    def report(self) -> FakeReport:
        return FakeReport()


def make_wizard(qtbot: Any, run: FakeRun | None = None) -> tuple[CommissioningWizard, FakeRun]:
    run = run or FakeRun()
    wizard = CommissioningWizard(run, urls=["ws://192.168.1.20:9000/ocpp",
                                            "ws://10.0.0.5:9000/ocpp"])
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard, run


def run_page(loop: Any, page: StepPage) -> None:
    task = page.start()
    loop.run_until_complete(asyncio.wait_for(task, 5))


def pdf_to_png(pdf: Path, out_prefix: Path, dpi: int = 60) -> Path:
    """Render page 1 with pdftoppm (poppler-utils, installed by scripts/setup)."""
    assert shutil.which("pdftoppm"), "pdftoppm missing: run scripts/setup (installs poppler-utils)"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(out_prefix)], check=True, timeout=60)
    return out_prefix.with_suffix(".png")


# ------------------------------------------------------------------ tests
def test_pages_follow_the_steps_and_next_waits_for_a_passed_step(qtbot, loop):
    wizard, run = make_wizard(qtbot)
    titles = [wizard.page(i).title() for i in wizard.pageIds()]
    assert titles[0] == "Who is commissioning, and where"
    assert titles[1:5] == ["Connect the charger", "Site settings", "Off-peak hours", "Security"]
    assert titles[-1] == "Commissioning report"
    details = wizard.details_page
    assert details.edits["installer_name"].text() == "Jo Installer"
    details.edits["site_name"].setText("14 High Street")
    wizard.next()
    assert run.profile.site_name == "14 High Street"

    connect = wizard.currentPage()
    assert isinstance(connect, ConnectPage)
    assert [u for u in connect.urls()] == ["ws://192.168.1.20:9000/ocpp/CP-1",
                                          "ws://10.0.0.5:9000/ocpp/CP-1"]
    assert len(connect.url_buttons) == 2
    assert not connect.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    run_page(loop, connect)
    assert connect.state() == "passed"
    assert connect.isComplete()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "connect done." in connect.summary_label.text()
    assert connect.evidence.rowCount() == 1
    assert connect.evidence.item(0, 0).text() == "Checked"
    assert run.saved >= 1


def test_site_choices_reach_the_profile(qtbot, loop):
    wizard, run = make_wizard(qtbot)
    site = wizard.step_pages[SITE]
    assert site.current.value() == 16.0  # from the profile
    site.current.setValue(20)
    site.phases.setCurrentIndex(1)
    assert "13.8 kW" in site.power.text()
    run_page(loop, site)
    assert run.profile.max_current_a == 20 and run.profile.phases == 3
    assert run.choices_seen[SITE]["max_current_a"] == 20


def test_failed_step_explains_and_retry_passes(qtbot, loop):
    wizard, run = make_wizard(qtbot, FakeRun(script={"connect": ["failed", "passed"]}))
    page = wizard.step_pages["connect"]
    run_page(loop, page)
    assert page.state() == "failed"
    assert page.status_label.property("state") == "failed"
    assert "This step failed" in page.status_label.text()
    assert "The charger said no." in page.summary_label.text()  # the plain explanation
    assert "The charger rejected the new setting." in page.summary_label.text()
    assert "Retry" in page.summary_label.text()
    assert page.retry_button.isVisibleTo(page) and page.retry_button.text() == "Retry"
    assert page.skip_button.isVisibleTo(page)
    assert not page.isComplete()
    page.retry_button.click()
    loop.run_until_complete(asyncio.wait_for(page.task, 5))
    assert page.state() == "passed" and page.isComplete()
    assert run.calls == ["connect", "connect"]


def test_skip_with_a_reason(qtbot, loop):
    wizard, run = make_wizard(qtbot, FakeRun(script={SITE: ["failed"]}))
    page = wizard.step_pages[SITE]
    run_page(loop, page)
    assert not page.isComplete()
    assert page.skip("  ") is None  # no reason, no skip
    page.skip_button.click()
    dialog = page._skip_input
    assert dialog.isVisible()
    dialog.setTextValue("Supply limit set by the DNO's load limiter")
    dialog.accept()
    assert page.state() == "skipped" and page.isComplete()
    assert run.records[SITE].skip_reason == "Supply limit set by the DNO's load limiter"
    assert "DNO" in page.status_label.text()


def test_waiting_for_a_restarting_charger_then_resuming(qtbot, loop):
    wizard, run = make_wizard(qtbot, FakeRun(script={"connect": ["waiting"]}))
    page = wizard.step_pages["connect"]
    task = page.start()

    async def scenario() -> None:
        await wait_until(lambda: page.state() == "waiting", 5, "waiting shown")
        assert WAITING_TEXT.split(" —")[0] in page.status_label.text()
        assert page.busy.isVisibleTo(page)
        assert not page.isComplete()
        assert not page.run_button.isEnabled() or not page.run_button.isVisibleTo(page)
        run.back.set()
        await asyncio.wait_for(task, 5)

    loop.run_until_complete(scenario())
    assert page.state() == "passed" and page.isComplete()
    assert not page.busy.isVisibleTo(page)


def test_offpeak_choice_goes_to_the_run(qtbot, loop):
    wizard, run = make_wizard(qtbot)
    page = wizard.step_pages["offpeak"]
    assert isinstance(page, OffPeakPage)
    assert page.choice() == "default" and not page.timeline.editable
    page.radios["custom"].setChecked(True)
    assert page.timeline.editable
    page.timeline.paint_cells(5, 0, 6, 13, False)
    page.timeline.changed.emit()
    page.delay.setValue(900)
    run_page(loop, page)
    seen = run.choices_seen["offpeak"]
    assert seen["offpeak"] == "custom" and seen["randomised_delay_s"] == 900
    assert seen["custom_hours"]["days"][5].startswith("0" * 14)
    assert run.profile.offpeak == "custom" and run.profile.custom_hours
    page.radios["none"].setChecked(True)
    page.apply_choices()
    assert run.context.choices["offpeak"] == "none" and "custom_hours" not in run.context.choices


def test_password_is_shown_once(qtbot, loop):
    wizard, run = make_wizard(qtbot)
    page = wizard.step_pages["security"]
    assert isinstance(page, SecurityPage)
    password = page.password_edit.text()
    assert 16 <= len(password) <= 40 and password.isalnum()
    assert run.context.choices["password"] == password
    assert generate_password() != password
    page.include.setChecked(True)
    run_page(loop, page)
    assert run.choices_seen["security"]["password"] == password
    assert run.profile.include_password_in_report is True
    # the evidence table never repeats it
    values = [page.evidence.item(r, 1).text() for r in range(page.evidence.rowCount())]
    assert password not in " ".join(values)
    page.copy_password()
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == password
    # leaving the page hides it for good
    while wizard.currentPage() is not page:
        current = wizard.currentPage()
        if isinstance(current, StepPage):
            run_page(loop, current)
        wizard.next()
    wizard.next()
    assert password not in page.password_edit.text()
    assert not page.copy_password_button.isEnabled()
    wizard.back()
    assert password not in page.password_edit.text()
    if wizard.report_page.task is not None:  # the report page was opened on the way
        loop.run_until_complete(asyncio.wait_for(wizard.report_page.task, 5))


def test_report_page_shows_html_and_saves_pdf_and_html(qtbot, loop, tmp_path):
    wizard, run = make_wizard(qtbot)
    for page in wizard.step_pages.values():
        run_page(loop, page)
    while wizard.currentPage() is not wizard.report_page:
        wizard.next()
    loop.run_until_complete(asyncio.wait_for(wizard.report_page.task, 5))
    assert "report" in run.calls  # the engine's report step ran
    assert "Jo Installer" in wizard.report_page.browser.toPlainText()
    pdf = tmp_path / "report.pdf"
    assert wizard.report_page.save_pdf(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1024
    html = tmp_path / "report.html"
    assert wizard.report_page.save_html(html)
    assert html.read_text(encoding="utf-8") == REPORT_HTML
    assert wizard.report_page.open_folder_button.isEnabled()
    png = pdf_to_png(pdf, tmp_path / "page1")
    assert png.is_file() and png.stat().st_size > 1000
    assert wizard.report_page.default_name("pdf").startswith("commissioning-CP-1-")


def test_write_report_pdf_headless_with_data_uri_image(tmp_path):
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#2f6fb5"))
    raw = QByteArray()
    buffer = QBuffer(raw)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    import base64
    uri = "data:image/png;base64," + base64.b64encode(bytes(raw.data())).decode()
    path = tmp_path / "sub" / "r.pdf"
    write_report_pdf(REPORT_HTML.replace("<h1>", f"<img src='{uri}' width='200'><h1>"), path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1024
    assert b"/Image" in data or b"/XObject" in data


def test_profile_load_and_save_on_the_first_page(qtbot, loop, tmp_path):
    wizard, run = make_wizard(qtbot)
    other = CommissioningProfile(installer_name="Sam", company="Volt & Co", max_current_a=24.0,
                                 phases=3, randomised_delay_s=1200, production_url="wss://x/ocpp")
    path = tmp_path / "profile.json"
    other.save(path)
    assert wizard.details_page.load_profile(path)
    assert wizard.details_page.edits["installer_name"].text() == "Sam"
    assert wizard.step_pages[SITE].current.value() == 24.0
    assert wizard.step_pages["offpeak"].delay.value() == 1200
    assert run.profile.company == "Volt & Co"
    wizard.details_page.edits["site_name"].setText("Depot 4")
    out = tmp_path / "saved.json"
    assert wizard.details_page.save_profile(out)
    again = CommissioningProfile.load(out)
    assert again.site_name == "Depot 4" and again.max_current_a == 24.0
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    assert not wizard.details_page.load_profile(bad)


def test_the_fakes_step_ids_are_the_engines():
    """A fake step id the engine does not use would test a page the real wizard never has."""
    engine_ids = {cls.step_id for cls in STANDARD_STEPS}
    assert {step.step_id for step in FakeRun().steps} <= engine_ids


def test_loaded_site_profile_is_shown_and_kept_with_the_real_engine(qtbot, tmp_path):
    """Issue 13: the wizard looked for a step called ``site_limit`` while the engine calls it
    ``site``, so a loaded 24 A / 3-phase profile was shown and saved back as 16 A / 1 phase.
    The real engine's steps here, so the page ids are the engine's own."""
    from ocpp_studio.commissioning.engine import CommissioningRun
    from ocpp_studio.commissioning.steps import SiteLimitStep

    run = CommissioningRun(SimpleNamespace(metering=None), "CP-24",
                           CommissioningProfile(installer_name="Jo", max_current_a=16.0, phases=1))
    wizard = CommissioningWizard(run, urls=["ws://127.0.0.1:9000/ocpp"])
    qtbot.addWidget(wizard)
    site = wizard.step_pages[SiteLimitStep.step_id]
    assert site.title() == "Site settings"
    assert site.current.value() == 16.0 and site.phases.currentText() == "1 phase"

    path = tmp_path / "three-phase-site.json"
    CommissioningProfile(installer_name="Sam", max_current_a=24.0, phases=3).save(path)
    assert wizard.details_page.load_profile(path)
    assert site.current.value() == 24.0  # what the installer sees on the site page
    assert site.current.text() == "24.0 A"
    assert site.phases.currentText() == "3 phases"
    assert "16.6 kW" in site.power.text()

    out = tmp_path / "saved.json"
    assert wizard.details_page.save_profile(out)  # writes the wizard's answers back
    saved = CommissioningProfile.load(out)
    assert (saved.max_current_a, saved.phases) == (24.0, 3)
    assert (run.profile.max_current_a, run.profile.phases) == (24.0, 3)
    # what the engine's site step will send to the charger
    assert run.choices["max_current_a"] == 24.0 and run.choices["phases"] == 3


def test_main_window_commission_action_opens_the_wizard(qtbot, loop, tmp_path):
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.ui.main_window import MainWindow
    store = CaptureStore(tmp_path / "c.db")
    made: list[str] = []

    def new_run(charger_id: str) -> FakeRun:
        made.append(charger_id)
        return FakeRun(charger_id=charger_id)

    window = MainWindow(CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0)), store,
                        urls=["ws://127.0.0.1:9000/ocpp"], capture_path=tmp_path / "c.db",
                        commissioning=SimpleNamespace(new_run=new_run))
    qtbot.addWidget(window)
    try:
        charger_menu = [a for a in window.menuBar().actions() if a.text() == "&Charger"][0]
        assert window.commission_action in charger_menu.menu().actions()
        window.commission_action.trigger()
        assert made == ["CHARGER-01"]  # no charger selected: wait for a new one
        assert window.wizard is not None and window.wizard.isVisible()
        assert window.wizard.step_pages["connect"].urls() == ["ws://127.0.0.1:9000/ocpp/CHARGER-01"]
        assert window.commissioning_state_path() == state_path_for(tmp_path / "c.db")
        window.commission_action.trigger()  # a second click shows the same wizard
        assert made == ["CHARGER-01"]
        window.wizard.reject()  # "Continue later"
        assert not window.wizard.isVisible()
        window.commission_action.trigger()  # ... and opening again carries on with it
        assert made == ["CHARGER-01"] and window.wizard.isVisible()
    finally:
        window.close()
        store.close()


# ------------------------------------------------------------ real engine + demo charger
def _engine_ready() -> bool:
    try:
        import ocpp_studio.commissioning.report  # noqa: F401
        import ocpp_studio.commissioning.steps  # noqa: F401
        import ocpp_studio.demo  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _engine_ready(), reason="commissioning engine not available yet")
def test_wizard_against_the_demo_charger(qtbot, loop, tmp_path):
    """Real CommissioningRun, real CsmsServer, demo charger (1.6): connect and identify pass,
    a later step is skipped, and the report page produces a PDF."""
    from conftest import running_csms

    from ocpp_studio.commissioning.engine import CommissioningRun
    from ocpp_studio.core.versions import OcppVersion
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig

    async def scenario() -> None:
        async with running_csms() as csms:
            studio = SimpleNamespace(central=csms.central, store=csms.store, server=csms.server,
                                     configuration=None, smart_charging=None, metering=None,
                                     one_second=None)
            try:
                from ocpp_studio.configuration.service import ConfigurationService
                studio.configuration = ConfigurationService(csms.central, None)
            except Exception:  # noqa: BLE001
                pass
            run = CommissioningRun(studio, "WIZ-16", CommissioningProfile(installer_name="Jo"),
                                   state_path=tmp_path / "state.json")
            run.wait_timeout = 15
            wizard = CommissioningWizard(run, urls=csms.server.urls())
            qtbot.addWidget(wizard)
            wizard.show()
            config = DemoChargerConfig(charger_id="WIZ-16", version=OcppVersion.V16)
            charger = DemoCharger(csms.url("").rstrip("/"), config)
            task = asyncio.create_task(charger.run())
            try:
                connect = wizard.step_pages["connect"]
                await asyncio.wait_for(connect.start(), 20)
                assert connect.state() == "passed", connect.status_label.text()
                identify = wizard.step_pages["identify"]
                await asyncio.wait_for(identify.start(), 20)
                assert identify.state() == "passed", identify.status_label.text()
                assert identify.evidence.rowCount() > 0
                for step_id, page in wizard.step_pages.items():
                    if page.state() == "pending":
                        page.skip("not part of this test")
                wizard.report_page.initializePage()
                await asyncio.wait_for(wizard.report_page.task, 20)
                assert "WIZ-16" in wizard.report_page.browser.toPlainText()
                # steps were skipped: the page must not say complete, and says what remains
                verdict = wizard.report_page.verdict.text()
                assert "Commissioning not complete" in verdict, verdict
                assert "outstanding" in verdict
                assert wizard.report_page.save_pdf(tmp_path / "report.pdf")
                assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
                assert (tmp_path / "report.pdf").stat().st_mode & 0o077 == 0  # owner-only
                assert wizard.report_page.save_json(tmp_path / "report.json")
                data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
                schema = json.loads((Path(__file__).parent.parent / "schemas"
                                     / "commissioning-report.schema.json").read_text())
                jsonschema.validate(data, schema)
                assert data["charger"]["id"] == "WIZ-16" and data["complete"] is False
                assert data["outstanding"]  # the same items the page lists
            finally:
                await charger.stop()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                wizard.close()

    loop.run_until_complete(scenario())


@pytest.mark.skipif(not _engine_ready(), reason="commissioning engine not available yet")
def test_loaded_three_phase_site_profile_reaches_the_demo_charger(qtbot, loop, tmp_path):
    """Issue 13 end to end: a 24 A / 3-phase profile loaded in the wizard is what the site step
    sends to a demo charger (1.6, real CsmsServer on 127.0.0.1) and what the report says."""
    from ocpp_studio.commissioning.steps import ConnectStep, ReportStep
    from ocpp_studio.core.versions import OcppVersion
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.service import Studio
    from ocpp_studio.settings import AppSettings, CsmsSettings

    profile_file = tmp_path / "three-phase-site.json"
    CommissioningProfile(installer_name="Sam", max_current_a=24.0, phases=3).save(profile_file)

    async def scenario() -> None:
        studio = Studio(AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                                    capture_path=str(tmp_path / "c.db")))
        await studio.start()
        charger = DemoCharger(studio.loopback_url(), DemoChargerConfig(
            charger_id="SITE-24", version=OcppVersion.V16, auto_charge=False, seed=1))
        task = asyncio.create_task(charger.run())
        run = studio.commissioning.start("SITE-24", CommissioningProfile(max_current_a=16.0),
                                         [ConnectStep(), SiteLimitStep(), ReportStep()])
        run.wait_timeout = 15
        wizard = CommissioningWizard(run, urls=studio.server.urls())
        qtbot.addWidget(wizard)
        try:
            assert wizard.details_page.load_profile(profile_file)
            for page in (wizard.step_pages["connect"], wizard.step_pages[SITE]):
                await asyncio.wait_for(page.start(), 20)
                assert page.state() == "passed", page.summary_label.text()
            site_page = wizard.step_pages[SITE]
            assert site_page.current.text() == "24.0 A"
            assert site_page.phases.currentText() == "3 phases"
            # what the charger now holds
            maxima = [p for p in charger.profiles.profiles if p.purpose == "Max"]
            assert [(p.periods[0].limit, p.periods[0].phases) for p in maxima] == [(24.0, 3)]
            # what the report says
            assert run.ctx.data["site"] == {"max_current_a": 24.0, "phases": 3}
            data = run.report().to_json()
            assert any("24 A, 3 phase(s)" in str(s["after"]) for s in data["settings"])
        finally:
            await charger.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            wizard.close()
            await studio.stop()

    loop.run_until_complete(scenario())


def test_inline_svg_chart_is_drawn_in_the_pdf(tmp_path):
    from ocpp_studio.ui.commissioning.report_pdf import inline_svgs
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' width='300' height='60'>"
           "<rect x='0' y='0' width='150' height='60' fill='#2e9e44'/></svg>")
    html = inline_svgs(f"<p>before</p>{svg}<p>after</p>")
    assert "<svg" not in html and "data:image/png;base64," in html and "width='300'" in html
    path = tmp_path / "chart.pdf"
    write_report_pdf(f"<h1>Chart</h1>{svg}", path)
    png = pdf_to_png(path, tmp_path / "chart", dpi=40)
    from PySide6.QtGui import QImage
    image = QImage(str(png))
    greens = sum(1 for x in range(0, image.width(), 4) for y in range(0, image.height() // 3, 4)
                 if image.pixelColor(x, y).green() > 120 and image.pixelColor(x, y).red() < 90)
    assert greens > 10  # the green bar made it onto the page


def test_app_offers_to_resume_an_unfinished_run(qtbot, loop, tmp_path):
    """A state file beside the capture -> the app asks, and opens the wizard on the first
    step that is not done."""
    from ocpp_studio.settings import AppSettings, CsmsSettings
    from ocpp_studio.ui.app import StudioRun

    async def scenario() -> None:
        settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                               capture_path=str(tmp_path / "c.db"))
        studio_run = StudioRun(settings)
        from ocpp_studio.service import Studio
        from ocpp_studio.ui.main_window import MainWindow
        studio_run.studio = Studio(settings)
        await studio_run.studio.start()
        try:
            run = studio_run.studio.commissioning.start("CP-9", CommissioningProfile())
            run.skip("connect", "charger already online")
            run.save_state()
            studio_run.window = MainWindow(studio_run.studio.central, studio_run.studio.store,
                                           capture_path=tmp_path / "c.db",
                                           commissioning=studio_run.studio.commissioning,
                                           studio=studio_run.studio)
            qtbot.addWidget(studio_run.window)
            asked: list[str] = []

            async def ask(text: str) -> bool:
                asked.append(text)
                return True

            assert await studio_run.offer_resume(ask)
            assert "CP-9" in asked[0] and "1 of" in asked[0]
            wizard = studio_run.window.wizard
            await wait_until(lambda: wizard.currentPage() is wizard.step_pages["identify"], 5,
                             "wizard on the first step not done")
            assert wizard.step_pages["connect"].state() == "skipped"
        finally:
            studio_run.window.close()
            await studio_run.studio.stop()

    loop.run_until_complete(scenario())


def test_test_charge_page_plots_the_chargers_power_while_it_is_shown(qtbot, loop):
    """Issue 7 step 8: the installer watches the power during the test charge."""
    from ocpp_studio.capture.store import CaptureStore  # noqa: PLC0415
    from ocpp_studio.core.records import Direction, FrameRecord  # noqa: PLC0415
    from ocpp_studio.metering import MeteringService  # noqa: PLC0415
    from ocpp_studio.ui.commissioning.commissioning_wizard import TestChargePage  # noqa: PLC0415
    store = CaptureStore(":memory:")
    metering = MeteringService()
    metering.attach(store)
    run = FakeRun(steps=[FakeStep("connect", "Connect the charger"),
                         FakeStep("test_charge", "Test charge"), FakeStep("report", "Report")])
    run.studio = SimpleNamespace(metering=metering)
    wizard, _ = make_wizard(qtbot, run)
    page = wizard.step_pages["test_charge"]
    assert isinstance(page, TestChargePage) and page.plot is not None
    assert page.plot.charger is None  # nothing followed before the page is shown
    page.initializePage()
    for n, watts in enumerate(("7200", "7350")):
        store.record_frame(FrameRecord(
            "CP-1", Direction.TO_CSMS, f'[2,"m{n}","MeterValues",{{"connectorId":1,"meterValue":'
            f'[{{"timestamp":"2026-11-21T09:00:0{n}Z","sampledValue":[{{"value":"{watts}",'
            f'"measurand":"Power.Active.Import","unit":"W"}}]}}]}}]',
            message_type=2, unique_id=f"m{n}", action="MeterValues"))
    page.plot.refresh()
    [curve] = [c for c in page.plot.curves if c.panel == "power"]
    _, y = curve.item.getOriginalDataset()
    assert list(y * page.plot.power_divisor) == [7200.0, 7350.0]
    assert page.plot.charger == "CP-1"
    wizard.done(0)  # closing the wizard stops following the meter data
    assert len(metering.samples_added) == 0  # the plot no longer listens
    store.close()
