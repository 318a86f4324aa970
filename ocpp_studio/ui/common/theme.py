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


# ============================================================================================
# Feature screens: configuration, commissioning, charging hours, power. Each name says what
# the colour or style is for; the values are the ones these widgets have always shown.
# ============================================================================================

# ------------------------------------------------------------------------- words on screens
MUTED_TEXT = "#555555"         # notes and hints beside a control; "· OCPP 2.0.1" after a title
EXPLANATION_TEXT = "#444444"   # longer explanations (details that open, empty-page notes)
BODY_TEXT = "#333333"          # readouts and status lines when nothing is wrong
PLAIN_TEXT = "#000000"         # a table cell with no reason to stand out
STALE_TEXT = "#777777"         # a power reading that is no longer "now"
PROBLEM_TEXT = "#8e1c12"       # a problem in words: cannot be sent, can cut the charger off
CAUTION_TEXT = "#7a4f00"       # a caution in words: takes effect later, will be asked again
DONE_TEXT = GREEN[0]           # "Done." / ✓ of an action's step
FAILED_TEXT = RED[0]           # "Not everything worked." / ✗ / "not connected"
NOTHING_NEEDED_TEXT = GREY[0]  # a step that did nothing because nothing was needed
LINK_TEXT = BLUE[0]            # text buttons that open more ("What exactly is installed")
OVERRIDE_ON_TEXT = "#8a5a00"   # "Override is on" (charging hours)
LATE_TEXT = "#a05a00"          # power reported slower than wanted, or not any more
OUTCOME_OK_TEXT = "#1d5e2c"    # the line under a toolbar after an action worked
OUTCOME_FAILED_TEXT = "#a3261e"  # ... and after it did not

#: a one-line explanation under a control, in MUTED_TEXT
MUTED_LABEL_STYLE = f"color: {MUTED_TEXT};"
#: a longer explanation that opens under a disclosure button
EXPLANATION_STYLE = f"color: {EXPLANATION_TEXT}; padding-left: 18px"
#: the disclosure buttons themselves
DISCLOSURE_STYLE = f"QToolButton {{ border: none; color: {LINK_TEXT}; }}"
#: a small show/hide or choice toggle (secrets in the settings table, plot windows)
TOGGLE_STYLE = ("QToolButton { border: 1px solid #b8c0cc; border-radius: 3px; padding: 0 6px; }"
                " QToolButton:checked { background: #dbe8f7; }")

# ------------------------------------------------------------------- configuration editor
#: the "Last write" cell, (background, text): accepted / after a restart or no answer / refused
WRITE_ACCEPTED = ("#e3f4e4", "#1b5e20")
WRITE_LATER = ("#fff1cc", CAUTION_TEXT)
WRITE_REFUSED = ("#fde0dc", PROBLEM_TEXT)
#: a changed value not sent yet, and one that cannot be sent as typed
PENDING_EDIT_BACKGROUND = QColor("#fff6c2")
PROBLEM_EDIT_BACKGROUND = QColor("#fde0dc")
#: a setting the OCPP specification does not define (its meaning is the manufacturer's)
VENDOR_SETTING_TEXT = QColor("#6a3d9a")
READONLY_SETTING_TEXT = QColor("#666666")
#: what the charger's report left out (missing parts) above the table
REPORT_NOTES_STYLE = ("QLabel { background: #fff6dd; border: 1px solid #e5c46b;"
                      " border-radius: 4px; padding: 4px 8px; }")
#: "N settings take effect after a restart" (an object-named QFrame: #restartBanner)
RESTART_BANNER_STYLE = ("#restartBanner { background: #fff1cc; border: 1px "
                        "solid #f0a000; border-radius: 4px; }")
EMPTY_TABLE_STYLE = f"QLabel {{ color: {MUTED_TEXT}; padding: 24px; }}"

# ------------------------------------------------------------------ commissioning wizard
#: a step's state -> (text and border colour, background)
STEP_STATE_COLOURS: dict[str, tuple[str, str]] = {
    "pending": ("#555555", "#f3f4f6"),
    "running": ("#123e72", "#dbe8f7"),
    "waiting": ("#8e5a00", "#fff6dd"),
    "passed": ("#1d6b2c", "#e3f4e6"),
    "failed": ("#9b1c1c", "#fde8e8"),
    "skipped": ("#555555", "#eeeeee"),
}

# ----------------------------------------------------------------------- charging hours
#: the three big choices; format with bg= and border= (CHOICE_RECOMMENDED / CHOICE_OTHER)
CHOICE_BUTTON_STYLE = """
QPushButton {{ text-align: left; padding: 10px 14px; border: 1px solid {border};
              border-radius: 6px; background: {bg}; font-size: 11pt; }}
QPushButton:hover {{ border-color: #1565c0; }}
QPushButton:checked {{ border: 2px solid #1565c0; background: #e3f0fd; }}
QPushButton:disabled {{ color: #9a9a9a; background: #f3f3f3; border-color: #dddddd; }}
"""
CHOICE_RECOMMENDED = {"bg": "#eef7ee", "border": "#7cb57f"}
CHOICE_OTHER = {"bg": "#ffffff", "border": "#bbbbbb"}
#: what is set up on the charger, in words, at the top of the tab
SETUP_SUMMARY_STYLE = ("QLabel { background: #f1f6fb; border: 1px solid #c9dcef;"
                       " border-radius: 6px; padding: 8px; }")
#: the one button that sends (e.g. "Apply these hours")
PRIMARY_BUTTON_STYLE = ("QPushButton { background: #1565c0; color: white; padding: 6px 16px; "
                        "border-radius: 4px; } QPushButton:disabled { background: #9fb7d3; }")
#: the one button that removes what was installed
REMOVE_BUTTON_STYLE = ("QPushButton { background: #c62828; color: white; padding: 6px 14px; "
                       "border-radius: 4px; } QPushButton:disabled { background: #e6a3a3; }")
#: "Charge now, ignoring the charging hours" (amber while on)
OVERRIDE_BUTTON_STYLE = (
    "QPushButton { padding: 6px 12px; border: 1px solid #bbbbbb; border-radius: 6px; }"
    "QPushButton:checked { background: #f0a000; color: #1f1f1f; border-color: #b57800; }"
    "QPushButton:disabled { color: #9a9a9a; }")
#: "OCPP Studio does it instead" (the randomised delay's second method and its limits)
DELAY_METHOD_STYLE = ("QLabel { background: #fff8e1; border: 1px solid "
                      "#f0d48a; border-radius: 4px; padding: 6px; }")

#: the week timeline: charging allowed / no charging (0 W) / limited
HOURS_ALLOWED = QColor("#4caf50")
HOURS_BLOCKED = QColor("#cfd4d9")
HOURS_LIMITED = QColor("#f0a000")
TIMELINE_EMPTY = QColor("#f4f5f6")       # a day with nothing known for it
TIMELINE_HOUR_LINE = QColor("#8a8f94")   # every 6 hours, and the frame
TIMELINE_MINOR_LINE = QColor(255, 255, 255, 200)  # the other hours
TIMELINE_TRACK_DIVIDER = QColor("#ffffff")
TIMELINE_TEXT = QColor("#333333")
TIMELINE_MUTED = QColor("#6b6f73")
#: UK peak times (weekdays 08:00-11:00, 16:00-22:00), outlined faintly
PEAK_OUTLINE = QColor(198, 40, 40, 130)
#: where the charger will not do what was asked
DIFFERENCE_OUTLINE = QColor("#d50000")
DIFFERENCE_FILL = QColor(213, 0, 0, 40)

# -------------------------------------------------------------------------------- power
#: one curve per connector, in this order
CONNECTOR_COLOURS = ["#1f6fd1", "#2a9d3a", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"]
#: the UK/EU cable colours installers know: L1 brown, L2 black, L3 grey, N blue
PHASE_COLOURS = {"L1": "#8b4a1c", "L2": "#202020", "L3": "#8a8a8a", "N": "#2060c0"}
#: the limit the charger should obey (dashed)
LIMIT_COLOUR = "#e07b00"
PLOT_BACKGROUND = "w"
PLOT_AXIS = "#666"
PLOT_AXIS_TEXT = "#222"
PLOT_CROSSHAIR = "#999"
PLOT_LEGEND_BACKGROUND = (255, 255, 255, 200)
PLOT_READOUT_STYLE = f"QLabel {{ color: {BODY_TEXT}; padding: 2px 4px; }}"
#: the plot's window and Pause buttons
PLOT_WINDOW_BUTTON_STYLE = (
    "QToolButton { padding: 3px 8px; border: 1px solid #b8c0cc; border-radius: 3px; }"
    "QToolButton:checked { background: #dbe8f7; border-color: #5b8fd0; color: #123e72; "
    "font-weight: 600; }")
#: "1-second power" while it is on
ONE_SECOND_BUTTON_STYLE = (
    "QPushButton:checked { background: #d7f0dc; border: 1px solid #3d9a50; "
    "color: #14532d; font-weight: 600; padding: 4px 10px; }")
#: the note shown instead of an empty plot
EMPTY_PLOT_STYLE = (f"QLabel {{ color: {EXPLANATION_TEXT}; font-size: 13pt; background: white; "
                    "border: 1px solid #d0d6de; border-radius: 4px; padding: 30px; }")


# ============================================================================================
# The main window, the message inspector, the sources (serial console, proxy) and the shared
# dialogs. Each name says what the colour or style is for; the values are the ones these
# widgets have always shown.
# ============================================================================================

SECONDARY_TEXT = "#777777"     # what is missing or not there yet ("No connector status yet")
QUIET_TEXT = "#666666"         # a small qualifier beside a control (the filter's time zone)
BADGE_MARK_TEXT = "#ffffff"    # the mark painted on a coloured status dot
PROBLEM_COUNT_TEXT = "#b3261e"  # "N with problems" above the message list
FORM_PROBLEM_TEXT = "#b00020"  # why a dialog's OK is refused
OBSERVED_TEXT = "#1d5e2c"      # OCPP messages found in a console ("→ log", the count)

#: a one-line hint beside or under a control, in MUTED_TEXT
HINT_STYLE = f"QLabel {{ color: {MUTED_TEXT}; }}"
#: a short introduction at the top of a tab
INTRO_STYLE = f"QLabel {{ color: {BODY_TEXT}; }}"
#: why a dialog cannot be accepted as filled in
FORM_PROBLEM_STYLE = f"color: {FORM_PROBLEM_TEXT};"
#: the note in the status bar (opening, exporting, copied…)
STATUS_NOTE_STYLE = "QLabel { color: #8e5a00; }"
#: a thin horizontal rule between the parts of a tab (QFrame.HLine)
SEPARATOR_STYLE = "color: #d0d6de;"
#: a checkable tool button that stays pressed while on (Follow newest, Hex)
TOGGLE_BUTTON_STYLE = (
    "QToolButton { padding: 3px 8px; border: 1px solid #b8c0cc; border-radius: 3px; }"
    "QToolButton:checked { background: #dbe8f7; border-color: #5b8fd0; color: #123e72; "
    "font-weight: 600; }")
#: a field whose text cannot be used (e.g. a console pattern that is not a valid regex)
INVALID_FIELD_STYLE = "QLineEdit { border: 1px solid #c62828; }"

# ----------------------------------------------------------------------- message inspector
#: the selected row of the message list
MESSAGE_SELECTION_STYLE = ("QTableView { selection-background-color: #2f6fb5; "
                           "selection-color: white; }")
#: "Viewing capture file …" above the list (an object-named QWidget: #fileBanner)
FILE_BANNER_STYLE = ("#fileBanner { background: #fff6dd; border: 1px solid "
                     "#e5c46b; border-radius: 4px; }")
#: the heading over the request and the answer in the detail pane; the selected one is blue
DETAIL_HEADING_BACKGROUND = "#eef1f5"
DETAIL_HEADING_SELECTED_BACKGROUND = "#dbe8f7"
DETAIL_HEADING_STYLE = ("QLabel {{ padding: 3px 6px; background: {background}; "
                        "border-radius: 3px; }}")
#: "Select a message above…" in the empty detail pane
EMPTY_DETAIL_STYLE = f"QLabel {{ color: {SECONDARY_TEXT}; }}"
#: a summary or a how-to in a pale blue box (charger-list hint, timeline summary)
INFO_BOX_BACKGROUND = "#eef4fb"
INFO_BOX_BORDER = "#b9cde4"
CHARGER_HINT_STYLE = (f"QLabel {{ color: {BODY_TEXT}; background: {INFO_BOX_BACKGROUND}; "
                      f"border: 1px solid {INFO_BOX_BORDER}; border-radius: 4px; padding: 10px; }}")
TIMELINE_SUMMARY_STYLE = (f"QLabel {{ padding: 8px; background: {INFO_BOX_BACKGROUND}; "
                          f"border: 1px solid {INFO_BOX_BORDER}; border-radius: 4px; }}")
#: the selected charger card: light, so the cards' grey and coloured text stay readable
CHARGER_SELECTION_STYLE = ("QListWidget::item:selected { background: #d5e6f8; color: #111111;"
                           " border-left: 3px solid #1565c0; }")
#: a timeline entry of a kind with no colour of its own
TIMELINE_OTHER = GREY[0]
#: JSON syntax colours: keys (bold), strings, numbers, true/false/null
JSON_COLOURS = {
    "key": "#1a4f8b",      # dark blue
    "string": "#2e7031",   # green
    "number": "#a3460e",   # burnt orange
    "literal": "#7b2d91",  # purple
}

# ------------------------------------------------------------------ serial console, proxy
#: what the proxy does, in a pale blue box at the top of its tab
SOURCE_EXPLANATION_STYLE = ("QLabel { background: #f1f6fb; border: 1px solid #c9dcef; "
                            "border-radius: 6px; padding: 8px; color: #222222; }")
#: the console pane: arrival time, the "→ log" mark, a line carrying an OCPP message
#: (text, background), and a line we sent
CONSOLE_TIME = "#7a7a7a"
CONSOLE_MARK = OBSERVED_TEXT
CONSOLE_FRAME = ("#0d47a1", "#e8f1fb")
CONSOLE_SENT = "#8e5a00"
