"""Connection timeline of one charger: "my charger keeps going offline", answered in one view."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ...capture.query import distinct_chargers
from ...capture.store import CaptureStore
from ...capture.timeline import ChargerTimeline, TimelineEntry, charger_timeline
from ...core.records import Direction
from ...station.security_state import CRITICAL_EVENTS, ROUTINE_CRITICAL
from ..common import theme
from ..common.formatting import duration_text, format_time
from ..security.security_words import (
    connection_line, connection_security, password_form_words, tls_refusal_words,
)

KIND_WORDS = {"connected": "Connected", "disconnected": "Disconnected", "refused": "Refused",
              "silence": "Silence", "boot": "Boot", "security": "Security event"}
#: SecurityEventNotification frames shown per charger (newest)
SECURITY_EVENTS_SHOWN = 500


def _kind_icon(kind: str) -> QIcon:
    colour = theme.TIMELINE_COLOURS.get(kind, theme.TIMELINE_OTHER)
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    if kind in ("disconnected", "refused"):
        painter.drawRect(1, 1, 10, 10)  # square: the connection ended or never started
    elif kind == "silence":
        painter.drawRoundedRect(0, 3, 12, 6, 2, 2)  # a bar: a gap
    else:
        painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


def summary_text(timeline: ChargerTimeline) -> str:
    parts = [f"{timeline.connects} connect{'s' if timeline.connects != 1 else ''}",
             f"{timeline.reconnects} reconnect{'s' if timeline.reconnects != 1 else ''}",
             f"{timeline.refusals} refused"]
    if timeline.disconnects_by_code:
        codes = ", ".join(f"{'no code' if code is None else code}: {count}×"
                          for code, count in
                          sorted(timeline.disconnects_by_code.items(), key=lambda kv: -kv[1]))
        parts.append(f"disconnects by close code {codes}")
    silences = sum(1 for e in timeline.entries if e.kind == "silence")
    if silences:
        parts.append(f"{silences} silence{'s' if silences != 1 else ''}, longest "
                     f"{duration_text(timeline.longest_silence_s)}")
    else:
        parts.append("no long silence")
    if timeline.online_fraction is not None:
        parts.append(f"online {timeline.online_fraction * 100:.0f}% of the time")
    return " · ".join(parts)


class TimelineDialog(QDialog):
    def __init__(self, store: CaptureStore, charger: str | None = None, *, utc: bool = False,
                 heartbeat_interval_s: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.utc = utc
        self.heartbeat_interval_s = heartbeat_interval_s
        self.timeline: ChargerTimeline | None = None
        self.setWindowTitle("Connection timeline")
        self.resize(1040, 560)

        self.charger = QComboBox()
        self.charger.setMinimumContentsLength(14)
        chargers = distinct_chargers(store)
        if charger and charger not in chargers:
            chargers.append(charger)
        for name in sorted(chargers):
            self.charger.addItem(name, name)
        top = QHBoxLayout()
        top.addWidget(QLabel("Charger:"))
        top.addWidget(self.charger)
        top.addStretch(1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setStyleSheet(theme.TIMELINE_SUMMARY_STYLE)

        self.entries = QTreeWidget()
        self.entries.setColumnCount(3)
        self.entries.setHeaderLabels(["Time", "What happened", "Details"])
        self.entries.setRootIsDecorated(False)
        self.entries.setAlternatingRowColors(True)
        self.entries.setUniformRowHeights(True)
        header = self.entries.header()
        # every column can be dragged wider; reload() sizes them to their contents and
        # the details scroll sideways instead of being cut at the window edge
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.entries, 1)
        layout.addWidget(buttons)

        self.charger.currentIndexChanged.connect(lambda _i: self.reload())
        if charger:
            self.charger.setCurrentIndex(max(0, self.charger.findData(charger)))
        self.reload()

    def reload(self) -> None:
        charger = self.charger.currentData()
        self.entries.clear()
        if not charger:
            self.summary.setText("No charger in this capture yet.")
            return
        self.timeline = charger_timeline(self.store, charger, self.heartbeat_interval_s)
        self.setWindowTitle(f"Connection timeline — {charger}")
        security = security_entries(self.store, charger)
        critical = sum(1 for e in security if e.detail.get("alert"))
        extra = (f" · {len(security)} security event{'s' if len(security) != 1 else ''}"
                 + (f" ({critical} critical)" if critical else "")) if security else ""
        self.summary.setText(f"<b>{html.escape(charger)}</b>: "
                             f"{html.escape(summary_text(self.timeline) + extra)}")
        icons: dict[str, QIcon] = {}
        entries = sorted(self.timeline.entries + security, key=lambda e: e.ts_us)
        for entry in entries:
            if entry.kind not in icons:
                icons[entry.kind] = _kind_icon(entry.kind)
            details = _detail_text(entry.detail)
            item = QTreeWidgetItem([format_time(entry.ts_us, utc=self.utc, with_date=True),
                                    entry.title, details])
            item.setIcon(1, icons[entry.kind])
            item.setToolTip(1, entry.title)
            # hovering shows the whole text, one fact a line, then everything recorded
            raw = json.dumps(entry.detail, indent=2, default=str)
            item.setToolTip(2, f"{details.replace('  ·  ', chr(10))}\n\n{raw}" if details
                            else raw)
            if entry.kind in ("refused", "disconnected") or entry.detail.get("alert"):
                item.setForeground(1, QColor(theme.ROW_FOREGROUND["error"]))
            elif entry.kind == "silence":
                item.setForeground(1, QColor(theme.ROW_FOREGROUND["warning"]))
            self.entries.addTopLevelItem(item)
        if not entries:
            self.entries.addTopLevelItem(QTreeWidgetItem(["", "Nothing recorded for this charger",
                                                          ""]))
        for column in range(self.entries.columnCount()):
            self.entries.resizeColumnToContents(column)

    def entry_titles(self) -> list[str]:
        return [self.entries.topLevelItem(i).text(1)
                for i in range(self.entries.topLevelItemCount())]


def security_entries(store: CaptureStore, charger: str) -> list[TimelineEntry]:
    """The charger's SecurityEventNotifications (1.6 security extension, 2.0.1 A04) as timeline
    entries: type, the charger's time and tech info; critical ones flagged."""
    entries = []
    for frame in store.frames(charger=charger, action="SecurityEventNotification",
                              direction=Direction.TO_CSMS, limit=SECURITY_EVENTS_SHOWN,
                              newest_first=True):
        try:
            message = json.loads(frame.raw)
        except ValueError:
            continue
        payload = message[3] if isinstance(message, list) and len(message) > 3 else None
        if frame.message_type != 2 or not isinstance(payload, dict):
            continue
        kind = str(payload.get("type", "?"))
        critical = kind in CRITICAL_EVENTS
        detail = {"security_event": kind, "charger_time": payload.get("timestamp"),
                  "tech_info": payload.get("techInfo"), "critical": critical,
                  "alert": critical and kind not in ROUTINE_CRITICAL}
        title = f"Security event: {kind}" + (" (critical)" if critical else "")
        entries.append(TimelineEntry(frame.ts_us, "security", title, detail))
    return entries


def _detail_text(detail: dict[str, Any]) -> str:
    """The handshake facts that matter, short: path, offered/chosen subprotocol, user, code."""
    labels = (("path", "path"), ("offered", "offered"), ("subprotocol", "chosen"),
              ("version", "OCPP"), ("http_status", "HTTP status"), ("vendor", "vendor"),
              ("model", "model"), ("serial", "serial"), ("firmware", "firmware"),
              ("tech_info", "tech info"), ("charger_time", "charger's time"))
    parts = []
    for key, label in labels:
        value = detail.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{label}: {value}")
    return "  ·  ".join(_tls_parts(detail) + parts)  # how it was secured first


def _tls_parts(detail: dict[str, Any]) -> list[str]:
    """How the connection was secured (wss/TLS, client certificate, password form), or why
    TLS refused it and what to do."""
    refusal = tls_refusal_words(detail) if "reason" in detail else None
    if refusal:
        return [refusal]
    security = connection_security(detail) if "subprotocol" in detail else None
    if security is None:
        return []
    parts = [connection_line(security)]
    if security.encrypted and security.cipher:
        parts.append(f"cipher: {security.cipher}")
    if security.authenticated_by:
        parts.append(f"authenticated by {security.authenticated_by}")
    elif security.password_form:
        parts.append(f"password sent as {password_form_words(security.password_form)}")
    return parts
