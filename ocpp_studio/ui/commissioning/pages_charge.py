"""The last step pages: a test charge watched on a live power plot, and the hand-over to
the operator's central system."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QLineEdit, QSpinBox, QVBoxLayout

from .step_page import StepPage
from .wizard_common import wrapped


class TestChargePage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.seconds = QSpinBox()
        self.seconds.setRange(5, 3600)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(int(getattr(self.w.profile, "test_charge_seconds", 30)))
        form.addRow("Charge for", self.seconds)
        layout.addLayout(form)
        # the installer watches the charge happen (issue 7, step 8): the charger's power,
        # reported every second during the test
        studio = self.w.run.studio  # the engine's StudioParts; None when run without one
        self.metering = studio.metering if studio is not None else None
        self.plot: Any = None
        if self.metering is not None:
            from ..power.power_plot import PowerPlot  # noqa: PLC0415 - pyqtgraph only when needed
            self.plot = PowerPlot()
            self.plot.set_window("1 min")
            self.plot.setMinimumHeight(160)
            self.plot.setMaximumHeight(220)  # the evidence below must stay readable
            layout.addWidget(self.plot)
            self.plot.detach()  # listens only while this page is shown

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        if self.plot is not None:
            self.plot.set_metering(self.metering)
            self.plot.timer.start()
            self.plot.set_charger(self.w.charger_id)

    def cleanupPage(self) -> None:  # noqa: N802 - Back from this page
        super().cleanupPage()
        self.release()

    def release(self) -> None:
        """Stop following the charger's power (the wizard closes or the page is left)."""
        if self.plot is not None:
            self.plot.detach()

    def apply_choices(self) -> None:
        self.w.profile.test_charge_seconds = self.seconds.value()
        self.w.choices["test_charge_seconds"] = self.seconds.value()


class HandoverPage(StepPage):
    def build_choices(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.url_edit = QLineEdit(str(getattr(self.w.profile, "production_url", "") or ""))
        self.url_edit.setPlaceholderText("wss://csms.example.com/ocpp")
        self.url_edit.setToolTip("The operator's central system; the charger ID is added "
                                 "at the end by the charger")
        form.addRow("Production central system URL", self.url_edit)
        layout.addLayout(form)
        layout.addWidget(wrapped("After this step the charger leaves this laptop and connects "
                               "to the operator. Leave it empty and skip this step to keep the "
                               "charger here."))

    def apply_choices(self) -> None:
        url = self.url_edit.text().strip()
        self.w.profile.production_url = url
        self.w.choices["production_url"] = url

