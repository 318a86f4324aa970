"""The Operations tab (issue 16 §1): the selected charger's operations as forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...station.central import CentralSystem

if TYPE_CHECKING:
    from ...service import Studio


class OperationsPanel(QWidget):
    """One charger's operations (being written)."""

    def __init__(self, central: CentralSystem, studio: "Studio | None" = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        self.studio = studio
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Select a charger to see its operations."))

    def set_charger(self, charger_id: str | None) -> None:
        """Show ``charger_id``'s operations (None: no charger selected)."""
