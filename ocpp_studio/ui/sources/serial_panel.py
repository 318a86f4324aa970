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
the studio through operations (``common/operations.py``).

The tab is three pieces: ``serial_form`` (port, line settings, what the charger sends),
``console_view`` (the console pane) and this module, which opens and closes the port,
says how it is going, sends lines and saves the console.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy,
    QVBoxLayout, QWidget,
)

from ...transports.console_patterns import LinePattern
from ...transports.serial_port import ConsoleLine, ConsoleStatus
from ..common import theme
from ..common.operations import AsyncOp, is_running
from .console_view import ConsoleView
from .serial_form import SerialForm
from .serial_text import (  # noqa: F401 - pattern_error and port_label: part of this tab's API
    FLUSH_INTERVAL_MS, LINE_ENDINGS, clock_text, describe_open_failure, pattern_error, port_label,
)

if TYPE_CHECKING:
    from ...service import Studio
    from ...transports.serial_port import SerialConsole

log = logging.getLogger(__name__)



class SerialPanel(QWidget):
    """Open a serial port, show its console, find OCPP messages in it, send lines to it."""

    def __init__(self, studio: Studio | None = None, preferences: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.available = studio is not None
        self.console: SerialConsole | None = None  # the console being shown
        self._last_console: SerialConsole | None = None  # shown last (saveable after Disconnect)
        self.operation: AsyncOp | None = None
        self._connected_device = ""
        self._connected_baud = 0

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
        # the ports are listed when the tab is shown (showEvent), not at start
        existing = studio.serial_console
        if existing is not None:  # started before the window (e.g. from the command line)
            self._attach(existing)
        self._update_controls()

    # -------------------------------------------------------------- building
    def _build(self, outer: QVBoxLayout) -> None:
        intro = QLabel("Plug a USB-serial adapter into the charger's debug port, choose the "
                       "port and its settings (the charger's manual gives them, often 115200 "
                       "baud, 8 data bits, no parity, 1 stop bit) and press Connect.")
        intro.setWordWrap(True)
        intro.setStyleSheet(theme.INTRO_STYLE)
        outer.addWidget(intro)
        self.form = SerialForm()
        outer.addWidget(self.form)

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
        line.setStyleSheet(theme.SEPARATOR_STYLE)
        outer.addWidget(line)

        self.console_view = ConsoleView()
        outer.addWidget(self.console_view, 1)

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

        self.form.changed.connect(self._update_controls)
        self.form.port_chosen.connect(self._load_choice)
        self.connect_button.clicked.connect(self.connect_port)
        self.disconnect_button.clicked.connect(self.disconnect_port)
        self.console_view.save_button.clicked.connect(self._save_dialog)
        self.send_edit.returnPressed.connect(self.send_line)
        self.send_button.clicked.connect(self.send_line)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """The ports plugged in now, each time the tab is shown: an adapter plugged in while
        another tab was open is listed without Refresh. Not at the window's start: the
        listing was 16 ms of it here (it ran twice) and takes longer where drivers are slow to
        answer (issue 17)."""
        if self.available and self.console is None:
            self.form.refresh_ports()
        super().showEvent(event)

    def _load_choice(self, device: str) -> None:
        """A port was chosen: load what was used with it last time (while none is open)."""
        if device and self.console is None:
            try:
                self.form.set_choice(self.preferences.choice_for(device))
            except Exception as exc:  # noqa: BLE001 - unreadable preferences: keep the form
                log.warning("cannot read the serial settings of %s: %s", device, exc)

    def _update_controls(self) -> None:
        if not self.available:
            return
        busy = is_running(self.operation)
        attached = self.console is not None
        settings_enabled = not attached and not busy
        self.form.set_editable(settings_enabled)
        problem = self.form.pattern_problem()
        self.connect_button.setEnabled(settings_enabled and bool(self.form.device())
                                       and not problem)
        if problem:
            self.connect_button.setToolTip("Fix the pattern first: " + problem)
        else:
            self.connect_button.setToolTip("Open the port and start reading the console")
        self.disconnect_button.setEnabled(attached and not busy)
        can_send = attached and self.console.connected
        self.send_button.setEnabled(can_send)
        self.send_edit.setEnabled(attached)
        saveable = self.console is not None or self._last_console is not None
        self.console_view.save_button.setEnabled(saveable)

    # --------------------------------------------------------- connect/close
    def connect_port(self) -> None:
        device = self.form.device()
        if not device or self.form.pattern_problem():
            return
        choice = self.form.choice()
        try:
            self.preferences.remember(device, choice)
        except Exception as exc:  # noqa: BLE001 - not remembering is no reason to stop
            log.warning("cannot remember the serial settings of %s: %s", device, exc)
        self._connected_device = device
        self._connected_baud = choice.baud
        spec = choice.pattern if choice.mode == "observe" else "bare"
        self.console_view.pattern = LinePattern.named(spec)
        self._set_status("wait", f"Opening {device}…")
        studio = self.studio
        assert studio is not None  # the tab shows only a note without one
        self.operation = AsyncOp(self, lambda: studio.start_serial(device, choice),
                                 on_success=self._opened, on_failure=self._open_failed)
        self.operation.run()
        self._update_controls()

    def _opened(self, console: SerialConsole) -> None:
        self.console_view.clear_view()
        self.console_view.reset_counts()
        self._attach(console)
        self._update_controls()

    def _open_failed(self, exc: BaseException) -> None:
        self._set_status("error", describe_open_failure(self._connected_device, exc))
        self._update_controls()

    def _attach(self, console: SerialConsole) -> None:
        if self.console_view.pattern is None:
            self.console_view.pattern = LinePattern.bare()
        self.console = console
        self._last_console = console
        console.line_received.connect(self._on_line)
        console.status_changed.connect(self._on_status)
        if not self._connected_device:
            self._connected_device = console.settings.device
            self._connected_baud = console.settings.baud
        if console.status is not None:
            self._on_status(console.status)
        else:
            self._show_open()

    def _detach_console(self) -> None:
        console, self.console = self.console, None
        if console is not None:
            console.line_received.disconnect(self._on_line)
            console.status_changed.disconnect(self._on_status)

    def disconnect_port(self) -> None:
        self.flush()
        self._detach_console()
        assert self.studio is not None
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
        choice_mode = "answer" if self.form.answer_radio.isChecked() else "observe"
        if choice_mode == "observe":
            text += " — OCPP messages found in the console are added to the Messages tab"
        else:
            name = self.form.charger_id.text().strip() or device
            text += f" — OCPP Studio answers as the central system of {name}"
        self._set_status("ok", text)

    def _set_status(self, kind: str, text: str) -> None:
        theme.show_status(self.status_label, kind, text)

    def status_text(self) -> str:
        return self.status_label.text()

    # --------------------------------------------------------------- console
    def _on_line(self, line: ConsoleLine) -> None:
        """Called on the asyncio loop for every line: the pane queues it; the timer draws."""
        self.console_view.add_line(line)

    def flush(self) -> None:
        """Draw the queued lines in one edit (every 100 ms)."""
        if self.console_view.flush():
            self._update_controls()
        elif self.console is not None:
            self.console_view.update_count()

    def console_text(self) -> str:
        return self.console_view.text()

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
            self.console_view.add_sent(ConsoleLine(now_us(), text, raw))
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
