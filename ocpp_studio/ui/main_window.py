"""The main window: chargers on the left, the live message list and one message in full on the right."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QMainWindow, QPushButton,
    QSplitter, QTableView, QVBoxLayout, QWidget,
)

from ..capture.store import CaptureStore
from ..core.records import ConnectionEvent, FrameRecord
from ..station.central import CentralSystem
from ..station.model import Station
from .charger_list import ChargerList
from .detail_pane import FrameDetail
from .message_model import Column, MessageFeed, MessageFilterProxy, MessageTableModel
from .send_dialog import SendMessageDialog

COLUMN_WIDTHS = {
    Column.TIME: 100, Column.CHARGER: 110, Column.DIRECTION: 90, Column.TYPE: 70,
    Column.ACTION: 200, Column.UNIQUE_ID: 130, Column.LATENCY: 75,
}


class MainWindow(QMainWindow):
    """Observes the central system and the capture store; issues commands through dialogs."""

    closed = Signal()

    def __init__(self, central: CentralSystem, store: CaptureStore, *,
                 urls: list[str] | None = None, capture_path: str | Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        self.store = store
        self.setWindowTitle("OCPP Studio")
        self.resize(1360, 860)

        # ------------------------------------------------------------ models
        self.model = MessageTableModel(self)
        self.proxy = MessageFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.feed = MessageFeed(self.model, self, state_lookup=self._call_state)

        # ----------------------------------------------------------- widgets
        self.chargers = ChargerList()
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.detail = FrameDetail()

        self.count_label = QLabel()
        self.problems_only = QCheckBox("Show problems only")
        self.problems_only.setToolTip("Only messages that were refused, broke the OCPP schema, "
                                      "got an error, timed out or could not be read.")
        messages_bar = QHBoxLayout()
        messages_bar.setContentsMargins(0, 0, 0, 0)
        messages_bar.addWidget(QLabel("<b>Messages</b>"))
        messages_bar.addSpacing(12)
        messages_bar.addWidget(self.count_label)
        messages_bar.addStretch(1)
        messages_bar.addWidget(self.problems_only)
        messages = QWidget()
        messages_layout = QVBoxLayout(messages)
        messages_layout.setContentsMargins(0, 0, 0, 0)
        messages_layout.addLayout(messages_bar)
        messages_layout.addWidget(self.table, 1)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(messages)
        right.addWidget(self.detail)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([520, 300])
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.addWidget(self.chargers)
        self.main_splitter.addWidget(right)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([340, 1020])
        container = QWidget()
        outer = QVBoxLayout(container)
        outer.setContentsMargins(8, 8, 8, 4)
        outer.addWidget(self.main_splitter)
        self.setCentralWidget(container)

        self._build_actions()
        self._build_status_bar(capture_path if capture_path is not None else store.path)
        self.set_urls(urls or [])

        # ----------------------------------------------------------- signals
        self.chargers.charger_selected.connect(self._filter_charger)
        self.problems_only.toggled.connect(self.proxy.set_problems_only)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.proxy.rowsAboutToBeInserted.connect(self._remember_scroll)
        self.proxy.rowsInserted.connect(self._follow_newest)
        self.feed.flushed.connect(self._update_count)
        self._at_bottom = True

        # Station changes can come with every frame; repaint cards at most every 150 ms.
        self._dirty: dict[str, Station] = {}
        self._station_timer = QTimer(self)
        self._station_timer.setInterval(150)
        self._station_timer.timeout.connect(self._refresh_stations)
        self._station_timer.start()

        store.add_listener(self.feed.on_record)
        central.add_listener(self._on_station)
        for station in central.stations.values():
            self.chargers.update_station(station)
        self._update_count()
        self._send_dialog: SendMessageDialog | None = None

    # ------------------------------------------------------------- building
    def _build_actions(self) -> None:
        self.send_action = QAction("Send message…", self)
        self.send_action.setShortcut(QKeySequence("Ctrl+M"))
        self.send_action.setStatusTip("Send any OCPP message to a connected charger (experts)")
        self.send_action.triggered.connect(self.open_send_dialog)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(quit_action)
        charger_menu = self.menuBar().addMenu("&Charger")
        charger_menu.addAction(self.send_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.send_action)

    def _build_status_bar(self, capture_path: str | Path) -> None:
        # Our own widgets instead of QStatusBar.showMessage, which would hide the URL.
        bar = self.statusBar()
        self.url_label = QLabel()
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy URL")
        self.copy_button.setToolTip("Copy the URL to type into the charger's backend setting")
        self.copy_button.clicked.connect(self.copy_url)
        self.notice_label = QLabel()
        self.notice_label.setStyleSheet("QLabel { color: #8e5a00; }")
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice_label.clear)
        self.capture_label = QLabel(f"Capture file: {capture_path}")
        self.capture_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.capture_label.setToolTip("Every message is saved in this file as it arrives")
        self.capture_label.setStyleSheet("QLabel { color: #555; }")
        panel = QWidget()
        row = QHBoxLayout(panel)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.url_label)
        row.addWidget(self.copy_button)
        row.addSpacing(16)
        row.addWidget(self.notice_label, 1)
        row.addWidget(self.capture_label)
        bar.addWidget(panel, 1)

    def notify(self, text: str, timeout_ms: int = 5000) -> None:
        """A short note in the status bar that does not hide the URL."""
        self.notice_label.setText(text)
        self._notice_timer.start(timeout_ms)

    # ----------------------------------------------------------------- urls
    def set_urls(self, urls: list[str]) -> None:
        self.urls = list(urls)
        if urls:
            shown = urls[0] + (f"  (also {', '.join(urls[1:])})" if len(urls) > 1 else "")
            self.url_label.setText(f"Chargers connect to: <b>{shown}</b>")
        else:
            self.url_label.setText("The central system is not listening")
        self.copy_button.setEnabled(bool(urls))
        self.chargers.set_urls(self.urls)

    def copy_url(self) -> None:
        if self.urls:
            QGuiApplication.clipboard().setText(self.urls[0])
            self.notify(f"Copied {self.urls[0]}", 3000)

    # ------------------------------------------------------------ observing
    def _on_station(self, station: Station) -> None:
        self._dirty[station.charger_id] = station

    def _refresh_stations(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        for station in dirty.values():
            self.chargers.update_station(station)
        if self._send_dialog is not None and self._send_dialog.isVisible():
            self._send_dialog.refresh_chargers()

    def _call_state(self, call_id: int) -> str | None:
        record = self.store.frame(call_id)
        return record.state if record else None

    def _update_count(self, _batch: int = 0) -> None:
        total = self.model.rowCount()
        problems = self.model.problem_count
        text = f"{total:,} message{'s' if total != 1 else ''}"
        if problems:
            text += f" · <span style='color:#c62828;'><b>{problems:,} with problems</b></span>"
        self.count_label.setText(text)

    # ----------------------------------------------------------- message list
    def _filter_charger(self, charger_id: str | None) -> None:
        self.proxy.set_charger(charger_id)
        self.table.scrollToBottom()

    def _remember_scroll(self, *args: object) -> None:
        bar = self.table.verticalScrollBar()
        self._at_bottom = bar.value() >= bar.maximum() - 4

    def _follow_newest(self, *args: object) -> None:
        if self._at_bottom:
            self.table.scrollToBottom()

    def _show_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.detail.show_record(self.proxy.record_at(current.row()) if current.isValid() else None)

    def select_row(self, row: int) -> None:
        index = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def visible_records(self) -> list[FrameRecord | ConnectionEvent]:
        return [self.proxy.record_at(row) for row in range(self.proxy.rowCount())]

    # ---------------------------------------------------------------- send
    def open_send_dialog(self) -> SendMessageDialog:
        if self._send_dialog is None:
            self._send_dialog = SendMessageDialog(self.central, self,
                                                  self.chargers.selected_charger())
        else:
            self._send_dialog.refresh_chargers(self.chargers.selected_charger())
        self._send_dialog.show()
        self._send_dialog.raise_()
        return self._send_dialog

    # -------------------------------------------------------------- closing
    def closeEvent(self, event: QCloseEvent) -> None:
        self.detach()
        super().closeEvent(event)
        self.closed.emit()

    def detach(self) -> None:
        """Stop observing: after this nothing calls into the window."""
        self.store.remove_listener(self.feed.on_record)
        self.central.remove_listener(self._on_station)
        self.feed.stop()
        self._station_timer.stop()
