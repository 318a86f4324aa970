"""The Operations tab (issue 16 §1): the selected charger's operations as forms.

On the left the operations of the charger's OCPP version, grouped (Charging, Charger,
Authorisation, Smart charging, Privacy, Monitoring, Logs & firmware, Certificates); on the
right the chosen operation's form and, under it, the charger's last answer in plain words
with what followed on the wire linked to the Messages tab. Which operations exist and their
fields come from the station layer's catalogue (``station/operations.py``); sending goes
through ``run_operation`` (``operation_runner``), as the CLI ``op`` command and the API do.

Parts: ``operation_groups`` (grouping, words), ``operation_form`` / ``operation_page`` (a
form), ``result_view`` (the answer), ``local_list_editor``, ``events_view`` (NotifyEvent),
``operation_runner`` (the danger question) and ``charger_menu`` (the card's menu).
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame, QLabel, QPushButton, QScrollArea, QSplitter, QStackedWidget, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from ...core.versions import OcppVersion
from ...station.central import CentralSystem
from ...core.rpc import ConnectionClosed
from ...station.operations import OperationError, operations_for
from ..common import theme
from ..common.operations import AsyncOp, failure_text, is_running
from .events_view import EventsView
from .firmware_view import FirmwareView
from .logs_view import LogsView
from .local_list_editor import LocalListEditor
from .operation_groups import grouped
from .operation_page import OperationPage
from .operation_runner import run_with_confirmation
from .result_view import ResultView

if TYPE_CHECKING:
    from ...service import Studio

log = logging.getLogger(__name__)

PAGE_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_MS = 150
LOCAL_LIST, EVENTS, LOGS, FIRMWARE = "local-list", "events", "logs", "firmware"
TRANSFERS_GROUP = "Logs & firmware"


class OperationsPanel(QWidget):
    """One charger's operations; ``set_charger`` chooses the charger."""

    #: (charger, operation name, OperationResult) after every answer
    result_ready = Signal(str, str, object)
    #: a linked frame was clicked: select it in the Messages tab
    frame_requested = Signal(int)
    #: "Charging hours" was asked for (the week view of the schedule lives there)
    charging_hours_requested = Signal()

    def __init__(self, central: CentralSystem, studio: "Studio | None" = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        self.studio = studio
        self.charger: str | None = None
        self.version: OcppVersion | None = None
        self.pages: dict[str, QWidget] = {}  # operation name (or LOCAL_LIST, EVENTS) -> page
        self.items: dict[str, QTreeWidgetItem] = {}
        self.running: dict[str, AsyncOp[Any]] = {}  # charger -> its operation in flight
        self.results: dict[str, tuple[str, Any]] = {}  # charger -> (title, last result)
        self.last_op: AsyncOp[Any] | None = None
        self.local_list: LocalListEditor | None = None
        self.events: EventsView | None = None
        self.logs: LogsView | None = None
        self.firmware: FirmwareView | None = None
        #: the newest progress of each transfer, shown at most every PROGRESS_MS
        self._progress: dict[str, Any] = {}
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._show_progress)
        self._build()
        transfers = getattr(central, "transfers", None)
        if transfers is not None:
            transfers.progress.connect(self._on_progress)
        self.set_charger(None)

    # ----------------------------------------------------------------- layout
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.header = QLabel("")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        layout.addWidget(self.header)
        layout.addWidget(self.state)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumWidth(200)
        self.tree.currentItemChanged.connect(self._item_chosen)
        splitter.addWidget(self.tree)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        self.stack = QStackedWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.stack)
        right_layout.addWidget(scroll, 3)
        self.result_view = ResultView()
        self.result_view.frame_requested.connect(self.frame_requested)
        right_layout.addWidget(self.result_view, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 740])
        layout.addWidget(splitter, 1)
        self.splitter = splitter

    def _rebuild(self, version: OcppVersion | None) -> None:
        """The tree and the pages for ``version``'s operations."""
        current = self.current_page_key()
        self.tree.blockSignals(True)
        self.tree.clear()
        for page in self.pages.values():
            if self.stack.indexOf(page) >= 0:
                self.stack.removeWidget(page)
                page.deleteLater()
        self.pages, self.items = {}, {}
        self.local_list = self.events = None
        self.logs, self.firmware = None, None
        self.version = version
        if version is not None:
            transfers = getattr(self.central, "transfers", None)
            keep = (TRANSFERS_GROUP,) if transfers is not None else ()
            for group, ops in grouped(operations_for(version), keep):
                parent = QTreeWidgetItem([group])
                parent.setFlags(parent.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                self.tree.addTopLevelItem(parent)
                if group == TRANSFERS_GROUP and transfers is not None:
                    self._add_transfer_pages(parent, transfers)  # first: the guided ones
                for op in ops:
                    self._add_operation(parent, op, version)
                if group == "Monitoring":
                    self.events = EventsView()
                    self._add_page(parent, EVENTS, "Events (NotifyEvent)", self.events)
            self.tree.expandAll()
        self.tree.blockSignals(False)
        self.show_page(current if current in self.pages else None)

    def _add_operation(self, parent: QTreeWidgetItem, op: Any, version: OcppVersion) -> None:
        if op.name in LocalListEditor.NAMES:  # both run from the one editor
            if self.local_list is None:
                self.local_list = LocalListEditor(self.send)
                self._add_page(parent, LOCAL_LIST, "Local authorisation list", self.local_list)
            self.pages[op.name] = self.local_list
            return
        page = OperationPage(op.describe(version), self.send)
        if op.name == "composite-schedule":
            button = QPushButton("Show on the week (Charging hours)…")
            button.setToolTip("The Charging hours tab draws what the charger will do over "
                              "the week")
            button.clicked.connect(self.charging_hours_requested)
            page.extra.addWidget(button)
        self._add_page(parent, op.name, op.title, page)

    def _add_transfer_pages(self, parent: QTreeWidgetItem, transfers: Any) -> None:
        self.logs = LogsView(transfers)
        self.firmware = FirmwareView(transfers)
        for view in (self.logs, self.firmware):
            view.frame_requested.connect(self.frame_requested)
        self._add_page(parent, LOGS, "Fetch a log", self.logs)
        self._add_page(parent, FIRMWARE, "Update firmware", self.firmware)

    def _add_page(self, parent: QTreeWidgetItem, key: str, text: str, page: QWidget) -> None:
        item = QTreeWidgetItem([text])
        item.setData(0, PAGE_ROLE, key)
        parent.addChild(item)
        self.items[key] = item
        self.pages[key] = page
        self.stack.addWidget(page)

    # ------------------------------------------------------------ navigation
    def _item_chosen(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        key = item.data(0, PAGE_ROLE)
        if key is None and item.childCount():  # a group: its first operation
            self.tree.setCurrentItem(item.child(0))
            return
        page = self.pages.get(key)
        if page is not None:
            self._show(page)

    def current_page_key(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, PAGE_ROLE) if item is not None else None

    def show_page(self, key: str | None) -> QWidget | None:
        """Show the page of an operation (or LOCAL_LIST / EVENTS); None: the first one."""
        if key is None:
            key = next(iter(self.items), None)
        page = self.pages.get(key) if key is not None else None
        if page is None:
            return None
        item = next((i for k, i in self.items.items() if self.pages[k] is page), None)
        if item is not None:
            self.tree.setCurrentItem(item)
        self._show(page)
        return page

    def _show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        # transfers and events show their own progress: the answer box is for operations
        self.result_view.setVisible(not isinstance(page, (LogsView, FirmwareView,
                                                          EventsView)))

    def page(self, name: str) -> QWidget | None:
        return self.pages.get(name)

    # --------------------------------------------------------------- charger
    def set_charger(self, charger_id: str | None) -> None:
        """Show ``charger_id``'s operations (None: no charger selected)."""
        changed = charger_id != self.charger
        self.charger = charger_id
        station = self.central.stations.get(charger_id) if charger_id else None
        version = station.version if station is not None else None
        if version != self.version or not self.items:
            self._rebuild(version)
        if changed and self.local_list is not None:
            self.local_list.reset()
        for view in (self.logs, self.firmware):
            if view is not None and (changed or view.charger != charger_id):
                view.set_charger(charger_id)
        self.refresh_connection()
        shown = self.results.get(charger_id) if charger_id else None
        if charger_id is not None and is_running(self.running.get(charger_id)):
            self.result_view.show_busy(self._busy_words(charger_id))
        elif shown is not None:
            self.result_view.show_result(*shown)
        else:
            self.result_view.clear("Nothing sent yet." if charger_id else "")

    def unavailable_reason(self, charger_id: str | None = None) -> str:
        """Why nothing can be sent to the charger now ("" when it can)."""
        charger_id = charger_id or self.charger
        if charger_id is None:
            return "Select a charger on the left."
        station = self.central.stations.get(charger_id)
        if station is None or station.version is None:
            return (f"{charger_id} is not connected to this studio (it is watched through "
                    "the proxy or a serial console, or never connected): operations need "
                    "it connected here.")
        if not station.connected:
            return (f"{charger_id} is not connected, so nothing can be sent to it. The "
                    "operations come back when it reconnects.")
        return ""

    def refresh_connection(self) -> None:
        """The charger's state changed (connected, NotifyEvent...): update what can be sent."""
        charger = self.charger
        station = self.central.stations.get(charger) if charger else None
        if station is not None and station.version != self.version:
            self._rebuild(station.version)
        reason = self.unavailable_reason()
        busy = charger is not None and is_running(self.running.get(charger))
        self._show_header(station, reason)
        sendable = not reason and not busy
        why = reason or (self._busy_words(charger) if busy else "")
        for page in set(self.pages.values()):
            if isinstance(page, (OperationPage, LocalListEditor, LogsView, FirmwareView)):
                page.set_sendable(sendable, why)
        if self.events is not None:
            self.events.show_events(getattr(station, "notify_events", None)
                                    if station is not None else None)

    def _show_header(self, station: Any, reason: str) -> None:
        if self.charger is None:
            self.header.setText("<b>Operations</b>")
            theme.show_status(self.state, "idle", "Select a charger on the left to see its "
                                                  "operations.")
            return
        parts = [f"<b>{html.escape(self.charger)}</b>"]
        if station is not None and station.version is not None:
            parts.append(f"OCPP {html.escape(station.version.label)}")
            maker = " ".join(p for p in (station.vendor, station.model) if p)
            if maker:
                parts.append(html.escape(maker))
            if station.firmware:
                parts.append(f"firmware {html.escape(station.firmware)}")
        self.header.setText(" · ".join(parts))
        if reason:
            theme.show_status(self.state, "error", reason)
        else:
            theme.show_status(self.state, "ok", "Connected: what you send goes to the "
                                                "charger now, and its answer shows below.")

    # ---------------------------------------------------------------- sending
    def send(self, name: str, title: str, fields: dict[str, Any]) -> AsyncOp[Any] | None:
        """Run operation ``name`` on the charger on view (asking first when dangerous)."""
        charger = self.charger
        reason = self.unavailable_reason(charger)
        if reason or charger is None:
            self.result_view.show_failure(reason)
            return None
        if is_running(self.running.get(charger)):
            self.result_view.show_busy(self._busy_words(charger))
            return None
        self.result_view.show_busy(f"{title}: waiting for {charger}'s answer and for what "
                                   "follows on the wire…")
        op: AsyncOp[Any] = AsyncOp(
            self, lambda: run_with_confirmation(self, self.central, charger, name, title,
                                                fields),
            on_success=lambda result: self._answered(charger, name, title, result),
            on_failure=lambda exc: self._failed(charger, title, exc),
            failure_title=f"{title} failed")
        op.title = title  # type: ignore[attr-defined] - for the busy words
        self.running[charger] = op
        self.last_op = op.run()
        self.refresh_connection()
        return op

    def run_quick(self, name: str, fields: dict[str, Any]) -> AsyncOp[Any] | None:
        """From the card's menu: show the operation's form filled in, then send it."""
        page = self.show_page(name)
        if isinstance(page, OperationPage):
            page.form.set_values(fields)
            return page.send()
        return None

    def _busy_words(self, charger: str) -> str:
        op = self.running.get(charger)
        title = getattr(op, "title", "An operation")
        return f"{title} is running on {charger}: waiting for its answer and what follows."

    def _answered(self, charger: str, name: str, title: str, result: Any) -> None:
        self.running.pop(charger, None)
        self.results[charger] = (title, result)
        if charger == self.charger:
            self.result_view.show_result(title, result)
            page = self.pages.get(name)
            if isinstance(page, LocalListEditor):
                page.on_result(name, result)
        self.refresh_connection()
        self.result_ready.emit(charger, name, result)

    def _failed(self, charger: str, title: str, exc: BaseException) -> None:
        self.running.pop(charger, None)
        sent_nothing = isinstance(exc, (OperationError, ConnectionClosed))
        words = (f"Not sent: {failure_text(exc)}" if sent_nothing
                 else f"{title} failed: {failure_text(exc)}")
        log.info("%s on %s: %s", title, charger, words)
        self.results.pop(charger, None)
        if charger == self.charger:
            self.result_view.show_failure(words)
        self.refresh_connection()

    # -------------------------------------------------------------- transfers
    def _on_progress(self, progress: Any) -> None:
        """Every transfer's every change (file server bytes too): shown at most every
        PROGRESS_MS, the newest state of each."""
        if not isValid(self):
            return
        self._progress[progress.id] = progress
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _show_progress(self) -> None:
        pending, self._progress = self._progress, {}
        for progress in pending.values():
            for view in (self.logs, self.firmware):
                if view is not None:
                    view.on_progress(progress)

    def detach(self) -> None:
        """Stop observing the transfers (the window closes)."""
        transfers = getattr(self.central, "transfers", None)
        if transfers is not None:
            transfers.progress.disconnect(self._on_progress)
        self._progress_timer.stop()
