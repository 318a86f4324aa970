"""The Configuration tab: read, understand, change and restore a charger's settings.

One editor for both versions, driven by ``ConfigItem`` (ocpp_studio.configuration):
1.6 keys are a flat list; 2.0.1 variables are grouped under their component (with EVSE,
connector and instance in the label). Edits are typed (delegate), validated with
``service.plan`` and collected as pending changes until "Apply N changes".

The editor is put together from parts: ``config_text`` (columns and words),
``config_tree`` (the settings table), ``config_templates`` (snapshots and templates),
``config_writes`` (edits, Apply and Restart) and ``config_dialogs`` (the questions to the
user, which tests answer by replacing the module-level ``confirm_*`` coroutines there).
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFrame, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ...station.adapters import OcppAdapter, adapter_for
from ..common import theme
from ..common.operations import AsyncOp
from .config_dialogs import CompareDialog, TemplatePreview
from .config_templates import SnapshotsAndTemplates
from .config_text import (
    AMBER, BAD, COL_ACCESS, COL_DESCRIPTION, COL_RESULT, COL_SETTING, COL_UNIT, COL_VALUE,
    COLUMN_WIDTHS, GOOD, HEADERS, HIDDEN, STATUS_WORDS, component_label, status_colours,
    template_changes, variable_label,
)
from .config_tree import SettingsTable
from .config_writes import SettingWrites

if TYPE_CHECKING:
    from ...configuration.service import ConfigurationService
    from ...station.central import CentralSystem

log = logging.getLogger(__name__)

#: the editor's public names, wherever the part that defines them lives
__all__ = [
    "AMBER", "BAD", "COL_ACCESS", "COL_DESCRIPTION", "COL_RESULT", "COL_SETTING", "COL_UNIT",
    "COL_VALUE", "COLUMN_WIDTHS", "GOOD", "HEADERS", "HIDDEN", "STATUS_WORDS", "CompareDialog",
    "ConfigEditor", "TemplatePreview", "component_label", "status_colours",
    "template_changes", "variable_label",
]


# ------------------------------------------------------------------ the editor
class ConfigEditor(SettingsTable, SettingWrites, SnapshotsAndTemplates, QWidget):
    """Read, filter, edit and write one charger's configuration."""

    status_changed = Signal(str)  # plain-words outcome of the last operation

    def __init__(self, service: ConfigurationService | None = None,
                 central: CentralSystem | None = None,
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

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.read_button)
        top.addWidget(self.full_inventory)
        top.addStretch(1)
        self._build_snapshot_tools(top)

        filters = self._build_filters()

        # ------------------------------------------------------------ banners
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet(theme.REPORT_NOTES_STYLE)
        self.notes_label.hide()
        self.unknown_label = QLabel()
        self.unknown_label.setStyleSheet(f"QLabel {{ {theme.MUTED_LABEL_STYLE} }}")
        self.unknown_label.setWordWrap(True)  # a long list must not widen the window
        self.unknown_label.hide()
        self.restart_banner = QFrame()
        self.restart_banner.setObjectName("restartBanner")
        self.restart_banner.setStyleSheet(theme.RESTART_BANNER_STYLE)
        banner = QHBoxLayout(self.restart_banner)
        banner.setContentsMargins(8, 4, 4, 4)
        self.restart_label = QLabel()
        self.restart_button = QPushButton("Restart charger now")
        banner.addWidget(self.restart_label, 1)
        banner.addWidget(self.restart_button)
        self.restart_banner.hide()

        self._build_tree()

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
        self._update_state()

    # ------------------------------------------------------------ charger
    @property
    def version(self) -> Any:
        if self.snapshot is not None:
            return self.snapshot.version
        station = self._station()
        return station.version if station is not None else None

    def adapter(self) -> OcppAdapter | None:
        """What the chosen charger's OCPP version does and how its requests look (unbound:
        the requests go through the central system like every other call of the editor)."""
        version = self.version
        if version is None:
            return None
        try:
            return adapter_for(version)
        except ValueError:  # a version this studio does not speak
            return None

    def _station(self) -> Any:
        """The chosen charger as the central system knows it (None if it never connected)."""
        if self.central is None or self.charger is None:
            return None
        return self.central.stations.get(self.charger)

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
        notes = list(snapshot.notes) if snapshot else []
        unknown = list(snapshot.unknown_keys) if snapshot else []
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

    # ---------------------------------------------------------------- edits
    def _connector_numbers(self) -> list[str]:
        """The chosen charger's connector numbers, for per-connector list editors."""
        station = self._station()
        labels = station.connectors if station is not None else {}
        return [str(label) for label in labels if str(label).isdigit()]

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
        station = self._station()
        adapter = self.adapter()
        label = html.escape(self.charger) if self.charger else "No charger selected"
        if adapter is not None:
            label += (f" <span style='color:{theme.MUTED_TEXT}'>"
                      f"· OCPP {html.escape(adapter.label)}</span>")
        self.title.setText(f"<b>{label}</b>")
        # a full inventory is a kind of device-model report (2.x GetBaseReport)
        self.full_inventory.setVisible(adapter is not None
                                       and adapter.settings_grouped_by_component)
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
                    f"<span style='color:{theme.PROBLEM_TEXT}'><b>{len(self.problems)}</b> change"
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
        self.restart_button.setEnabled(not self._busy and (station is None or station.connected))

