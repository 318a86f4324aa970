"""What the Operations tab's pages start with: a bold heading and hints in the hint style
(one place for both, instead of the same four lines on every page)."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QLabel

from ..common import theme


def hint(text: str = "") -> QLabel:
    """A word-wrapped label in the hint style (a page's purpose, a note filled later)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(theme.HINT_STYLE)
    return label


def add_heading(layout: QBoxLayout, title: str, intro: str = "") -> QLabel:
    """Add the page's bold ``title`` and its ``intro`` hint (hidden while empty); the hint."""
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    purpose = hint(intro)
    layout.addWidget(purpose)
    if not intro:
        purpose.hide()
    return purpose
