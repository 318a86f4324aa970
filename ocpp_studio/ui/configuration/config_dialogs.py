"""The configuration editor's questions and dialogs.

Every question to the user (dangerous keys, restart, template preview) is a module-level
``confirm_*`` coroutine that the editor looks up here when it asks, so tests can answer
them by replacing the function on this module.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QLabel, QMessageBox,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..common import theme
from .config_text import AMBER, BAD

async def run_dialog(dialog: QDialog) -> int:
    """Show a dialog window-modally without a nested event loop; returns its result."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: done.done() or done.set_result(result))
    dialog.open()
    try:
        return await done
    finally:
        dialog.deleteLater()


async def confirm_danger(parent: QWidget, planned: list[Any]) -> bool:
    """Ask before writing settings that can cut the charger off."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Change settings that can cut the charger off?",
                      "", parent=parent)
    lines = "".join(
        f"<li><b>{html.escape(p.key)}</b> → {html.escape(str(p.after))}<br>"
        f"<span style='color:{theme.PROBLEM_TEXT}'>{html.escape(p.danger or '')}</span></li>"
        for p in planned)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText("<p>These changes can stop the charger from reaching this laptop or its "
                f"central system:</p><ul>{lines}</ul><p>Only continue if you know how to "
                "reach the charger afterwards.</p>")
    understand = box.addButton("I understand, apply", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    await run_dialog(box)
    return box.clickedButton() is understand


async def confirm_restart(parent: QWidget, charger: str, count: int) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, "Restart the charger?",
                      f"Restart {charger} now so that {count} changed setting"
                      f"{'s' if count != 1 else ''} take effect?\n\nA charging session in "
                      "progress is ended or finished first, depending on the charger.",
                      parent=parent)
    yes = box.addButton("Restart charger", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    await run_dialog(box)
    return box.clickedButton() is yes


class TemplatePreview(QDialog):
    """Exactly what a template would change: before -> after, problems and dangers."""

    def __init__(self, name: str, planned: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Apply template {name}".strip())
        self.resize(820, 420)
        changes = [p for p in planned if p.before != p.after or p.problem]
        same = len(planned) - len(changes)
        self.table = QTableWidget(len(changes), 4)
        self.table.setHorizontalHeaderLabels(["Setting", "Now", "After", "Note"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, plan in enumerate(changes):
            cells = [plan.key, "—" if plan.before is None else plan.before, plan.after,
                     plan.problem or plan.danger or ""]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(str(text))
                cell.setToolTip(str(text))
                if col == 3 and plan.problem:
                    cell.setForeground(QColor(BAD[1]))
                elif col == 3 and plan.danger:
                    cell.setForeground(QColor(AMBER[1]))
                self.table.setItem(row, col, cell)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        problems = sum(1 for p in changes if p.problem)
        dangers = sum(1 for p in changes if p.danger and not p.problem)
        summary = f"<b>{len(changes)}</b> setting{'s' if len(changes) != 1 else ''} will change"
        if same:
            summary += f"; {same} already have the template's value"
        if problems:
            summary += (f"; <span style='color:{theme.PROBLEM_TEXT}'><b>{problems}</b> "
                        "cannot be written and will be skipped</span>")
        if dangers:
            summary += (f"; <span style='color:{theme.CAUTION_TEXT}'><b>{dangers}</b> can cut "
                        "the charger off (you will be asked again)</span>")
        self.summary = QLabel(summary + ".")
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton(f"Apply {len(changes) - problems} changes",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(len(changes) - problems > 0)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(4))
                for r in range(self.table.rowCount())]


async def confirm_template(parent: QWidget, name: str, planned: list[Any]) -> bool:
    return await run_dialog(TemplatePreview(name, planned, parent)) == QDialog.DialogCode.Accepted


class CompareDialog(QDialog):
    def __init__(self, title: str, rows: list[tuple[str, str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 420)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Setting", "Earlier", "Later"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        label = QLabel(f"{len(rows)} setting{'s' if len(rows) != 1 else ''} differ."
                       if rows else "No differences: both reads have the same values.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)


def ask_save_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save configuration template", suggested,
                                          "Configuration template (*.json)")
    return path


def ask_open_path(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Apply configuration template", "",
                                          "Configuration template (*.json);;All files (*)")
    return path
