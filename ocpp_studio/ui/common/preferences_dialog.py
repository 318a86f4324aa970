"""Edit › Preferences…: the settings that decide which chargers get in, and where the
capture is kept, without the command line or settings.json.

The dialog edits a copy of the plain settings model (settings.py); applying it to the
running studio and saving it is ``apply_preferences``. (ui/preferences.py is something
else: the inspector's remembered view state.)
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget,
    QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from ...security.passwords import DEFAULT_LENGTH, generate_password
from ...settings import AppSettings, default_capture_path, user_config_dir
from . import theme
from .preferences_security import SecurityPreferences, SecurityValues, security_changes

log = logging.getLogger(__name__)

#: UK Smart Charge Points Regulations: unique passwords of 16–40 random characters.
GENERATED_PASSWORD_LENGTH = DEFAULT_LENGTH
GENERATE_TOOLTIP = (
    f"A new password of {GENERATED_PASSWORD_LENGTH} random letters and digits (the operating "
    "system's secure random generator; OCPP and the UK regulations ask for 16 to 40).\n"
    "The charger must be given the same password, or it is refused at its next connection: "
    "type it on the charger. For a connected charger, the Security tab's upgrade and its "
    "“Write a new password” write it to the charger (AuthorizationKey / BasicAuthPassword) "
    "and keep the old one if the charger refuses.")

#: Where Preferences can open (a refusal card's offer names one of these).
TAB_CENTRAL = "central"
TAB_CAPTURE = "capture"
TAB_PASSWORDS = "passwords"
TAB_SECURITY = "security"
SETTING_PORT = "port"
SETTING_TOLERANT = "tolerant"
SETTING_ACCEPT_NO_SUBPROTOCOL = "accept_missing_subprotocol"
SETTING_PASSWORD = "password"
SETTING_CAPTURE = "capture_path"


@dataclass
class PreferenceValues:
    """What the dialog edits."""

    port: int
    tolerant: bool
    accept_missing_subprotocol: bool
    passwords: dict[str, str] = field(default_factory=dict)
    capture_path: str = ""
    #: wss://, certificates, CSR signing (the Security tab, preferences_security.py)
    security: SecurityValues = field(default_factory=SecurityValues)

    @classmethod
    def from_settings(cls, settings: AppSettings, port: int | None = None) -> "PreferenceValues":
        csms = settings.csms
        return cls(port=csms.port if port is None else port, tolerant=csms.tolerant,
                   accept_missing_subprotocol=csms.accept_missing_subprotocol,
                   passwords=dict(csms.passwords), capture_path=settings.capture_path,
                   security=SecurityValues.from_settings(csms))


class PreferencesDialog(QDialog):
    """Central system (port, tolerant, no subprotocol), Capture (location), Passwords."""

    def __init__(self, values: PreferenceValues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.initial = dataclasses.replace(values, passwords=dict(values.passwords))
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._central_tab(values), "Central system")
        self.tabs.addTab(self._capture_tab(values), "Capture")
        self.tabs.addTab(self._passwords_tab(values), "Passwords")
        self.security = SecurityPreferences(values.security, values.port)
        self.tabs.addTab(self.security, "Security")
        self._tab_index = {TAB_CENTRAL: 0, TAB_CAPTURE: 1, TAB_PASSWORDS: 2, TAB_SECURITY: 3}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        self.problem = QLabel()
        self.problem.setStyleSheet(theme.FORM_PROBLEM_STYLE)
        self.problem.hide()
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 520)

    # ------------------------------------------------------------ tabs
    def _central_tab(self, values: PreferenceValues) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setValue(values.port)
        form.addRow("Listen on port:", self.port)
        form.addRow(_note("Chargers must be pointed at the new port. Changing it restarts "
                          "the listener: connected chargers are disconnected."))
        self.tolerant = QCheckBox("Tolerant mode: process messages that break the schema")
        self.tolerant.setChecked(values.tolerant)
        form.addRow(self.tolerant)
        form.addRow(_note("The problem is still shown in the message list. Many field "
                          "chargers are slightly non-compliant."))
        self.accept_no_subprotocol = QCheckBox("Accept chargers that offer no subprotocol "
                                               "(and talk OCPP 1.6 to them)")
        self.accept_no_subprotocol.setChecked(values.accept_missing_subprotocol)
        form.addRow(self.accept_no_subprotocol)
        form.addRow(_note("Tolerant mode and this take effect for the next connection."))
        return page

    def _capture_tab(self, values: PreferenceValues) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        row = QHBoxLayout()
        self.capture_path = QLineEdit(values.capture_path)
        self.capture_path.setPlaceholderText(str(default_capture_path()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_capture)
        row.addWidget(self.capture_path, 1)
        row.addWidget(browse)
        form.addRow("Capture file:", row)
        form.addRow(_note("Every frame is recorded here. Empty = the default location. "
                          "A new location applies the next time OCPP Studio starts."))
        return page

    def _passwords_tab(self, values: PreferenceValues) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(_note("With any password set, every charger must log in with HTTP "
                               "Basic auth: user = its charger id (security profile 1 or 2). "
                               "Changes apply to the next connection."))
        self.passwords = QTableWidget(0, 3)
        self.passwords.setHorizontalHeaderLabels(["Charger id", "Password", ""])
        self.passwords.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.passwords.setColumnWidth(0, 160)
        self.passwords.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.passwords.verticalHeader().hide()
        for charger_id, password in sorted(values.passwords.items()):
            self._add_row(charger_id, password)
        layout.addWidget(self.passwords, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(lambda: self.edit_password(""))
        self.generate_button = QPushButton("Generate password")
        self.generate_button.setToolTip(GENERATE_TOOLTIP)
        self.generate_button.clicked.connect(self.generate_for_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (self.add_button, self.generate_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _add_row(self, charger_id: str, password: str) -> int:
        row = self.passwords.rowCount()
        self.passwords.insertRow(row)
        self.passwords.setItem(row, 0, QTableWidgetItem(charger_id))
        self.passwords.setItem(row, 1, QTableWidgetItem(password))
        generate = QPushButton("Generate")
        generate.setToolTip(GENERATE_TOOLTIP)
        generate.clicked.connect(lambda: self._generate_in(generate))
        self.passwords.setCellWidget(row, 2, generate)
        return row

    def _generate_in(self, button: QPushButton) -> None:
        """The row's own Generate button (rows move when one above is removed)."""
        for row in range(self.passwords.rowCount()):
            if self.passwords.cellWidget(row, 2) is button:
                self.passwords.setCurrentCell(row, 1)
                self.passwords.setItem(row, 1, QTableWidgetItem(generate_password()))

    def _browse_capture(self) -> None:
        start = self.capture_path.text() or str(default_capture_path())
        path, _ = QFileDialog.getSaveFileName(self, "Capture file", start,
                                              "Capture database (*.db)")
        if path:
            self.capture_path.setText(path)

    # ------------------------------------------------------------ opening at a setting
    def open_at(self, setting: str, charger_id: str | None = None) -> None:
        """Show the tab holding ``setting`` and put the focus on it (a refusal card's offer)."""
        if setting == SETTING_PASSWORD:
            self.tabs.setCurrentIndex(self._tab_index[TAB_PASSWORDS])
            self.edit_password(charger_id or "")
            return
        if setting == SETTING_CAPTURE:
            self.tabs.setCurrentIndex(self._tab_index[TAB_CAPTURE])
            self.capture_path.setFocus()
            return
        self.tabs.setCurrentIndex(self._tab_index[TAB_CENTRAL])
        widget = {SETTING_PORT: self.port, SETTING_TOLERANT: self.tolerant,
                  SETTING_ACCEPT_NO_SUBPROTOCOL: self.accept_no_subprotocol}.get(setting)
        if widget is not None:
            widget.setFocus()

    def edit_password(self, charger_id: str) -> None:
        """Select the charger's row (added if missing) and start editing what needs typing."""
        row = self._row_of(charger_id) if charger_id else None
        if row is None:
            row = self._add_row(charger_id, "")
        column = 1 if charger_id else 0
        self.passwords.setCurrentCell(row, column)
        self.passwords.setFocus()
        self.passwords.editItem(self.passwords.item(row, column))

    def _row_of(self, charger_id: str) -> int | None:
        for row in range(self.passwords.rowCount()):
            if _text(self.passwords.item(row, 0)) == charger_id:
                return row
        return None

    def generate_for_selected(self) -> None:
        row = self.passwords.currentRow()
        if row < 0:
            row = self._add_row("", "")
            self.passwords.setCurrentCell(row, 0)
        self.passwords.setItem(row, 1, QTableWidgetItem(generate_password()))

    def remove_selected(self) -> None:
        row = self.passwords.currentRow()
        if row >= 0:
            self.passwords.removeRow(row)

    # ------------------------------------------------------------ result
    def values(self) -> PreferenceValues:
        passwords = {}
        for row in range(self.passwords.rowCount()):
            charger_id = _text(self.passwords.item(row, 0)).strip()
            if charger_id:
                passwords[charger_id] = _text(self.passwords.item(row, 1))
        return PreferenceValues(
            port=self.port.value(), tolerant=self.tolerant.isChecked(),
            accept_missing_subprotocol=self.accept_no_subprotocol.isChecked(),
            passwords=passwords, capture_path=self.capture_path.text().strip(),
            security=self.security.values())

    def problems(self) -> list[str]:
        """What would make the chosen settings lock chargers out by mistake."""
        found = []
        for row in range(self.passwords.rowCount()):
            charger_id = _text(self.passwords.item(row, 0)).strip()
            password = _text(self.passwords.item(row, 1))
            if charger_id and not password:
                found.append(f"Charger {charger_id!r} has no password: generate or type one.")
            elif password and not charger_id:
                found.append("A password has no charger id.")
        return found + self.security.problems()

    def _accept_if_valid(self) -> None:
        problems = self.problems()
        if problems:
            self.problem.setText("\n".join(problems))
            self.problem.show()
            tab = TAB_SECURITY if self.security.problems() else TAB_PASSWORDS
            self.tabs.setCurrentIndex(self._tab_index[tab])
            return
        self.accept()


def changed_fields(before: PreferenceValues, after: PreferenceValues) -> set[str]:
    return {f.name for f in dataclasses.fields(PreferenceValues)
            if getattr(before, f.name) != getattr(after, f.name)}


def save_preferences(before: PreferenceValues, after: PreferenceValues,
                     path: Path | None = None) -> Path:
    """Write what the user changed into settings.json (0600: it holds passwords).

    Only changed fields are written onto the file's own contents, so options given on
    the command line for this run (``--port``, ``--password``…) are not made permanent
    by pressing OK.
    """
    path = path or user_config_dir() / "settings.json"
    changed = changed_fields(before, after)
    if not changed:
        return path
    stored = AppSettings.load(path)
    for name in changed & {"port", "tolerant", "accept_missing_subprotocol", "passwords"}:
        setattr(stored.csms, name, getattr(after, name))
    if "capture_path" in changed:
        stored.capture_path = after.capture_path
    for name, value in security_changes(before.security, after.security).items():
        setattr(stored.csms, name, value)
    stored.save(path)
    try:
        os.chmod(path, 0o600)  # charger passwords: owner only
    except OSError as exc:  # a file system without modes: saved all the same
        log.warning("cannot make %s owner-only: %s", path, exc)
    log.info("preferences saved to %s (%s)", path, ", ".join(sorted(changed)))
    return path


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(theme.MUTED_LABEL_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""
