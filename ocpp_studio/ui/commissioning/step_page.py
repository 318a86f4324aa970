"""One engine step as a wizard page: what it does, its questions, Run, the live status
(running / waiting for the charger / passed with evidence / failed with Retry and
"Skip with a reason…"). Pages with questions subclass it (``pages_*.py``)."""

from __future__ import annotations

import asyncio
import html as html_lib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QFormLayout, QHBoxLayout, QHeaderView, QInputDialog, QProgressBar,
    QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWizardPage,
)
from shiboken6 import isValid

from ..common.operations import AsyncOp
from .wizard_common import STATUS_STYLE, status_name, step_text, wrapped

if TYPE_CHECKING:
    from .commissioning_wizard import CommissioningWizard

log = logging.getLogger(__name__)


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
        self.op: AsyncOp | None = None
        title, description = step_text(step)
        self.setTitle(title)
        self.description = wrapped(description)
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
        self.status_label = wrapped("", rich=True)
        self.status_label.setObjectName("statusLabel")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.summary_label = wrapped("")
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
        """Run the step as an operation; whatever happens ends up on this page."""
        if self.running:
            return self.task
        self.apply_choices()
        self.w.save_state()
        self.running = True
        self.op = AsyncOp(self, self._run, on_success=self._finished,
                          on_failure=self._crashed).run()
        self.task = self.op.task
        return self.task

    async def _run(self) -> Any:
        self._show_running()
        try:
            return await self.w.run.run_step(self.step_id)
        except asyncio.CancelledError:
            self.running = False
            if isValid(self):
                self.show_record(self.w.run.records.get(self.step_id))
            raise

    def _crashed(self, exc: BaseException) -> None:
        """The engine raised instead of reporting a failed step: shown as a failure."""
        log.error("commissioning step %s raised", self.step_id, exc_info=exc)
        self._finished(_failure(self.step, f"Something went wrong: {exc}"))

    def _finished(self, record: Any) -> None:
        self.running = False
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

