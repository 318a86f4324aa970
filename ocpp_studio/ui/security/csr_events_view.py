"""Security tab › Certificate signing requests (SignCertificate → CertificateSigned, with the
checks and what became of each; Approve / Reject when Preferences say "ask") and › Security
events (SecurityEventNotification: type, time, tech info; critical ones highlighted)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from ...station.security_state import csr_words
from ..common import theme
from ..common.formatting import local_time
from ..common.operations import AsyncOp, failure_text
from .security_words import parse_time

if TYPE_CHECKING:
    from ...station.central import CentralSystem
    from ...station.model import Station

OUTCOME_WORDS = {"pending": "Waiting for your approval", "rejected": "Rejected",
                 "signing": "Signing", "sent": "Sent, no answer yet",
                 "installed": "Installed (charger accepted)",
                 "refused-by-charger": "Refused by the charger",
                 "not-delivered": "Not delivered"}


def _table(headers: list[str], stretch: int) -> QTableWidget:
    """A read-only table: every column as wide as its contents, ``stretch`` taking the rest."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == stretch
                                    else QHeaderView.ResizeMode.ResizeToContents)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    table.setMinimumHeight(100)
    return table


def _set_row(table: QTableWidget, texts: list[str], level: str = "",
             data: Any = None, tooltip: str = "") -> None:
    row = table.rowCount()
    table.insertRow(row)
    for column, text in enumerate(texts):
        item = QTableWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, data)
        item.setToolTip(tooltip or text)
        if level:
            item.setBackground(theme.ROW_BACKGROUND[level])
            item.setForeground(theme.ROW_FOREGROUND[level])
        table.setItem(row, column, item)


class CsrBox(QGroupBox):
    """The charger's CSRs, newest first, with Approve / Reject for pending ones."""

    def __init__(self, central: CentralSystem, parent: QWidget | None = None) -> None:
        super().__init__("Certificate signing requests (CSRs)", parent)
        self.central = central
        self.charger_id: str | None = None
        self.operation: AsyncOp[Any] | None = None
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(theme.MUTED_LABEL_STYLE)
        layout.addWidget(self.note)
        self.table = _table(["Received", "Checks", "Outcome"], 1)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton("Approve and sign")
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button = QPushButton("Reject")
        self.reject_button.clicked.connect(self.reject_selected)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        self._pending: set[int] = set()

    def show_station(self, station: Station | None) -> None:
        selected = self.selected_csr()
        self.charger_id = station.charger_id if station else None
        self.table.setRowCount(0)
        self._pending = set()
        policy = getattr(self.central.settings, "sign_csrs", "auto")
        self.note.setText({"auto": "CSRs that pass every check are signed automatically.",
                           "ask": "Each CSR that passes every check waits for you: select "
                                  "it and Approve or Reject.",
                           "never": "CSRs are answered Rejected (Preferences › Security)."}
                          .get(policy, ""))
        records = list(station.security.csrs) if station else []
        for record in reversed(records):
            level = ("error" if record.outcome in ("rejected", "refused-by-charger",
                                                   "not-delivered")
                     else "warning" if record.outcome == "pending" else "")
            checks = "; ".join(record.problems) or record.check_summary or "every check passed"
            _set_row(self.table, [local_time(record.received_us, with_date=False)[:8],
                                  checks, OUTCOME_WORDS.get(record.outcome, record.outcome)],
                     level, record.id, csr_words(record))
            if record.outcome == "pending":
                self._pending.add(record.id)
            if record.id == selected:
                self.table.selectRow(self.table.rowCount() - 1)
        if not records:
            self.note.setText(self.note.text() + " The charger has sent no CSR yet.")
        self.table.resizeRowsToContents()
        self._update_buttons()

    def selected_csr(self) -> int | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        busy = self.operation is not None and self.operation.running()
        pending = self.selected_csr() in self._pending
        self.approve_button.setVisible(bool(self._pending))
        self.reject_button.setVisible(bool(self._pending))
        self.approve_button.setEnabled(pending and not busy)
        self.reject_button.setEnabled(pending and not busy)

    def _said(self, ok: bool, words: str) -> None:
        colour = theme.OUTCOME_OK_TEXT if ok else theme.OUTCOME_FAILED_TEXT
        self.outcome.setText(f'<span style="color:{colour};">{html.escape(words)}</span>')

    def approve_selected(self) -> AsyncOp[Any] | None:
        csr_id, charger = self.selected_csr(), self.charger_id
        if csr_id is None or charger is None:
            return None
        self._said(True, "Signing the CSR and sending CertificateSigned…")

        async def work() -> None:
            record = await self.central.certificates.approve(charger, csr_id)
            self._said(record.outcome == "installed", csr_words(record))

        def failed(exc: BaseException) -> None:
            self._said(False, f"Not signed: {failure_text(exc)}")
            self._update_buttons()
        self.operation = AsyncOp(self, work, on_success=lambda _r: self._update_buttons(),
                                 on_failure=failed).run()
        self._update_buttons()
        return self.operation

    def reject_selected(self) -> None:
        csr_id, charger = self.selected_csr(), self.charger_id
        if csr_id is None or charger is None:
            return
        try:
            record = self.central.certificates.reject(charger, csr_id)
        except (KeyError, ValueError) as exc:
            self._said(False, str(exc))
            return
        self._said(True, csr_words(record))


class EventsBox(QGroupBox):
    """SecurityEventNotification from the charger, newest first; critical ones in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Security events", parent)
        layout = QVBoxLayout(self)
        self.alert = QLabel()
        self.alert.setWordWrap(True)
        layout.addWidget(self.alert)
        self.table = _table(["Time", "Type", "Tech info"], 2)
        layout.addWidget(self.table)

    def show_station(self, station: Station | None) -> None:
        self.table.setRowCount(0)
        events = list(station.security.events) if station else []
        alerts = [e for e in events if e.alert]
        if alerts:
            self.alert.setText(
                f'<span style="color:{theme.PROBLEM_TEXT};"><b>⚠ {len(alerts)} critical '
                f"security event(s)</b>, the last: {html.escape(alerts[-1].type)}. Check the "
                "charger on site (tamper, firmware, certificates).</span>")
        else:
            self.alert.setText(f'<span style="color:{theme.MUTED_TEXT};">'
                               + ("No critical security event." if events else
                                  "The charger has sent no security event.") + "</span>")
        for event in reversed(events):
            level = "error" if event.alert else ("warning" if event.critical else "")
            kind = event.type + (" (critical)" if event.critical else "")
            _set_row(self.table, [event_time(event.timestamp, event.received_us), kind,
                                  event.tech_info or ""], level,
                     tooltip=f"The charger's time: {event.timestamp or 'not given'}")
        self.table.resizeRowsToContents()


def event_time(timestamp: str | None, received_us: int) -> str:
    """The charger's own time of an event, local, with the day when it is not today's."""
    moment = parse_time(timestamp)
    if moment is None:
        return local_time(received_us, with_date=False)[:8]
    local = moment.astimezone()
    today = datetime.now().astimezone().date()
    return local.strftime("%H:%M:%S" if local.date() == today else "%Y-%m-%d %H:%M:%S")
