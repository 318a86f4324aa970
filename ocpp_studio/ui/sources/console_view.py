"""The console pane of the Serial console tab: the lines as they arrive, with the time each
arrived, the lines that carry an OCPP message marked "→ log", and the lines we sent.

Lines come in on the asyncio loop (consoles can print thousands a second): they are queued
and drawn in one edit by :meth:`ConsoleView.flush`, which the tab calls every 100 ms. The
pane keeps the newest ``MAX_DISPLAY_LINES``; the serial console itself keeps every line for
"Save console…".
"""

from __future__ import annotations

import logging
from collections import deque

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QToolButton, QVBoxLayout, QWidget,
)

from ...transports.console_patterns import LinePattern
from ...transports.serial_port import ConsoleLine
from ..common import theme
from .serial_text import MAX_DISPLAY_LINES, clock_text

log = logging.getLogger(__name__)

FRAME_MARK = "→ log "
NO_MARK = " " * len(FRAME_MARK)
SENT_MARK = "sent  "

#: a queued or shown line: the line, whether it carries an OCPP message, whether we sent it
Entry = tuple[ConsoleLine, bool, bool]


class ConsoleView(QWidget):
    """The console's header row (counts, Hex, Follow newest, Clear screen, Save console…)
    over the lines. ``pattern`` finds the OCPP messages; the tab owns Save console…"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_count = 0
        self.frame_count = 0
        #: how OCPP messages look in the lines (None: none are marked)
        self.pattern: LinePattern | None = None
        self._pending: list[Entry] = []
        self._shown: deque[Entry] = deque(maxlen=MAX_DISPLAY_LINES)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("<b>Console</b>"))
        bar.addSpacing(12)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        self.hex_button = QToolButton()
        self.hex_button.setText("Hex")
        self.hex_button.setCheckable(True)
        self.hex_button.setToolTip("Show the bytes of each line in hexadecimal, exactly as "
                                   "received")
        self.hex_button.setStyleSheet(theme.TOGGLE_BUTTON_STYLE)
        self.follow_button = QToolButton()
        self.follow_button.setText("Follow newest")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setStyleSheet(theme.TOGGLE_BUTTON_STYLE)
        self.follow_button.setToolTip("Keep the newest line in view")
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear screen")
        self.clear_button.setToolTip("Clear the console pane (Save console still saves "
                                     "every line received)")
        self.save_button = QPushButton("Save console…")
        self.save_button.setToolTip("Save every line received, with the time each arrived, "
                                    "as a text file")
        for widget in (self.hex_button, self.follow_button, self.clear_button):
            bar.addWidget(widget)
        bar.addSpacing(6)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)

        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setFont(theme.monospace_font())
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setMaximumBlockCount(MAX_DISPLAY_LINES)
        self.view.setUndoRedoEnabled(False)
        self.view.setPlaceholderText("The charger's console appears here once connected. "
                                     "Lines marked → log carry an OCPP message that went into "
                                     "the Messages tab.")
        layout.addWidget(self.view, 1)

        # ------------------------------------------------------------ formats
        self._fmt_time = QTextCharFormat()
        self._fmt_time.setForeground(QColor(theme.CONSOLE_TIME))
        self._fmt_text = QTextCharFormat()
        self._fmt_mark = QTextCharFormat()
        self._fmt_mark.setForeground(QColor(theme.CONSOLE_MARK))
        self._fmt_mark.setFontWeight(QFont.Weight.Bold)
        self._fmt_frame = QTextCharFormat()
        self._fmt_frame.setForeground(QColor(theme.CONSOLE_FRAME[0]))
        self._fmt_frame.setBackground(QColor(theme.CONSOLE_FRAME[1]))
        self._fmt_sent = QTextCharFormat()
        self._fmt_sent.setForeground(QColor(theme.CONSOLE_SENT))

        self.hex_button.toggled.connect(lambda _on: self.rerender())
        self.follow_button.toggled.connect(self._follow_toggled)
        self.clear_button.clicked.connect(self.clear_view)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.update_count()

    # ------------------------------------------------------------------ lines
    def reset_counts(self) -> None:
        self.line_count = 0
        self.frame_count = 0

    def add_line(self, line: ConsoleLine) -> None:
        """Called on the asyncio loop for every line: queue it; flush draws."""
        self.line_count += 1
        has_frame = False
        if self.pattern is not None:
            try:
                has_frame = self.pattern.extract(line.text) is not None
            except Exception:  # noqa: BLE001 - a line we cannot read is still shown
                has_frame = False
        if has_frame:
            self.frame_count += 1
        self._queue((line, has_frame, False))

    def add_sent(self, line: ConsoleLine) -> None:
        """A line we sent to the console, shown in its own colour."""
        self._queue((line, False, True))

    def _queue(self, entry: Entry) -> None:
        self._pending.append(entry)
        if len(self._pending) > 4 * MAX_DISPLAY_LINES:  # the pane only keeps the newest
            del self._pending[:-MAX_DISPLAY_LINES]

    def flush(self) -> bool:
        """Draw the queued lines in one edit; False when there were none."""
        if not self._pending:
            return False
        pending, self._pending = self._pending[-MAX_DISPLAY_LINES:], []
        self._shown.extend(pending)
        self._insert(pending)
        self.update_count()
        return True

    def _insert(self, entries: list[tuple[ConsoleLine, bool, bool]]) -> None:
        bar = self.view.verticalScrollBar()
        follow = self.follow_button.isChecked()
        keep = bar.value()
        hex_mode = self.hex_button.isChecked()
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        first = self.view.document().isEmpty()
        for line, has_frame, sent in entries:
            if not first:
                cursor.insertBlock()
            first = False
            cursor.insertText(clock_text(line.ts_us) + "  ", self._fmt_time)
            if sent:
                cursor.insertText(SENT_MARK, self._fmt_sent)
            else:
                cursor.insertText(FRAME_MARK if has_frame else NO_MARK, self._fmt_mark)
            body = line.hex if hex_mode else line.text
            fmt = self._fmt_sent if sent else (self._fmt_frame if has_frame else self._fmt_text)
            cursor.insertText(body, fmt)
        cursor.endEditBlock()
        if follow:
            bar.setValue(bar.maximum())
        else:
            bar.setValue(min(keep, bar.maximum()))

    def rerender(self) -> None:
        """Draw the kept lines again (after switching hex on or off)."""
        self.flush()
        self.view.clear()
        self._insert(list(self._shown))

    def clear_view(self) -> None:
        self._pending.clear()
        self._shown.clear()
        self.view.clear()

    def text(self) -> str:
        return self.view.toPlainText()

    def update_count(self) -> None:
        lines = f"{self.line_count:,} line{'s' if self.line_count != 1 else ''}"
        frames = (f"{self.frame_count:,} OCPP message{'s' if self.frame_count != 1 else ''} "
                  "found")
        if self.frame_count:
            frames = f"<span style='color:{theme.OBSERVED_TEXT};'><b>{frames}</b></span>"
        self.count_label.setText(f"{lines}, {frames}")

    def _follow_toggled(self, on: bool) -> None:
        if on:
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = value >= bar.maximum() - 2
        if self.follow_button.isChecked() != at_bottom and bar.maximum() > 0:
            self.follow_button.blockSignals(True)
            self.follow_button.setChecked(at_bottom)
            self.follow_button.blockSignals(False)
