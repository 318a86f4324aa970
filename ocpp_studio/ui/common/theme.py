"""Colours, fonts and standard notes shared by the widgets, so the look is decided in one place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QLabel

# Connector / EVSE status -> (background, text) colours for a badge.
GREEN = ("#2e7d32", "#ffffff")
BLUE = ("#1565c0", "#ffffff")
RED = ("#c62828", "#ffffff")
GREY = ("#757575", "#ffffff")
AMBER = ("#f0a000", "#1f1f1f")
UNKNOWN = ("#bdbdbd", "#1f1f1f")

STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "Available": GREEN,
    "Charging": BLUE,
    "Faulted": RED,
    "Unavailable": GREY,
    "Preparing": AMBER,
    "SuspendedEV": AMBER,
    "SuspendedEVSE": AMBER,
    "Finishing": AMBER,
    "Reserved": AMBER,
    "Occupied": AMBER,
    "EVConnected": AMBER,
    "Idle": AMBER,
}

CONNECTED_COLOUR = "#2e7d32"
DISCONNECTED_COLOUR = "#c62828"

# Message-list row backgrounds by severity.
ROW_BACKGROUND = {"error": QColor("#fde0dc"), "warning": QColor("#fff3cd")}
ROW_FOREGROUND = {"error": QColor("#8e1c12"), "warning": QColor("#6b4a00")}
ROW_BORDER = {"error": "#c62828", "warning": "#e0a100"}
EVENT_FOREGROUND = QColor("#555555")
#: the other frame of the selected request/answer pair
PARTNER_BACKGROUND = QColor("#dcebfb")

#: connection timeline: colour per entry kind
TIMELINE_COLOURS = {"connected": "#2e7d32", "disconnected": "#c62828", "refused": "#8e1c12",
                    "silence": "#e0a100", "boot": "#1565c0"}


def status_colours(status: str) -> tuple[str, str]:
    return STATUS_COLOURS.get(status, UNKNOWN)


def monospace_font(point_size: int | None = None) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_size:
        font.setPointSize(point_size)
    return font


def unavailable_note(what: str) -> QLabel:
    """The centred note a tab shows instead of its controls when this window cannot offer
    them (e.g. no running studio behind it)."""
    note = QLabel(f"{what} is not available in this window: it needs the running studio "
                  "(start OCPP Studio normally to use it).")
    note.setWordWrap(True)
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    note.setStyleSheet("QLabel { color: #444; font-size: 12pt; padding: 30px; }")
    return note


#: a source's one-line status (serial port, proxy): connected, waiting, failed, stopped
STATUS_STYLE = {
    "ok": "QLabel { color: #1d5e2c; font-weight: 600; }",
    "wait": "QLabel { color: #8e5a00; font-weight: 600; }",
    "error": "QLabel { color: #a3261e; font-weight: 600; }",
    "idle": "QLabel { color: #555; }",
}


def show_status(label: QLabel, kind: str, text: str) -> None:
    """Plain words in the colour of ``kind`` (a key of STATUS_STYLE)."""
    label.setStyleSheet(STATUS_STYLE[kind])
    label.setText(text)
