"""The Security tab (issue 15): the selected charger's TLS, certificates and events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...station.central import CentralSystem

if TYPE_CHECKING:
    from ...service import Studio


class SecurityPanel(QWidget):
    """One charger's security (being written)."""

    def __init__(self, central: CentralSystem, studio: "Studio | None" = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        self.studio = studio
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Select a charger to see its security."))

    def set_charger(self, charger_id: str | None) -> None:
        """Show ``charger_id``'s security (None: no charger selected)."""
