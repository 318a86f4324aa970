"""Step pages with the owner's choices: charging hours and randomised delay (UK
regulations), and the security profile with the charger's new password."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QRadioButton, QSpinBox, QVBoxLayout,
)

from ...station.security_upgrade import DOWNGRADE_WARNING
from .step_page import StepPage
from .wizard_common import copy_text, generate_password, muted, wrapped


class OffPeakPage(StepPage):
    CHOICES = (("default", "Use the default hours — no charging on weekdays 08:00–11:00 and "
                           "16:00–22:00 (recommended)"),
               ("none", "No off-peak hours — charge whenever a car is plugged in"),
               ("custom", "The owner's own hours — paint them below"))

    def build_choices(self, layout: QVBoxLayout) -> None:
        from ...smartcharging.offpeak import WeeklyHours
        from ..charging_hours.week_timeline import WeekTimeline
        self._hours_cls = WeeklyHours
        layout.addWidget(wrapped("Ask the owner. The UK regulations let them accept, remove or "
                               "change the default hours now and later."))
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for key, text in self.CHOICES:
            radio = QRadioButton(text)
            self.radios[key] = radio
            self.group.addButton(radio)
            layout.addWidget(radio)
        self.timeline = WeekTimeline(editable=False, row_height=20)
        layout.addWidget(self.timeline)
        self.custom_hours: Any = None
        custom = getattr(self.w.profile, "custom_hours", None)
        if custom:
            try:
                self.custom_hours = WeeklyHours.from_json(custom)
            except Exception:  # noqa: BLE001 - a bad profile value: start from the defaults
                self.custom_hours = None
        self.timeline.changed.connect(self._painted)
        row = QHBoxLayout()
        row.addWidget(QLabel("Randomised delay (up to):"))
        self.delay = QSpinBox()
        self.delay.setRange(0, 1800)
        self.delay.setSingleStep(60)
        self.delay.setSuffix(" s")
        self.delay.setValue(int(getattr(self.w.profile, "randomised_delay_s", 600)))
        self.delay.setToolTip("Each charge starts after a random wait of up to this long "
                              "(600 s by default, at most 1800 s; 0 = off)")
        row.addWidget(self.delay)
        row.addStretch(1)
        layout.addLayout(row)
        choice = getattr(self.w.profile, "offpeak", "default")
        self.radios.get(choice, self.radios["default"]).setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._show_choice())
        self._show_choice()

    def choice(self) -> str:
        for key, radio in self.radios.items():
            if radio.isChecked():
                return key
        return "default"

    def _painted(self) -> None:
        self.custom_hours = self.timeline.hours()

    def _show_choice(self) -> None:
        choice = self.choice()
        if choice == "default":
            self.timeline.set_hours(self._hours_cls.uk_default())
        elif choice == "none":
            self.timeline.set_hours(self._hours_cls.all_allowed())
        else:
            self.timeline.set_hours(self.custom_hours or self._hours_cls.uk_default())
        self.timeline.set_editable(choice == "custom")

    def apply_choices(self) -> None:
        choice = self.choice()
        self.w.profile.offpeak = choice
        self.w.profile.randomised_delay_s = self.delay.value()
        self.w.choices["offpeak"] = choice
        self.w.choices["randomised_delay_s"] = self.delay.value()
        if choice == "custom":
            hours = self.timeline.hours().to_json()
            self.w.profile.custom_hours = hours
            self.w.choices["custom_hours"] = hours
        else:
            self.w.choices.pop("custom_hours", None)


class SecurityPage(StepPage):
    PROFILES = ((1, "1 — password over an unencrypted connection (not for the UK)"),
                (2, "2 — password over an encrypted connection (wss://) — recommended"),
                (3, "3 — certificates on both sides (the operator must support it)"))

    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.profile_combo = QComboBox()
        for number, text in self.PROFILES:
            self.profile_combo.addItem(text, number)
        wanted = int(getattr(self.w.profile, "security_profile", 2))
        self.profile_combo.setCurrentIndex(max(0, [p for p, _ in self.PROFILES].index(wanted)
                                               if wanted in (1, 2, 3) else 1))
        form.addRow("Security profile", self.profile_combo)
        layout.addLayout(form)
        # issue 15 §3: the guided upgrade on this laptop's wss://; ticking it is the
        # confirmation the spec's no-downgrade rule asks for (the warning is its tooltip)
        self.upgrade_now = QCheckBox("Move the charger to this profile now, on this laptop's "
                                     "wss:// (it cannot be moved back down over OCPP)")
        self.upgrade_now.setToolTip(DOWNGRADE_WARNING)
        self.upgrade_now.setChecked(bool(self.w.choices.get("security_upgrade")))
        layout.addWidget(self.upgrade_now)
        box = QGroupBox("The charger's new password — shown only once")
        row = QHBoxLayout(box)
        self.password_edit = QLineEdit()
        self.password_edit.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.password_edit.setFont(font)
        self.copy_password_button = QPushButton("Copy")
        self.copy_password_button.clicked.connect(self.copy_password)
        row.addWidget(self.password_edit, 1)
        row.addWidget(self.copy_password_button)
        layout.addWidget(box)
        self.include = QCheckBox("Include the password in the report (for the operator)")
        self.include.setChecked(bool(getattr(self.w.profile, "include_password_in_report",
                                             False)))
        layout.addWidget(self.include)
        self.note = wrapped("Give this password to the operator of the production central "
                          "system. It is written to the charger at hand-over, together with "
                          "the production URL. After you leave this page it is not shown "
                          "again.")
        muted(self.note)
        layout.addWidget(self.note)
        self.password: str | None = self.w.choices.get("password")
        self.revealed_once = False
        self.hidden = self.password is not None  # resumed: it was shown before
        if self.password is None:
            self.password = generate_password()
            self.w.choices["password"] = self.password
        self._show_password()

    def _show_password(self) -> None:
        if self.hidden:
            self.password_edit.setText("•" * 12 + "  (shown once; not shown again)")
            self.copy_password_button.setEnabled(False)
        else:
            self.password_edit.setText(self.password or "")
            self.copy_password_button.setEnabled(bool(self.password))
            self.revealed_once = True

    def copy_password(self) -> None:
        if not self.hidden and self.password:
            copy_text(self.password)

    def hide_password(self) -> None:
        self.hidden = True
        self._show_password()

    def after_run(self, record: Any) -> None:
        engine_password = self.w.choices.get("password")
        if engine_password and engine_password != self.password and not self.hidden:
            self.password = engine_password
            self._show_password()

    def apply_choices(self) -> None:
        self.w.profile.security_profile = int(self.profile_combo.currentData() or 2)
        self.w.profile.include_password_in_report = self.include.isChecked()
        self.w.choices["security_profile"] = self.w.profile.security_profile
        upgrade = self.upgrade_now.isChecked() and self.w.profile.security_profile in (2, 3)
        for name in ("security_upgrade", "upgrade_confirmed"):
            self.w.choices.pop(name, None)
        if upgrade:
            self.w.choices["security_upgrade"] = self.w.profile.security_profile
            self.w.choices["upgrade_confirmed"] = True
        if self.password:
            self.w.choices["password"] = self.password

    def validatePage(self) -> bool:  # noqa: N802
        self.apply_choices()
        self.hide_password()
        self.w.save_state()
        return True

