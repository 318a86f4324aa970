"""Update a charger's firmware (issue 16 §4) from a file on this laptop: 1.6 UpdateFirmware,
the 1.6 security whitepaper's SignedUpdateFirmware and 2.0.1 UpdateFirmware with a signing
certificate and signature (UK regulations §2.8.3 secure update) — or a signing key the
studio signs with. The studio serves the file once over HTTP or FTP; the progress view shows
the charger's FirmwareStatusNotifications (Downloading → Downloaded → Installing →
Installed, each failure in words) and, after the reboot, the version its BootNotification
names against the one expected. All of it is ``central.transfers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QPushButton,
    QRadioButton, QWidget,
)

from ..common.operations import AsyncOp
from .transfer_view import TransferView


class FilePicker(QWidget):
    """A path and a Browse… button."""

    def __init__(self, caption: str, filters: str = "All files (*)",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption, self.filters = caption, filters
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(caption)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.caption, self.edit.text(),
                                              self.filters)
        if path:
            self.edit.setText(path)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None


class FirmwareView(TransferView):
    """The firmware update form and its progress."""

    KIND = "firmware"

    def __init__(self, transfers: Any, parent: QWidget | None = None) -> None:
        super().__init__(
            transfers, "Update firmware",
            "The studio serves the file once to this charger and asks it to install it (1.6 "
            "§5.19 UpdateFirmware; signed: 1.6 security SignedUpdateFirmware, 2.0.1 L01). The "
            "charger restarts to install.", parent)
        layout = self.body
        form = QFormLayout()
        self.file = FilePicker("Firmware file", "Firmware (*.bin *.img *.tar *.gz *.zip *.fw);;"
                                                "All files (*)")
        self.scheme = QComboBox()
        self.scheme.addItem("HTTP", "http")
        self.scheme.addItem("FTP", "ftp")
        self.expected = QLineEdit()
        self.expected.setPlaceholderText("e.g. 2.0.1 — compared with the version the charger "
                                         "names after its reboot")
        form.addRow("File", self.file)
        form.addRow("Download over", self.scheme)
        form.addRow("Expected version", self.expected)
        layout.addLayout(form)

        self.signed = QGroupBox("Signed update (secure firmware update)")
        self.signed.setCheckable(True)
        self.signed.setChecked(False)
        signed = QFormLayout(self.signed)
        self.certificate = FilePicker("Signing certificate (PEM)",
                                      "Certificates (*.pem *.crt *.cer);;All files (*)")
        self.with_signature = QRadioButton("Signature file (base64)")
        self.with_key = QRadioButton("Sign here with a private key")
        self.with_signature.setChecked(True)
        self.signature = FilePicker("Signature (base64)", "Signatures (*.sig *.b64 *.txt);;"
                                                          "All files (*)")
        self.key = FilePicker("Signing key (PEM)", "Keys (*.pem *.key);;All files (*)")
        self.key_password = QLineEdit()
        self.key_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_password.setPlaceholderText("the key's password, if it has one")
        signed.addRow("Certificate", self.certificate)
        signed.addRow(self.with_signature, self.signature)
        signed.addRow(self.with_key, self.key)
        signed.addRow("Key password", self.key_password)
        self.with_key.toggled.connect(self._signing_choice)
        self._signing_choice(False)
        layout.addWidget(self.signed)

        self.update_button = self.add_start("Update firmware", self.update_firmware)
        layout.addStretch(1)

    def _signing_choice(self, with_key: bool) -> None:
        self.signature.setEnabled(not with_key)
        self.key.setEnabled(with_key)
        self.key_password.setEnabled(with_key)

    # ----------------------------------------------------------------- sending
    def request(self) -> dict[str, Any]:
        """The keyword arguments of ``update_firmware`` from the form (files read here)."""
        file = self.file.path()
        if file is None:
            raise ValueError("choose the firmware file")
        out: dict[str, Any] = {"file": file, "scheme": self.scheme.currentData(),
                               "expect_version": self.expected.text().strip() or None}
        if self.signed.isChecked():
            certificate = self.certificate.path()
            if certificate is None:
                raise ValueError("a signed update needs the signing certificate")
            out["signing_certificate"] = certificate.read_text(encoding="ascii")
            if self.with_key.isChecked():
                key = self.key.path()
                if key is None:
                    raise ValueError("choose the signing key, or give a signature file")
                out["signing_key"] = key.read_bytes()
                password = self.key_password.text()
                out["key_password"] = password.encode() if password else None
            else:
                signature = self.signature.path()
                if signature is None:
                    raise ValueError("choose the signature file, or sign with a key")
                out["signature"] = signature.read_text(encoding="ascii").strip()
        return out

    def update_firmware(self) -> AsyncOp[Any] | None:
        charger = self.charger
        if charger is None:
            return None
        try:
            kwargs = self.request()
        except (ValueError, OSError) as exc:
            self.not_sent(exc)
            return None
        file = kwargs.pop("file")
        return self.start(charger, f"Serving {file.name} and asking {charger} to update…",
                          lambda: self.transfers.update_firmware(charger, file, **kwargs))
