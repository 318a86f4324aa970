"""Edit › Preferences › Security: wss:// (security profiles 2 and 3), the server certificate,
profile 3 client certificates, charger CSR signing, and exporting the studio CA.

OCPP 1.6 security whitepaper §2.4-2.6 / 2.0.1 A00: profile 2 = TLS with a server certificate
the charger trusts + Basic-auth password; profile 3 = TLS with a client certificate on both
sides. The studio's own CA issues the server certificate unless the user gives files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QMessageBox, QPushButton, QRadioButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget,
)

from ...settings import CsmsSettings, studio_ca_dir
from . import theme

log = logging.getLogger(__name__)

#: Settings that change the wss:// listener: applying them restarts it.
LISTENER_FIELDS = ("wss_port", "tls_cert_file", "tls_key_file", "client_certificates",
                   "client_ca_file")
#: Settings read when a charger sends a CSR or at the next expiry check.
CERTIFICATE_FIELDS = ("sign_csrs", "organisation", "certificate_warning_days")
DEFAULT_WSS_PORT = 9443

CLIENT_CERTIFICATE_CHOICES = (
    ("off", "Off: no client certificate asked (profile 2)"),
    ("optional", "Optional: checked when the charger sends one (profiles 2 and 3)"),
    ("required", "Required: every wss:// charger must send one (profile 3)"),
)
SIGN_CSR_CHOICES = (
    ("auto", "Automatically, when every check passes"),
    ("ask", "Ask me for each one (Security tab: Approve / Reject)"),
    ("never", "Never (answer Rejected)"),
)


@dataclass
class SecurityValues:
    """The Security tab's part of the preferences."""

    wss_port: int | None = None
    tls_cert_file: str = ""
    tls_key_file: str = ""
    client_certificates: str = "off"
    client_ca_file: str = ""
    sign_csrs: str = "auto"
    organisation: str = ""
    certificate_warning_days: int = 30
    ca_dir: str = ""

    @classmethod
    def from_settings(cls, csms: CsmsSettings) -> "SecurityValues":
        return cls(wss_port=csms.wss_port, tls_cert_file=csms.tls_cert_file,
                   tls_key_file=csms.tls_key_file,
                   client_certificates=csms.client_certificates,
                   client_ca_file=csms.client_ca_file, sign_csrs=csms.sign_csrs,
                   organisation=csms.organisation,
                   certificate_warning_days=csms.certificate_warning_days,
                   ca_dir=csms.ca_dir)

    def ca_folder(self) -> Path:
        return Path(self.ca_dir) if self.ca_dir else studio_ca_dir()


def ca_fingerprint_words(folder: Path) -> str:
    """Where the studio CA is and its SHA-256 fingerprint (to compare with what a charger's
    installer tool shows), without creating it."""
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from ...security.ca import CA_CERT_FILE  # noqa: PLC0415
    path = folder / CA_CERT_FILE
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return f"The studio CA is created in {folder} the first time wss:// is used."
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    pairs = ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
    return (f"Studio CA in {folder}, valid until {cert.not_valid_after_utc:%Y-%m-%d}; "
            f"SHA-256 fingerprint {pairs}")


def export_studio_ca(folder: str | Path, target: str | Path) -> Path:
    """Write the studio CA's certificate (created on first use) to ``target``."""
    from ...security.ca import StudioCA  # noqa: PLC0415 - loads cryptography on use
    return StudioCA(folder).export(target)


class SecurityPreferences(QWidget):
    """The tab: wss port, server certificate, client certificates, CSRs, CA export."""

    def __init__(self, values: SecurityValues, listen_port: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.initial = values
        self.listen_port = listen_port
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self._wss_rows(form, values)
        self._server_certificate_rows(form, values)
        self._client_certificate_rows(form, values)
        self._csr_rows(form, values)
        layout.addStretch(1)
        self._update_enabled()

    # ------------------------------------------------------------ rows
    def _wss_rows(self, form: QFormLayout, values: SecurityValues) -> None:
        self.wss_enabled = QCheckBox("Also listen on wss:// (security profiles 2 and 3)")
        self.wss_enabled.setChecked(values.wss_port is not None)
        self.wss_enabled.toggled.connect(self._update_enabled)
        form.addRow(self.wss_enabled)
        self.wss_port = QSpinBox()
        self.wss_port.setRange(0, 65535)
        self.wss_port.setSpecialValueText("any free port")
        self.wss_port.setValue(DEFAULT_WSS_PORT if values.wss_port is None else values.wss_port)
        form.addRow("wss:// port:", self.wss_port)
        form.addRow(_note("Applying restarts the listener: connected chargers are "
                          "disconnected and reconnect by themselves."))

    def _server_certificate_rows(self, form: QFormLayout, values: SecurityValues) -> None:
        self.use_studio_ca = QRadioButton("Issued by the studio's own CA (chargers must "
                                          "have its certificate installed)")
        self.use_files = QRadioButton("These files (a production certificate):")
        group = QButtonGroup(self)
        group.addButton(self.use_studio_ca)
        group.addButton(self.use_files)
        from_files = bool(values.tls_cert_file or values.tls_key_file)
        (self.use_files if from_files else self.use_studio_ca).setChecked(True)
        self.use_files.toggled.connect(self._update_enabled)
        export_row = QHBoxLayout()
        export_row.addWidget(self.use_studio_ca, 1)
        self.export_button = QPushButton("Export studio CA…")
        self.export_button.setToolTip("Save the CA certificate (public, no key) for a "
                                      "charger's installer tool; the Security tab can also "
                                      "install it on a connected charger")
        self.export_button.clicked.connect(self._export_clicked)
        export_row.addWidget(self.export_button)
        form.addRow("Server certificate:", export_row)
        self.ca_note = _note(ca_fingerprint_words(values.ca_folder()))
        self.ca_note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        form.addRow("", self.ca_note)
        form.addRow("", self.use_files)
        self.cert_file = _file_row(form, "  Certificate chain:", values.tls_cert_file,
                                   "PEM certificate (*.pem *.crt);;All files (*)")
        self.key_file = _file_row(form, "  Private key:", values.tls_key_file,
                                  "PEM key (*.pem *.key);;All files (*)")

    def _client_certificate_rows(self, form: QFormLayout, values: SecurityValues) -> None:
        self.client_certificates = _combo(CLIENT_CERTIFICATE_CHOICES, values.client_certificates)
        self.client_certificates.currentIndexChanged.connect(self._update_enabled)
        form.addRow("Client certificates:", self.client_certificates)
        self.client_ca_file = _file_row(form, "  Also trust CA file:",
                                        values.client_ca_file,
                                        "PEM certificates (*.pem *.crt);;All files (*)")
        form.addRow(_note("A charger's certificate must chain to the studio CA (or this file) "
                          "and its CN must be the charger id (A00.FR.405)."))

    def _csr_rows(self, form: QFormLayout, values: SecurityValues) -> None:
        self.sign_csrs = _combo(SIGN_CSR_CHOICES, values.sign_csrs)
        form.addRow("Sign chargers' CSRs:", self.sign_csrs)
        self.organisation = QLineEdit(values.organisation)
        self.organisation.setPlaceholderText("the O a charger's CSR must carry")
        form.addRow("Organisation (O):", self.organisation)
        self.warning_days = QSpinBox()
        self.warning_days.setRange(1, 365)
        self.warning_days.setSuffix(" days")
        self.warning_days.setValue(values.certificate_warning_days)
        form.addRow("Warn before expiry:", self.warning_days)
        form.addRow(_note("A charger whose certificate expires goes offline silently: the "
                          "card warns this long before any of its certificates expires."))

    # ------------------------------------------------------------ behaviour
    def _update_enabled(self) -> None:
        wss = self.wss_enabled.isChecked()
        self.wss_port.setEnabled(wss)
        files = self.use_files.isChecked()
        for widget in (self.cert_file, self.key_file):
            widget.setEnabled(wss and files)
        clients = self.client_certificates.currentData() != "off"
        self.client_ca_file.setEnabled(wss and clients)

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export studio CA",
                                              str(Path.home() / "studio-ca.pem"),
                                              "PEM certificate (*.pem)")
        if not path:
            return
        try:
            written = self.export_ca(path)
        except Exception as exc:  # noqa: BLE001 - CaError, OSError: said to the user
            QMessageBox.warning(self, "Export studio CA", f"Not exported: {exc}")
            return
        QMessageBox.information(self, "Export studio CA",
                                f"The studio CA certificate was saved to {written}.\n\n"
                                "Install it on the charger as its central-system root "
                                "certificate, then point the charger at the wss:// address.")

    def export_ca(self, target: str | Path) -> Path:
        written = export_studio_ca(self.initial.ca_folder(), target)
        self.ca_note.setText(ca_fingerprint_words(self.initial.ca_folder()))
        return written

    def values(self) -> SecurityValues:
        files = self.use_files.isChecked()
        return SecurityValues(
            wss_port=self.wss_port.value() if self.wss_enabled.isChecked() else None,
            tls_cert_file=self.cert_file.text().strip() if files else "",
            tls_key_file=self.key_file.text().strip() if files else "",
            client_certificates=str(self.client_certificates.currentData()),
            client_ca_file=self.client_ca_file.text().strip(),
            sign_csrs=str(self.sign_csrs.currentData()),
            organisation=self.organisation.text().strip(),
            certificate_warning_days=self.warning_days.value(), ca_dir=self.initial.ca_dir)

    def problems(self) -> list[str]:
        chosen = self.values()
        found = []
        if chosen.wss_port is not None and chosen.wss_port and \
                chosen.wss_port == self.listen_port:
            found.append(f"The wss:// port cannot be the ws:// port ({self.listen_port}).")
        if self.use_files.isChecked() and not (chosen.tls_cert_file and chosen.tls_key_file):
            found.append("Give both the server certificate and its private key, or use "
                         "the studio's CA.")
        for path in (chosen.tls_cert_file, chosen.tls_key_file, chosen.client_ca_file):
            if path and not Path(path).is_file():
                found.append(f"{path} is not a file.")
        return found


def security_changes(before: SecurityValues, after: SecurityValues,
                     names: tuple[str, ...] = LISTENER_FIELDS + CERTIFICATE_FIELDS,
                     ) -> dict[str, Any]:
    """The settings among ``names`` the user changed, with their new values."""
    return {name: getattr(after, name) for name in names
            if getattr(before, name) != getattr(after, name)}


def _combo(choices: tuple[tuple[str, str], ...], current: str) -> QComboBox:
    combo = QComboBox()
    for value, text in choices:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class FileField(QWidget):
    """A file path with its Browse… button (disabled together)."""

    def __init__(self, title: str, value: str, filters: str) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(value)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._choose(title, filters))
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _choose(self, title: str, filters: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, self.edit.text(), filters)
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.edit.setText(text)


def _file_row(form: QFormLayout, label: str, value: str, filters: str) -> FileField:
    field = FileField(label.strip(" :"), value, filters)
    form.addRow(label, field)
    return field


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(theme.MUTED_LABEL_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
