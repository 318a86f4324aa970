"""The answer to an operation in plain words, and what followed on the wire, linked.

The words and the status come from ``run_operation`` (the charger's own answer read by the
station layer); the lines below them are the request, the answer and each message the
charger sent afterwards (the reboot's BootNotification, the StatusNotification, the new
session). Clicking a line asks the window to select that frame in the Messages tab.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..common import theme
from .page_parts import hint

FRAME_ROLE = Qt.ItemDataRole.UserRole + 1


def result_kind(result: Any) -> str:
    """The colour of a result (a key of ``theme.STATUS_STYLE``)."""
    if result.needs_confirmation:
        return "wait"
    if not result.ok:
        return "error"
    # Scheduled: accepted for later (2.x OnIdle reset): not done yet, whatever it promises
    return "wait" if result.waited_for or result.status == "Scheduled" else "ok"


class ResultView(QWidget):
    """The last answer for the charger on view."""

    frame_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Answer")
        self.heading.setStyleSheet(theme.INTRO_STYLE)
        self.words = QLabel("")
        self.words.setWordWrap(True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = hint()
        self.frames = QListWidget()
        self.frames.setToolTip("What went over the wire: click a line to see the message in "
                               "the Messages tab")
        self.frames.setMaximumHeight(150)
        self.frames.itemClicked.connect(self._clicked)
        self.frames.itemActivated.connect(self._clicked)
        layout.addWidget(self.heading)
        layout.addWidget(self.words)
        layout.addWidget(self.note)
        layout.addWidget(self.frames)
        self.result: Any = None
        self.clear()

    def clear(self, text: str = "Nothing sent yet.") -> None:
        self.heading.setText("Answer")
        self._show_words("idle", text)

    def show_busy(self, text: str) -> None:
        self._show_words("wait", text)

    def show_failure(self, text: str) -> None:
        self._show_words("error", text)

    def _show_words(self, kind: str, text: str) -> None:
        """Words alone, no answer (nothing sent, waiting, not sent): no note, no frames."""
        self.result = None
        theme.show_status(self.words, kind, text)
        self.note.setText("")
        self.frames.clear()
        self.frames.setVisible(False)

    def show_result(self, title: str, result: Any) -> None:
        """``result``: an ``OperationResult``."""
        self.result = result
        when = result.started_at.replace("T", " ")[:19] if result.started_at else ""
        self.heading.setText(f"<b>{html.escape(title)}</b>"
                             + (f" · sent {html.escape(when)}" if when else ""))
        theme.show_status(self.words, result_kind(result), result.words)
        notes = []
        if result.waited_for:
            notes.append(f"No {result.waited_for} followed within the operation's window: "
                         "the charger has not shown that it did it yet. Watch the Messages "
                         "tab, or check the charger.")
        if result.followed:
            notes.append("What followed on the wire is linked below.")
        self.note.setText(" ".join(notes))
        self.frames.clear()
        lines: list[tuple[int | None, str]] = []
        if result.request_frame_id is not None:
            lines.append((result.request_frame_id,
                          f"#{result.request_frame_id} → {result.action} (sent)"))
        if result.answer_frame_id is not None:
            lines.append((result.answer_frame_id,
                          f"#{result.answer_frame_id} ← answer"
                          + (f": {result.status}" if result.status else "")))
        for linked in result.followed:
            lines.append((linked.id, f"#{linked.id} ← then {linked.action}"
                          + (f": {linked.summary}" if linked.summary else "")))
        for frame_id, text in lines:
            item = QListWidgetItem(text)
            item.setData(FRAME_ROLE, frame_id)
            item.setToolTip("Show this message in the Messages tab")
            self.frames.addItem(item)
        self.frames.setVisible(bool(lines))

    def frame_lines(self) -> list[str]:
        return [self.frames.item(i).text() for i in range(self.frames.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        frame_id = item.data(FRAME_ROLE)
        if frame_id is not None:
            self.frame_requested.emit(int(frame_id))
