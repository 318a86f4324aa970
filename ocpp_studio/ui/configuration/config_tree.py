"""The settings table of the configuration editor: one row per setting (2.0.1 variables
grouped under their component), painted from the snapshot, the pending edits and the last
write's results; filters, secrets and the row menu.

``SettingsTable`` is a mixin of ``ConfigEditor``: it reads the editor's state (snapshot,
pending, problems, results, shown_secrets) and widgets (tree, filters); it owns no state.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
    QToolButton, QTreeWidget, QTreeWidgetItem,
)

from ..common import theme
from .config_delegates import KEY_ROLE, ConfigDelegate, edit_triggers
from .config_text import (
    COL_ACCESS, COL_DESCRIPTION, COL_RESULT, COL_SETTING, COL_UNIT, COL_VALUE, COLUMN_WIDTHS,
    HEADERS, HIDDEN, STATUS_WORDS, access_text, component_label, status_colours, variable_label,
)

PENDING_BG = theme.PENDING_EDIT_BACKGROUND
PROBLEM_BG = theme.PROBLEM_EDIT_BACKGROUND
VENDOR_FG = theme.VENDOR_SETTING_TEXT
READONLY_FG = theme.READONLY_SETTING_TEXT
PLAIN_FG = QColor(theme.PLAIN_TEXT)


class SettingsTable:
    """Rows, painting, filters and the row menu of ``ConfigEditor`` (a mixin)."""

    # ------------------------------------------------------------- building
    def _build_filters(self) -> QHBoxLayout:
        """The search box and the "Only:" boxes above the table."""
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
        self.search.textChanged.connect(self.apply_filters)
        for box in (self.only_changed, self.only_uk, self.only_connectivity, self.only_editable):
            box.toggled.connect(self.apply_filters)
        return filters

    def _build_tree(self) -> None:
        """The settings tree and the note shown instead of it while nothing is read."""
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
        self.empty_label.setStyleSheet(theme.EMPTY_TABLE_STYLE)
        self.tree.customContextMenuRequested.connect(self._context_menu)

    # -------------------------------------------------------------- model
    def _grouped(self) -> bool:
        """Are the settings grouped by component (2.x device model) or a flat list (1.6)?
        The adapter of the snapshot's version says."""
        adapter = self.adapter() if self.snapshot is not None else None
        return adapter is not None and adapter.settings_grouped_by_component

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
        grouped = self._grouped()
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
        grouped = self._grouped()
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
            tip.append(f"<span style='color:{theme.PROBLEM_TEXT}'>⚠ "
                       f"{html.escape(item.danger)}</span>")
        row.setToolTip(COL_SETTING, "<br>".join(tip))
        row.setForeground(COL_SETTING, QBrush(VENDOR_FG if not item.known else PLAIN_FG))
        row.setText(COL_VALUE, self.display_value(key))
        row.setText(COL_UNIT, item.unit or "")
        row.setText(COL_ACCESS, access_text(item))
        row.setForeground(COL_ACCESS, QBrush(READONLY_FG if item.readonly else PLAIN_FG))
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
            toggle.setStyleSheet(theme.TOGGLE_STYLE)
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


def _clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
