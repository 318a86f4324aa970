"""One page of the Operations tab: an operation's title, what it does, its form and Send."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..common import theme
from .operation_form import OperationForm
from .operation_groups import PURPOSE
from .page_parts import add_heading, hint


class OperationPage(QWidget):
    """The form of one operation; ``send`` is called with (name, title, values)."""

    def __init__(self, description: dict[str, Any],
                 send: Callable[[str, str, dict[str, Any]], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name: str = description["name"]
        self.title: str = description["title"]
        self._send = send
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        add_heading(layout, self.title, PURPOSE.get(self.name, ""))
        self.form = OperationForm(description)
        layout.addWidget(self.form)
        dangerous = description.get("dangerous") or []
        if dangerous:
            layout.addWidget(hint(
                "You are asked to confirm, with what it does, before anything is sent."
                if "*" in dangerous else
                "Some values of this operation are dangerous: you are asked to confirm "
                "them, with what they do, before anything is sent."))
        row = QHBoxLayout()
        self.send_button = QPushButton(f"Send {self.title}")
        self.send_button.setStyleSheet(theme.PRIMARY_BUTTON_STYLE)
        self.send_button.clicked.connect(self.send)
        row.addWidget(self.send_button)
        self.extra = row  # pages may add buttons beside Send (e.g. open Charging hours)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def send(self) -> Any:
        return self._send(self.name, self.title, self.form.values())

    def set_sendable(self, on: bool, reason: str = "") -> None:
        self.send_button.setEnabled(on)
        self.send_button.setToolTip(reason)
