"""The local authorisation list editor (1.6 §5.15 SendLocalList / §5.10 GetLocalListVersion;
2.0.1 D01/D02): a small table of id tags and their status, sent as a full list or as a
differential update, with the charger's list version read back from GetLocalListVersion.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..common import theme
from .page_parts import add_heading, hint

#: the statuses both versions share (1.6 AuthorizationStatus, 2.0.1 AuthorizationStatusEnumType)
STATUSES = ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
#: a differential update naming a tag without a status removes it (1.6 §6.43)
REMOVE = "(remove from list)"

Send = Callable[[str, str, dict[str, Any]], Any]


def list_version_of(answer: Any) -> int | None:
    """The version in a GetLocalListVersion answer (1.6 listVersion, 2.x versionNumber)."""
    if not isinstance(answer, dict):
        return None
    value = answer.get("listVersion", answer.get("versionNumber"))
    return value if isinstance(value, int) else None


class LocalListEditor(QWidget):
    """Id tags and their status; Read version and Send list run through ``send``."""

    NAMES = ("local-list-version", "send-local-list")

    def __init__(self, send: Send, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._send = send
        self.known_version: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        add_heading(layout, "Local authorisation list",
                    "The id tags the charger accepts on its own, even offline. A full update "
                    "replaces the list; a differential one adds, changes or removes the tags "
                    "given (1.6 §5.15, 2.0.1 D01).")
        version_row = QHBoxLayout()
        self.version_label = QLabel("List version on the charger: not read yet")
        self.read_button = QPushButton("Read version")
        self.read_button.setToolTip("GetLocalListVersion")
        self.read_button.clicked.connect(self.read_version)
        version_row.addWidget(self.version_label, 1)
        version_row.addWidget(self.read_button)
        layout.addLayout(version_row)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Id tag", "Status"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(120)
        layout.addWidget(self.table)
        rows = QHBoxLayout()
        add = QPushButton("Add tag")
        add.clicked.connect(lambda: self.add_entry("", "Accepted"))
        remove = QPushButton("Remove selected")
        remove.clicked.connect(self._remove_selected)
        rows.addWidget(add)
        rows.addWidget(remove)
        rows.addStretch(1)
        layout.addLayout(rows)

        send_row = QHBoxLayout()
        self.update_kind = QComboBox()
        self.update_kind.addItems(["Full", "Differential"])
        self.update_kind.setToolTip("Full replaces the whole list; Differential changes only "
                                    "the tags given and must build on the charger's version")
        self.new_version = QSpinBox()
        self.new_version.setRange(1, 2_147_483_647)
        self.new_version.setToolTip("The list's new version number (higher than the "
                                    "charger's)")
        self.send_button = QPushButton("Send list")
        self.send_button.setStyleSheet(theme.PRIMARY_BUTTON_STYLE)
        self.send_button.clicked.connect(self.send_list)
        send_row.addWidget(QLabel("Update"))
        send_row.addWidget(self.update_kind)
        send_row.addWidget(QLabel("as version"))
        send_row.addWidget(self.new_version)
        send_row.addWidget(self.send_button)
        send_row.addStretch(1)
        layout.addLayout(send_row)
        self.note = hint()
        layout.addWidget(self.note)
        layout.addStretch(1)

    # ------------------------------------------------------------------ table
    def add_entry(self, tag: str, status: str = "Accepted") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(tag))
        combo = QComboBox()
        combo.addItems(list(STATUSES) + [REMOVE])
        combo.setCurrentText(status)
        self.table.setCellWidget(row, 1, combo)

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def entries(self) -> list[tuple[str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            tag = item.text().strip() if item is not None else ""
            combo = self.table.cellWidget(row, 1)
            status = combo.currentText() if isinstance(combo, QComboBox) else "Accepted"
            if tag:
                out.append((tag, status))
        return out

    # ---------------------------------------------------------------- sending
    def read_version(self) -> Any:
        return self._send("local-list-version", "GetLocalListVersion", {})

    def send_list(self) -> Any:
        update = self.update_kind.currentText()
        entries = self.entries()
        skipped = [tag for tag, status in entries if status == REMOVE]
        if update == "Full":  # a full list has no removals: the tags left out are gone
            wire = [f"{tag}={status}" for tag, status in entries if status != REMOVE]
        else:
            wire = [tag if status == REMOVE else f"{tag}={status}" for tag, status in entries]
        self.note.setText(f"Left out of the full list (so removed): {', '.join(skipped)}"
                          if update == "Full" and skipped else "")
        return self._send("send-local-list", "SendLocalList",
                          {"version": self.new_version.value(), "update": update,
                           "entries": wire})

    def set_sendable(self, on: bool, reason: str = "") -> None:
        for button in (self.read_button, self.send_button):
            button.setEnabled(on)
            button.setToolTip(reason or button.toolTip())

    def on_result(self, name: str, result: Any) -> None:
        """An answer for this charger: keep the charger's list version in view."""
        if name == "local-list-version" and result.ok:
            version = list_version_of(result.answer)
            if version is not None:
                self.show_version(version, result.words)
        elif name == "send-local-list" and result.ok and isinstance(result.request, dict):
            version = result.request.get("listVersion", result.request.get("versionNumber"))
            if isinstance(version, int):
                self.show_version(version, f"The charger accepted version {version}")

    def show_version(self, version: int, words: str) -> None:
        self.known_version = version
        self.version_label.setText(f"List version on the charger: {version} — {words}")
        self.new_version.setValue(max(1, version + 1))

    def reset(self) -> None:
        """Another charger: nothing known about its list yet."""
        self.known_version = None
        self.version_label.setText("List version on the charger: not read yet")
        self.note.setText("")
