"""Issue 12 item 4: the GUI must do what the user asked, not something near it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest  # noqa: F401
from conftest import loop, wait_until  # noqa: F401
from test_ui_main_window import answer_everything, boot_16, charger, studio


def test_send_dialog_sends_the_edited_payload_even_while_chargers_report(loop):
    received: list[tuple[str, Any]] = []

    def handler(action: str, payload: Any) -> Any:
        received.append((action, payload))
        return answer_everything(action, payload)

    async def scenario():
        async with studio() as s:
            async with charger(s.url("CP-EDIT"), "CP-EDIT", handler=handler) as cp:
                await boot_16(cp)
                await wait_until(lambda: "CP-EDIT" in s.central.sessions)
                dialog = s.window.open_send_dialog()
                dialog.action.setCurrentText("Reset")
                assert json.loads(dialog.payload.toPlainText()) == {"type": "Soft"}
                dialog.payload.setPlainText('{"type": "Hard"}')
                # the charger keeps talking: the window refreshes its charger list
                await cp.endpoint.call("StatusNotification", {
                    "connectorId": 1, "errorCode": "NoError", "status": "Finishing"})
                await wait_until(lambda: not s.window._dirty
                                 and any(c.status == "Finishing" for c in
                                         s.central.stations["CP-EDIT"].connectors.values()), what="station refreshed")
                s.window._dirty["CP-EDIT"] = s.central.stations["CP-EDIT"]
                s.window._refresh_stations()
                assert json.loads(dialog.payload.toPlainText()) == {"type": "Hard"}
                dialog.send()
                await wait_until(lambda: any(a == "Reset" for a, _ in received), what="reset")
                assert ("Reset", {"type": "Hard"}) in received
                # choosing another message still offers its example
                dialog.action.setCurrentText("TriggerMessage")
                assert json.loads(dialog.payload.toPlainText()) == {
                    "requestedMessage": "StatusNotification"}
                dialog.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))
