"""Step pages for getting the charger here and set up: connect (the address to type),
clock and heartbeat, the site's current limit, metering."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QSpinBox, QVBoxLayout,
)

from .step_page import StepPage
from .wizard_common import copy_text, muted, wrapped


class ConnectPage(StepPage):
    running_text = ("Waiting for the charger to connect… Type the address above into the "
                    "charger and restart it.")

    def set_choices_enabled(self, enabled: bool) -> None:
        self.id_edit.setEnabled(enabled)  # the address stays readable and copyable

    def build_choices(self, layout: QVBoxLayout) -> None:
        box = QGroupBox("Type this into the charger's backend / central system URL")
        self.url_layout = QVBoxLayout(box)
        layout.addWidget(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Charger ID (the last part of the address):"))
        self.id_edit = QLineEdit(self.w.charger_id)
        self.id_edit.setMaximumWidth(220)
        self.id_edit.textChanged.connect(self._fill_urls)
        row.addWidget(self.id_edit)
        row.addStretch(1)
        layout.addLayout(row)
        self.help = wrapped("If the charger does not appear within a minute: check that it is on "
                          "the same network as this laptop, that the address is typed exactly "
                          "(ws://, the port, the ID at the end), and that this laptop's firewall "
                          "allows incoming connections on the port. If the step fails, this page "
                          "says what OCPP Studio saw (wrong address, wrong protocol, nothing).")
        muted(self.help)
        layout.addWidget(self.help)
        self._fill_urls()

    def urls(self) -> list[str]:
        base = self.w.urls()
        charger = self.id_edit.text().strip() or self.w.charger_id
        return [f"{url.rstrip('/')}/{charger}" for url in base]

    def _fill_urls(self) -> None:
        while self.url_layout.count():
            item = self.url_layout.takeAt(0)
            if item.layout() is not None:
                while item.layout().count():
                    child = item.layout().takeAt(0)
                    if child.widget() is not None:
                        child.widget().deleteLater()
            elif item.widget() is not None:
                item.widget().deleteLater()
        urls = self.urls()
        if not urls:
            self.url_layout.addWidget(QLabel("The central system is not listening."))
        self.url_buttons: list[QPushButton] = []
        for url in urls:
            row = QHBoxLayout()
            label = QLabel(url)
            font = QFont("monospace")
            font.setStyleHint(QFont.StyleHint.Monospace)
            font.setPointSizeF(label.font().pointSizeF() * 1.15)
            label.setFont(font)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Copy")
            button.clicked.connect(lambda _=False, u=url: copy_text(u))
            self.url_buttons.append(button)
            row.addWidget(label, 1)
            row.addWidget(button)
            self.url_layout.addLayout(row)

    def apply_choices(self) -> None:
        charger = self.id_edit.text().strip()
        if charger and charger != self.w.charger_id:
            self.w.set_charger_id(charger)


class ClockPage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.heartbeat = QSpinBox()
        self.heartbeat.setRange(10, 86_400)
        self.heartbeat.setSuffix(" s")
        self.heartbeat.setValue(int(getattr(self.w.profile, "heartbeat_interval_s", 300)))
        form.addRow("Heartbeat every", self.heartbeat)
        layout.addLayout(form)

    def apply_choices(self) -> None:
        self.w.profile.heartbeat_interval_s = self.heartbeat.value()
        self.w.choices["heartbeat_interval_s"] = self.heartbeat.value()


class SitePage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.current = QDoubleSpinBox()
        self.current.setRange(6.0, 100.0)
        self.current.setDecimals(1)
        self.current.setSingleStep(1.0)
        self.current.setSuffix(" A")
        self.current.setValue(float(getattr(self.w.profile, "max_current_a", 32.0)))
        self.current.setToolTip("The supply's limit for this charger (per phase), e.g. the "
                                "circuit breaker or the DNO's agreement")
        self.phases = QComboBox()
        self.phases.addItem("1 phase", 1)
        self.phases.addItem("3 phases", 3)
        self.phases.setCurrentIndex(1 if int(getattr(self.w.profile, "phases", 1)) == 3 else 0)
        self.power = QLabel()
        muted(self.power)
        self.current.valueChanged.connect(self._update_power)
        self.phases.currentIndexChanged.connect(self._update_power)
        form.addRow("Maximum current", self.current)
        form.addRow("Supply", self.phases)
        form.addRow("", self.power)
        layout.addLayout(form)
        self._update_power()

    def _update_power(self) -> None:
        kw = self.current.value() * 230 * (self.phases.currentData() or 1) / 1000
        self.power.setText(f"≈ {kw:.1f} kW at 230 V")

    def apply_choices(self) -> None:
        self.w.profile.max_current_a = self.current.value()
        self.w.profile.phases = int(self.phases.currentData() or 1)
        self.w.choices["max_current_a"] = self.w.profile.max_current_a
        self.w.choices["phases"] = self.w.profile.phases


class MeteringPage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.interval = QSpinBox()
        self.interval.setRange(1, 3600)
        self.interval.setSuffix(" s")
        self.interval.setValue(int(getattr(self.w.profile, "meter_interval_s", 60)))
        form.addRow("Report power every (after the check)", self.interval)
        layout.addLayout(form)

    def apply_choices(self) -> None:
        self.w.profile.meter_interval_s = self.interval.value()
        self.w.choices["meter_interval_s"] = self.interval.value()

