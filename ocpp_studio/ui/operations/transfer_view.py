"""What the Logs and Firmware pages share (issue 16 §3-4): the heading, the start button,
the progress of this charger's latest job of their kind with Cancel, and the start's
outcome. ``LogsView`` and ``FirmwareView`` add their forms; all of it is
``central.transfers`` (``station/transfers.py``)."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..common import theme
from ..common.operations import AsyncOp, failure_text, is_running
from .page_parts import add_heading
from .transfer_progress import TransferProgressView


class TransferView(QWidget):
    """A transfer page: ``KIND`` is the job kind it shows ("log" or "firmware")."""

    KIND = ""
    frame_requested = Signal(int)

    def __init__(self, transfers: Any, title: str, intro: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transfers = transfers
        self.charger: str | None = None
        self.last_op: AsyncOp[Any] | None = None
        self.start_button = QPushButton()
        self.progress = TransferProgressView()
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        add_heading(self.body, title, intro)

    def add_start(self, text: str, start: Callable[[], Any]) -> QPushButton:
        """Add the start button (``start`` on click) and the progress view below it."""
        self.start_button.setText(text)
        self.start_button.setStyleSheet(theme.PRIMARY_BUTTON_STYLE)
        self.start_button.clicked.connect(start)
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.progress.frame_requested.connect(self.frame_requested)
        self.progress.cancel_requested.connect(self._cancel)
        self.body.addWidget(self.progress)
        return self.start_button

    # ---------------------------------------------------------------- charger
    def set_charger(self, charger: str | None) -> None:
        self.charger = charger
        jobs = [j for j in self.transfers.jobs(charger) if j.kind == self.KIND] \
            if charger else []
        self.progress.show_progress(jobs[-1].snapshot() if jobs else None)

    def set_sendable(self, on: bool, reason: str = "") -> None:
        self.start_button.setEnabled(on and not is_running(self.last_op))
        self.start_button.setToolTip(reason)

    def on_progress(self, progress: Any) -> bool:
        """A transfer changed (any charger's): shown when it is this charger's and kind's."""
        if progress.charger != self.charger or progress.kind != self.KIND:
            return False
        self.progress.show_progress(progress)
        return True

    # ----------------------------------------------------------------- starting
    def start(self, charger: str, waiting: str,
              call: Callable[[], Any]) -> AsyncOp[Any]:
        """Run ``call`` (it starts the job) with ``waiting`` said meanwhile."""
        theme.show_status(self.progress.words, "wait", waiting)
        self.start_button.setEnabled(False)
        self.last_op = AsyncOp(self, call, on_success=lambda job: self._started(charger, job),
                               on_failure=lambda exc: self._failed(charger, exc)).run()
        return self.last_op

    def not_sent(self, exc: BaseException) -> None:
        theme.show_status(self.progress.words, "error", f"Not sent: {failure_text(exc)}")

    def _started(self, charger: str, job: Any) -> None:
        self.start_button.setEnabled(True)
        if charger == self.charger:
            self.progress.show_progress(job.snapshot())

    def _failed(self, charger: str, exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        if charger == self.charger:
            self.not_sent(exc)

    def _cancel(self, job_id: str) -> None:
        AsyncOp(self, lambda: self.transfers.cancel(job_id),
                on_success=self.progress.show_progress,
                failure_title="Could not stop the transfer").run()
