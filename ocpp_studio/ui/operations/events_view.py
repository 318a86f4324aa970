"""NotifyEvent per charger (2.0.1 N07, its monitors' reports): the events the station layer
kept (``Station.notify_events``, each a NotifyEvent ``eventData`` item), newest first."""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtWidgets import (
    QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

from .page_parts import hint

COLUMNS = ("Time", "Component", "Variable", "Value", "Trigger", "Kind", "Cleared")


def event_cells(event: Any) -> list[str]:
    """One eventData item as the table's cells (missing parts empty)."""
    if not isinstance(event, dict):
        return [""] * (len(COLUMNS) - 1) + [str(event)]
    component = event.get("component") or {}
    evse = component.get("evse") or {}
    where = component.get("name", "")
    if evse.get("id") is not None:
        where += f" (EVSE {evse['id']}" + (f"/{evse['connectorId']}"
                                          if evse.get("connectorId") is not None else "") + ")"
    variable = event.get("variable") or {}
    name = variable.get("name", "") + (f"[{variable['instance']}]"
                                       if variable.get("instance") else "")
    cleared = event.get("cleared")
    return [str(event.get("timestamp", "")).replace("T", " ")[:19], where, name,
            str(event.get("actualValue", "")), str(event.get("trigger", "")),
            str(event.get("eventNotificationType", "")),
            "" if cleared is None else ("yes" if cleared else "no")]


class EventsView(QWidget):
    """The charger's NotifyEvent reports, refreshed when its station changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Events (NotifyEvent)</b>"))
        self.note = hint()
        layout.addWidget(self.note)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self._shown: tuple[int, Any] | None = None
        self.show_events(None)

    def show_events(self, events: Iterable[Any] | None) -> None:
        """``events``: the station's ``notify_events`` (None: the studio keeps none)."""
        if events is None:
            self._shown = None
            self.note.setText("This charger's events are not kept by this version of the "
                              "studio; they are in the Messages tab (NotifyEvent).")
            self.table.setRowCount(0)
            return
        items = list(events)
        key = (len(items), items[-1] if items else None)
        if key == self._shown:
            return
        self._shown = key
        self.note.setText(
            f"{len(items)} event{'s' if len(items) != 1 else ''} reported since the studio "
            "started, newest first. A monitor set with SetVariableMonitoring reports here."
            if items else "No NotifyEvent from this charger yet. Set a monitor "
            "(SetVariableMonitoring) and the charger reports when it trips.")
        self.table.setRowCount(len(items))
        for row, event in enumerate(reversed(items)):
            for column, text in enumerate(event_cells(event)):
                self.table.setItem(row, column, QTableWidgetItem(text))
