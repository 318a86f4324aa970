"""Security tab › Certificates on the charger: what the charger says it holds
(GetInstalledCertificateIds), with expiry where the studio knows the certificate, and Install… /
Delete (InstallCertificate, DeleteCertificate: 1.6 security extension, 2.0.1 M03-M05).

The charger lists hashes, not certificates: an expiry is known only for a certificate the studio
installed itself (its PEM is kept on ``Station.security.installed_pems``). Every "installed" or
"deleted" said here is the charger's own answer (CertificateManager's outcome words)."""

from __future__ import annotations

import html
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
    QGroupBox, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QRadioButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ...core.lazy import lazy_module
from ...station.security_state import hash_key
from ..common import theme
from ..common.formatting import local_time
from ..common.operations import AsyncOp, failure_text

if TYPE_CHECKING:
    from cryptography import x509

    from ...station.central import CentralSystem
    from ...station.model import Station
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")

log = logging.getLogger(__name__)

#: neutral kinds (adapters/certificates.py) in words
KIND_WORDS = {"csms": "Central system root", "manufacturer": "Manufacturer root",
              "v2g": "V2G root", "mo": "Mobility operator root",
              "v2g-chain": "V2G certificate chain", "?": "Unknown kind"}
INSTALL_KINDS = ("csms", "manufacturer", "v2g", "mo")
STUDIO_CA = "studio-ca"


def certificate_rows(station: Station, now: datetime | None = None,
                     warning_days: int = 30) -> list[dict[str, Any]]:
    """One row per certificate the charger listed: kind, serial, expiry (when known), and a
    level ("expired", "soon" or "")."""
    state = station.security
    if state.installed is None:
        return []
    now = now or datetime.now(timezone.utc)
    rows = []
    for item in state.installed.certificates:
        row: dict[str, Any] = {"kind": KIND_WORDS.get(item.kind, item.kind),
                               "serial": str(item.hash_data.get("serialNumber", "")),
                               "hash": item.hash_data, "subject": "", "expires": "",
                               "level": ""}
        pem = state.installed_pems.get(hash_key(item.hash_data))
        if pem:
            try:
                cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
            except ValueError:
                cert = None
            if cert is not None:
                row["subject"] = cert.subject.rfc4514_string()
                not_after = cert.not_valid_after_utc
                row["expires"] = f"{not_after:%Y-%m-%d}"
                days = (not_after - now).days
                row["level"] = ("expired" if not_after <= now else
                                "soon" if days <= warning_days else "")
        rows.append(row)
    return rows


class InstallDialog(QDialog):
    """Install…: which kind of root, and the studio CA or a PEM file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Install a certificate on the charger")
        form = QFormLayout(self)
        self.kind = QComboBox()
        for kind in INSTALL_KINDS:
            self.kind.addItem(KIND_WORDS[kind], kind)
        form.addRow("Install as:", self.kind)
        self.studio_ca = QRadioButton("The studio CA (what the studio's wss:// server "
                                      "certificate chains to)")
        self.from_file = QRadioButton("A PEM file:")
        self.studio_ca.setChecked(True)
        form.addRow(self.studio_ca)
        row = QHBoxLayout()
        self.path = QLabel("(none chosen)")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose)
        row.addWidget(self.from_file)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Certificate to install", "",
                                              "PEM certificate (*.pem *.crt);;All files (*)")
        if path:
            self.path.setText(path)
            self.from_file.setChecked(True)

    def choice(self) -> tuple[str, str]:
        """(kind, "studio-ca" or a file path)."""
        source = STUDIO_CA if self.studio_ca.isChecked() else self.path.text()
        return str(self.kind.currentData()), source


class CertificatesBox(QGroupBox):
    """The installed-certificates table and its buttons for one charger."""

    def __init__(self, central: CentralSystem, parent: QWidget | None = None) -> None:
        super().__init__("Certificates on the charger", parent)
        self.central = central
        self.charger_id: str | None = None
        self.connected = False
        self.confirmation: QMessageBox | None = None
        self.operation: AsyncOp[Any] | None = None
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(theme.MUTED_LABEL_STYLE)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Kind", "Expires", "Subject (when known)",
                                              "Serial"])
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 2
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(110)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Ask the charger which certificates it holds "
                                       "(GetInstalledCertificateIds)")
        self.refresh_button.clicked.connect(self.refresh)
        self.install_button = QPushButton("Install…")
        self.install_button.clicked.connect(self.ask_install)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.ask_delete)
        for button in (self.refresh_button, self.install_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.outcome)

    # ------------------------------------------------------------ showing
    def show_station(self, station: Station | None, connected: bool) -> None:
        self.charger_id = station.charger_id if station else None
        self.connected = connected
        self._enable()
        self.table.setRowCount(0)
        if station is None:
            self.note.setText("")
            return
        installed = station.security.installed
        if installed is None:
            self.note.setText("Not read yet: press Refresh to ask the charger.")
            return
        days = int(getattr(self.central.settings, "certificate_warning_days", 30))
        rows = certificate_rows(station, warning_days=days)
        when = local_time(installed.read_us, with_date=False)[:8]
        listed = (f"The charger listed {len(rows)} certificate(s) at {when}." if rows else
                  f"The charger listed no certificate at {when} (it answered "
                  f"{installed.status}).")
        self.note.setText(f"{listed} It lists hashes: the subject and expiry are known only "
                          "for certificates the studio installed.")
        for row in rows:
            self._add_row(row)

    def _add_row(self, row: dict[str, Any]) -> None:
        index = self.table.rowCount()
        self.table.insertRow(index)
        expires = row["expires"] or "unknown"
        if row["level"] == "expired":
            expires += " (expired)"
        serial = row["serial"]
        short = serial if len(serial) <= 14 else f"{serial[:6]}…{serial[-6:]}"
        for column, text in enumerate((row["kind"], expires, row["subject"], short)):
            item = QTableWidgetItem(text)
            item.setToolTip(f"{row['kind']}\nSubject: {row['subject'] or 'not known'}\n"
                            f"Serial: {serial}\nExpires: {expires}")
            item.setData(Qt.ItemDataRole.UserRole, row["hash"])
            if row["level"]:
                level = "error" if row["level"] == "expired" else "warning"
                item.setBackground(theme.ROW_BACKGROUND[level])
                item.setForeground(theme.ROW_FOREGROUND[level])
            self.table.setItem(index, column, item)

    def _said(self, ok: bool, words: str) -> None:
        colour = theme.OUTCOME_OK_TEXT if ok else theme.OUTCOME_FAILED_TEXT
        self.outcome.setText(f'<span style="color:{colour};">{html.escape(words)}</span>')

    # ------------------------------------------------------------ actions
    def _enable(self) -> None:
        busy = self.operation is not None and self.operation.running()
        for button in (self.refresh_button, self.install_button, self.delete_button):
            button.setEnabled(self.connected and not busy and self.charger_id is not None)

    def _run(self, work: Any, title: str) -> AsyncOp[Any]:
        def failed(exc: BaseException) -> None:
            self._said(False, f"{title}: {failure_text(exc)}")
            self._enable()
        self.operation = AsyncOp(self, work, on_success=lambda _r: self._enable(),
                                 on_failure=failed, failure_title=title).run()
        self._enable()
        return self.operation

    def refresh(self) -> AsyncOp[Any] | None:
        charger = self.charger_id
        if charger is None:
            return None
        self._said(True, "Asking the charger (GetInstalledCertificateIds)…")

        async def work() -> None:
            read = await self.central.certificates.list_installed(charger)
            count = len(read.certificates)
            self._said(True, f"The charger listed {count} certificate(s) "
                             "(GetInstalledCertificateIds)." if count else
                             f"The charger holds no certificate of the kinds asked "
                             f"(GetInstalledCertificateIds {read.status}).")
        return self._run(work, "Certificates not read")

    def ask_install(self) -> None:
        dialog = InstallDialog(self)
        dialog.accepted.connect(lambda: self.install(*dialog.choice()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def install(self, kind: str, source: str) -> AsyncOp[Any] | None:
        charger = self.charger_id
        if charger is None:
            return None
        self._said(True, f"Sending InstallCertificate ({KIND_WORDS.get(kind, kind)})…")

        async def work() -> None:
            outcome = await self.central.certificates.install(charger, kind, source)
            self._said(outcome.ok, outcome.words)
        return self._run(work, "Certificate not installed")

    def selected_hash(self) -> dict[str, Any] | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def ask_delete(self) -> None:
        hash_data = self.selected_hash()
        if hash_data is None:
            self._said(False, "Select the certificate to delete first.")
            return
        kind = self.table.item(self.table.currentRow(), 0).text()
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete certificate",
                          f"Delete the {kind} with serial {hash_data.get('serialNumber')} from "
                          f"{self.charger_id}?\n\nDeleting the central system root the charger "
                          "uses for wss:// cuts it off at its next connection.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.delete(hash_data) if box.standardButton(
            button) == QMessageBox.StandardButton.Yes else None)
        box.open()
        self.confirmation = box

    def delete(self, hash_data: dict[str, Any]) -> AsyncOp[Any] | None:
        charger = self.charger_id
        if charger is None:
            return None
        self._said(True, "Sending DeleteCertificate…")

        async def work() -> None:
            outcome = await self.central.certificates.delete(charger, hash_data)
            self._said(outcome.ok, outcome.words)
        return self._run(work, "Certificate not deleted")
