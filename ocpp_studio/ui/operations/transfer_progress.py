"""A log fetch's or firmware update's progress, from the charger's own evidence.

The words, the state and the steps come from the station layer's ``TransferProgress``
(``station/transfers.py``): each step is a status message the charger sent, in order, with
its frame (a click selects it in the Messages tab). For a firmware update the stages
Downloading → Downloaded → Installing → Installed are marked only when the charger reported
them; "Installed" is confirmed by the words the station layer gives after the reboot.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from ..common import theme

FRAME_ROLE = Qt.ItemDataRole.UserRole + 1
#: a firmware update's stages, and the statuses that show each was reached (1.6 §7.25,
#: 1.6 security §5.19, 2.0.1 FirmwareStatusEnumType)
FIRMWARE_STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("Downloading", frozenset({"Downloading", "DownloadScheduled", "DownloadPaused"})),
    ("Downloaded", frozenset({"Downloaded", "SignatureVerified"})),
    ("Installing", frozenset({"Installing", "InstallScheduled", "InstallRebooting"})),
    ("Installed", frozenset({"Installed"})),
)
LOG_STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("Uploading", frozenset({"Uploading"})),
    ("Uploaded", frozenset({"Uploaded"})),
)


def state_kind(progress: Any) -> str:
    """The colour of a transfer's state (a key of ``theme.STATUS_STYLE``)."""
    if not progress.finished:
        return "wait"
    return "ok" if progress.ok else "error"


def stages_reached(progress: Any) -> list[tuple[str, str]]:
    """(stage, "done" | "failed" | "todo") from the statuses the charger reported."""
    stages = FIRMWARE_STAGES if progress.kind == "firmware" else LOG_STAGES
    seen = {step.status for step in progress.steps}
    failed = any(step.failure for step in progress.steps) or \
        (progress.finished and not progress.ok)
    out, last_done = [], -1
    for index, (name, statuses) in enumerate(stages):
        if seen & statuses:
            last_done = index
    for index, (name, _statuses) in enumerate(stages):
        if index <= last_done:
            out.append((name, "done"))
        elif failed and index == last_done + 1:
            out.append((name, "failed"))
        else:
            out.append((name, "todo"))
    return out


class TransferProgressView(QWidget):
    """One transfer: what happens now, the stages, and the charger's statuses as lines."""

    frame_requested = Signal(int)
    cancel_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("")
        self.words = QLabel("")
        self.words.setWordWrap(True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stages = QLabel("")
        self.stages.setTextFormat(Qt.TextFormat.RichText)
        self.steps = QListWidget()
        self.steps.setMaximumHeight(140)
        self.steps.setToolTip("The charger's status messages: click one to see it in the "
                              "Messages tab")
        self.steps.itemClicked.connect(self._clicked)
        self.steps.itemActivated.connect(self._clicked)
        row = QHBoxLayout()
        self.cancel_button = QPushButton("Stop waiting")
        self.cancel_button.setToolTip("Stop the studio's file server for this transfer; the "
                                      "charger may still report statuses for it")
        self.cancel_button.clicked.connect(self._cancel)
        row.addWidget(self.words, 1)
        row.addWidget(self.cancel_button)
        layout.addWidget(self.heading)
        layout.addLayout(row)
        layout.addWidget(self.stages)
        layout.addWidget(self.steps)
        self.progress: Any = None
        self.show_progress(None)

    def show_progress(self, progress: Any) -> None:
        """``progress``: a ``TransferProgress`` (None: nothing started yet)."""
        self.progress = progress
        if progress is None:
            self.heading.setText("")
            theme.show_status(self.words, "idle", "Nothing started yet.")
            self.stages.setText("")
            self.steps.clear()
            self.steps.setVisible(False)
            self.cancel_button.setVisible(False)
            return
        when = progress.started_at.replace("T", " ")[:19]
        self.heading.setText(f"<b>{html.escape(progress.what.capitalize())}</b> over "
                             f"{html.escape(progress.scheme.upper())}"
                             + (f" · {html.escape(progress.action)}" if progress.action
                                else "") + f" · started {html.escape(when)}")
        words = progress.words[:1].upper() + progress.words[1:]
        if not progress.finished and progress.bytes:
            words += f" ({progress.bytes:,} bytes moved so far)"
        if progress.finished and not progress.ok and progress.last_status \
                and progress.last_status not in words:
            words += f". The charger's last status was {progress.last_status}."
        theme.show_status(self.words, state_kind(progress), words)
        self.stages.setText(self._stages_html(progress))
        self.cancel_button.setVisible(not progress.finished)
        self.steps.clear()
        for step in progress.steps:
            item = QListWidgetItem(f"{step.at[11:19]}  {step.action}: {step.status} — "
                                   f"{step.words}")
            item.setData(FRAME_ROLE, step.frame_id)
            self.steps.addItem(item)
        self.steps.setVisible(bool(progress.steps))

    @staticmethod
    def _stages_html(progress: Any) -> str:
        marks = {"done": ("✓", theme.DONE_TEXT), "failed": ("✗", theme.FAILED_TEXT),
                 "todo": ("·", theme.NOTHING_NEEDED_TEXT)}
        parts = []
        for name, state in stages_reached(progress):
            mark, colour = marks[state]
            parts.append(f"<span style='color:{colour}'>{mark} {html.escape(name)}</span>")
        return " → ".join(parts)

    def step_lines(self) -> list[str]:
        return [self.steps.item(i).text() for i in range(self.steps.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        frame_id = item.data(FRAME_ROLE)
        if frame_id is not None:
            self.frame_requested.emit(int(frame_id))

    def _cancel(self) -> None:
        if self.progress is not None and not self.progress.finished:
            self.cancel_requested.emit(self.progress.id)
