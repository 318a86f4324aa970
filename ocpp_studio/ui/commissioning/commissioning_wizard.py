"""The guided commissioning wizard: one page per step of a ``CommissioningRun``.

The protocol work lives in the Qt-free engine (``ocpp_studio/commissioning``); the wizard
only asks the installer's questions, puts the answers into the run's profile and
``context.choices``, runs a step as an operation on the qasync loop
(``await run.run_step(step_id)``) and shows what the engine reports through its listener.

Every step page says what it will do, has a "Run this step" button, a live status
(running / waiting for the charger / passed with evidence / failed with Retry and
"Skip with a reason…") and lets the installer go on only once the step passed or was
skipped. The wizard is modeless (``show()``), so chargers keep talking while it is open.

This module is the wizard's shell; the pages are in ``pages_details`` (who and where),
``step_page`` (any step), ``pages_connection``, ``pages_owner`` and ``pages_charge`` (steps
with questions) and ``report_page``; shared words and helpers in ``wizard_common``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard
from shiboken6 import isValid

from ...commissioning.steps import (
    ClockStep, ConnectStep, HandOverStep, MeteringStep, OffPeakStep, ReportStep, SecurityStep,
    SiteLimitStep, TestChargeStep,
)
from .pages_charge import HandoverPage, TestChargePage
from .pages_connection import ClockPage, ConnectPage, MeteringPage, SitePage
from .pages_details import DetailsPage
from .pages_owner import OffPeakPage, SecurityPage
from .report_page import ReportPage
from .step_page import StepPage
from .wizard_common import (
    PASSWORD_LENGTH, STATE_SUFFIX, STATUS_STYLE, STEP_TEXT, WAITING_TEXT, generate_password,
    saved_states, state_path_for, status_name, suggested_charger_id,
)

log = logging.getLogger(__name__)

#: the names the rest of the window and the tests use, wherever they live now
__all__ = [
    "PASSWORD_LENGTH", "STATE_SUFFIX", "STATUS_STYLE", "STEP_TEXT", "WAITING_TEXT",
    "ClockPage", "CommissioningWizard", "ConnectPage", "DetailsPage", "HandoverPage",
    "MeteringPage", "OffPeakPage", "ReportPage", "SecurityPage", "SitePage", "StepPage",
    "TestChargePage", "generate_password", "open_wizard", "saved_states", "state_path_for",
    "status_name", "suggested_charger_id",
]

PAGE_CLASSES: dict[str, type[StepPage]] = {
    ConnectStep.step_id: ConnectPage, ClockStep.step_id: ClockPage,
    SiteLimitStep.step_id: SitePage, MeteringStep.step_id: MeteringPage,
    OffPeakStep.step_id: OffPeakPage, SecurityStep.step_id: SecurityPage,
    TestChargeStep.step_id: TestChargePage, HandOverStep.step_id: HandoverPage,
}



# ================================================================== the wizard
class CommissioningWizard(QWizard):
    """Modeless wizard over one CommissioningRun (see the module docstring)."""

    def __init__(self, run: Any, *, urls: list[str] | Callable[[], list[str]] | None = None,
                 state_path: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self._urls = urls
        self.state_path = Path(state_path) if state_path else getattr(run, "state_path", None)
        self.setWindowTitle(f"Commission a charger — {self.charger_id}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.resize(860, 720)

        self.details_page = DetailsPage(self)
        self.addPage(self.details_page)
        self.step_pages: dict[str, StepPage] = {}
        report_step = None
        for step in run.steps:
            if step.step_id == ReportStep.step_id:
                report_step = step
                continue
            page = PAGE_CLASSES.get(step.step_id, StepPage)(self, step)
            self.step_pages[step.step_id] = page
            self.addPage(page)
        self.report_page = ReportPage(self, report_step)
        self.addPage(self.report_page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Close")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Continue later")
        self.button(QWizard.WizardButton.CancelButton).setToolTip(
            "Close the wizard; what is done is kept and you can resume later")
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        run.step_changed.connect(self._on_record)

    # ----------------------------------------------------------- run facts
    @property
    def context(self) -> Any:
        return getattr(self.run, "context", None) or getattr(self.run, "ctx", None)

    @property
    def profile(self) -> Any:
        return getattr(self.run, "profile", None) or getattr(self.context, "profile")

    @property
    def choices(self) -> dict:
        return self.context.choices

    @property
    def charger_id(self) -> str:
        return str(getattr(self.run, "charger_id", None)
                   or getattr(self.context, "charger_id", ""))

    def set_charger_id(self, charger_id: str) -> None:
        """The installer typed another charger id on the Connect page (before connecting)."""
        for target in (self.run, self.context):
            if target is not None and hasattr(target, "charger_id"):
                target.charger_id = charger_id
        self.setWindowTitle(f"Commission a charger — {charger_id}")
        self.details_page.charger_label.setText(charger_id)

    def urls(self) -> list[str]:
        urls = self._urls() if callable(self._urls) else self._urls
        if urls is None:
            # the listening server is the real Studio's, not part of the engine's StudioParts
            server = getattr(self.run.studio, "server", None)
            urls = server.urls() if server is not None else []
        return list(urls)

    def mask(self, text: str) -> str:
        """Evidence never shows the password (the Security page shows it once)."""
        password = self.choices.get("password")
        if password and password in text:
            return text.replace(password, "•" * 8)
        return text

    def collect_choices(self) -> None:
        for page in self.step_pages.values():
            page.apply_choices()

    def profile_changed(self) -> None:
        """A profile was loaded: rebuild the questions' defaults from it."""
        site = self.step_pages.get(SiteLimitStep.step_id)
        if isinstance(site, SitePage):
            site.current.setValue(float(self.profile.max_current_a))
            site.phases.setCurrentIndex(1 if int(self.profile.phases) == 3 else 0)
        clock = self.step_pages.get(ClockStep.step_id)
        if isinstance(clock, ClockPage):
            clock.heartbeat.setValue(int(self.profile.heartbeat_interval_s))
        metering = self.step_pages.get(MeteringStep.step_id)
        if isinstance(metering, MeteringPage):
            metering.interval.setValue(int(self.profile.meter_interval_s))
        offpeak = self.step_pages.get(OffPeakStep.step_id)
        if isinstance(offpeak, OffPeakPage):
            offpeak.radios.get(self.profile.offpeak, offpeak.radios["default"]).setChecked(True)
            offpeak.delay.setValue(int(self.profile.randomised_delay_s))
        security = self.step_pages.get(SecurityStep.step_id)
        if isinstance(security, SecurityPage):
            wanted = int(self.profile.security_profile)
            security.profile_combo.setCurrentIndex({1: 0, 2: 1, 3: 2}.get(wanted, 1))
            security.include.setChecked(bool(self.profile.include_password_in_report))
        charge = self.step_pages.get(TestChargeStep.step_id)
        if isinstance(charge, TestChargePage):
            charge.seconds.setValue(int(self.profile.test_charge_seconds))
        handover = self.step_pages.get(HandOverStep.step_id)
        if isinstance(handover, HandoverPage):
            handover.url_edit.setText(self.profile.production_url or "")

    # ----------------------------------------------------------- engine events
    def _on_record(self, record: Any) -> None:
        if not isValid(self):
            return
        page = self.step_pages.get(record.step_id)
        if page is not None and isValid(page):
            page.on_record(record)

    def save_state(self) -> None:
        try:
            self.run.save_state()
        except Exception as exc:  # noqa: BLE001 - resuming is a convenience
            log.warning("could not save the commissioning state: %s", exc)

    def go_to_current(self) -> None:
        """After a resume: show the first step that is not done yet."""
        ids = list(self.step_pages)
        for step_id in ids:
            record = self.run.records.get(step_id)
            if record is None or status_name(record.status) not in ("passed", "skipped"):
                target = self.step_pages[step_id]
                break
        else:
            target = self.report_page
        security = self.step_pages.get(SecurityStep.step_id)
        if isinstance(security, SecurityPage) and target is not security \
                and security.state() in ("passed", "skipped"):
            security.hide_password()
        self.restart()
        self.details_page.store()
        while self.currentPage() is not target and self.currentPage() is not None:
            page = self.currentPage()
            if isinstance(page, StepPage) and not page.isComplete():
                break
            before = self.currentId()
            self.next()
            if self.currentId() == before:
                break

    def error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(860, 720)

    def done(self, result: int) -> None:
        for page in self.step_pages.values():
            if page.task is not None and not page.task.done():
                page.task.cancel()  # the engine marks it pending; the state stays saved
            if isinstance(page, TestChargePage):
                page.release()
        super().done(result)
        if result == QWizard.DialogCode.Accepted or getattr(self.run, "finished", False):
            self.run.step_changed.disconnect(self._on_record)


def open_wizard(run: Any, *, urls: Any = None, state_path: Any = None,
                parent: QWidget | None = None, resume: bool = False) -> CommissioningWizard:
    """Create and show a modeless wizard (never exec(): the event loop keeps running)."""
    wizard = CommissioningWizard(run, urls=urls, state_path=state_path, parent=parent)
    wizard.setWindowFlag(Qt.WindowType.Window, True)
    wizard.show()
    if resume:
        QTimer.singleShot(0, wizard.go_to_current)
    return wizard
