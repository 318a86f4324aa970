"""The pane below the message list: one frame in full, and what is wrong with it."""

from __future__ import annotations

import html
import json

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ..core.records import ConnectionEvent, FrameRecord
from . import theme
from .formatting import (
    DIRECTION_TEXT, frame_type_text, latency_text, local_time, pretty_json, problem_text, severity,
)


class FrameDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { padding: 6px; border-radius: 3px; }")
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setFont(theme.monospace_font())
        self.raw.setPlaceholderText("Select a message above to see it in full.")
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.raw, 1)
        self.show_record(None)

    def show_record(self, record: FrameRecord | ConnectionEvent | None) -> None:
        if record is None:
            self.summary.setText("")
            self.summary.hide()
            self.problem.hide()
            self.raw.setPlainText("")
            return
        self.summary.show()
        if isinstance(record, ConnectionEvent):
            self._show_event(record)
            return
        parts = [f"<b>{html.escape(record.action or '(no action)')}</b>",
                 frame_type_text(record), DIRECTION_TEXT[record.direction],
                 html.escape(record.charger), local_time(record.ts_us, with_date=True)]
        if record.latency_ms is not None:
            parts.append(latency_text(record.latency_ms))
        if record.unique_id:
            parts.append(f"id {html.escape(record.unique_id)}")
        self.summary.setText(" · ".join(parts))
        self._show_problem(record)
        self.raw.setPlainText(pretty_json(record.raw))

    def _show_problem(self, record: FrameRecord | ConnectionEvent) -> None:
        text = problem_text(record)
        violations = record.violations if isinstance(record, FrameRecord) else []
        if not text and not violations:
            self.problem.hide()
            return
        lines = [f"<b>{html.escape(text or 'Schema violations')}</b>"]
        if violations:
            lines.append("Schema violations:")
            lines.extend(f"&nbsp;&nbsp;• <code>{html.escape(str(v.get('path', '$')))}</code>: "
                         f"{html.escape(str(v.get('message', '')))}" for v in violations)
        level = severity(record) or "warning"
        background = theme.ROW_BACKGROUND[level].name()
        foreground = theme.ROW_FOREGROUND[level].name()
        self.problem.setStyleSheet(f"QLabel {{ padding: 6px; border-radius: 3px; "
                                   f"background: {background}; color: {foreground}; }}")
        self.problem.setText("<br>".join(lines))
        self.problem.show()

    def _show_event(self, event: ConnectionEvent) -> None:
        self.summary.setText(f"<b>Connection {html.escape(event.kind)}</b> · "
                             f"{html.escape(event.charger)} · "
                             f"{local_time(event.ts_us, with_date=True)}")
        self._show_problem(event)
        self.raw.setPlainText(json.dumps(event.detail, indent=2, default=str))
