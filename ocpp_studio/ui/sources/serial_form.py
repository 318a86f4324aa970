"""The settings of the Serial console tab: which port, its line settings (speed, data bits,
parity, stop bits, flow control), and what the charger sends on it — a debug console with
OCPP messages in its lines (and how they look), or OCPP messages only, to be answered.

The tab decides when the form may be edited and remembers the settings per port; the form
says when it changed (``changed``) and which port was chosen (``port_chosen``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QRadioButton, QWidget,
)

from ...transports.serial_port import list_ports
from ..common import theme
from .serial_text import (
    BAUD_RATES, CUSTOM_HINT, DATA_BITS, FLOW_CONTROLS, PARITIES, PATTERNS, STOP_BITS, VERSIONS,
    pattern_error, port_label,
)

if TYPE_CHECKING:
    from ...transports.serial_prefs import SerialChoice

log = logging.getLogger(__name__)


class SerialForm(QWidget):
    """Port and line settings beside what the charger sends (two group boxes in a row)."""

    #: the form changed: what may be pressed may have changed too
    changed = Signal()
    #: a port was chosen from the list or typed (its device)
    port_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading_choice = False
        top = QHBoxLayout(self)
        top.setContentsMargins(0, 0, 0, 0)
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
        self.refresh_button.clicked.connect(self.refresh_ports)
        self.port_combo.activated.connect(lambda _i: self._port_chosen())
        self.port_combo.lineEdit().editingFinished.connect(self._port_chosen)
        self.port_combo.editTextChanged.connect(lambda _t: self.changed.emit())
        self.pattern_combo.currentIndexChanged.connect(lambda _i: self._validate())
        self.regex.textChanged.connect(lambda _t: self._validate())
        self.observe_radio.toggled.connect(lambda _on: self._validate())
        self._validate()

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
        self.changed.emit()

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
        self.port_chosen.emit(device)  # the tab loads what was used with it last time
        self.changed.emit()

    # ---------------------------------------------------------------- choice
    def choice(self) -> SerialChoice:
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

    def set_choice(self, choice: SerialChoice) -> None:
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
        self.regex.setStyleSheet(theme.INVALID_FIELD_STYLE if error else "")
        self.changed.emit()

    def pattern_problem(self) -> str | None:
        if self.observe_radio.isChecked() and self.pattern_combo.currentData() == "custom":
            return pattern_error(self.regex.text())
        return None

    def set_editable(self, editable: bool) -> None:
        """Settings can be changed while no port is open and nothing is starting."""
        for widget in (self.port_combo, self.refresh_button, self.baud, self.data_bits,
                       self.parity, self.stop_bits, self.flow, self.observe_radio,
                       self.answer_radio, self.charger_id):
            widget.setEnabled(editable)
        if editable:
            observe = self.observe_radio.isChecked()
            self.pattern_combo.setEnabled(observe)
            self.regex.setEnabled(observe)
            self.version.setEnabled(not observe)
        else:
            for widget in (self.pattern_combo, self.regex, self.version):
                widget.setEnabled(False)


def _select_data(combo: QComboBox, value: Any) -> None:
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            combo.setCurrentIndex(i)
            return

