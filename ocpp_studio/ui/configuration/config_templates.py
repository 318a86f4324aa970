"""Snapshots and templates of the configuration editor: the earlier reads to choose from
and compare, and templates to save, preview, apply and undo.

``SnapshotsAndTemplates`` is a mixin of ``ConfigEditor`` (it uses the editor's service,
charger, snapshot and status line). The questions go through ``config_dialogs`` (looked up
when asked, so tests can answer them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton, QToolButton

from ..common.operations import AsyncOp
from . import config_dialogs as dialogs
from .config_delegates import KEY_ROLE
from .config_dialogs import CompareDialog
from .config_text import COL_SETTING, snapshot_label, template_changes, when_text


class SnapshotsAndTemplates:
    """Earlier reads, comparing them, and templates (a mixin of ``ConfigEditor``)."""

    # ------------------------------------------------------------- snapshots
    def _build_snapshot_tools(self, top: QHBoxLayout) -> None:
        """The toolbar's part: earlier reads, Compare, Templates, Undo template."""
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
        top.addWidget(QLabel("Read:"))
        top.addWidget(self.snapshot_combo)
        top.addWidget(self.compare_button)
        top.addSpacing(8)
        top.addWidget(self.template_button)
        top.addWidget(self.undo_button)

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

    def compare_rows(self, a: Any, b: Any) -> list[tuple[str, str, str]]:
        from ...configuration.model import diff, redact
        rows = []
        for key, before, after in diff(a, b):
            item = b.items.get(key) or a.items.get(key)
            if item is not None:
                before, after = redact(before, item), redact(after, item)
            rows.append((key, "—" if before is None else before,
                         "—" if after is None else after))
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
        path = path or dialogs.ask_save_path(self, f"{self.charger or 'charger'}-template.json")
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
        path = dialogs.ask_open_path(self)
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
            if not await dialogs.confirm_template(self, name, planned):
                return None
            self.progress.setRange(0, max(len(planned), 1))
            self.progress.setValue(0)
            self.progress.show()
            dangerous = any(p.danger for p in planned if not p.problem)
            if dangerous:
                risky = [p for p in planned if p.danger and not p.problem]
                if not await dialogs.confirm_danger(self, risky):
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

