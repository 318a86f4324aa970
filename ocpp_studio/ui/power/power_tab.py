"""The Power tab's place in the main window: the PowerPanel (and pyqtgraph, ~0.3 s to import)
is built when the tab is first shown, not before the window opens (issue 17).

The panel reads everything it shows from the metering service, which keeps every series
from the start, so a panel built later shows what one built at start would. Until then the
tab remembers the charger list's selection and hands it to the panel when it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

if TYPE_CHECKING:
    from ...metering.one_second import OneSecondMode
    from ...metering.series import MeteringService
    from ...station.central import CentralSystem
    from .power_panel import PowerPanel


class PowerTab(QWidget):
    """Holds the PowerPanel, built on the first show (or the first ``panel()``)."""

    def __init__(self, central: CentralSystem | None = None,
                 metering: MeteringService | None = None,
                 one_second: OneSecondMode | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._args = (central, metering, one_second)
        self._panel: PowerPanel | None = None
        self._charger: str | None = None
        self._detached = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._panel is not None

    def panel(self) -> PowerPanel:
        """The panel, built now if it was not yet."""
        if self._panel is None:
            from .power_panel import PowerPanel  # noqa: PLC0415 - pyqtgraph: on first use
            self._panel = PowerPanel(*self._args)
            self._panel.set_charger(self._charger)
            self._layout.addWidget(self._panel)
        return self._panel

    def set_charger(self, charger: str | None) -> None:
        """The charger list's selection (None = all chargers), as ``PowerPanel.set_charger``."""
        self._charger = charger
        if self._panel is not None:
            self._panel.set_charger(charger)

    def detach(self) -> None:
        self._detached = True
        if self._panel is not None:
            self._panel.detach()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        if not self._detached:
            self.panel()
        super().showEvent(event)
