"""Fetch a charger's diagnostics or security log (issue 16 §3) through the studio's own file
server: 1.6 GetDiagnostics, the 1.6 security whitepaper's and 2.0.1 GetLog. The studio
starts an FTP or HTTP server on the address the charger reached, sends the request, shows
the charger's status messages as they come and lists the received file under the charger
with Open and Reveal in folder. All of it is ``central.transfers`` (``station/transfers.py``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QListWidget,
    QListWidgetItem, QPushButton, QSpinBox, QWidget,
)

from ..common import theme
from ..common.operations import AsyncOp
from .transfer_view import TransferView

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def aware(value: QDateTime) -> datetime:
    """A date-time edit's value as an aware datetime (its time is the laptop's local)."""
    return value.toPython().astimezone()


def open_path(path: Path) -> bool:
    """Open a file (or folder) with the desktop's application for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class LogsView(TransferView):
    """The log fetch form, its progress and the logs received from the charger."""

    KIND = "log"

    def __init__(self, transfers: Any, parent: QWidget | None = None) -> None:
        super().__init__(
            transfers, "Fetch a log",
            "The charger uploads its log to a one-time FTP or HTTP server the studio starts on "
            "the address the charger reached it on; the file is kept beside the capture (1.6 "
            "§5.8 GetDiagnostics, 1.6 security and 2.0.1 GetLog N01; the security log: UK "
            "regulations §2.8.10).", parent)
        layout = self.body
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.kind = QComboBox()
        self.kind.addItem("Diagnostics log", "diagnostics")
        self.kind.addItem("Security log", "security")
        self.kind.setToolTip("1.6: diagnostics with GetDiagnostics; the security log needs the "
                             "1.6 security extension (GetLog). 2.0.1: GetLog for both.")
        self.scheme = QComboBox()
        self.scheme.addItem("FTP (what most chargers implement)", "ftp")
        self.scheme.addItem("HTTP", "http")
        self.limit_range = QCheckBox("Only from")
        now = QDateTime.currentDateTime()
        self.oldest = QDateTimeEdit(now.addDays(-1))
        self.latest = QDateTimeEdit(now)
        for edit in (self.oldest, self.latest):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setEnabled(False)
        self.limit_range.toggled.connect(self.oldest.setEnabled)
        self.limit_range.toggled.connect(self.latest.setEnabled)
        span = QHBoxLayout()
        span.addWidget(self.limit_range)
        span.addWidget(self.oldest)
        span.addWidget(QLabel("to"))
        span.addWidget(self.latest)
        span.addStretch(1)
        self.retries = QSpinBox()
        self.retries.setRange(-1, 100)
        self.retries.setSpecialValueText("(charger's default)")
        self.retries.setValue(-1)
        self.retries.setToolTip("How often the charger tries the upload again after a failure")
        form.addRow("Log", self.kind)
        form.addRow("Upload over", self.scheme)
        form.addRow("Time range", span)
        form.addRow("Retries", self.retries)
        layout.addLayout(form)
        self.fetch_button = self.add_start("Fetch log", self.fetch)
        layout.addWidget(QLabel("<b>Logs received from this charger</b> (this run and earlier "
                                "ones, kept beside the capture)"))
        self.files = QListWidget()
        self.files.setMaximumHeight(110)
        self.files.itemActivated.connect(lambda item: self.open_file(item))
        layout.addWidget(self.files)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(lambda: self.open_file(self.files.currentItem()))
        self.reveal_button = QPushButton("Reveal in folder")
        self.reveal_button.clicked.connect(lambda: self.reveal(self.files.currentItem()))
        self.attach_button = QPushButton("Attach to commissioning report")
        self.attach_button.setToolTip("The charger's commissioning report lists the file with "
                                      "its size, SHA-256 and when it was received")
        self.attach_button.clicked.connect(lambda: self.attach(self.files.currentItem()))
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.attach_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        #: what Attach did (the transfer's own words above stay the charger's evidence)
        self.files_note = QLabel()
        self.files_note.setWordWrap(True)
        layout.addWidget(self.files_note)
        layout.addStretch(1)

    # ---------------------------------------------------------------- charger
    def set_charger(self, charger: str | None) -> None:
        self.files_note.clear()
        super().set_charger(charger)
        self._fill_files()

    def on_progress(self, progress: Any) -> bool:
        """A transfer changed (any charger's): show it if it is this charger's log."""
        shown = super().on_progress(progress)
        if shown and progress.finished:
            self._fill_files()
        return shown

    # ----------------------------------------------------------------- fetching
    def fetch(self) -> AsyncOp[Any] | None:
        charger = self.charger
        if charger is None:
            return None
        kind, scheme = self.kind.currentData(), self.scheme.currentData()
        oldest = aware(self.oldest.dateTime()) if self.limit_range.isChecked() else None
        latest = aware(self.latest.dateTime()) if self.limit_range.isChecked() else None
        retries = self.retries.value() if self.retries.value() >= 0 else None
        return self.start(
            charger, f"Starting the {scheme.upper()} server and asking {charger} for its "
            f"{kind} log…",
            lambda: self.transfers.get_log(charger, kind, scheme=scheme, oldest=oldest,
                                           latest=latest, retries=retries))

    # ------------------------------------------------------------------ files
    def received(self) -> list[Path]:
        """The logs received from this charger (this run and earlier ones), newest first."""
        if self.charger is None:
            return []
        return [f.path for f in self._received()]

    def _received(self) -> list[Any]:
        try:
            return self.transfers.received_logs(self.charger)
        except OSError:  # the data folder cannot be read: nothing to list
            return []

    def _fill_files(self) -> None:
        self.files.clear()
        attached = self._attached()
        for found in self._received() if self.charger is not None else []:
            when = found.received.astimezone().strftime("%Y-%m-%d %H:%M")
            mark = "  · attached to the report" if str(found.path) in attached else ""
            item = QListWidgetItem(f"{found.path.name}  ({found.size:,} bytes, received "
                                   f"{when}){mark}")
            item.setData(PATH_ROLE, str(found.path))
            item.setToolTip(str(found.path))
            self.files.addItem(item)
        if self.files.count():
            self.files.setCurrentRow(0)
        has = bool(self.files.count())
        for button in (self.open_button, self.reveal_button, self.attach_button):
            button.setEnabled(has)

    def _attached(self) -> set[str]:
        if self.charger is None:
            return set()
        try:
            return {a["path"] for a in self.transfers.attachments(self.charger, digest=False)}
        except OSError:
            return set()

    def attach(self, item: QListWidgetItem | None) -> bool:
        """Attach the chosen log to this charger's commissioning report."""
        if item is None or self.charger is None:
            return False
        try:
            found = self.transfers.attach(self.charger, Path(item.data(PATH_ROLE)))
        except OSError as exc:
            theme.show_status(self.files_note, "error", f"Not attached: {exc}")
            return False
        theme.show_status(self.files_note, "ok",
                          f"{found.path.name} will be listed in {self.charger}'s commissioning "
                          "report (name, size, SHA-256, when received)")
        self._fill_files()
        return True

    def open_file(self, item: QListWidgetItem | None) -> bool:
        return open_path(Path(item.data(PATH_ROLE))) if item is not None else False

    def reveal(self, item: QListWidgetItem | None) -> bool:
        return open_path(Path(item.data(PATH_ROLE)).parent) if item is not None else False
