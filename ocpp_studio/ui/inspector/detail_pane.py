"""The pane below the message list: a request and its answer side by side, what is wrong
with them, and the selected frame exactly as it was on the wire."""

from __future__ import annotations

import dataclasses
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox, QFrame, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit, QPushButton, QSplitter,
    QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ...capture.redaction import might_hold_secret, redact_raw
from ...core.records import FrameRecord
from ..common import theme
from ..common.formatting import (
    DIRECTION_TEXT, format_time, frame_type_text, latency_text, pretty_json, problem_text,
    severity, state_text, violation_rule_text,
)
from ..common.json_highlighter import JsonHighlighter


def _text_view(placeholder: str) -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setFont(theme.monospace_font())
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setPlaceholderText(placeholder)
    view.setFrameShape(QFrame.Shape.NoFrame)
    return view


class _FramePanel(QWidget):
    """One side of the pair: a title line and the frame pretty-printed and coloured."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setStyleSheet(theme.DETAIL_HEADING_STYLE.format(
            background=theme.DETAIL_HEADING_BACKGROUND))
        self.text = _text_view(placeholder)
        self.highlighter = JsonHighlighter(self.text.document())
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(1, 1, 1, 1)
        box_layout.addWidget(self.text)
        layout.addWidget(self.title)
        layout.addWidget(box, 1)

    def show_frame(self, record: FrameRecord | None, heading: str, selected: bool,
                   utc: bool, missing: str = "") -> None:
        if record is None:
            self.title.setText(f"<b>{heading}</b> &nbsp;"
                               f"<span style='color:{theme.SECONDARY_TEXT};'>"
                               f"{html.escape(missing)}</span>")
            self.text.setPlainText("")
            self.title.setStyleSheet(theme.DETAIL_HEADING_STYLE.format(
                background=theme.DETAIL_HEADING_BACKGROUND))
            return
        parts = [f"<b>{heading}</b>", frame_type_text(record),
                 DIRECTION_TEXT[record.direction], format_time(record.ts_us, utc=utc)]
        if record.latency_ms is not None:
            parts.append(f"after {latency_text(record.latency_ms)}")
        level = severity(record)
        if level:
            colour = theme.ROW_FOREGROUND[level].name()
            parts.append(f"<span style='color:{colour};'><b>{html.escape(state_text(record))}"
                         f"</b></span>")
        self.title.setText(" · ".join(parts))
        background = (theme.DETAIL_HEADING_SELECTED_BACKGROUND if selected
                      else theme.DETAIL_HEADING_BACKGROUND)
        self.title.setStyleSheet(theme.DETAIL_HEADING_STYLE.format(background=background))
        self.text.setPlainText(pretty_json(record.raw))


class FrameDetail(QWidget):
    """Shows the selected frame with its counterpart (CALL <-> answer)."""

    #: the user asked to jump to the other frame of the pair (its row id)
    go_to_frame = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.utc = False
        self.record: FrameRecord | None = None
        self.partner: FrameRecord | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # wrap rather than cut: the message id here is the full one the list column cuts
        self.summary.setWordWrap(True)
        self.go_partner = QPushButton("Go to answer")
        self.go_partner.setToolTip("Select the other message of this request/answer pair")
        self.go_partner.clicked.connect(self._go_partner)
        self.copy_pretty = QPushButton("Copy pretty")
        self.copy_pretty.setToolTip("Copy the selected message, indented")
        self.copy_pretty.clicked.connect(self.copy_pretty_text)
        self.copy_raw = QPushButton("Copy raw")
        self.copy_raw.setToolTip("Copy the selected message exactly as it was sent (Ctrl+C)")
        self.copy_raw.clicked.connect(self.copy_raw_text)
        top.addWidget(self.summary, 1)
        top.addWidget(self.go_partner)
        # Passwords (AuthorizationKey, BasicAuthPassword) are masked unless asked for.
        self.reveal = QCheckBox("Show passwords")
        self.reveal.setToolTip("This frame carries a charger password; it is hidden unless "
                               "you tick this (copies follow what is shown)")
        self.reveal.toggled.connect(lambda _on: self.show_pair(self.record, self.partner))
        self.reveal.hide()
        top.addWidget(self.reveal)
        top.addWidget(self.copy_pretty)
        top.addWidget(self.copy_raw)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.RichText)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.request = _FramePanel("The request (CALL) appears here.")
        self.response = _FramePanel("Its answer appears here.")
        pair = QSplitter(Qt.Orientation.Horizontal)
        pair.addWidget(self.request)
        pair.addWidget(self.response)
        pair.setChildrenCollapsible(False)

        self.violations = QTreeWidget()
        self.violations.setColumnCount(4)
        self.violations.setHeaderLabels(["In", "JSON path", "Rule broken", "What is wrong"])
        self.violations.setRootIsDecorated(False)
        self.violations.setAlternatingRowColors(True)
        header = self.violations.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.raw = _text_view("")
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.raw_highlighter = JsonHighlighter(self.raw.document())

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(pair, "Request and answer")
        self.tabs.addTab(self.violations, "Schema violations")
        self.tabs.addTab(self.raw, "Raw")

        self.empty = QLabel("Select a message above to see it here, with its request or "
                            "answer next to it.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(theme.EMPTY_DETAIL_STYLE)

        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.empty, 1)
        self.show_pair(None)

    # ---------------------------------------------------------------- showing
    def show_record(self, record: FrameRecord | None) -> None:
        """Show one frame without its counterpart."""
        self.show_pair(record, None)

    def _visible(self, record: FrameRecord | None) -> FrameRecord | None:
        """The record as shown: passwords masked unless the user asked to see them."""
        if record is None or self.reveal.isChecked() or not might_hold_secret(record.raw):
            return record
        return dataclasses.replace(record, raw=redact_raw(record.raw))

    def show_pair(self, record: FrameRecord | None, partner: FrameRecord | None = None) -> None:
        self.record, self.partner = record, partner
        self.reveal.setVisible(any(r is not None and might_hold_secret(r.raw)
                                   for r in (record, partner)))
        record, partner = self._visible(record), self._visible(partner)
        has = record is not None
        for widget in (self.tabs, self.go_partner, self.copy_pretty, self.copy_raw, self.summary):
            widget.setVisible(has)
        self.empty.setVisible(not has)
        if record is None:
            self.problem.hide()
            self.raw.setPlainText("")
            self.violations.clear()
            return
        is_request = record.message_type == 2 or (record.message_type is None and partner is None)
        request = record if is_request else partner
        answer = partner if is_request else record
        missing = self._missing_answer_text(request) if is_request else "no request found"
        self.request.show_frame(request, "Request", request is record, self.utc,
                                "no matching request in this capture")
        self.response.show_frame(answer, "Answer", answer is record, self.utc, missing)
        self.go_partner.setText("Go to answer" if is_request else "Go to request")
        self.go_partner.setEnabled(partner is not None and partner.id is not None)

        parts = [f"<b>{html.escape(record.action or '(no action)')}</b>",
                 html.escape(record.charger), format_time(record.ts_us, utc=self.utc,
                                                          with_date=True)]
        if record.unique_id:
            parts.append(f"message id <code>{html.escape(record.unique_id)}</code>")
        self.summary.setText(" · ".join(parts))
        self.summary.setToolTip(f"message id {record.unique_id}" if record.unique_id else "")
        self._show_problem(record, partner)
        self._show_violations(request, answer)
        self.raw.setPlainText(record.raw)

    def _missing_answer_text(self, request: FrameRecord | None) -> str:
        if request is None:
            return ""
        return {"timeout": "no answer arrived in time", "lost": "connection closed before an answer",
                "pending": "waiting for the answer…"}.get(request.state or "",
                                                         "no answer in this capture")

    def _show_problem(self, record: FrameRecord, partner: FrameRecord | None) -> None:
        lines = []
        level = None
        for frame in (record, partner):
            if frame is None:
                continue
            text = problem_text(frame)
            if frame.violations and not text:
                text = "Breaks the OCPP schema"
            if not text:
                continue
            level = level or severity(frame) or "warning"
            who = "" if frame is record else "Its counterpart: "
            line = f"<b>{html.escape(who + text)}</b>"
            if frame.violations:
                shown = frame.violations[:3]
                line += "".join(f"<br>&nbsp;&nbsp;• <code>{html.escape(str(v.get('path', '$')))}"
                                f"</code> — {html.escape(str(v.get('message', '')))}"
                                for v in shown)
                if len(frame.violations) > len(shown):
                    line += (f"<br>&nbsp;&nbsp;… and {len(frame.violations) - len(shown)} more "
                             "(see Schema violations)")
            lines.append(line)
        if not lines:
            self.problem.hide()
            return
        level = level or "warning"
        background = theme.ROW_BACKGROUND[level].name()
        foreground = theme.ROW_FOREGROUND[level].name()
        border = theme.ROW_BORDER[level]
        self.problem.setStyleSheet(
            f"QLabel {{ padding: 6px 8px; border-radius: 3px; background: {background}; "
            f"color: {foreground}; border-left: 4px solid {border}; }}")
        self.problem.setText("<br>".join(lines))
        self.problem.show()

    def _show_violations(self, request: FrameRecord | None, answer: FrameRecord | None) -> None:
        self.violations.clear()
        count = 0
        for name, frame in (("Request", request), ("Answer", answer)):
            if frame is None:
                continue
            for violation in frame.violations:
                item = QTreeWidgetItem([name, str(violation.get("path", "$")),
                                        violation_rule_text(violation),
                                        str(violation.get("message", ""))])
                item.setFont(1, theme.monospace_font())
                item.setToolTip(3, str(violation.get("message", "")))
                self.violations.addTopLevelItem(item)
                count += 1
        self.tabs.setTabText(1, f"Schema violations ({count})" if count else "Schema violations")
        if not count:
            item = QTreeWidgetItem(["", "", "", "No schema violations"])
            item.setDisabled(True)
            self.violations.addTopLevelItem(item)

    # ---------------------------------------------------------------- actions
    def violation_rows(self) -> list[list[str]]:
        rows = []
        for i in range(self.violations.topLevelItemCount()):
            item = self.violations.topLevelItem(i)
            if not item.isDisabled():
                rows.append([item.text(c) for c in range(4)])
        return rows

    def copy_pretty_text(self) -> None:
        shown = self._visible(self.record)
        if shown is not None:
            QGuiApplication.clipboard().setText(pretty_json(shown.raw))

    def copy_raw_text(self) -> None:
        shown = self._visible(self.record)
        if shown is not None:
            QGuiApplication.clipboard().setText(shown.raw)

    def _go_partner(self) -> None:
        if self.partner is not None and self.partner.id is not None:
            self.go_to_frame.emit(self.partner.id)
