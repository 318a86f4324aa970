"""The guided commissioning wizard: one page per step of a ``CommissioningRun``.

The protocol work lives in the Qt-free engine (``ocpp_studio/commissioning``); this module only
asks the installer's questions, puts the answers into the run's profile and
``context.choices``, runs a step as an asyncio task on the qasync loop
(``await run.run_step(step_id)``) and shows what the engine reports through its listener.

Every step page says what it will do, has a "Run this step" button, a live status
(running / waiting for the charger / passed with evidence / failed with Retry and
"Skip with a reason…") and lets the installer go on only once the step passed or was
skipped. The wizard is modeless (``show()``), so chargers keep talking while it is open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html as html_lib
import logging
import secrets
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
    QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
    QMessageBox, QProgressBar, QPushButton, QRadioButton, QSizePolicy, QSpinBox,
    QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget, QWizard, QWizardPage,
)
from shiboken6 import isValid

from ...commissioning.steps import (
    ClockStep, ConnectStep, HandOverStep, IdentifyStep, MeteringStep, OffPeakStep, ReportStep,
    SecurityStep, SiteLimitStep, TestChargeStep,
)
from .report_pdf import ReportDocument, inline_svgs, write_report_pdf

log = logging.getLogger(__name__)

STATE_SUFFIX = ".commissioning.json"
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I
PASSWORD_LENGTH = 24  # OCPP and the UK regulations: 16-40 random characters
WAITING_TEXT = ("The charger has disconnected — waiting for it to come back "
                "(this is normal after a restart).")

# Step ids come from the engine's step classes, never from string literals: a page keyed
# by a name the engine does not use silently loses the installer's answers (issue 13).

#: Plain words for each step, used when the engine's step has no description.
STEP_TEXT: dict[str, tuple[str, str]] = {
    ConnectStep.step_id: ("Connect the charger",
                "Type the address below into the charger's backend (central system) setting "
                "and restart it. OCPP Studio waits until the charger says hello."),
    IdentifyStep.step_id: ("Identify the charger",
                 "Reads the make, model, serial number, firmware, OCPP version and connectors, "
                 "and what the charger supports."),
    ClockStep.step_id: ("Clock and heartbeat",
              "Checks the charger's clock against this laptop and sets how often the charger "
              "checks in (heartbeat)."),
    SiteLimitStep.step_id: ("Site settings",
                   "Sets the most current the charger may ever draw at this site, so the "
                   "supply is never overloaded."),
    MeteringStep.step_id: ("Metering",
                 "Checks that the charger reports power, measures how often it does at "
                 "1-second reporting, then sets the reporting interval below."),
    OffPeakStep.step_id: ("Off-peak hours and randomised delay",
                "Installs the owner's choice of charging hours (UK regulations) and the "
                "randomised delay at the start of charging."),
    SecurityStep.step_id: ("Security",
                 "Gives the charger a new unique password for the production connection and "
                 "chooses how securely it connects."),
    TestChargeStep.step_id: ("Test charge",
                    "Starts a short charge remotely, watches the power, stops it and records "
                    "the energy and duration. Plug in a car or a test box first."),
    HandOverStep.step_id: ("Hand over to the operator",
                 "Points the charger at the production central system and watches it leave "
                 "this laptop."),
    ReportStep.step_id: ("Commissioning report",
               "The report for the owner and the operator: everything set and checked."),
}

STATUS_STYLE = {
    "pending": ("#555555", "#f3f4f6", "Not run yet."),
    "running": ("#123e72", "#dbe8f7", "Running…"),
    "waiting": ("#8e5a00", "#fff6dd", WAITING_TEXT),
    "passed": ("#1d6b2c", "#e3f4e6", "Done ✓"),
    "failed": ("#9b1c1c", "#fde8e8", "This step failed ✗"),
    "skipped": ("#555555", "#eeeeee", "Skipped"),
}


def status_name(status: Any) -> str:
    """StepStatus (or its string) -> 'passed', 'failed', …"""
    value = getattr(status, "value", status)
    return str(value).lower().rsplit(".", 1)[-1]


def state_path_for(capture_path: str | Path | None) -> Path | None:
    """Where an unfinished commissioning run is kept when no commissioning service names
    the file: beside the capture."""
    if capture_path is None or str(capture_path) == ":memory:":
        return None
    return Path(f"{capture_path}{STATE_SUFFIX}")


def saved_states(capture_path: str | Path | None) -> list[Path]:
    """Commissioning state files beside the capture (``<capture>.commissioning.json`` and the
    service's ``<capture>.commissioning-<charger>.json``), newest first."""
    if capture_path is None or str(capture_path) == ":memory:":
        return []
    capture = Path(capture_path)
    found = [p for p in capture.parent.glob(f"{capture.name}.commissioning*.json")
             if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def suggested_charger_id(existing: Any = ()) -> str:
    existing = set(existing)
    for number in range(1, 1000):
        candidate = f"CHARGER-{number:02d}"
        if candidate not in existing:
            return candidate
    return "CHARGER"


def _step_text(step: Any) -> tuple[str, str]:
    default_title, default_description = STEP_TEXT.get(step.step_id, (step.step_id, ""))
    return (getattr(step, "title", "") or default_title,
            getattr(step, "description", "") or default_description)


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def _wrap(text: str, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


# ================================================================== pages
class DetailsPage(QWizardPage):
    """Installer and site: prefilled from a commissioning profile file."""

    FIELDS = (("installer_name", "Installer"), ("company", "Company"), ("site_name", "Site"))

    def __init__(self, wizard: "CommissioningWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Who is commissioning, and where")
        intro = _wrap("These details go on the report. Keep your usual details and settings in "
                      "a profile file and load it for the next charger.")
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, label in self.FIELDS:
            edit = QLineEdit()
            self.edits[name] = edit
            form.addRow(label, edit)
        self.charger_label = QLabel()
        form.addRow("Charger", self.charger_label)
        buttons = QHBoxLayout()
        self.load_button = QPushButton("Load profile…")
        self.save_button = QPushButton("Save as profile…")
        self.load_button.setToolTip("Fill in this page and the default settings from a "
                                    "commissioning profile file (.json)")
        self.save_button.setToolTip("Keep these details and the settings chosen in this "
                                    "wizard for the next charger")
        self.load_button.clicked.connect(self._load_dialog)
        self.save_button.clicked.connect(self._save_dialog)
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        self.profile_note = QLabel()
        self.profile_note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.profile_note)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        self.refresh()

    def refresh(self) -> None:
        profile = self.w.profile
        for name, edit in self.edits.items():
            edit.setText(str(getattr(profile, name, "") or ""))
        self.charger_label.setText(self.w.charger_id)

    def store(self) -> None:
        for name, edit in self.edits.items():
            if hasattr(self.w.profile, name):
                setattr(self.w.profile, name, edit.text().strip())

    def validatePage(self) -> bool:  # noqa: N802
        self.store()
        self.w.save_state()
        return True

    # ----------------------------------------------------------- profile file
    def _load_dialog(self) -> None:
        dialog = QFileDialog(self, "Load commissioning profile")
        dialog.setNameFilter("Commissioning profiles (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_profile)
        dialog.open()

    def _save_dialog(self) -> None:
        dialog = QFileDialog(self, "Save commissioning profile")
        dialog.setNameFilter("Commissioning profiles (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.selectFile("commissioning-profile.json")
        dialog.fileSelected.connect(self.save_profile)
        dialog.open()

    def load_profile(self, path: str | Path) -> bool:
        try:
            loaded = type(self.w.profile).load(path)
        except Exception as exc:  # noqa: BLE001 - tell the installer, keep going
            self.w.error("Cannot load the profile", f"{path} could not be read:\n{exc}")
            return False
        if dataclasses.is_dataclass(loaded):
            for f in dataclasses.fields(loaded):
                setattr(self.w.profile, f.name, getattr(loaded, f.name))
        self.refresh()
        self.w.profile_changed()
        self.profile_note.setText(f"Loaded {Path(path).name}")
        return True

    def save_profile(self, path: str | Path) -> bool:
        self.store()
        self.w.collect_choices()
        try:
            self.w.profile.save(path)
        except Exception as exc:  # noqa: BLE001
            self.w.error("Cannot save the profile", f"{path} could not be written:\n{exc}")
            return False
        self.profile_note.setText(f"Saved {Path(path).name}")
        return True


class StepPage(QWizardPage):
    """One engine step: what it does, its choices, Run, live status, Retry / Skip."""

    def __init__(self, wizard: "CommissioningWizard", step: Any) -> None:
        super().__init__()
        self.w = wizard
        self.step = step
        self.step_id: str = step.step_id
        self.record: Any = None
        self.running = False
        self.task: asyncio.Task | None = None
        title, description = _step_text(step)
        self.setTitle(title)
        self.description = _wrap(description)
        self.description.setObjectName("stepDescription")

        self.choices = QWidget()
        self.choices_layout = QVBoxLayout(self.choices)
        self.choices_layout.setContentsMargins(0, 0, 0, 0)
        self.build_choices(self.choices_layout)

        self.run_button = QPushButton("Run this step")
        self.run_button.setDefault(False)
        self.run_button.setStyleSheet("QPushButton { padding: 6px 16px; font-weight: 600; }")
        self.run_button.clicked.connect(self.start)
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(self.start)
        self.skip_button = QPushButton("Skip with a reason…")
        self.skip_button.setToolTip("Go on without this step; the reason goes on the report")
        self.skip_button.clicked.connect(self._skip_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)

        self.status_box = QWidget()
        self.status_box.setObjectName("statusBox")
        status_layout = QVBoxLayout(self.status_box)
        status_layout.setContentsMargins(10, 8, 10, 8)
        self.status_label = _wrap("", rich=True)
        self.status_label.setObjectName("statusLabel")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.summary_label = _wrap("")
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_layout.addWidget(self.status_label)
        status_layout.addWidget(self.busy)
        status_layout.addWidget(self.summary_label)

        self.evidence = QTableWidget(0, 3)
        self.evidence.setHorizontalHeaderLabels(["Checked", "Value", "Details"])
        self.evidence.verticalHeader().hide()
        self.evidence.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.evidence.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.evidence.setWordWrap(True)
        header = self.evidence.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.evidence.setMinimumHeight(90)

        for widget in (self.description, self.choices, self.status_box):
            widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        for form in self.choices.findChildren(QFormLayout):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        layout = QVBoxLayout(self)
        layout.addWidget(self.description)
        layout.addWidget(self.choices)
        if self.choices_layout.count() == 0:
            self.choices.hide()
        layout.addSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.status_box)
        layout.addWidget(self.evidence, 100)
        layout.addStretch(1)  # takes the room while there is no evidence to show
        self.show_record(wizard.run.records.get(self.step_id))

    # ------------------------------------------------------------ choices
    def build_choices(self, layout: QVBoxLayout) -> None:
        """Subclasses add their questions here."""

    def apply_choices(self) -> None:
        """Put the answers into the profile and the run's context.choices."""

    def initializePage(self) -> None:  # noqa: N802
        self.show_record(self.w.run.records.get(self.step_id))

    # ------------------------------------------------------------ running
    def start(self) -> asyncio.Task | None:
        if self.running:
            return self.task
        self.apply_choices()
        self.w.save_state()
        self.running = True
        self.task = asyncio.ensure_future(self._run())
        return self.task

    async def _run(self) -> None:
        self._show_running()
        try:
            record = await self.w.run.run_step(self.step_id)
        except asyncio.CancelledError:
            self.running = False
            if isValid(self):
                self.show_record(self.w.run.records.get(self.step_id))
            raise
        except Exception as exc:  # noqa: BLE001 - shown as a failure, not a crash
            log.exception("commissioning step %s raised", self.step_id)
            record = _failure(self.step, f"Something went wrong: {exc}")
        self.running = False
        if isValid(self):
            self.show_record(record)
            self.w.save_state()
            self.after_run(record)

    def after_run(self, record: Any) -> None:
        """Subclass hook (e.g. the Security page notices the engine's password)."""

    running_text = STATUS_STYLE["running"][2]

    def set_choices_enabled(self, enabled: bool) -> None:
        self.choices.setEnabled(enabled)

    def _show_running(self) -> None:
        self._paint("running", self.running_text, "")
        self.evidence.setRowCount(0)
        self.evidence.hide()
        self._buttons("running")
        self.completeChanged.emit()

    def on_record(self, record: Any) -> None:
        """Engine listener: a live update (RUNNING, WAITING, …) of this step."""
        if status_name(record.status) in ("running", "waiting"):
            self.running = True
            self.record = record
            state = status_name(record.status)
            self._paint(state, self.running_text if state == "running"
                        else STATUS_STYLE[state][2], "")
            self.evidence.setRowCount(0)
            self.evidence.hide()
            self._buttons("running")
            self.completeChanged.emit()
        else:
            self.show_record(record)

    def skip(self, reason: str) -> Any:
        reason = reason.strip()
        if not reason:
            return None
        record = self.w.run.skip(self.step_id, reason)
        self.show_record(record)
        self.w.save_state()
        return record

    def _skip_dialog(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Skip this step")
        dialog.setLabelText(f"Why is “{self.title()}” skipped? (goes on the report)")
        dialog.setTextValue("")
        dialog.textValueSelected.connect(self.skip)
        dialog.open()
        self._skip_input = dialog

    # ------------------------------------------------------------ showing
    def show_record(self, record: Any) -> None:
        self.record = record
        state = status_name(record.status) if record is not None else "pending"
        if record is None:
            self._paint("pending", STATUS_STYLE["pending"][2], "")
            self.evidence.setRowCount(0)
            self.evidence.hide()
        elif state == "passed":
            self._paint(state, STATUS_STYLE["passed"][2], getattr(record, "summary", "") or "")
        elif state == "failed":
            summary = getattr(record, "summary", "") or ""
            error = getattr(record, "error", None) or ""
            explanation = summary or error
            if error and summary and error not in summary:
                explanation = f"{summary}\n({error})"
            self._paint(state, STATUS_STYLE["failed"][2],
                        f"{explanation}\n\nPut it right and press Retry, or skip this step with "
                        "a reason (the reason goes on the report).".lstrip())
        elif state == "skipped":
            reason = getattr(record, "skip_reason", None) or getattr(record, "summary", "")
            self._paint(state, f"Skipped: {reason}" if reason else "Skipped", "")
        elif state in ("running", "waiting"):
            self.on_record(record)
            return
        else:
            self._paint("pending", STATUS_STYLE["pending"][2], "")
        if record is not None:
            self._fill_evidence(getattr(record, "evidence", []) or [])
        self._buttons(state)
        self.completeChanged.emit()

    def _paint(self, state: str, text: str, summary: str) -> None:
        colour, background, _ = STATUS_STYLE.get(state, STATUS_STYLE["pending"])
        self.status_box.setStyleSheet(
            f"#statusBox {{ background: {background}; border: 1px solid {colour}; "
            f"border-radius: 4px; }}")
        self.status_label.setText(f"<span style='color:{colour}; font-weight:600'>"
                                  f"{html_lib.escape(text)}</span>")
        self.status_label.setProperty("state", state)
        self.summary_label.setText(summary)
        self.summary_label.setVisible(bool(summary))
        self.busy.setVisible(state in ("running", "waiting"))

    def _fill_evidence(self, evidence: list[Any]) -> None:
        self.evidence.setRowCount(len(evidence))
        for row, item in enumerate(evidence):
            for column, text in enumerate((item.label, self.w.mask(str(item.value)),
                                           getattr(item, "detail", "") or "")):
                cell = QTableWidgetItem(str(text))
                cell.setToolTip(str(text))
                self.evidence.setItem(row, column, cell)
        self.evidence.resizeRowsToContents()
        self.evidence.setVisible(bool(evidence))

    def _buttons(self, state: str) -> None:
        busy = state in ("running", "waiting")
        self.run_button.setVisible(state in ("pending",))
        self.run_button.setEnabled(not busy)
        self.retry_button.setVisible(state in ("failed", "passed", "skipped"))
        self.retry_button.setText("Retry" if state == "failed" else "Run again")
        self.skip_button.setVisible(state in ("pending", "failed"))
        self.skip_button.setEnabled(not busy)
        self.set_choices_enabled(not busy)

    def state(self) -> str:
        return status_name(self.record.status) if self.record is not None else "pending"

    def isComplete(self) -> bool:  # noqa: N802
        return not self.running and self.state() in ("passed", "skipped")


def _failure(step: Any, text: str) -> Any:
    """A FAILED record for an exception the engine did not turn into one itself."""
    try:
        from ...commissioning.engine import StepRecord, StepStatus
        return StepRecord(step_id=step.step_id, title=getattr(step, "title", step.step_id),
                          status=StepStatus.FAILED, summary=text, evidence=[],
                          started_us=None, finished_us=None, skip_reason=None, error=text)
    except Exception:  # noqa: BLE001 - engine missing or different: a plain stand-in
        from types import SimpleNamespace
        return SimpleNamespace(step_id=step.step_id, title=step.step_id, status="failed",
                               summary=text, evidence=[], skip_reason=None, error=text)


# ------------------------------------------------------------ step pages with questions
class ConnectPage(StepPage):
    running_text = ("Waiting for the charger to connect… Type the address above into the "
                    "charger and restart it.")

    def set_choices_enabled(self, enabled: bool) -> None:
        self.id_edit.setEnabled(enabled)  # the address stays readable and copyable

    def build_choices(self, layout: QVBoxLayout) -> None:
        box = QGroupBox("Type this into the charger's backend / central system URL")
        self.url_layout = QVBoxLayout(box)
        layout.addWidget(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Charger ID (the last part of the address):"))
        self.id_edit = QLineEdit(self.w.charger_id)
        self.id_edit.setMaximumWidth(220)
        self.id_edit.textChanged.connect(self._fill_urls)
        row.addWidget(self.id_edit)
        row.addStretch(1)
        layout.addLayout(row)
        self.help = _wrap("If the charger does not appear within a minute: check that it is on "
                          "the same network as this laptop, that the address is typed exactly "
                          "(ws://, the port, the ID at the end), and that this laptop's firewall "
                          "allows incoming connections on the port. If the step fails, this page "
                          "says what OCPP Studio saw (wrong address, wrong protocol, nothing).")
        self.help.setStyleSheet("color: #555;")
        layout.addWidget(self.help)
        self._fill_urls()

    def urls(self) -> list[str]:
        base = self.w.urls()
        charger = self.id_edit.text().strip() or self.w.charger_id
        return [f"{url.rstrip('/')}/{charger}" for url in base]

    def _fill_urls(self) -> None:
        while self.url_layout.count():
            item = self.url_layout.takeAt(0)
            if item.layout() is not None:
                while item.layout().count():
                    child = item.layout().takeAt(0)
                    if child.widget() is not None:
                        child.widget().deleteLater()
            elif item.widget() is not None:
                item.widget().deleteLater()
        urls = self.urls()
        if not urls:
            self.url_layout.addWidget(QLabel("The central system is not listening."))
        self.url_buttons: list[QPushButton] = []
        for url in urls:
            row = QHBoxLayout()
            label = QLabel(url)
            font = QFont("monospace")
            font.setStyleHint(QFont.StyleHint.Monospace)
            font.setPointSizeF(label.font().pointSizeF() * 1.15)
            label.setFont(font)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Copy")
            button.clicked.connect(lambda _=False, u=url: _copy(u))
            self.url_buttons.append(button)
            row.addWidget(label, 1)
            row.addWidget(button)
            self.url_layout.addLayout(row)

    def apply_choices(self) -> None:
        charger = self.id_edit.text().strip()
        if charger and charger != self.w.charger_id:
            self.w.set_charger_id(charger)


class ClockPage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.heartbeat = QSpinBox()
        self.heartbeat.setRange(10, 86_400)
        self.heartbeat.setSuffix(" s")
        self.heartbeat.setValue(int(getattr(self.w.profile, "heartbeat_interval_s", 300)))
        form.addRow("Heartbeat every", self.heartbeat)
        layout.addLayout(form)

    def apply_choices(self) -> None:
        self.w.profile.heartbeat_interval_s = self.heartbeat.value()
        self.w.choices["heartbeat_interval_s"] = self.heartbeat.value()


class SitePage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.current = QDoubleSpinBox()
        self.current.setRange(6.0, 100.0)
        self.current.setDecimals(1)
        self.current.setSingleStep(1.0)
        self.current.setSuffix(" A")
        self.current.setValue(float(getattr(self.w.profile, "max_current_a", 32.0)))
        self.current.setToolTip("The supply's limit for this charger (per phase), e.g. the "
                                "circuit breaker or the DNO's agreement")
        self.phases = QComboBox()
        self.phases.addItem("1 phase", 1)
        self.phases.addItem("3 phases", 3)
        self.phases.setCurrentIndex(1 if int(getattr(self.w.profile, "phases", 1)) == 3 else 0)
        self.power = QLabel()
        self.power.setStyleSheet("color: #555;")
        self.current.valueChanged.connect(self._update_power)
        self.phases.currentIndexChanged.connect(self._update_power)
        form.addRow("Maximum current", self.current)
        form.addRow("Supply", self.phases)
        form.addRow("", self.power)
        layout.addLayout(form)
        self._update_power()

    def _update_power(self) -> None:
        kw = self.current.value() * 230 * (self.phases.currentData() or 1) / 1000
        self.power.setText(f"≈ {kw:.1f} kW at 230 V")

    def apply_choices(self) -> None:
        self.w.profile.max_current_a = self.current.value()
        self.w.profile.phases = int(self.phases.currentData() or 1)
        self.w.choices["max_current_a"] = self.w.profile.max_current_a
        self.w.choices["phases"] = self.w.profile.phases


class MeteringPage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.interval = QSpinBox()
        self.interval.setRange(1, 3600)
        self.interval.setSuffix(" s")
        self.interval.setValue(int(getattr(self.w.profile, "meter_interval_s", 60)))
        form.addRow("Report power every (after the check)", self.interval)
        layout.addLayout(form)

    def apply_choices(self) -> None:
        self.w.profile.meter_interval_s = self.interval.value()
        self.w.choices["meter_interval_s"] = self.interval.value()


class OffPeakPage(StepPage):
    CHOICES = (("default", "Use the default hours — no charging on weekdays 08:00–11:00 and "
                           "16:00–22:00 (recommended)"),
               ("none", "No off-peak hours — charge whenever a car is plugged in"),
               ("custom", "The owner's own hours — paint them below"))

    def build_choices(self, layout: QVBoxLayout) -> None:
        from ...smartcharging.offpeak import WeeklyHours
        from ..charging_hours.week_timeline import WeekTimeline
        self._hours_cls = WeeklyHours
        layout.addWidget(_wrap("Ask the owner. The UK regulations let them accept, remove or "
                               "change the default hours now and later."))
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for key, text in self.CHOICES:
            radio = QRadioButton(text)
            self.radios[key] = radio
            self.group.addButton(radio)
            layout.addWidget(radio)
        self.timeline = WeekTimeline(editable=False, row_height=20)
        layout.addWidget(self.timeline)
        self.custom_hours: Any = None
        custom = getattr(self.w.profile, "custom_hours", None)
        if custom:
            try:
                self.custom_hours = WeeklyHours.from_json(custom)
            except Exception:  # noqa: BLE001 - a bad profile value: start from the defaults
                self.custom_hours = None
        self.timeline.changed.connect(self._painted)
        row = QHBoxLayout()
        row.addWidget(QLabel("Randomised delay (up to):"))
        self.delay = QSpinBox()
        self.delay.setRange(0, 1800)
        self.delay.setSingleStep(60)
        self.delay.setSuffix(" s")
        self.delay.setValue(int(getattr(self.w.profile, "randomised_delay_s", 600)))
        self.delay.setToolTip("Each charge starts after a random wait of up to this long "
                              "(600 s by default, at most 1800 s; 0 = off)")
        row.addWidget(self.delay)
        row.addStretch(1)
        layout.addLayout(row)
        choice = getattr(self.w.profile, "offpeak", "default")
        self.radios.get(choice, self.radios["default"]).setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._show_choice())
        self._show_choice()

    def choice(self) -> str:
        for key, radio in self.radios.items():
            if radio.isChecked():
                return key
        return "default"

    def _painted(self) -> None:
        self.custom_hours = self.timeline.hours()

    def _show_choice(self) -> None:
        choice = self.choice()
        if choice == "default":
            self.timeline.set_hours(self._hours_cls.uk_default())
        elif choice == "none":
            self.timeline.set_hours(self._hours_cls.all_allowed())
        else:
            self.timeline.set_hours(self.custom_hours or self._hours_cls.uk_default())
        self.timeline.set_editable(choice == "custom")

    def apply_choices(self) -> None:
        choice = self.choice()
        self.w.profile.offpeak = choice
        self.w.profile.randomised_delay_s = self.delay.value()
        self.w.choices["offpeak"] = choice
        self.w.choices["randomised_delay_s"] = self.delay.value()
        if choice == "custom":
            hours = self.timeline.hours().to_json()
            self.w.profile.custom_hours = hours
            self.w.choices["custom_hours"] = hours
        else:
            self.w.choices.pop("custom_hours", None)


class SecurityPage(StepPage):
    PROFILES = ((1, "1 — password over an unencrypted connection (not for the UK)"),
                (2, "2 — password over an encrypted connection (wss://) — recommended"),
                (3, "3 — certificates on both sides (the operator must support it)"))

    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.profile_combo = QComboBox()
        for number, text in self.PROFILES:
            self.profile_combo.addItem(text, number)
        wanted = int(getattr(self.w.profile, "security_profile", 2))
        self.profile_combo.setCurrentIndex(max(0, [p for p, _ in self.PROFILES].index(wanted)
                                               if wanted in (1, 2, 3) else 1))
        form.addRow("Security profile", self.profile_combo)
        layout.addLayout(form)
        box = QGroupBox("The charger's new password — shown only once")
        row = QHBoxLayout(box)
        self.password_edit = QLineEdit()
        self.password_edit.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.password_edit.setFont(font)
        self.copy_password_button = QPushButton("Copy")
        self.copy_password_button.clicked.connect(self.copy_password)
        row.addWidget(self.password_edit, 1)
        row.addWidget(self.copy_password_button)
        layout.addWidget(box)
        self.include = QCheckBox("Include the password in the report (for the operator)")
        self.include.setChecked(bool(getattr(self.w.profile, "include_password_in_report",
                                             False)))
        layout.addWidget(self.include)
        self.note = _wrap("Give this password to the operator of the production central "
                          "system. It is written to the charger at hand-over, together with "
                          "the production URL. After you leave this page it is not shown "
                          "again.")
        self.note.setStyleSheet("color: #555;")
        layout.addWidget(self.note)
        self.password: str | None = self.w.choices.get("password")
        self.revealed_once = False
        self.hidden = self.password is not None  # resumed: it was shown before
        if self.password is None:
            self.password = generate_password()
            self.w.choices["password"] = self.password
        self._show_password()

    def _show_password(self) -> None:
        if self.hidden:
            self.password_edit.setText("•" * 12 + "  (shown once; not shown again)")
            self.copy_password_button.setEnabled(False)
        else:
            self.password_edit.setText(self.password or "")
            self.copy_password_button.setEnabled(bool(self.password))
            self.revealed_once = True

    def copy_password(self) -> None:
        if not self.hidden and self.password:
            _copy(self.password)

    def hide_password(self) -> None:
        self.hidden = True
        self._show_password()

    def after_run(self, record: Any) -> None:
        engine_password = self.w.choices.get("password")
        if engine_password and engine_password != self.password and not self.hidden:
            self.password = engine_password
            self._show_password()

    def apply_choices(self) -> None:
        self.w.profile.security_profile = int(self.profile_combo.currentData() or 2)
        self.w.profile.include_password_in_report = self.include.isChecked()
        self.w.choices["security_profile"] = self.w.profile.security_profile
        if self.password:
            self.w.choices["password"] = self.password

    def validatePage(self) -> bool:  # noqa: N802
        self.apply_choices()
        self.hide_password()
        self.w.save_state()
        return True


class TestChargePage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.seconds = QSpinBox()
        self.seconds.setRange(5, 3600)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(int(getattr(self.w.profile, "test_charge_seconds", 30)))
        form.addRow("Charge for", self.seconds)
        layout.addLayout(form)
        # the installer watches the charge happen (issue 7, step 8): the charger's power,
        # reported every second during the test
        self.metering = getattr(getattr(self.w.run, "studio", None), "metering", None)
        self.plot: Any = None
        if self.metering is not None:
            from ..power.power_plot import PowerPlot  # noqa: PLC0415 - pyqtgraph only when needed
            self.plot = PowerPlot()
            self.plot.set_window("1 min")
            self.plot.setMinimumHeight(160)
            self.plot.setMaximumHeight(220)  # the evidence below must stay readable
            layout.addWidget(self.plot)
            self.plot.detach()  # listens only while this page is shown

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        if self.plot is not None:
            self.plot.set_metering(self.metering)
            self.plot.timer.start()
            self.plot.set_charger(self.w.charger_id)

    def cleanupPage(self) -> None:  # noqa: N802 - Back from this page
        super().cleanupPage()
        self.release()

    def release(self) -> None:
        """Stop following the charger's power (the wizard closes or the page is left)."""
        if self.plot is not None:
            self.plot.detach()

    def apply_choices(self) -> None:
        self.w.profile.test_charge_seconds = self.seconds.value()
        self.w.choices["test_charge_seconds"] = self.seconds.value()


class HandoverPage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.url_edit = QLineEdit(str(getattr(self.w.profile, "production_url", "") or ""))
        self.url_edit.setPlaceholderText("wss://csms.example.com/ocpp")
        self.url_edit.setToolTip("The operator's central system; the charger ID is added "
                                 "at the end by the charger")
        form.addRow("Production central system URL", self.url_edit)
        layout.addLayout(form)
        layout.addWidget(_wrap("After this step the charger leaves this laptop and connects "
                               "to the operator. Leave it empty and skip this step to keep the "
                               "charger here."))

    def apply_choices(self) -> None:
        url = self.url_edit.text().strip()
        self.w.profile.production_url = url
        self.w.choices["production_url"] = url


PAGE_CLASSES: dict[str, type[StepPage]] = {
    ConnectStep.step_id: ConnectPage, ClockStep.step_id: ClockPage,
    SiteLimitStep.step_id: SitePage, MeteringStep.step_id: MeteringPage,
    OffPeakStep.step_id: OffPeakPage, SecurityStep.step_id: SecurityPage,
    TestChargeStep.step_id: TestChargePage, HandOverStep.step_id: HandoverPage,
}


class ReportPage(QWizardPage):
    """The report: runs the engine's report step if there is one, shows the HTML,
    saves it as HTML or PDF."""

    report_ready = Signal()

    def __init__(self, wizard: "CommissioningWizard", step: Any | None) -> None:
        super().__init__()
        self.w = wizard
        self.step = step
        self.html = ""
        self.saved: list[Path] = []
        self.task: asyncio.Task | None = None
        self.setTitle("Commissioning report")
        intro = _wrap("Save it as PDF for the owner and the operator.")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setDocument(ReportDocument(self.browser))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_html_button = QPushButton("Save HTML…")
        self.save_pdf_button = QPushButton("Save PDF…")
        self.save_pdf_button.setStyleSheet("QPushButton { font-weight: 600; padding: 5px 14px; }")
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setEnabled(False)
        self.save_html_button.clicked.connect(lambda: self._save_dialog("html"))
        self.save_pdf_button.clicked.connect(lambda: self._save_dialog("pdf"))
        self.open_folder_button.clicked.connect(self.open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_pdf_button)
        buttons.addWidget(self.save_html_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def initializePage(self) -> None:  # noqa: N802
        self.task = asyncio.ensure_future(self.build())

    async def build(self) -> str:
        self.status.setText("Writing the report…")
        run = self.w.run
        if self.step is not None:
            record = run.records.get(self.step.step_id)
            if record is None or status_name(record.status) not in ("passed", "skipped"):
                try:
                    await run.run_step(self.step.step_id)
                except Exception as exc:  # noqa: BLE001 - the report itself still shows
                    log.warning("report step failed: %s", exc)
        try:
            self.html = run.report().to_html()
        except Exception as exc:  # noqa: BLE001
            log.exception("report failed")
            self.html = (f"<h2>The report could not be written</h2>"
                         f"<p>{html_lib.escape(str(exc))}</p>")
        if isValid(self):
            self.browser.setHtml(inline_svgs(self.html))
            self.status.setText("")
            self.report_ready.emit()
        return self.html

    def default_name(self, suffix: str) -> str:
        day = dt.date.today().isoformat()
        return f"commissioning-{self.w.charger_id}-{day}.{suffix}"

    def _save_dialog(self, kind: str) -> None:
        dialog = QFileDialog(self, "Save the report as PDF" if kind == "pdf"
                             else "Save the report as HTML")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("PDF (*.pdf)" if kind == "pdf" else "HTML (*.html)")
        dialog.setDefaultSuffix(kind)
        folder = self.saved[-1].parent if self.saved else Path.home()
        dialog.setDirectory(str(folder))
        dialog.selectFile(self.default_name(kind))
        dialog.fileSelected.connect(self.save_pdf if kind == "pdf" else self.save_html)
        dialog.open()

    def save_html(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            path.write_text(self.html, encoding="utf-8")
        except OSError as exc:
            self.w.error("Cannot save the report", f"{path} could not be written:\n{exc}")
            return False
        self._saved(path)
        return True

    def save_pdf(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            write_report_pdf(self.html, path)
        except OSError as exc:
            self.w.error("Cannot save the report", f"{path} could not be written:\n{exc}")
            return False
        self._saved(path)
        return True

    def _saved(self, path: Path) -> None:
        self.saved.append(path)
        self.status.setText(f"Saved {path}")
        self.open_folder_button.setEnabled(True)

    def open_folder(self) -> None:
        if self.saved:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved[-1].parent)))


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
        run.add_listener(self._on_record)

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
            studio = getattr(self.run, "studio", None)
            server = getattr(studio, "server", None)
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
            remove = getattr(self.run, "remove_listener", None)
            if callable(remove):
                remove(self._on_record)


def open_wizard(run: Any, *, urls: Any = None, state_path: Any = None,
                parent: QWidget | None = None, resume: bool = False) -> CommissioningWizard:
    """Create and show a modeless wizard (never exec(): the event loop keeps running)."""
    wizard = CommissioningWizard(run, urls=urls, state_path=state_path, parent=parent)
    wizard.setWindowFlag(Qt.WindowType.Window, True)
    wizard.show()
    if resume:
        QTimer.singleShot(0, wizard.go_to_current)
    return wizard
