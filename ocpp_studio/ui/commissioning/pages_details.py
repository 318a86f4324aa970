"""The wizard's first page: who is commissioning and where, and the profile file that
fills in those details and the default answers for the next charger."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
    QWizardPage,
)

from .wizard_common import muted, wrapped

if TYPE_CHECKING:
    from .commissioning_wizard import CommissioningWizard


class DetailsPage(QWizardPage):
    """Installer and site: prefilled from a commissioning profile file."""

    FIELDS = (("installer_name", "Installer"), ("company", "Company"), ("site_name", "Site"))

    def __init__(self, wizard: "CommissioningWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Who is commissioning, and where")
        intro = wrapped("These details go on the report. Keep your usual details and settings in "
                      "a profile file and load it for the next charger.")
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, label in self.FIELDS:
            edit = QLineEdit()
            self.edits[name] = edit
            form.addRow(label, edit)
        self.charger_label = QLabel()
        form.addRow("Charger", self.charger_label)
        buttons = QHBoxLayout()
        self.load_button = QPushButton("Load profile…")
        self.save_button = QPushButton("Save as profile…")
        self.load_button.setToolTip("Fill in this page and the default settings from a "
                                    "commissioning profile file (.json)")
        self.save_button.setToolTip("Keep these details and the settings chosen in this "
                                    "wizard for the next charger")
        self.load_button.clicked.connect(self._load_dialog)
        self.save_button.clicked.connect(self._save_dialog)
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        self.profile_note = QLabel()
        muted(self.profile_note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.profile_note)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        self.refresh()

    def refresh(self) -> None:
        profile = self.w.profile
        for name, edit in self.edits.items():
            edit.setText(str(getattr(profile, name, "") or ""))
        self.charger_label.setText(self.w.charger_id)

    def store(self) -> None:
        for name, edit in self.edits.items():
            if hasattr(self.w.profile, name):
                setattr(self.w.profile, name, edit.text().strip())

    def validatePage(self) -> bool:  # noqa: N802
        self.store()
        self.w.save_state()
        return True

    # ----------------------------------------------------------- profile file
    def _load_dialog(self) -> None:
        dialog = QFileDialog(self, "Load commissioning profile")
        dialog.setNameFilter("Commissioning profiles (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_profile)
        dialog.open()

    def _save_dialog(self) -> None:
        dialog = QFileDialog(self, "Save commissioning profile")
        dialog.setNameFilter("Commissioning profiles (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.selectFile("commissioning-profile.json")
        dialog.fileSelected.connect(self.save_profile)
        dialog.open()

    def load_profile(self, path: str | Path) -> bool:
        try:
            loaded = type(self.w.profile).load(path)
        except Exception as exc:  # noqa: BLE001 - tell the installer, keep going
            self.w.error("Cannot load the profile", f"{path} could not be read:\n{exc}")
            return False
        if dataclasses.is_dataclass(loaded):
            for f in dataclasses.fields(loaded):
                setattr(self.w.profile, f.name, getattr(loaded, f.name))
        self.refresh()
        self.w.profile_changed()
        self.profile_note.setText(f"Loaded {Path(path).name}")
        return True

    def save_profile(self, path: str | Path) -> bool:
        self.store()
        self.w.collect_choices()
        try:
            self.w.profile.save(path)
        except Exception as exc:  # noqa: BLE001
            self.w.error("Cannot save the profile", f"{path} could not be written:\n{exc}")
            return False
        self.profile_note.setText(f"Saved {Path(path).name}")
        return True

