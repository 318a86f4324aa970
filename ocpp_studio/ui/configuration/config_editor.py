"""The Configuration tab: read, understand, change and restore a charger's settings.

One editor for both versions, driven by ``ConfigItem`` (ocpp_studio.configuration):
1.6 keys are a flat list; 2.0.1 variables are grouped under their component (with EVSE,
connector and instance in the label). Edits are typed (delegate), validated with
``service.plan`` and collected as pending changes until "Apply N changes".

Questions to the user (dangerous keys, restart, template preview) go through the
module-level ``confirm_*`` coroutines so tests can answer them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFrame,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QMessageBox,
    QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QToolButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from .config_delegates import KEY_ROLE, ConfigDelegate, edit_triggers, input_problem
from ..common.operations import AsyncOp

log = logging.getLogger(__name__)

COL_SETTING, COL_VALUE, COL_UNIT, COL_ACCESS, COL_RESULT, COL_DESCRIPTION = range(6)
HEADERS = ["Setting", "Value", "Unit", "Access", "Last write", "Description"]
COLUMN_WIDTHS = {COL_SETTING: 270, COL_VALUE: 200, COL_UNIT: 56, COL_ACCESS: 84,
                 COL_RESULT: 100}
HIDDEN = "••••••"

GOOD = ("#e3f4e4", "#1b5e20")
AMBER = ("#fff1cc", "#7a4f00")
BAD = ("#fde0dc", "#8e1c12")
PENDING_BG = QColor("#fff6c2")
PROBLEM_BG = QColor("#fde0dc")
VENDOR_FG = QColor("#6a3d9a")
READONLY_FG = QColor("#666666")

STATUS_WORDS = {
    "Accepted": "Accepted",
    "RebootRequired": "After restart",
    "Rejected": "Rejected",
    "NotSupported": "Not supported",
    "UnknownComponent": "Unknown component",
    "UnknownVariable": "Unknown setting",
    "NotSupportedAttributeType": "Not supported",
    "NotSent": "Not sent",
    "Unknown": "No answer",  # sent, but whether it changed is unknown
}


def status_colours(status: str) -> tuple[str, str]:
    if status == "Accepted":
        return GOOD
    if status in ("RebootRequired", "Unknown"):
        return AMBER
    return BAD


def is_v201(version: Any) -> bool:
    text = str(getattr(version, "value", version) or "").lower().replace("ocpp", "")
    return text.startswith("2")


def _ref_attr(ref: Any, *names: str) -> Any:
    for name in names:
        value = getattr(ref, name, None)
        if value not in (None, ""):
            return value
    return None


def component_label(ref: Any) -> str:
    """'EVSE 1 · connector 1 · Connector' style group label for a 2.0.1 variable."""
    component = _ref_attr(ref, "component", "component_name") or "(no component)"
    if not isinstance(component, str):
        component = _ref_attr(component, "name") or str(component)
    parts = [str(component)]
    instance = _ref_attr(ref, "component_instance", "instance")
    if instance:
        parts[0] += f" [{instance}]"
    evse = _ref_attr(ref, "evse", "evse_id")
    connector = _ref_attr(ref, "connector", "connector_id")
    if isinstance(evse, dict):
        connector = connector or evse.get("connectorId")
        evse = evse.get("id")
    if evse is not None:
        parts.append(f"EVSE {evse}")
    if connector is not None:
        parts.append(f"connector {connector}")
    return " · ".join(parts)


def variable_label(key: str, ref: Any) -> str:
    if ref is None:
        return key
    variable = _ref_attr(ref, "variable", "variable_name") or key
    if not isinstance(variable, str):
        variable = _ref_attr(variable, "name") or str(variable)
    instance = _ref_attr(ref, "variable_instance")
    attribute = _ref_attr(ref, "attribute", "attribute_type")
    text = str(variable)
    if instance:
        text += f" [{instance}]"
    if attribute and str(attribute) != "Actual":
        text += f" ({attribute})"
    return text


def access_text(item: Any) -> str:
    mutability = str(getattr(item, "mutability", "") or "")
    if getattr(item, "write_only", False) or mutability == "WriteOnly":
        return "write-only"
    return "read-only" if item.readonly else "read-write"


def when_text(taken_us: int) -> str:
    moment = _dt.datetime.fromtimestamp(taken_us / 1e6)
    return moment.strftime("%d %b %H:%M:%S")


def snapshot_label(snapshot: Any) -> str:
    return f"{when_text(snapshot.taken_us)} — {len(snapshot.items)} settings"


def template_changes(template: dict) -> dict[str, str]:
    """The key -> value pairs a template would write."""
    from ...configuration.templates import template_changes as changes
    return changes(template)


# --------------------------------------------------------------- questions
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
        f"<span style='color:#8e1c12'>{html.escape(p.danger or '')}</span></li>"
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
            summary += (f"; <span style='color:#8e1c12'><b>{problems}</b> cannot be written "
                        "and will be skipped</span>")
        if dangers:
            summary += (f"; <span style='color:#7a4f00'><b>{dangers}</b> can cut the charger "
                        "off (you will be asked again)</span>")
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


# ------------------------------------------------------------------ the editor
class ConfigEditor(QWidget):
    """Read, filter, edit and write one charger's configuration."""

    status_changed = Signal(str)  # plain-words outcome of the last operation

    def __init__(self, service: Any = None, central: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.central = central
        self.charger: str | None = None
        self.snapshot: Any = None
        self.pending: dict[str, str] = {}
        self.problems: dict[str, str] = {}
        self.results: dict[str, Any] = {}
        self.reboot_keys: set[str] = set()
        self.shown_secrets: set[str] = set()
        self.undo_map: dict[str, str] | None = None
        self.last_op: AsyncOp | None = None
        self.rows: dict[str, QTreeWidgetItem] = {}
        self._busy = False

        # ------------------------------------------------------------ toolbar
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.read_button = QPushButton("Read configuration")
        self.read_button.setToolTip("Ask the charger for all its settings (GetConfiguration on "
                                    "1.6, GetBaseReport on 2.0.1)")
        self.full_inventory = QCheckBox("Full inventory")
        self.full_inventory.setToolTip("2.0.1 only: read every variable the charger has, "
                                       "not only its configuration (FullInventory)")
        self.snapshot_combo = QComboBox()
        self.snapshot_combo.setMinimumContentsLength(24)
        self.snapshot_combo.setToolTip("Earlier reads of this charger; choose one to view it")
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setToolTip("Show what differs between the chosen read and the "
                                       "newest one")
        self.template_button = QToolButton()
        self.template_button.setText("Templates")
        self.template_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.template_button)
        self.save_all_action = menu.addAction("Save all settings as template…",
                                              lambda: self.save_template(selected=False))
        self.save_selected_action = menu.addAction("Save selected settings as template…",
                                                   lambda: self.save_template(selected=True))
        menu.addSeparator()
        self.apply_template_action = menu.addAction("Apply template…", self.apply_template_dialog)
        self.template_button.setMenu(menu)
        self.undo_button = QPushButton("Undo template")
        self.undo_button.setToolTip("Write back the values the settings had before the last "
                                    "template")
        self.undo_button.hide()

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.read_button)
        top.addWidget(self.full_inventory)
        top.addStretch(1)
        top.addWidget(QLabel("Read:"))
        top.addWidget(self.snapshot_combo)
        top.addWidget(self.compare_button)
        top.addSpacing(8)
        top.addWidget(self.template_button)
        top.addWidget(self.undo_button)

        # ------------------------------------------------------------ filters
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search settings, descriptions and values")
        self.search.setClearButtonEnabled(True)
        self.only_changed = QCheckBox("Changed from default")
        self.only_changed.setToolTip("Only settings whose value differs from the OCPP default")
        self.only_uk = QCheckBox("UK regulations")
        self.only_uk.setToolTip("Only settings that matter for the UK Smart Charge Points "
                                "Regulations (off-peak hours, randomised delay, security)")
        self.only_connectivity = QCheckBox("Connectivity")
        self.only_connectivity.setToolTip("Only settings that affect how the charger connects "
                                          "(URL, security, heartbeat, timeouts)")
        self.only_editable = QCheckBox("Editable")
        self.only_editable.setToolTip("Hide read-only settings")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(QLabel("Only:"))
        for box in (self.only_changed, self.only_uk, self.only_connectivity, self.only_editable):
            filters.addWidget(box)
        self.count_label = QLabel()
        filters.addWidget(self.count_label)

        # ------------------------------------------------------------ banners
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("QLabel { background: #fff6dd; border: 1px solid #e5c46b;"
                                       " border-radius: 4px; padding: 4px 8px; }")
        self.notes_label.hide()
        self.unknown_label = QLabel()
        self.unknown_label.setStyleSheet("QLabel { color: #555; }")
        self.unknown_label.setWordWrap(True)  # a long list must not widen the window
        self.unknown_label.hide()
        self.restart_banner = QFrame()
        self.restart_banner.setObjectName("restartBanner")
        self.restart_banner.setStyleSheet("#restartBanner { background: #fff1cc; border: 1px "
                                          "solid #f0a000; border-radius: 4px; }")
        banner = QHBoxLayout(self.restart_banner)
        banner.setContentsMargins(8, 4, 4, 4)
        self.restart_label = QLabel()
        self.restart_button = QPushButton("Restart charger now")
        banner.addWidget(self.restart_label, 1)
        banner.addWidget(self.restart_button)
        self.restart_banner.hide()

        # --------------------------------------------------------------- tree
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(HEADERS))
        self.tree.setHeaderLabels(HEADERS)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setEditTriggers(edit_triggers())
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.delegate = ConfigDelegate(self.item_for, self.stage, self.current_value, self.tree,
                                       connectors=self._connector_numbers)
        self.tree.setItemDelegateForColumn(COL_VALUE, self.delegate)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in COLUMN_WIDTHS.items():
            self.tree.setColumnWidth(column, width)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("QLabel { color: #555; padding: 24px; }")

        # ------------------------------------------------------------- bottom
        self.pending_label = QLabel()
        self.pending_label.setTextFormat(Qt.TextFormat.RichText)
        self.pending_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.discard_button = QPushButton("Discard changes")
        self.apply_button = QPushButton("Apply changes")
        self.apply_button.setDefault(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.pending_label, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.apply_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.unknown_label)
        layout.addWidget(self.restart_banner)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(bottom)

        # ------------------------------------------------------------ signals
        self.read_button.clicked.connect(lambda: self.read())
        self.apply_button.clicked.connect(lambda: self.apply())
        self.discard_button.clicked.connect(self.discard)
        self.restart_button.clicked.connect(lambda: self.restart())
        self.compare_button.clicked.connect(self.compare)
        self.undo_button.clicked.connect(lambda: self.undo_template())
        self.snapshot_combo.activated.connect(self._snapshot_chosen)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.search.textChanged.connect(self.apply_filters)
        for box in (self.only_changed, self.only_uk, self.only_connectivity, self.only_editable):
            box.toggled.connect(self.apply_filters)
        self._update_state()

    # ------------------------------------------------------------ charger
    @property
    def version(self) -> Any:
        if self.snapshot is not None:
            return self.snapshot.version
        station = getattr(self.central, "stations", {}).get(self.charger) if self.charger \
            else None
        return getattr(station, "version", None)

    def set_charger(self, charger_id: str | None) -> None:
        if charger_id == self.charger:
            return
        self.charger = charger_id
        self.pending.clear()
        self.problems.clear()
        self.results.clear()
        self.reboot_keys.clear()
        self.shown_secrets.clear()
        self.undo_map = None
        latest = self.service.latest(charger_id) if (self.service and charger_id) else None
        self.show_snapshot(latest)

    # --------------------------------------------------------------- read
    def read(self, full_inventory: bool | None = None) -> AsyncOp | None:
        if not self._can_talk():
            return None
        full = self.full_inventory.isChecked() if full_inventory is None else full_inventory
        charger = self.charger
        assert charger is not None

        def done(snapshot: Any) -> None:
            self._set_busy(False)
            if charger != self.charger:
                return
            self.results.clear()
            self.show_snapshot(snapshot)
            self._say(f"Read {len(snapshot.items)} settings from {charger}. Double-click a "
                      "value to change it; changes are sent when you press Apply.")

        self.last_op = AsyncOp(self, lambda: self.service.read_all(charger, full_inventory=full),
                               on_start=lambda: self._set_busy(True, "Reading settings…"),
                               on_success=done, on_failure=self._failed).run()
        return self.last_op

    def show_snapshot(self, snapshot: Any) -> None:
        self.snapshot = snapshot
        self._fill_snapshot_combo()
        notes = list(getattr(snapshot, "notes", []) or []) if snapshot else []
        unknown = list(getattr(snapshot, "unknown_keys", []) or []) if snapshot else []
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        if unknown:
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more"
                                              if len(unknown) > 5 else "")
            self.unknown_label.setText(f"Not supported by this charger ({len(unknown)}, "
                                       f"optional in OCPP): {shown}")
            self.unknown_label.setToolTip("The charger answered that it does not have these "
                                          "settings:\n" + "\n".join(unknown))
        self.unknown_label.setVisible(bool(unknown))
        self._rebuild()

    def _fill_snapshot_combo(self) -> None:
        self.snapshot_combo.clear()
        snapshots = self.service.snapshots(self.charger) if (self.service and self.charger) \
            else []
        for index, snap in enumerate(snapshots):
            self.snapshot_combo.addItem(snapshot_label(snap), index)
            if snap is self.snapshot:
                self.snapshot_combo.setCurrentIndex(self.snapshot_combo.count() - 1)
        if self.snapshot is not None and self.snapshot_combo.count() and \
                not any(s is self.snapshot for s in snapshots):
            self.snapshot_combo.setCurrentIndex(self.snapshot_combo.count() - 1)

    def _snapshot_chosen(self, combo_index: int) -> None:
        snapshots = self.service.snapshots(self.charger) if self.charger else []
        index = self.snapshot_combo.itemData(combo_index)
        if index is not None and 0 <= index < len(snapshots):
            self.results.clear()
            self.show_snapshot(snapshots[index])

    # -------------------------------------------------------------- model
    def item_for(self, key: str | None) -> Any:
        if key is None or self.snapshot is None:
            return None
        return self.snapshot.items.get(key)

    def current_value(self, key: str) -> str | None:
        if key in self.pending:
            return self.pending[key]
        item = self.item_for(key)
        return item.value if item is not None else None

    def display_value(self, key: str) -> str:
        item = self.item_for(key)
        value = self.current_value(key)
        if item is not None and item.secret and key not in self.shown_secrets:
            if value not in (None, "") or key in self.pending:
                return HIDDEN
            return "(cannot be read back)" if item.write_only else "(empty)"
        if value is None:
            return "(cannot be read back)" if item is not None and item.write_only \
                else "(not reported)"
        return value

    # ---------------------------------------------------------------- tree
    def _rebuild(self) -> None:
        self.tree.clear()
        self.rows.clear()
        snapshot = self.snapshot
        if snapshot is None:
            self._update_state()
            return
        grouped = is_v201(snapshot.version)
        self.tree.setRootIsDecorated(grouped)
        groups: dict[str, QTreeWidgetItem] = {}
        bold = QFont(self.tree.font())
        bold.setBold(True)
        keys = list(snapshot.items)
        if not grouped:
            keys.sort(key=lambda k: (not snapshot.items[k].known, k.lower()))
        for key in keys:
            item = snapshot.items[key]
            parent: Any = self.tree
            if grouped:
                label = component_label(item.ref) if item.ref is not None else "Other settings"
                parent = groups.get(label)
                if parent is None:
                    parent = QTreeWidgetItem(self.tree, [label])
                    parent.setFirstColumnSpanned(True)
                    parent.setFont(COL_SETTING, bold)
                    parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    groups[label] = parent
            row = QTreeWidgetItem(parent)
            row.setData(COL_VALUE, KEY_ROLE, key)
            row.setData(COL_SETTING, KEY_ROLE, key)
            self.rows[key] = row
            self._paint_row(key)
        if grouped:
            self.tree.expandAll()
        self.apply_filters()

    def _paint_row(self, key: str) -> None:
        row = self.rows.get(key)
        item = self.item_for(key)
        if row is None or item is None:
            return
        grouped = is_v201(self.snapshot.version)
        name = variable_label(key, item.ref) if grouped else key
        if not item.known:
            name += "   · vendor"
        row.setText(COL_SETTING, name)
        tip = [f"<b>{html.escape(key)}</b>"]
        if item.description:
            tip.append(html.escape(item.description))
        if not item.known:
            tip.append("<i>Vendor setting: not in the OCPP specification; its meaning comes "
                       "from the charger's manufacturer.</i>")
        facts = [f"type {item.type}"]
        if item.minimum is not None or item.maximum is not None:
            facts.append(f"range {item.minimum if item.minimum is not None else '…'} – "
                         f"{item.maximum if item.maximum is not None else '…'}")
        if item.allowed:
            facts.append("allowed: " + ", ".join(item.allowed))
        if item.default is not None and not item.secret:
            facts.append(f"default {item.default}")
        tip.append(html.escape("; ".join(facts)))
        if item.danger:
            tip.append(f"<span style='color:#8e1c12'>⚠ {html.escape(item.danger)}</span>")
        row.setToolTip(COL_SETTING, "<br>".join(tip))
        row.setForeground(COL_SETTING, QBrush(VENDOR_FG if not item.known else QColor("#000")))
        row.setText(COL_VALUE, self.display_value(key))
        row.setText(COL_UNIT, item.unit or "")
        row.setText(COL_ACCESS, access_text(item))
        row.setForeground(COL_ACCESS, QBrush(READONLY_FG if item.readonly else QColor("#000")))
        marks = []
        if item.danger:
            marks.append("⚠")
        description = item.description or ("Vendor setting" if not item.known else "")
        row.setText(COL_DESCRIPTION, " ".join(marks + [description]))
        row.setToolTip(COL_DESCRIPTION, row.toolTip(COL_SETTING))
        # value cell: pending / problem highlight
        value_tip = ""
        background = QBrush()
        font = QFont(self.tree.font())
        if key in self.pending:
            font.setBold(True)
            background = QBrush(PROBLEM_BG if key in self.problems else PENDING_BG)
            before = item.value if not item.secret else HIDDEN
            value_tip = f"Not sent yet (was: {before})"
            if key in self.problems:
                value_tip = f"Cannot be sent: {self.problems[key]}"
        elif item.readonly:
            value_tip = "Read-only: the charger does not allow changing this setting"
        else:
            shown = self.display_value(key)
            value_tip = (f"{shown}\n\n" if len(shown) > 24 else "") + "Double-click to change"
        row.setFont(COL_VALUE, font)
        row.setBackground(COL_VALUE, background)
        row.setToolTip(COL_VALUE, value_tip)
        if item.readonly:
            row.setForeground(COL_VALUE, QBrush(READONLY_FG))
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not item.readonly:
            flags |= Qt.ItemFlag.ItemIsEditable
        row.setFlags(flags)
        # last write
        result = self.results.get(key)
        if result is not None:
            bg, fg = status_colours(result.status)
            row.setText(COL_RESULT, STATUS_WORDS.get(result.status, result.status))
            row.setBackground(COL_RESULT, QBrush(QColor(bg)))
            row.setForeground(COL_RESULT, QBrush(QColor(fg)))
            row.setToolTip(COL_RESULT, f"{result.status}: {result.detail}" if result.detail
                           else result.status)
        else:
            row.setText(COL_RESULT, "")
            row.setBackground(COL_RESULT, QBrush())
            row.setToolTip(COL_RESULT, "")
        # secrets: a per-row show/hide toggle in the unit column
        if item.secret and item.value not in (None, "") and \
                self.tree.itemWidget(row, COL_UNIT) is None:
            toggle = QToolButton()
            toggle.setText("show")
            toggle.setCheckable(True)
            toggle.setStyleSheet("QToolButton { border: 1px solid #b8c0cc; border-radius: 3px; "
                                 "padding: 0 6px; } QToolButton:checked { background: #dbe8f7; }")
            toggle.setToolTip("Show or hide this secret")
            toggle.toggled.connect(lambda on, k=key: self.show_secret(k, on))
            self.tree.setItemWidget(row, COL_UNIT, toggle)

    def show_secret(self, key: str, shown: bool = True) -> None:
        if shown:
            self.shown_secrets.add(key)
        else:
            self.shown_secrets.discard(key)
        row = self.rows.get(key)
        if row is not None:
            toggle = self.tree.itemWidget(row, COL_UNIT)
            if isinstance(toggle, QToolButton):
                toggle.blockSignals(True)
                toggle.setChecked(shown)
                toggle.setText("hide" if shown else "show")
                toggle.blockSignals(False)
        self._paint_row(key)

    # ------------------------------------------------------------- filters
    def row_matches(self, key: str) -> bool:
        item = self.item_for(key)
        if item is None:
            return False
        if self.only_changed.isChecked() and (item.default is None
                                              or (item.value or "") == item.default):
            return False
        if self.only_uk.isChecked() and not item.uk_regulation:
            return False
        if self.only_connectivity.isChecked() and not item.connectivity:
            return False
        if self.only_editable.isChecked() and item.readonly:
            return False
        needle = self.search.text().strip().lower()
        if needle:
            haystack = [key, item.description or "", self.rows[key].text(COL_SETTING)]
            if item.ref is not None:
                haystack.append(component_label(item.ref))
            if not item.secret:
                haystack.append(item.value or "")
            if not any(needle in text.lower() for text in haystack):
                return False
        return True

    def apply_filters(self) -> None:
        shown = 0
        for key, row in self.rows.items():
            visible = self.row_matches(key)
            row.setHidden(not visible)
            shown += visible
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            if top.childCount():
                top.setHidden(all(top.child(i).isHidden() for i in range(top.childCount())))
        total = len(self.rows)
        self.count_label.setText(f"{shown} of {total}" if shown != total else f"{total} settings")
        self._update_state()

    def visible_keys(self) -> list[str]:
        return [key for key, row in self.rows.items() if not row.isHidden()]

    # ---------------------------------------------------------------- edits
    def stage(self, key: str, value: str) -> None:
        """Keep an edit as pending and check it (in plain words) before it can be sent."""
        item = self.item_for(key)
        if item is None or item.readonly:
            return
        if value == (item.value or "") and not item.secret:
            self.pending.pop(key, None)
            self.problems.pop(key, None)
        else:
            self.pending[key] = value
            self._check(key)
        self._paint_row(key)
        self._update_state()

    def _connector_numbers(self) -> list[str]:
        """The chosen charger's connector numbers, for per-connector list editors."""
        station = getattr(self.central, "stations", {}).get(self.charger) if self.charger else None
        labels = getattr(station, "connectors", {}) if station is not None else {}
        return [str(label) for label in labels if str(label).isdigit()]

    def _check(self, key: str) -> None:
        self.problems.pop(key, None)
        item = self.item_for(key)
        typed = input_problem(item, self.pending[key]) if item is not None else None
        if typed:
            self.problems[key] = typed  # rejected as typed, never clamped or cut
            return
        if self.service is None or self.charger is None:
            return
        try:
            planned = self.service.plan(self.charger, {key: self.pending[key]},
                                        base=self.snapshot)
        except Exception as exc:  # noqa: BLE001 - shown as the problem
            self.problems[key] = str(exc)
            return
        for plan in planned:
            if plan.key == key and plan.problem:
                self.problems[key] = plan.problem

    def discard(self) -> None:
        keys = list(self.pending)
        self.pending.clear()
        self.problems.clear()
        for key in keys:
            self._paint_row(key)
        self._update_state()

    def apply(self) -> AsyncOp | None:
        """Send the pending edits; dangerous keys need an explicit confirmation first."""
        if not self.pending or self.problems or not self._can_talk():
            return None
        changes = dict(self.pending)
        charger = self.charger

        async def work() -> list[Any]:
            planned = self.service.plan(charger, changes, base=self.snapshot)
            dangerous = [p for p in planned if p.danger]
            if dangerous and not await confirm_danger(self, dangerous):
                return []
            return await self.service.write(charger, changes,
                                            confirm_dangerous=bool(dangerous))

        def done(results: list[Any]) -> None:
            self._set_busy(False)
            if not results:
                self._say("Nothing was sent.")
                return
            self.show_results(results)

        self.last_op = AsyncOp(self, work, on_start=lambda: self._set_busy(
            True, f"Sending {len(changes)} change{'s' if len(changes) != 1 else ''}…"),
            on_success=done, on_failure=self._failed).run()
        return self.last_op

    def show_results(self, results: list[Any]) -> None:
        """Show each result in its row, take accepted values in, gather restart needs."""
        items = dict(self.snapshot.items) if self.snapshot is not None else {}
        for result in results:
            self.results[result.key] = result
            self.pending.pop(result.key, None)
            self.problems.pop(result.key, None)
            if result.status in ("Accepted", "RebootRequired") and result.key in items:
                items[result.key] = dataclasses.replace(items[result.key], value=result.value)
            if result.status == "RebootRequired":
                self.reboot_keys.add(result.key)
        if self.snapshot is not None:
            # a copy: the service's snapshots stay what the charger said at the time
            self.snapshot = dataclasses.replace(self.snapshot, items=items)
        for result in results:
            self._paint_row(result.key)
        ok = sum(1 for r in results if r.status == "Accepted")
        later = sum(1 for r in results if r.status == "RebootRequired")
        bad = len(results) - ok - later
        words = [f"{ok} accepted"]
        if later:
            words.append(f"{later} after a restart")
        unknown = [r for r in results if r.status == "Unknown"]
        bad -= len(unknown)
        if unknown:
            words.append(f"{len(unknown)} without an answer (may or may not have changed: "
                         "read again)")
        if bad:
            words.append(f"{bad} not accepted (see the red rows)")
        reasons = list(dict.fromkeys(r.detail for r in results
                                     if r.status in ("Unknown", "NotSent", "Error") and r.detail))
        self._say("Changes sent: " + ", ".join(words) + "."
                  + (f" {reasons[0]}" if reasons else ""))
        self._update_state()

    # -------------------------------------------------------------- restart
    def restart(self) -> AsyncOp | None:
        if not self.reboot_keys or not self._can_talk(need_service=False):
            return None
        charger = self.charger
        payload = {"type": "OnIdle"} if is_v201(self.version) else {"type": "Soft"}

        async def work() -> Any:
            if not await confirm_restart(self, charger, len(self.reboot_keys)):
                return None
            return await self.central.call(charger, "Reset", payload)

        def done(answer: Any) -> None:
            self._set_busy(False)
            if answer is None:
                return
            status = answer.get("status") if isinstance(answer, dict) else answer
            if status in ("Accepted", "Scheduled"):
                self.reboot_keys.clear()
                self._say(f"The charger accepted the restart ({status}). Read the "
                          "configuration again once it is back.")
            else:
                self._say(f"The charger answered the restart with {status}.")
            self._update_state()

        self.last_op = AsyncOp(self, work, on_start=lambda: self._set_busy(
            True, "Restarting…"), on_success=done, on_failure=self._failed).run()
        return self.last_op

    # ------------------------------------------------------------- snapshots
    def compare_rows(self, a: Any, b: Any) -> list[tuple[str, str, str]]:
        from ...configuration.model import diff, redact
        rows = []
        for key, before, after in diff(a, b):
            item = b.items.get(key) or a.items.get(key)
            if item is not None:
                before, after = redact(before, item), redact(after, item)
            rows.append((key, "—" if before is None else before, "—" if after is None else after))
        return rows

    def compare(self) -> CompareDialog | None:
        if self.service is None or self.charger is None:
            return None
        snapshots = self.service.snapshots(self.charger)
        if not snapshots:
            self._say("Read the configuration first; every read is kept for comparing.")
            return None
        index = self.snapshot_combo.currentData()
        chosen = snapshots[index] if isinstance(index, int) and index < len(snapshots) \
            else snapshots[0]
        latest = snapshots[-1]
        if chosen is latest and len(snapshots) > 1:
            chosen = snapshots[-2]
        rows = self.compare_rows(chosen, latest)
        dialog = CompareDialog(f"{self.charger}: read of {when_text(chosen.taken_us)} vs "
                               f"{when_text(latest.taken_us)}", rows, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # ------------------------------------------------------------- templates
    def save_template(self, selected: bool = False, path: str | None = None,
                      name: str = "") -> Path | None:
        from ...configuration.templates import make_template, save_template
        if self.snapshot is None:
            self._say("Read the configuration first.")
            return None
        keys = None
        if selected:
            keys = [row.data(COL_SETTING, KEY_ROLE) for row in self.tree.selectedItems()
                    if row.data(COL_SETTING, KEY_ROLE)]
            if not keys:
                self._say("Select the settings to save first.")
                return None
        path = path or ask_save_path(self, f"{self.charger or 'charger'}-template.json")
        if not path:
            return None
        template = make_template(self.snapshot, keys, name=name or Path(path).stem)
        target = Path(path)
        try:
            save_template(template, target)
        except (OSError, ValueError) as exc:
            self._error("The template was not saved", f"{target}: {exc}")
            return None
        saved = len(template.get("settings") or {})
        self._say(f"Saved {saved} setting{'s' if saved != 1 else ''} to {target.name} "
                  "(read-only settings and passwords are left out).")
        return target

    def apply_template_dialog(self) -> None:
        path = ask_open_path(self)
        if path:
            self.apply_template(path)

    def apply_template(self, path: str | Path) -> AsyncOp | None:
        from ...configuration.templates import apply_template, load_template
        if not self._can_talk():
            return None
        charger = self.charger
        try:
            template = load_template(path)
        except Exception as exc:  # noqa: BLE001 - a bad file is the user's to fix
            self._error("This template cannot be used", f"{Path(path).name}: {exc}")
            return None
        name = str(template.get("name") or Path(path).stem)
        changes = template_changes(template)

        def progress(*args: Any) -> None:
            numbers = [a for a in args if isinstance(a, int)]
            if len(numbers) >= 2:
                self.progress.setRange(0, max(numbers[1], 1))
                self.progress.setValue(numbers[0])

        async def work() -> Any:
            base = self.service.latest(charger) or self.snapshot
            if base is None:
                base = await self.service.read_all(charger)
            wanted = str(template.get("ocpp_version") or "")
            if wanted and wanted != base.version:
                raise ValueError(f"The template is for OCPP {wanted} but {charger} speaks "
                                 f"OCPP {base.version}; nothing was changed.")
            planned = self.service.plan(charger, changes, base=base)
            if not await confirm_template(self, name, planned):
                return None
            self.progress.setRange(0, max(len(planned), 1))
            self.progress.setValue(0)
            self.progress.show()
            dangerous = any(p.danger for p in planned if not p.problem)
            if dangerous:
                risky = [p for p in planned if p.danger and not p.problem]
                if not await confirm_danger(self, risky):
                    return None
            return await apply_template(self.service, charger, template,
                                        confirm_dangerous=dangerous, progress=progress)

        def done(outcome: Any) -> None:
            self._set_busy(False)
            if outcome is None:
                self._say("The template was not applied.")
                return
            results, undo_map = outcome
            self.undo_map = dict(undo_map) if undo_map else None
            self.undo_button.setVisible(bool(self.undo_map))
            self.show_results(results)

        self.last_op = AsyncOp(self, work, on_start=lambda: self._set_busy(
            True, f"Applying template {name}…"), on_success=done,
            on_failure=self._failed).run()
        return self.last_op

    def undo_template(self) -> AsyncOp | None:
        from ...configuration.templates import undo
        if not self.undo_map or not self._can_talk():
            return None
        charger, undo_map = self.charger, dict(self.undo_map)

        def done(results: list[Any]) -> None:
            self._set_busy(False)
            self.undo_map = None
            self.undo_button.hide()
            self.show_results(results)

        self.last_op = AsyncOp(self, lambda: undo(self.service, charger, undo_map),
                               on_start=lambda: self._set_busy(
                                   True, "Writing back the previous values…"),
                               on_success=done, on_failure=self._failed).run()
        return self.last_op

    # --------------------------------------------------------------- menus
    def _context_menu(self, position: QPoint) -> None:
        row = self.tree.itemAt(position)
        key = row.data(COL_SETTING, KEY_ROLE) if row is not None else None
        item = self.item_for(key)
        if item is None:
            return
        menu = QMenu(self)
        if not item.readonly:
            menu.addAction("Change…", lambda: self.tree.editItem(row, COL_VALUE))
        if key in self.pending:
            menu.addAction("Undo this change", lambda: self.stage(key, item.value or ""))
        if item.secret:
            shown = key in self.shown_secrets
            menu.addAction("Hide value" if shown else "Show value",
                           lambda: self.show_secret(key, not shown))
        if item.default is not None and not item.readonly and item.value != item.default:
            menu.addAction(f"Set to default ({item.default})",
                           lambda: self.stage(key, item.default))
        copy = QAction("Copy setting name", menu)
        copy.triggered.connect(lambda: _clipboard(key))
        menu.addAction(copy)
        menu.exec(self.tree.viewport().mapToGlobal(position))

    # ---------------------------------------------------------------- state
    def _can_talk(self, need_service: bool = True) -> bool:
        if self.charger is None:
            self._say("Choose a charger on the left first.")
            return False
        if need_service and self.service is None:
            self._say("The configuration service is not available in this build.")
            return False
        return not self._busy

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if busy:
            self.progress.setRange(0, 0)
            self.progress.show()
            self._say(text)
        else:
            self.progress.hide()
        self._update_state()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, TimeoutError):
            text = "The charger did not answer in time. Check it is still connected."
        else:
            text = str(exc) or type(exc).__name__
        self._say(f"Failed: {text}")

    def _say(self, text: str) -> None:
        self.status_changed.emit(text)
        if text:
            self.pending_label.setText(html.escape(text))

    def _error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _update_state(self) -> None:
        connected = self.charger is not None
        station = getattr(self.central, "stations", {}).get(self.charger) if connected else None
        version = self.version
        label = html.escape(self.charger) if self.charger else "No charger selected"
        if version is not None:
            text = getattr(version, "label", None) or str(version).replace("ocpp", "")
            label += f" <span style='color:#555'>· OCPP {html.escape(text)}</span>"
        self.title.setText(f"<b>{label}</b>")
        self.full_inventory.setVisible(is_v201(version))
        self.read_button.setEnabled(connected and self.service is not None and not self._busy)
        has_snapshot = self.snapshot is not None
        self.tree.setVisible(has_snapshot)
        self.empty_label.setVisible(not has_snapshot)
        if not has_snapshot:
            if self.service is None:
                self.empty_label.setText("The configuration editor is not available in this "
                                         "build.")
            elif not connected:
                self.empty_label.setText("Choose a charger on the left, then press "
                                         "<b>Read configuration</b>.")
            else:
                self.empty_label.setText(f"Press <b>Read configuration</b> to see every setting "
                                         f"{html.escape(self.charger)} reports.")
        self.compare_button.setEnabled(bool(self.service and self.charger
                                            and self.service.snapshots(self.charger)))
        self.snapshot_combo.setEnabled(self.snapshot_combo.count() > 0)
        self.template_button.setEnabled(has_snapshot and not self._busy)
        self.undo_button.setEnabled(not self._busy)
        count = len(self.pending)
        self.apply_button.setText(f"Apply {count} change{'s' if count != 1 else ''}"
                                  if count else "Apply changes")
        self.apply_button.setEnabled(count > 0 and not self.problems and not self._busy)
        self.discard_button.setEnabled(count > 0 and not self._busy)
        if count and not self._busy:
            if self.problems:
                first_key, first = next(iter(self.problems.items()))
                self.pending_label.setText(
                    f"<span style='color:#8e1c12'><b>{len(self.problems)}</b> change"
                    f"{'s' if len(self.problems) != 1 else ''} cannot be sent — "
                    f"{html.escape(first_key)}: {html.escape(first)}</span>")
            else:
                self.pending_label.setText(f"<b>{count}</b> change{'s' if count != 1 else ''} "
                                           "not sent yet (highlighted).")
        elif not count and not self._busy and any(
                phrase in self.pending_label.text()
                for phrase in ("not sent yet", "cannot be sent")):
            self.pending_label.clear()  # discarded or sent: nothing is waiting any more
        n = len(self.reboot_keys)
        self.restart_label.setText(
            f"<b>{n} setting{'s take' if n != 1 else ' takes'} effect after a restart</b> — "
            f"{html.escape(', '.join(sorted(self.reboot_keys)[:6]))}"
            f"{' …' if n > 6 else ''}")
        self.restart_banner.setVisible(n > 0)
        self.restart_button.setEnabled(not self._busy and bool(station is None
                                                               or getattr(station, "connected",
                                                                          True)))


def _clipboard(text: str) -> None:
    from PySide6.QtGui import QGuiApplication
    QGuiApplication.clipboard().setText(text)

