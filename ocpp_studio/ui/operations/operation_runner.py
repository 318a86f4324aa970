"""Running one operation from the GUI: the danger question, then ``run_operation``.

The station layer decides what is dangerous: ``run_operation`` without ``confirm`` sends
nothing for a dangerous value and says so (``needs_confirmation``). The GUI then asks with
the operation's own consequence and, on "Send anyway", runs it again confirmed — the same
way the configuration editor asks before writing a dangerous key. The question is a
module-level coroutine so that it is looked up when asked.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ...station.adapters.operations import operation_requests
from ...station.central import CentralSystem
from ...station.operations import (
    OperationResult, coerce_fields, find_operation, run_operation,
)
from ..common import theme
from ..configuration.config_dialogs import run_dialog

log = logging.getLogger(__name__)

#: the words of a dangerous operation the user chose not to send
NOT_SENT = "Not sent: you chose not to go ahead."


def consequence_of(central: CentralSystem, charger_id: str, name: str,
                   fields: dict[str, Any]) -> str:
    """What the dangerous value of ``name`` does, in the catalogue's words."""
    version = central.version_of(charger_id)
    op = find_operation(name, version)
    values = coerce_fields(op, operation_requests(version), fields)
    return op.danger(values) or ""


async def confirm_operation(parent: QWidget, charger_id: str, title: str,
                            consequence: str) -> bool:
    """Ask before a dangerous operation, naming its consequence; True: send it."""
    box = QMessageBox(QMessageBox.Icon.Warning, f"{title} on {charger_id}?", "", parent=parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<p><b>{html.escape(title)}</b> on <b>{html.escape(charger_id)}</b>:</p>"
                f"<p style='color:{theme.PROBLEM_TEXT}'>"
                f"{html.escape(consequence[:1].upper() + consequence[1:])}.</p>"
                "<p>Send it anyway?</p>")
    send = box.addButton("Send anyway", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    await run_dialog(box)
    return box.clickedButton() is send


async def run_with_confirmation(parent: QWidget, central: CentralSystem, charger_id: str,
                                name: str, title: str, fields: dict[str, Any],
                                timeout: float | None = None) -> OperationResult:
    """Run ``name``; a dangerous value is sent only after the user confirms it."""
    result = await run_operation(central, charger_id, name, fields, timeout=timeout)
    if not result.needs_confirmation:
        return result
    consequence = consequence_of(central, charger_id, name, fields)
    if not await confirm_operation(parent, charger_id, title, consequence):
        log.info("%s on %s not sent: the user declined", name, charger_id)
        result.words = NOT_SENT
        return result
    return await run_operation(central, charger_id, name, fields, confirm=True,
                               timeout=timeout)
