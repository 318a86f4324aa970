"""Edit › Preferences on the main window: open the dialog (or a refused card's offer at its
setting), apply what changed to the running studio, save it. A mixin of ``MainWindow``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from .common.operations import AsyncOp
from .common.preferences_dialog import (
    PreferenceValues, PreferencesDialog, changed_fields, save_preferences,
)
from .common.preferences_security import (
    CERTIFICATE_FIELDS, LISTENER_FIELDS, security_changes,
)

if TYPE_CHECKING:
    import asyncio

    from ..service import Studio
    from ..station.central import CentralSystem


class PreferencesActions:
    """Needs the window's ``studio``, ``central``, ``settings_path``, ``set_urls``, ``notify``
    and ``_error``."""

    studio: "Studio | None"
    central: "CentralSystem"
    settings_path: Path | None
    preferences_task: "asyncio.Future | None"
    preferences_dialog: PreferencesDialog | None

    # ----------------------------------------------------------- preferences
    def open_preferences(self, setting: str | None = None,
                         charger_id: str | None = None) -> PreferencesDialog:
        """Edit › Preferences…, or a refused card's offer (opened at ``setting``)."""
        studio = self.studio
        if studio is not None:
            settings = studio.settings
            port = studio.server.settings.port if studio.server is not None else None
        else:  # a window over a bare central system (tests)
            from ..settings import AppSettings
            settings, port = AppSettings(csms=self.central.settings), None
        values = PreferenceValues.from_settings(settings, port=port)
        dialog = PreferencesDialog(values, self)
        if setting:
            dialog.open_at(setting, charger_id)
        dialog.accepted.connect(lambda: self._preferences_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.preferences_dialog = dialog
        return dialog

    def _preferences_accepted(self, dialog: PreferencesDialog) -> None:
        before, after = dialog.initial, dialog.values()
        op = AsyncOp(self, lambda: self.apply_preferences(before, after),
                     failure_title="Preferences not applied").run()
        self.preferences_task = op.task

    async def apply_preferences(self, before: PreferenceValues, after: PreferenceValues) -> None:
        """Apply to the running central system (next connection; a new port restarts the
        listener), then save what changed."""
        changed = changed_fields(before, after)
        if not changed:
            return
        port = after.port if "port" in changed else None
        try:
            if self.studio is not None:
                if await self.studio.apply_csms_settings(
                        after.tolerant, after.accept_missing_subprotocol, after.passwords, port):
                    self.set_urls(self.studio.urls())
            else:  # a window over a bare central system (tests)
                self.central.settings.tolerant = after.tolerant
                self.central.settings.accept_missing_subprotocol = \
                    after.accept_missing_subprotocol
                self.central.settings.passwords = after.passwords
        except OSError as exc:
            self._error("Cannot listen on that port",
                        f"Port {after.port} cannot be used: {exc}\n\n"
                        "OCPP Studio keeps listening on the port it had.")
            after = dataclasses.replace(after, port=before.port)
        after = await self._apply_security(before, after)
        try:
            save_preferences(before, after, self.settings_path)
        except OSError as exc:
            self._error("Preferences not saved",
                        f"The preferences apply now but could not be saved: {exc}")
            return
        note = "Preferences saved; they apply to the next charger connection."
        if "capture_path" in changed:
            note += " The new capture location applies the next time OCPP Studio starts."
        self.notify(note, 10_000)

    async def _apply_security(self, before: PreferenceValues,
                              after: PreferenceValues) -> PreferenceValues:
        """wss:// settings restart the listener (Studio.apply_tls_settings); the CSR and
        expiry settings apply at the next CSR / check. Returns what was applied."""
        listener = security_changes(before.security, after.security, LISTENER_FIELDS)
        for name, value in security_changes(before.security, after.security,
                                            CERTIFICATE_FIELDS).items():
            setattr(self.central.settings, name, value)
        if not listener or self.studio is None:
            return after
        try:
            await self.studio.apply_tls_settings(listener)
        except Exception as exc:  # noqa: BLE001 - CaError, OSError, ValueError: in words
            self._error("wss:// not changed",
                        f"The wss:// settings cannot be used: {exc}\n\n"
                        "OCPP Studio keeps listening as it did.")
            kept = dataclasses.replace(after.security, **{
                name: getattr(before.security, name) for name in listener})
            return dataclasses.replace(after, security=kept)
        self.set_urls(self.studio.urls())
        return after

