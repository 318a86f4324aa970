"""The "Serial console" tab: a charger's debug port, read through a USB-UART adapter.

Two kinds of charger:

- a **debug console** that prints log lines, some of which carry OCPP-J messages — the
  studio finds them (a preset or the user's own pattern) and records them in the message
  log as *observed*; the console itself is shown as it arrives;
- a charger that speaks **OCPP-J over the serial line** itself, one message per line — the
  studio answers as its central system and it appears in the charger list like any other.

All serial work is in ``ocpp_studio.transports.serial_port`` (read in a thread, lines
delivered on the asyncio loop) and ``Studio.start_serial``; this widget shows the lines in
batches (a timer every 100 ms: consoles can print thousands of lines a second) and calls
the studio as asyncio tasks.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QIntValidator, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFileDialog, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QRadioButton, QSizePolicy, QToolButton, QVBoxLayout,
    QWidget,
)

from ...transports.console_patterns import LinePattern
from ...transports.serial_port import ConsoleLine, ConsoleStatus, PortInfo, list_ports
from ..common import theme
from ..common.operations import AsyncOp

log = logging.getLogger(__name__)

#: Lines kept in the console pane (the whole console is kept for "Save console…").
MAX_DISPLAY_LINES = 5000
FLUSH_INTERVAL_MS = 100
BAUD_RATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
DATA_BITS = (5, 6, 7, 8)
PARITIES = (("None", "N"), ("Even", "E"), ("Odd", "O"), ("Mark", "M"), ("Space", "S"))
STOP_BITS = (("1", 1), ("1.5", 1.5), ("2", 2))
FLOW_CONTROLS = (("None", "none"), ("RTS/CTS (hardware)", "rtscts"),
                 ("XON/XOFF (software)", "xonxoff"))
PATTERNS = (("Bare OCPP message on a line", "bare"),
            ("Time and direction marker (send/recv, tx/rx, >> <<, ->)", "arrows"),
            ("My own pattern…", "custom"))
LINE_ENDINGS = (("\\n (LF)", "\n"), ("\\r\\n (CR LF)", "\r\n"), ("none", ""))
VERSIONS = (("OCPP 1.6", "1.6"), ("OCPP 2.0.1", "2.0.1"))
CUSTOM_HINT = r"e.g. ^.*OCPP (?P<direction>tx|rx): (?P<frame>\[.*\])$"

FRAME_MARK = "→ log "
NO_MARK = " " * len(FRAME_MARK)
SENT_MARK = "sent  "



def port_label(port: PortInfo) -> str:
    """'/dev/ttyUSB0 — FT232R USB UART (0403:6001)' (PortInfo.label when it has one)."""
    label = getattr(port, "label", None)
    if label:
        return str(label)
    text = port.device
    if port.description and port.description not in ("n/a", port.device):
        text += f" — {port.description}"
    if port.vid_pid:
        text += f" ({port.vid_pid})"
    return text


def clock_text(ts_us: int) -> str:
    """HH:MM:SS.mmm, local time."""
    stamp = datetime.fromtimestamp(ts_us / 1_000_000)
    return stamp.strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def pattern_error(spec: str) -> str | None:
    """None when spec is a usable pattern, else what is wrong with it, in words."""
    if not spec.strip():
        return "Type a pattern with a group named frame, " + CUSTOM_HINT
    try:
        LinePattern.named(spec)
    except ValueError as exc:
        return f"This pattern cannot be used: {exc}"
    return None


class SerialPanel(QWidget):
    """Open a serial port, show its console, find OCPP messages in it, send lines to it."""

    def __init__(self, studio: Any = None, preferences: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.available = studio is not None and hasattr(studio, "start_serial")
        self.console: Any = None  # the SerialConsole being shown
        self._last_console: Any = None  # the console shown last (saveable after Disconnect)
        self.operation: AsyncOp | None = None
        self.line_count = 0
        self.frame_count = 0
        self._pattern: LinePattern | None = None
        self._connected_device = ""
        self._connected_baud = 0
        self._pending: list[tuple[ConsoleLine, bool, bool]] = []  # line, has frame, sent by us
        self._shown: deque[tuple[ConsoleLine, bool, bool]] = deque(maxlen=MAX_DISPLAY_LINES)
        self._loading_choice = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)
        if not self.available:
            note = theme.unavailable_note("The serial console")
            outer.addWidget(note)
            self.not_available_label = note
            return
        if preferences is None:
            from ...transports.serial_prefs import SerialPreferences
            preferences = SerialPreferences()
        self.preferences = preferences
        self._build(outer)
        self.timer = QTimer(self)
        self.timer.setInterval(FLUSH_INTERVAL_MS)
        self.timer.timeout.connect(self.flush)
        self.timer.start()
        self.refresh_ports()
        existing = getattr(studio, "serial_console", None)
        if existing is not None:  # started before the window (e.g. from the command line)
            self._attach(existing)
        self._update_controls()

    # -------------------------------------------------------------- building
    def _build(self, outer: QVBoxLayout) -> None:
        intro = QLabel("Plug a USB-serial adapter into the charger's debug port, choose the "
                       "port and its settings (the charger's manual gives them, often 115200 "
                       "baud, 8 data bits, no parity, 1 stop bit) and press Connect.")
        intro.setWordWrap(True)
        intro.setStyleSheet("QLabel { color: #333; }")
        outer.addWidget(intro)

        top = QHBoxLayout()
        top.setSpacing(8)
        # ------------------------------------------------------------- port
        port_box = QGroupBox("Port")
        grid = QGridLayout(port_box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.port_combo = QComboBox()
        self.port_combo.setEditable(True)
        self.port_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.port_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.port_combo.setMinimumContentsLength(28)
        self.port_combo.lineEdit().setPlaceholderText("Type a device: /dev/ttyUSB0, COM3, loop://")
        self.port_combo.setToolTip("The serial adapters found on this computer. You can also "
                                   "type a device path or a pyserial URL (loop://, "
                                   "/dev/pts/5, COM3, rfc2217://host:port).")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Look for serial adapters again (after plugging one in)")
        grid.addWidget(QLabel("Port"), 0, 0)
        grid.addWidget(self.port_combo, 0, 1, 1, 3)
        grid.addWidget(self.refresh_button, 0, 4)
        self.baud = QComboBox()
        self.baud.setEditable(True)
        self.baud.addItems([str(b) for b in BAUD_RATES])
        self.baud.setValidator(QIntValidator(50, 20_000_000, self))
        self.baud.setToolTip("Speed in bits per second (baud); type any rate the charger uses")
        self.data_bits = QComboBox()
        for bits in DATA_BITS:
            self.data_bits.addItem(str(bits), bits)
        self.parity = QComboBox()
        for label, code in PARITIES:
            self.parity.addItem(label, code)
        self.stop_bits = QComboBox()
        for label, value in STOP_BITS:
            self.stop_bits.addItem(label, value)
        self.flow = QComboBox()
        for label, value in FLOW_CONTROLS:
            self.flow.addItem(label, value)
        grid.addWidget(QLabel("Speed"), 1, 0)
        grid.addWidget(self.baud, 1, 1)
        grid.addWidget(QLabel("Data bits"), 1, 2)
        grid.addWidget(self.data_bits, 1, 3)
        grid.addWidget(QLabel("Parity"), 2, 0)
        grid.addWidget(self.parity, 2, 1)
        grid.addWidget(QLabel("Stop bits"), 2, 2)
        grid.addWidget(self.stop_bits, 2, 3)
        grid.addWidget(QLabel("Flow control"), 3, 0)
        grid.addWidget(self.flow, 3, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        top.addWidget(port_box, 4)

        # ------------------------------------------------ what the charger sends
        mode_box = QGroupBox("What the charger sends")
        mode = QGridLayout(mode_box)
        mode.setHorizontalSpacing(8)
        mode.setVerticalSpacing(6)
        self.observe_radio = QRadioButton("Debug console (find OCPP messages in the text)")
        self.observe_radio.setToolTip("The charger prints log lines. OCPP Studio only listens: "
                                      "messages found in the lines go into the Messages tab, "
                                      "marked \"observed\".")
        self.answer_radio = QRadioButton("OCPP messages only (answer as the central system)")
        self.answer_radio.setToolTip("The charger sends one OCPP-J message per line and "
                                     "expects answers: OCPP Studio is its central system.")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.observe_radio)
        self.mode_group.addButton(self.answer_radio)
        self.observe_radio.setChecked(True)
        self.pattern_combo = QComboBox()
        for label, key in PATTERNS:
            self.pattern_combo.addItem(label, key)
        self.pattern_combo.setToolTip("How the OCPP messages look in the console lines")
        self.regex = QLineEdit()
        self.regex.setFont(theme.monospace_font())
        self.regex.setPlaceholderText(CUSTOM_HINT)
        self.regex.setToolTip("A regular expression (Python) with a group named frame around "
                              "the OCPP message, and optionally a group named direction "
                              "(send/recv, tx/rx, >>/<<)")
        self.pattern_error = QLabel()
        self.pattern_error.setWordWrap(True)
        self.pattern_error.setStyleSheet(theme.STATUS_STYLE["error"])
        self.pattern_error.hide()
        self.version = QComboBox()
        for label, value in VERSIONS:
            self.version.addItem(label, value)
        self.version.setToolTip("The OCPP version the charger speaks over the serial line")
        self.charger_id = QLineEdit()
        self.charger_id.setToolTip("The name the charger gets in the Messages tab and the "
                                   "charger list (the port's name if left empty)")
        mode.addWidget(self.observe_radio, 0, 0, 1, 3)
        self.pattern_label = QLabel("Messages look like")
        mode.addWidget(self.pattern_label, 1, 0)
        mode.addWidget(self.pattern_combo, 1, 1, 1, 2)
        mode.addWidget(self.regex, 2, 1, 1, 2)
        mode.addWidget(self.pattern_error, 3, 1, 1, 2)
        mode.addWidget(self.answer_radio, 4, 0, 1, 3)
        self.version_label = QLabel("OCPP version")
        mode.addWidget(self.version_label, 5, 0)
        mode.addWidget(self.version, 5, 1)
        mode.addWidget(QLabel("Charger name"), 6, 0)
        mode.addWidget(self.charger_id, 6, 1, 1, 2)
        mode.setColumnStretch(2, 1)
        top.addWidget(mode_box, 5)
        outer.addLayout(top)

        # -------------------------------------------------------- connect row
        row = QHBoxLayout()
        self.connect_button = QPushButton("Connect")
        self.connect_button.setDefault(True)
        self.connect_button.setToolTip("Open the port and start reading the console")
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setToolTip("Close the port (the console stays on screen)")
        self.status_label = QLabel("Not connected")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setStyleSheet(theme.STATUS_STYLE["idle"])
        self.status_label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Preferred)
        row.addWidget(self.connect_button)
        row.addWidget(self.disconnect_button)
        row.addSpacing(10)
        row.addWidget(self.status_label, 1)
        outer.addLayout(row)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #d0d6de;")
        outer.addWidget(line)

        # ----------------------------------------------------------- console
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
        toggle_style = ("QToolButton { padding: 3px 8px; border: 1px solid #b8c0cc; "
                        "border-radius: 3px; } QToolButton:checked { background: #dbe8f7; "
                        "border-color: #5b8fd0; color: #123e72; font-weight: 600; }")
        self.hex_button.setStyleSheet(toggle_style)
        self.follow_button = QToolButton()
        self.follow_button.setText("Follow newest")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setStyleSheet(toggle_style)
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
        outer.addLayout(bar)

        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setFont(theme.monospace_font())
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setMaximumBlockCount(MAX_DISPLAY_LINES)
        self.view.setUndoRedoEnabled(False)
        self.view.setPlaceholderText("The charger's console appears here once connected. "
                                     "Lines marked → log carry an OCPP message that went into "
                                     "the Messages tab.")
        outer.addWidget(self.view, 1)

        send_row = QHBoxLayout()
        send_row.addWidget(QLabel("Send a line"))
        self.send_edit = QLineEdit()
        self.send_edit.setFont(theme.monospace_font())
        self.send_edit.setPlaceholderText("Text to send to the charger's console (Enter sends)")
        self.line_ending = QComboBox()
        for label, value in LINE_ENDINGS:
            self.line_ending.addItem(label, value)
        self.line_ending.setToolTip("What is sent after the text: a line feed (most consoles), "
                                    "carriage return + line feed, or nothing")
        self.send_button = QPushButton("Send")
        send_row.addWidget(self.send_edit, 1)
        send_row.addWidget(QLabel("ending"))
        send_row.addWidget(self.line_ending)
        send_row.addWidget(self.send_button)
        outer.addLayout(send_row)

        # ------------------------------------------------------------ formats
        self._fmt_time = QTextCharFormat()
        self._fmt_time.setForeground(QColor("#7a7a7a"))
        self._fmt_text = QTextCharFormat()
        self._fmt_mark = QTextCharFormat()
        self._fmt_mark.setForeground(QColor("#1d5e2c"))
        self._fmt_mark.setFontWeight(QFont.Weight.Bold)
        self._fmt_frame = QTextCharFormat()
        self._fmt_frame.setForeground(QColor("#0d47a1"))
        self._fmt_frame.setBackground(QColor("#e8f1fb"))
        self._fmt_sent = QTextCharFormat()
        self._fmt_sent.setForeground(QColor("#8e5a00"))

        # ------------------------------------------------------------ signals
        self.refresh_button.clicked.connect(self.refresh_ports)
        self.port_combo.activated.connect(lambda _i: self._port_chosen())
        self.port_combo.lineEdit().editingFinished.connect(self._port_chosen)
        self.port_combo.editTextChanged.connect(lambda _t: self._update_controls())
        self.pattern_combo.currentIndexChanged.connect(lambda _i: self._validate())
        self.regex.textChanged.connect(lambda _t: self._validate())
        self.observe_radio.toggled.connect(lambda _on: self._validate())
        self.connect_button.clicked.connect(self.connect_port)
        self.disconnect_button.clicked.connect(self.disconnect_port)
        self.hex_button.toggled.connect(lambda _on: self.rerender())
        self.follow_button.toggled.connect(self._follow_toggled)
        self.clear_button.clicked.connect(self.clear_view)
        self.save_button.clicked.connect(self._save_dialog)
        self.send_edit.returnPressed.connect(self.send_line)
        self.send_button.clicked.connect(self.send_line)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self._validate()
        self._update_count()

    # ----------------------------------------------------------------- ports
    def refresh_ports(self) -> None:
        text = self.port_combo.currentText()
        try:
            ports = list_ports()
        except Exception as exc:  # noqa: BLE001 - a broken driver must not break the tab
            log.warning("cannot list serial ports: %s", exc)
            ports = []
        self.port_combo.blockSignals(True)
        self.port_combo.clear()
        for port in ports:
            self.port_combo.addItem(port_label(port), port.device)
        if text:
            self.port_combo.setEditText(text)
        elif ports:
            self.port_combo.setCurrentIndex(0)
        self.port_combo.blockSignals(False)
        if not ports:
            self.port_combo.lineEdit().setPlaceholderText(
                "No serial adapter found — plug one in and press Refresh, or type a device")
        if not text and ports:
            self._port_chosen()
        self._update_controls()

    def device(self) -> str:
        """The chosen port: the device of a listed adapter, or what the user typed."""
        text = self.port_combo.currentText().strip()
        for i in range(self.port_combo.count()):
            if self.port_combo.itemText(i) == text:
                return str(self.port_combo.itemData(i))
        return text

    def set_device(self, device: str) -> None:
        """Choose a port (as if typed) and load what was used with it last time."""
        index = self.port_combo.findData(device)
        if index >= 0:
            self.port_combo.setCurrentIndex(index)
        else:
            self.port_combo.setEditText(device)
        self._port_chosen()

    def _port_chosen(self) -> None:
        device = self.device()
        self.charger_id.setPlaceholderText(device or "the port's name")
        if device and self.console is None:
            try:
                self.set_choice(self.preferences.choice_for(device))
            except Exception as exc:  # noqa: BLE001 - unreadable preferences: keep the form
                log.warning("cannot read the serial settings of %s: %s", device, exc)
        self._update_controls()

    # ---------------------------------------------------------------- choice
    def choice(self) -> Any:
        """The form as a SerialChoice."""
        from ...transports.serial_prefs import SerialChoice
        flow = self.flow.currentData()
        xonxoff, rtscts = flow == "xonxoff", flow == "rtscts"
        key = self.pattern_combo.currentData()
        pattern = self.regex.text() if key == "custom" else key
        try:
            baud = int(self.baud.currentText())
        except ValueError:
            baud = 115200
        return SerialChoice(baud=baud, bytesize=int(self.data_bits.currentData()),
                            parity=str(self.parity.currentData()),
                            stopbits=self.stop_bits.currentData(), xonxoff=bool(xonxoff),
                            rtscts=bool(rtscts),
                            mode="observe" if self.observe_radio.isChecked() else "answer",
                            pattern=pattern, charger_id=self.charger_id.text().strip(),
                            ocpp_version=str(self.version.currentData()))

    def set_choice(self, choice: Any) -> None:
        self._loading_choice = True
        try:
            self.baud.setEditText(str(choice.baud))
            _select_data(self.data_bits, int(choice.bytesize))
            _select_data(self.parity, str(choice.parity).upper()[:1])
            _select_data(self.stop_bits, choice.stopbits)
            _select_data(self.flow, "rtscts" if choice.rtscts else
                         "xonxoff" if choice.xonxoff else "none")
            (self.answer_radio if choice.mode == "answer" else self.observe_radio).setChecked(True)
            if choice.pattern in ("bare", "arrows"):
                _select_data(self.pattern_combo, choice.pattern)
            else:
                _select_data(self.pattern_combo, "custom")
                self.regex.setText(choice.pattern)
            self.charger_id.setText(choice.charger_id or "")
            _select_data(self.version, choice.ocpp_version)
        finally:
            self._loading_choice = False
        self._validate()

    def _validate(self) -> None:
        observe = self.observe_radio.isChecked()
        custom = self.pattern_combo.currentData() == "custom"
        for widget in (self.pattern_label, self.pattern_combo):
            widget.setEnabled(observe)
        self.regex.setVisible(custom)
        self.regex.setEnabled(observe and custom)
        self.version_label.setEnabled(not observe)
        self.version.setEnabled(not observe)
        error = pattern_error(self.regex.text()) if observe and custom else None
        self.pattern_error.setText(error or "")
        self.pattern_error.setVisible(bool(error))
        self.regex.setStyleSheet("QLineEdit { border: 1px solid #c62828; }" if error else "")
        self._update_controls()

    def pattern_problem(self) -> str | None:
        if self.observe_radio.isChecked() and self.pattern_combo.currentData() == "custom":
            return pattern_error(self.regex.text())
        return None

    def _update_controls(self) -> None:
        if not self.available:
            return
        busy = _running(self.operation)
        attached = self.console is not None
        settings_enabled = not attached and not busy
        for widget in (self.port_combo, self.refresh_button, self.baud, self.data_bits,
                       self.parity, self.stop_bits, self.flow, self.observe_radio,
                       self.answer_radio, self.charger_id):
            widget.setEnabled(settings_enabled)
        if settings_enabled:
            observe = self.observe_radio.isChecked()
            self.pattern_combo.setEnabled(observe)
            self.regex.setEnabled(observe)
            self.version.setEnabled(not observe)
        else:
            for widget in (self.pattern_combo, self.regex, self.version):
                widget.setEnabled(False)
        problem = self.pattern_problem()
        self.connect_button.setEnabled(settings_enabled and bool(self.device()) and not problem)
        if problem:
            self.connect_button.setToolTip("Fix the pattern first: " + problem)
        else:
            self.connect_button.setToolTip("Open the port and start reading the console")
        self.disconnect_button.setEnabled(attached and not busy)
        can_send = attached and bool(getattr(self.console, "connected", False))
        self.send_button.setEnabled(can_send)
        self.send_edit.setEnabled(attached)
        self.save_button.setEnabled(self.console is not None or self._last_console is not None)

    # --------------------------------------------------------- connect/close
    def connect_port(self) -> None:
        device = self.device()
        if not device or self.pattern_problem():
            return
        choice = self.choice()
        try:
            self.preferences.remember(device, choice)
        except Exception as exc:  # noqa: BLE001 - not remembering is no reason to stop
            log.warning("cannot remember the serial settings of %s: %s", device, exc)
        self._connected_device = device
        self._connected_baud = choice.baud
        spec = choice.pattern if choice.mode == "observe" else "bare"
        self._pattern = LinePattern.named(spec)
        self._set_status("wait", f"Opening {device}…")
        self.operation = AsyncOp(self, lambda: self.studio.start_serial(device, choice),
                                 on_success=self._opened, on_failure=self._open_failed)
        self.operation.run()
        self._update_controls()

    def _opened(self, console: Any) -> None:
        self.clear_view()
        self.line_count = 0
        self.frame_count = 0
        self._attach(console)
        self._update_controls()

    def _open_failed(self, exc: BaseException) -> None:
        self._set_status("error", describe_open_failure(self._connected_device, exc))
        self._update_controls()

    def _attach(self, console: Any) -> None:
        if self._pattern is None:
            self._pattern = LinePattern.bare()
        self.console = console
        self._last_console = console
        console.add_listener(self._on_line)
        console.add_status_listener(self._on_status)
        if not self._connected_device:
            self._connected_device = getattr(getattr(console, "settings", None), "device", "")
            self._connected_baud = getattr(getattr(console, "settings", None), "baud", 0)
        status = getattr(console, "status", None)
        if status is not None:
            self._on_status(status)
        else:
            self._show_open()

    def _detach_console(self) -> None:
        console, self.console = self.console, None
        if console is not None:
            console.remove_listener(self._on_line)
            console.remove_status_listener(self._on_status)

    def disconnect_port(self) -> None:
        self.flush()
        self._detach_console()
        self.operation = AsyncOp(self, self.studio.stop_serial,
                                 on_success=lambda _r: self._closed(),
                                 on_failure=lambda exc: self._closed(str(exc)))
        self.operation.run()
        self._update_controls()

    def _closed(self, problem: str | None = None) -> None:
        if problem:
            self._set_status("error", f"The port did not close cleanly: {problem}")
        else:
            self._set_status("idle", f"Disconnected from {self._connected_device}")
        self._update_controls()

    # ---------------------------------------------------------------- status
    def _on_status(self, status: ConsoleStatus) -> None:
        kind = status.kind
        if kind in ("open", "reconnected"):
            self._show_open(again=kind == "reconnected")
        elif kind in ("waiting", "unplugged"):
            self._set_status("wait", status.message)
        elif kind in ("error", "missing"):
            self._set_status("error", status.message)
        elif kind == "closed":
            self._set_status("idle", status.message or "Not connected")
        self._update_controls()

    def _show_open(self, again: bool = False) -> None:
        device = self._connected_device
        text = f"Connected {'again ' if again else ''}to {device}"
        if self._connected_baud:
            text += f" at {self._connected_baud} baud"
        choice_mode = "answer" if self.answer_radio.isChecked() else "observe"
        if choice_mode == "observe":
            text += " — OCPP messages found in the console are added to the Messages tab"
        else:
            name = self.charger_id.text().strip() or device
            text += f" — OCPP Studio answers as the central system of {name}"
        self._set_status("ok", text)

    def _set_status(self, kind: str, text: str) -> None:
        theme.show_status(self.status_label, kind, text)

    def status_text(self) -> str:
        return self.status_label.text()

    # --------------------------------------------------------------- console
    def _on_line(self, line: ConsoleLine) -> None:
        """Called on the asyncio loop for every line: queue it; the timer draws."""
        self.line_count += 1
        has_frame = False
        if self._pattern is not None:
            try:
                has_frame = self._pattern.extract(line.text) is not None
            except Exception:  # noqa: BLE001 - a line we cannot read is still shown
                has_frame = False
        if has_frame:
            self.frame_count += 1
        self._pending.append((line, has_frame, False))
        if len(self._pending) > 4 * MAX_DISPLAY_LINES:  # the pane only keeps the newest
            del self._pending[:-MAX_DISPLAY_LINES]

    def flush(self) -> None:
        """Draw the queued lines in one edit (every 100 ms)."""
        if not self._pending:
            if self.console is not None:
                self._update_count()
            return
        pending, self._pending = self._pending[-MAX_DISPLAY_LINES:], []
        self._shown.extend(pending)
        self._insert(pending)
        self._update_count()
        self._update_controls()

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

    def console_text(self) -> str:
        return self.view.toPlainText()

    def _update_count(self) -> None:
        lines = f"{self.line_count:,} line{'s' if self.line_count != 1 else ''}"
        frames = (f"{self.frame_count:,} OCPP message{'s' if self.frame_count != 1 else ''} "
                  "found")
        if self.frame_count:
            frames = f"<span style='color:#1d5e2c;'><b>{frames}</b></span>"
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

    # ------------------------------------------------------------------ send
    def send_line(self) -> None:
        console = self.console
        if console is None:
            return
        text = self.send_edit.text()
        ending = self.line_ending.currentData()
        data = text + ending

        def sent(_result: Any) -> None:
            from ...core.records import now_us
            raw = data.encode("utf-8")
            self._pending.append((ConsoleLine(now_us(), text, raw), False, True))
            self.send_edit.clear()

        def failed(exc: BaseException) -> None:
            self._set_status("error", f"Not sent: {exc}")

        self.operation = AsyncOp(self, lambda: console.write(data), on_success=sent,
                                 on_failure=failed)
        self.operation.run()

    # ------------------------------------------------------------------ save
    def _save_dialog(self) -> None:
        name = Path(self._connected_device or "console").name or "console"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save console", f"{name}-console.txt", "Text files (*.txt);;All files (*)")
        if path:
            self.save_console(path)

    def save_console(self, path: str | os.PathLike) -> bool:
        console = self.console or self._last_console
        if console is None:
            return False
        try:
            console.save(path)
        except OSError as exc:
            self._set_status("error", f"Cannot save the console to {path}: {exc}")
            return False
        self._set_status("ok" if self.console is not None else "idle",
                         f"Saved {len(console.lines):,} lines to {path}")
        return True

    # --------------------------------------------------------------- closing
    def detach(self) -> None:
        """Stop observing (the studio stops the port when it stops)."""
        if not self.available:
            return
        self.timer.stop()
        self._detach_console()


def describe_open_failure(device: str, exc: BaseException) -> str:
    """Why a port did not open, in words (SerialOpenError already says it plainly)."""
    if type(exc).__name__ == "SerialOpenError":
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"There is no port called {device}. Check the name, or press Refresh."
    if isinstance(exc, PermissionError):
        return (f"{device} exists but this user may not open it. On Linux, add yourself to "
                "the dialout group and log in again.")
    if isinstance(exc, ValueError):
        return f"These settings cannot be used: {exc}"
    return f"Cannot open {device}: {exc}"


def _select_data(combo: QComboBox, value: Any) -> None:
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            combo.setCurrentIndex(i)
            return


def _running(operation: AsyncOp | None) -> bool:
    """Is the operation still working? (Its own callbacks run inside its task: not busy.)"""
    task = operation.task if operation is not None else None
    if task is None or task.done():
        return False
    try:
        return task is not asyncio.current_task()
    except RuntimeError:  # no running loop
        return True
