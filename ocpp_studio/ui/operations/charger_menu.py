"""The common operations in a charger card's context menu (issue 16 §1).

Each entry opens the Operations tab at that charger and sends the operation from its form
(the log and firmware entries open their page: a file, a scheme or a signature come first),
so the answer, the danger question (hard reset, Inoperative) and the linked frames are the
same as when sent from the tab. An operation the charger's version lacks is left out; all
are disabled, with the reason as tooltip, while the charger is offline.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QMenu

from ...core.versions import OcppVersion
from ...station.operations import operations_for

#: (menu text, operation, fields); "…" where a question or a form follows
COMMON: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("Reset (soft)", "reset", {"hard": False}),
    ("Reset (hard)…", "reset", {"hard": True}),
    ("Start a test charge", "start", {}),
    ("Stop the charge", "stop", {}),
    ("Unlock the connector", "unlock", {}),
    ("Take out of service (Inoperative)…", "availability", {"status": "Inoperative"}),
    ("Put back in service (Operative)", "availability", {"status": "Operative"}),
    ("Trigger StatusNotification", "trigger", {"message": "StatusNotification"}),
    ("Trigger MeterValues", "trigger", {"message": "MeterValues"}),
)

#: (menu text, Operations page): the Logs & firmware pages, opened at the charger
PAGES: tuple[tuple[str, str], ...] = (
    ("Fetch a log…", "logs"),
    ("Update firmware…", "firmware"),
)


def add_operation_actions(menu: QMenu, version: OcppVersion | None, offline_reason: str,
                          run: Callable[[str, dict[str, Any]], Any],
                          open_all: Callable[[], Any]) -> None:
    """Append the common operations and "All operations…" to ``menu``.

    ``version``: the charger's (None: never connected here — only "All operations…");
    ``offline_reason``: why nothing can be sent now ("" when connected)."""
    menu.addSeparator()
    available = {op.name: op for op in operations_for(version)} if version else {}
    for text, name, fields in COMMON:
        op = available.get(name)
        if op is None:
            continue
        if name == "trigger":  # only the triggers this version has
            choices = _choices(op, version, "message")
            if choices is not None and fields["message"] not in choices:
                continue
        action = menu.addAction(text, lambda n=name, f=fields: run(n, dict(f)))
        action.setEnabled(not offline_reason)
        action.setToolTip(offline_reason)
    if version is not None:  # pages, not operations: open them (earlier logs offline too)
        for text, page in PAGES:
            menu.addAction(text, lambda p=page: run(p, {}))
    menu.addAction("All operations…", open_all)
    menu.setToolTipsVisible(True)


def _choices(op: Any, version: OcppVersion | None, field: str) -> list[str] | None:
    if version is None:
        return None
    for spec in op.describe(version)["fields"]:
        if spec["name"] == field:
            return list(spec["choices"])
    return None
