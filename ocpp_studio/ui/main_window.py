"""The main window: chargers on the left; the message inspector on the right (filter bar,
the virtual message list over the capture database, and the selected request/answer pair).

Opening a capture file switches the *view* to that file; the live central system keeps
running and keeps recording into the live capture, and the charger list stays live.
"Back to live capture" returns the view to the live capture (see ``open_capture``).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import logging
import re
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction, QCloseEvent, QCursor, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMainWindow,
    QMenu, QMessageBox, QProgressDialog, QPushButton, QSplitter, QTableView, QTabWidget,
    QToolButton, QVBoxLayout, QWidget,
)

from ..capture.redaction import redact_raw
from ..capture.jsonl import ImportCancelled, export_jsonl, export_jsonl_file, import_jsonl
from ..capture.query import (
    FrameFilter, FrameIndex, distinct_actions, distinct_chargers, is_problem, next_problem_row,
    time_bounds,
)
from ..capture.store import CaptureStore
from ..core.records import ConnectionEvent, FrameRecord
from ..station.central import CentralSystem
from ..station.model import Station
from .inspector.charger_list import ChargerList
from .configuration.config_editor import ConfigEditor
from .inspector.detail_pane import FrameDetail
from .inspector.filter_bar import FilterBar
from .inspector.message_model import Column, HEADERS, MessageFeed, MessageTableModel
from .charging_hours.offpeak_panel import OffPeakPanel
from .power.power_panel import PowerPanel
from .common.preferences import ViewPreferences
from .common.preferences_dialog import (
    PreferenceValues, PreferencesDialog, changed_fields, save_preferences,
)
from .sources.proxy_panel import ProxyPanel
from .inspector.send_dialog import SendMessageDialog
from .sources.serial_panel import SerialPanel

if TYPE_CHECKING:
    from .inspector.timeline_dialog import TimelineDialog

log = logging.getLogger(__name__)

COLUMN_WIDTHS = {
    Column.TIME: 100, Column.CHARGER: 110, Column.DIRECTION: 90, Column.TYPE: 70,
    Column.ACTION: 170, Column.UNIQUE_ID: 265, Column.LATENCY: 75,  # a whole UUID id
}
CAPTURE_SUFFIXES = {".jsonl", ".json", ".ndjson", ".db", ".sqlite", ".sqlite3"}
JSONL_SUFFIXES = {".jsonl", ".json", ".ndjson"}


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def is_capture_database(path: Path) -> bool:
    """A SQLite file with our frames table, checked read-only (we never touch other files)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='frames'"
                             ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None


def skipped_lines_text(errors: list[str], shown: int = 10) -> str:
    """'Skipped 3 damaged lines: 4, 17, 230' from import errors ("line N: why"); '' if none."""
    if not errors:
        return ""
    numbers = [m.group(1) for e in errors if (m := re.match(r"line (\d+)", e))]
    where = ", ".join(numbers[:shown]) + (", …" if len(numbers) > shown else "")
    plural = "s" if len(errors) != 1 else ""
    return (f"Skipped {len(errors)} damaged line{plural}: {where}" if where
            else f"Skipped {len(errors)} damaged line{plural}: {errors[0]}")


class MainWindow(QMainWindow):
    """Observes the central system and the capture store; issues commands through dialogs."""

    closed = Signal()

    def __init__(self, central: CentralSystem, store: CaptureStore, *,
                 urls: list[str] | None = None, capture_path: str | Path | None = None,
                 preferences: ViewPreferences | None = None,
                 metering: object | None = None, one_second: object | None = None,
                 configuration: object | None = None,
                 smart_charging: object | None = None,
                 commissioning: object | None = None, studio: object | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        #: commissioning: the studio's commissioning service (optional); studio: what a
        #: CommissioningRun talks through (see open_commissioning)
        self.commissioning = commissioning
        self.studio = studio
        self.wizard = None  # the open CommissioningWizard, if any
        self.live_store = store
        self.store = store  # the capture the view shows
        self.live_capture_path = str(capture_path if capture_path is not None else store.path)
        self.preferences = preferences or ViewPreferences()
        #: settings.json that Preferences writes (None = the user's, in the config dir)
        self.settings_path: Path | None = None
        self.preferences_task: asyncio.Future | None = None
        self.preferences_dialog: PreferencesDialog | None = None  # the last one opened
        self.opened_path: Path | None = None  # the capture file on view, None = live
        self._opened_store: CaptureStore | None = None
        self._temp_dir: str | None = None
        self._total = 0
        self._problems = 0
        self._first_ts: int | None = None
        self._syncing_charger = False
        self._auto_scrolling = False
        self._timeline: TimelineDialog | None = None
        self.import_dialog: QProgressDialog | None = None  # while a .jsonl capture opens
        self.setWindowTitle("OCPP Studio")
        self.resize(1360, 860)
        self.setAcceptDrops(True)

        # ------------------------------------------------------------ models
        self.model = MessageTableModel(store, self)
        self.model.set_utc(self.preferences.show_utc)
        self.feed = MessageFeed(self.model, self)

        # ----------------------------------------------------------- widgets
        self.chargers = ChargerList()
        self.filter_bar = FilterBar()
        self.filter_bar.set_utc(self.preferences.show_utc)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        # ScrollPerItem: with a million rows, per-pixel scrolling overflows nothing but
        # makes the scroll bar uselessly fine-grained; whole rows read better anyway.
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.setStyleSheet("QTableView { selection-background-color: #2f6fb5; "
                                 "selection-color: white; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.detail = FrameDetail()
        self.detail.utc = self.preferences.show_utc

        # header row of the message list: counts, problem navigation, follow newest
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.RichText)
        self.prev_problem_button = QToolButton()
        self.prev_problem_button.setText("◀ Previous problem")
        self.prev_problem_button.setToolTip("Select the previous problem message (Shift+F8)")
        self.next_problem_button = QToolButton()
        self.next_problem_button.setText("Next problem ▶")
        self.next_problem_button.setToolTip("Select the next problem message (F8)")
        self.follow_button = QToolButton()
        self.follow_button.setText("Follow newest")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setStyleSheet(
            "QToolButton { padding: 3px 8px; border: 1px solid #b8c0cc; border-radius: 3px; }"
            "QToolButton:checked { background: #dbe8f7; border-color: #5b8fd0; "
            "color: #123e72; font-weight: 600; }")
        self.follow_button.setToolTip("Keep the newest message in view. Turns off when you "
                                      "scroll up, on again when you scroll to the bottom.")
        messages_bar = QHBoxLayout()
        messages_bar.setContentsMargins(0, 0, 0, 0)
        messages_bar.addWidget(QLabel("<b>Messages</b>"))
        messages_bar.addSpacing(12)
        messages_bar.addWidget(self.count_label)
        messages_bar.addStretch(1)
        messages_bar.addWidget(self.prev_problem_button)
        messages_bar.addWidget(self.next_problem_button)
        messages_bar.addSpacing(8)
        messages_bar.addWidget(self.follow_button)

        # shown while a capture file is on view
        self.file_banner = QWidget()
        self.file_banner.setObjectName("fileBanner")
        self.file_banner.setStyleSheet("#fileBanner { background: #fff6dd; border: 1px solid "
                                       "#e5c46b; border-radius: 4px; }")
        banner_row = QHBoxLayout(self.file_banner)
        banner_row.setContentsMargins(8, 4, 4, 4)
        self.file_label = QLabel()
        self.file_label.setTextFormat(Qt.TextFormat.RichText)
        self.file_label.setWordWrap(True)
        self.back_button = QPushButton("Back to live capture")
        self.back_button.clicked.connect(self.back_to_live)
        banner_row.addWidget(self.file_label, 1)
        banner_row.addWidget(self.back_button)
        self.file_banner.hide()

        messages = QWidget()
        messages_layout = QVBoxLayout(messages)
        messages_layout.setContentsMargins(0, 0, 0, 0)
        messages_layout.setSpacing(4)
        messages_layout.addWidget(self.file_banner)
        messages_layout.addLayout(messages_bar)
        messages_layout.addWidget(self.filter_bar)
        messages_layout.addWidget(self.table, 1)

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.addWidget(messages)
        self.right_splitter.addWidget(self.detail)
        self.right_splitter.setStretchFactor(0, 3)
        self.right_splitter.setStretchFactor(1, 2)
        self.right_splitter.setSizes([480, 340])
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        # the message inspector and the live power plot, side by side as tabs
        self.power_panel = PowerPanel(central, metering, one_second)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.right_splitter, "Messages")
        self.tabs.addTab(self.power_panel, "Power")
        self.tabs.setTabToolTip(1, "Live power of the selected charger, its reporting cadence "
                                   "and 1-second power")
        self.config_editor = ConfigEditor(configuration, central)
        self.tabs.addTab(self.config_editor, "Configuration")
        self.tabs.setTabToolTip(2, "Read, change and restore the selected charger's settings "
                                   "(1.6 keys, 2.0.1 device model)")
        self.offpeak_panel = OffPeakPanel(smart_charging, central)
        self.tabs.addTab(self.offpeak_panel, "Charging hours")
        self.tabs.setTabToolTip(3, "UK off-peak charging hours, override, randomised delay "
                                   "and a check of what the charger will do")
        # a charger's serial debug port, and the relay to a charger's real back office
        self.serial_panel = SerialPanel(studio)
        index = self.tabs.addTab(self.serial_panel, "Serial console")
        self.tabs.setTabToolTip(index, "A charger's debug port through a USB-serial adapter: "
                                       "its console, with the OCPP messages found in it")
        self.proxy_panel = ProxyPanel(studio)
        index = self.tabs.addTab(self.proxy_panel, "Proxy")
        self.tabs.setTabToolTip(index, "Sit between a charger and its real central system: "
                                       "every message passed on and recorded")
        # The charger cards must stay readable ("Connected", connector badges) however
        # wide the tabs on the right would like to be.
        self.chargers.setMinimumWidth(330)
        self.main_splitter.addWidget(self.chargers)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.setCollapsible(0, False)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([340, 1020])
        container = QWidget()
        outer = QVBoxLayout(container)
        outer.setContentsMargins(8, 8, 8, 4)
        outer.addWidget(self.main_splitter)
        self.setCentralWidget(container)

        self._build_actions()
        self._build_status_bar()
        self.set_urls(urls or [])

        # ----------------------------------------------------------- signals
        self.chargers.charger_selected.connect(self._charger_clicked)
        self.chargers.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.chargers.list.customContextMenuRequested.connect(self._charger_menu)
        self.chargers.list.itemDoubleClicked.connect(
            lambda item: self.show_timeline(item.data(Qt.ItemDataRole.UserRole + 1),
                                            live=True))
        self.filter_bar.changed.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.model.rowsInserted.connect(self._rows_inserted)
        self.model.modelReset.connect(self._update_count)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        # clicking a row stops following (as Wireshark does): the chosen frame stays in view
        self.table.pressed.connect(lambda _index: self.follow_button.setChecked(False))
        self.follow_button.toggled.connect(self._follow_toggled)
        self.detail.go_to_frame.connect(self.select_frame)
        self.prev_problem_button.clicked.connect(lambda: self.go_to_problem(forward=False))
        self.next_problem_button.clicked.connect(lambda: self.go_to_problem(forward=True))
        self.feed.frames_arrived.connect(self._frames_arrived)
        self.feed.flushed.connect(lambda *_: self._update_count())
        self.feed.new_problems.connect(self._count_new_problems)

        # Station changes can come with every frame; repaint cards at most every 150 ms.
        self._dirty: dict[str, Station] = {}
        self._station_timer = QTimer(self)
        self._station_timer.setInterval(150)
        self._station_timer.timeout.connect(self._refresh_stations)
        self._station_timer.start()

        store.add_listener(self.feed.on_record, call_states=True)
        central.add_listener(self._on_station)
        self.chargers.forget_handler = central.forget
        for station in central.stations.values():
            self.chargers.update_station(station)
        # chargers watched through the proxy or a serial console get cards too
        self.observed = getattr(studio, "observed", None)
        self._sources: dict[str, str] = {}
        if self.observed is not None:
            self.observed.add_listener(self._on_observed_station)
            for charger_id, station in self.observed.stations.items():
                self._on_observed_station(station, self.observed.sources.get(charger_id, ""))
        self.power_panel.set_charger(self.chargers.selected_charger())
        self.config_editor.set_charger(self.chargers.selected_charger())
        self.offpeak_panel.set_charger(self.chargers.selected_charger())
        self._load_store_facts()
        self._send_dialog: SendMessageDialog | None = None

    # ------------------------------------------------------------- building
    def _build_actions(self) -> None:
        def action(text: str, slot: object, shortcut: str | QKeySequence | None = None,
                   tip: str = "") -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            if tip:
                act.setStatusTip(tip)
                act.setToolTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)  # shortcuts work even with the menu bar hidden
            return act

        self.send_action = action("Send message…", self.open_send_dialog, "Ctrl+M",
                                  "Send any OCPP message to a connected charger (experts)")
        self.open_action = action("Open capture…", self._open_dialog,
                                  QKeySequence.StandardKey.Open,
                                  "Open a saved capture (.jsonl export or .db) to read it")
        self.back_action = action("Back to live capture", self.back_to_live, None,
                                  "Show the live capture again")
        self.back_action.setEnabled(False)
        self.export_all_action = action("Export all as JSON Lines…",
                                        lambda: self._export_dialog("all"), None)
        self.export_filtered_action = action("Export filtered as JSON Lines…",
                                             lambda: self._export_dialog("filtered"), None)
        self.export_csv_action = action("Export visible columns as CSV…",
                                        lambda: self._export_dialog("csv"), None)
        quit_action = action("Quit", self.close, QKeySequence.StandardKey.Quit)

        self.find_action = action("Find in messages", self.filter_bar.focus_text,
                                  QKeySequence.StandardKey.Find)
        self.copy_action = action("Copy message (raw)", self.detail.copy_raw_text,
                                  QKeySequence.StandardKey.Copy,
                                  "Copy the selected message exactly as on the wire")
        self.copy_pretty_action = action("Copy message (pretty)", self.detail.copy_pretty_text,
                                         "Ctrl+Shift+C")
        self.next_problem_action = action("Next problem", lambda: self.go_to_problem(True),
                                          "F8")
        self.next_problem_action.setShortcuts([QKeySequence("F8"), QKeySequence("Ctrl+Down")])
        self.prev_problem_action = action("Previous problem", lambda: self.go_to_problem(False),
                                          "Shift+F8")
        self.prev_problem_action.setShortcuts([QKeySequence("Shift+F8"),
                                               QKeySequence("Ctrl+Up")])
        self.clear_filters_action = action("Clear filters", self.filter_bar.clear, "Ctrl+Shift+L")

        self.utc_action = action("Show times in UTC", self.set_utc, None,
                                 "Times in UTC (as chargers send them) instead of local time")
        self.utc_action.setCheckable(True)
        self.utc_action.setChecked(self.preferences.show_utc)
        self.utc_action.triggered.disconnect()
        self.utc_action.toggled.connect(self.set_utc)
        self.follow_action = action("Follow newest", lambda: None, "End")
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.follow_action.triggered.disconnect()
        self.follow_action.toggled.connect(self.follow_button.setChecked)
        self.timeline_action = action("Connection timeline…", lambda: self.show_timeline(),
                                      "Ctrl+T", "Connects, disconnects, refusals and silences "
                                      "of one charger")

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.back_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_all_action)
        file_menu.addAction(self.export_filtered_action)
        file_menu.addAction(self.export_csv_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.preferences_action = action(
            "Preferences…", lambda: self.open_preferences(), QKeySequence.StandardKey.Preferences,
            "Port, capture location, charger passwords, which chargers are let in")
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        for act in (self.copy_action, self.copy_pretty_action, None, self.find_action,
                    self.next_problem_action, self.prev_problem_action, self.clear_filters_action,
                    None, self.preferences_action):
            edit_menu.addSeparator() if act is None else edit_menu.addAction(act)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.utc_action)
        view_menu.addAction(self.follow_action)
        columns_menu = view_menu.addMenu("Columns")
        for column in Column:
            column_action = columns_menu.addAction(HEADERS[column])
            column_action.setCheckable(True)
            column_action.setChecked(True)
            column_action.toggled.connect(
                lambda on, c=column: self.table.setColumnHidden(c, not on))
        view_menu.addSeparator()
        view_menu.addAction(self.timeline_action)
        self.commission_action = action(
            "Commission a charger…", lambda: self.open_commissioning(), None,
            "Step by step: connect, check and configure a new charger, then write its report")
        charger_menu = self.menuBar().addMenu("&Charger")
        charger_menu.addAction(self.commission_action)
        charger_menu.addSeparator()
        charger_menu.addAction(self.send_action)
        charger_menu.addAction(self.timeline_action)
        self._build_help_menu()

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.open_action)
        toolbar.addAction(self.commission_action)
        toolbar.addAction(self.send_action)
        toolbar.addAction(self.timeline_action)

    def _build_help_menu(self) -> None:
        from .help import open_log_folder, show_about
        help_menu = self.menuBar().addMenu("&Help")
        self.open_log_action = help_menu.addAction("Open log folder")
        self.open_log_action.setStatusTip("Show the folder of ocpp-studio.log (for support)")
        self.open_log_action.triggered.connect(open_log_folder)
        self.about_action = help_menu.addAction("About OCPP Studio")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(
            lambda: show_about(self, self.live_capture_path))

    def _build_status_bar(self) -> None:
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
        self.capture_label = QLabel(f"Capture file: {self.live_capture_path}")
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

    def _on_observed_station(self, station: Station, source: str) -> None:
        self._sources[station.charger_id] = source
        self._dirty[station.charger_id] = station

    def _refresh_stations(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        for station in dirty.values():
            source = self._sources.get(station.charger_id, "")
            if station is self.central.stations.get(station.charger_id):
                source = ""  # answered by this laptop now (e.g. it left the proxy for us)
            self.chargers.update_station(station, source)
        self.offpeak_panel.refresh_connection()
        if self._send_dialog is not None and self._send_dialog.isVisible():
            self._send_dialog.refresh_chargers()

    def _frames_arrived(self, frames: list[FrameRecord]) -> None:
        """Live frames reached the view: counters and the filter bar's choices."""
        self._total += len(frames)
        self._problems += sum(1 for f in frames if is_problem(f))
        chargers = {f.charger for f in frames}
        for charger in chargers:
            self.filter_bar.add_charger(charger)
        self.filter_bar.add_actions({f.action for f in frames if f.action})
        if self._first_ts is None:
            self._first_ts = frames[0].ts_us
        self.filter_bar.set_time_bounds((self._first_ts, frames[-1].ts_us))

    def _count_new_problems(self, count: int) -> None:
        self._problems += count
        self._update_count()

    def _load_store_facts(self) -> None:
        """Totals and filter choices of the capture on view (once per store)."""
        with busy_cursor():
            self._total = self.store.count_frames()
            self._problems = len(FrameIndex(self.store, FrameFilter(problems_only=True)))
            self.filter_bar.set_chargers(distinct_chargers(self.store))
            self.filter_bar.set_actions(distinct_actions(self.store))
            bounds = time_bounds(self.store)
            self._first_ts = bounds[0] if bounds else None
            self.filter_bar.set_time_bounds(bounds)
        self._update_count()

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        if self.model.frame_filter.is_empty():
            text = f"{shown:,} frame{'s' if shown != 1 else ''}"
        else:
            text = f"<b>{shown:,}</b> of {self._total:,} frames"
        if self._problems:
            text += (f" · <span style='color:#b3261e;'><b>{self._problems:,} with problems"
                     f"</b></span>")
        self.count_label.setText(text)
        has_problems = self._problems > 0
        self.prev_problem_button.setEnabled(has_problems)
        self.next_problem_button.setEnabled(has_problems)

    # -------------------------------------------------------------- filters
    def apply_filter(self, frame_filter: FrameFilter) -> None:
        """Run the query for a combined filter; keep the selected frame if it still matches."""
        if frame_filter == self.model.frame_filter:
            return
        selected = self.selected_frame_id()
        with busy_cursor():
            self.model.set_filter(frame_filter)
        self._sync_charger_list(next(iter(frame_filter.chargers), None)
                                if len(frame_filter.chargers) == 1 else None)
        row = self.model.row_of_id(selected) if selected is not None else None
        if row is not None:
            self.select_row(row)
        else:
            self.detail.show_pair(None)
            if self.follow_button.isChecked():
                self._scroll_to_bottom()
        self._update_count()

    def _charger_clicked(self, charger_id: str | None) -> None:
        self.power_panel.set_charger(charger_id)
        self.config_editor.set_charger(charger_id)
        self.offpeak_panel.set_charger(charger_id)
        if not self._syncing_charger:
            self.filter_bar.set_charger(charger_id)

    def _sync_charger_list(self, charger_id: str | None) -> None:
        """Show the filter's charger in the charger list too (they must agree)."""
        self._syncing_charger = True
        try:
            if charger_id is None or self.chargers.card(charger_id) is not None:
                self.chargers.select_charger(charger_id)
            else:  # a charger of an opened file that never connected live
                self.chargers.list.clearSelection()
                self.chargers.list.setCurrentItem(None)
        finally:
            self._syncing_charger = False

    def _charger_menu(self, position: QPoint) -> None:
        item = self.chargers.list.itemAt(position)
        charger = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        if charger is None:
            return
        menu = self.charger_menu(charger)
        menu.exec(self.chargers.list.viewport().mapToGlobal(position))
        menu.deleteLater()

    def charger_menu(self, charger: str) -> QMenu:
        """The context menu of a charger's card."""
        menu = QMenu(self)
        offer = self.chargers.offer(charger)
        if offer is not None:  # refused: the setting that would let it in, first
            menu.setDefaultAction(menu.addAction(
                offer[0], lambda: self.open_preferences(offer[1], charger)))
            menu.addSeparator()
        menu.addAction("Show only this charger's messages",
                       lambda: self.filter_bar.set_charger(charger))
        menu.addAction("Connection timeline…", lambda: self.show_timeline(charger, live=True))
        return menu

    # ----------------------------------------------------------- preferences
    def open_preferences(self, setting: str | None = None,
                         charger_id: str | None = None) -> PreferencesDialog:
        """Edit › Preferences…, or a refused card's offer (opened at ``setting``)."""
        studio = self.studio
        settings = getattr(studio, "settings", None)
        if settings is None:  # a window over a bare central system (tests)
            from ..settings import AppSettings
            settings = AppSettings(csms=self.central.settings)
        server = getattr(studio, "server", None)
        values = PreferenceValues.from_settings(
            settings, port=server.settings.port if server is not None else None)
        dialog = PreferencesDialog(values, self)
        if setting:
            dialog.open_at(setting, charger_id)
        dialog.accepted.connect(lambda: self._preferences_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.preferences_dialog = dialog
        return dialog

    def _preferences_accepted(self, dialog: PreferencesDialog) -> None:
        self.preferences_task = asyncio.ensure_future(
            self.apply_preferences(dialog.initial, dialog.values()))

    async def apply_preferences(self, before: PreferenceValues, after: PreferenceValues) -> None:
        """Apply to the running central system (next connection; a new port restarts the
        listener), then save what changed."""
        changed = changed_fields(before, after)
        if not changed:
            return
        port = after.port if "port" in changed else None
        try:
            if hasattr(self.studio, "apply_csms_settings"):
                if await self.studio.apply_csms_settings(
                        after.tolerant, after.accept_missing_subprotocol, after.passwords, port):
                    self.set_urls(self.studio.urls())
            else:
                for name in ("tolerant", "accept_missing_subprotocol", "passwords"):
                    setattr(self.central.settings, name, getattr(after, name))
        except OSError as exc:
            self._error("Cannot listen on that port",
                        f"Port {after.port} cannot be used: {exc}\n\n"
                        "OCPP Studio keeps listening on the port it had.")
            after = dataclasses.replace(after, port=before.port)
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

    # ----------------------------------------------------------- message list
    def _rows_inserted(self, *args: object) -> None:
        if self.follow_button.isChecked():
            # after the view has laid out the new rows
            QTimer.singleShot(0, self._scroll_to_bottom)

    def _scroll_to_bottom(self) -> None:
        self._auto_scrolling = True
        try:
            self.table.scrollToBottom()
        finally:
            self._auto_scrolling = False

    def _scrolled(self, value: int) -> None:
        if self._auto_scrolling:
            return
        at_bottom = value >= self.table.verticalScrollBar().maximum()
        if at_bottom != self.follow_button.isChecked():
            self.follow_button.setChecked(at_bottom)

    def _follow_toggled(self, on: bool) -> None:
        self.follow_action.setChecked(on)
        if on:
            self._scroll_to_bottom()

    def _show_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        record = self.model.record_at(current.row()) if current.isValid() else None
        partner = self.model.counterpart_of(record) if record is not None else None
        self.model.set_partner(partner.id if partner is not None else None)
        self.detail.show_pair(record, partner)

    def selected_frame_id(self) -> int | None:
        current = self.table.currentIndex()
        return self.model.frame_id_at(current.row()) if current.isValid() else None

    def select_row(self, row: int, center: bool = False) -> None:
        """Select a row; ``center`` puts a far jump (problem, pair) mid-view with context."""
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        visible = self.table.viewport().rect().contains(self.table.visualRect(index))
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter
                            if center and not visible else
                            QAbstractItemView.ScrollHint.EnsureVisible)

    def select_frame(self, frame_id: int) -> bool:
        row = self.model.row_of_id(frame_id)
        if row is None:
            self.notify("That message is hidden by the filter", 4000)
            return False
        self.select_row(row, center=True)
        return True

    def go_to_problem(self, forward: bool = True) -> int | None:
        current = self.table.currentIndex()
        if current.isValid():
            start = current.row()
        else:
            start = -1 if forward else self.model.rowCount()
        with busy_cursor():
            row = next_problem_row(self.model.frames, self.model.cache, start, forward)
        if row is None:
            self.notify("No more problems " + ("below" if forward else "above"), 3000)
            return None
        self.select_row(row, center=True)
        return row

    def visible_records(self) -> list[FrameRecord]:
        """Every row's frame (reads them all: for tests and small captures only)."""
        return list(self.model.records())

    def set_utc(self, utc: bool) -> None:
        self.model.set_utc(utc)
        self.filter_bar.set_utc(utc)
        self.detail.utc = utc
        self.detail.show_pair(self.detail.record, self.detail.partner)
        if self.utc_action.isChecked() != utc:
            self.utc_action.setChecked(utc)
        if self.preferences.show_utc != utc:
            self.preferences.show_utc = utc
            self.preferences.save()

    # ------------------------------------------------------------- timeline
    def show_timeline(self, charger: str | None = None, live: bool = False) -> "TimelineDialog":
        from .inspector.timeline_dialog import TimelineDialog  # noqa: PLC0415
        store = self.live_store if live else self.store
        charger = charger or self.filter_bar.selected_charger() or self.chargers.selected_charger()
        heartbeat = (self.central.settings.heartbeat_interval
                     if store is self.live_store else None)
        if self._timeline is not None:
            self._timeline.close()
            self._timeline.deleteLater()
        self._timeline = TimelineDialog(store, charger, utc=self.model.utc,
                                        heartbeat_interval_s=heartbeat, parent=self)
        self._timeline.show()
        return self._timeline

    # ----------------------------------------------------------- open/export
    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open capture", str(Path.home()),
            "Captures (*.jsonl *.json *.ndjson *.db *.sqlite *.sqlite3);;All files (*)")
        if path:
            asyncio.ensure_future(self.open_capture(path))

    async def open_capture(self, path: str | Path) -> bool:
        """Show a saved capture. A .jsonl export is imported into a new database in a
        temporary directory (removed when the view leaves it), off the event loop so
        chargers stay connected; a capture database is opened as it is."""
        path = Path(path)
        if not path.is_file():
            self._error("Cannot open capture", f"{path} does not exist.")
            return False
        if str(path.resolve()) == str(Path(self.live_capture_path).resolve()):
            self.back_to_live()
            return True
        temp_dir = None
        skipped = ""
        self.notify(f"Opening {path.name}…", 60_000)
        QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
        try:
            if path.suffix.lower() in JSONL_SUFFIXES:
                temp_dir = tempfile.mkdtemp(prefix="ocpp-studio-view-")
                store = CaptureStore(Path(temp_dir) / f"{path.stem}.db")
                try:
                    result = await self._import_with_progress(store, path)
                except ImportCancelled:
                    store.close()
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    self.notify(f"Opening {path.name} was cancelled", 6000)
                    return False
                except Exception:
                    store.close()
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    raise
                skipped = skipped_lines_text(result.errors)
                if result.frames == 0 and result.events == 0:
                    store.close()
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    self._error("Cannot open capture",
                                f"{path.name} holds no OCPP Studio capture lines.")
                    return False
            else:
                if not is_capture_database(path):
                    self._error("Cannot open capture",
                                f"{path.name} is not an OCPP Studio capture database.")
                    return False
                store = CaptureStore(path)
        except (OSError, ValueError, sqlite3.Error) as exc:
            self._error("Cannot open capture", f"{path} cannot be read:\n{exc}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._show_store(store, path, temp_dir)
        self.preferences.add_recent(path)
        if skipped:  # said last, so "Opened" does not replace it
            self.notify(f"Opened {path.name}; {skipped}", 60_000)
        else:
            self.notify(f"Opened {path.name}", 4000)
        return True

    async def _import_with_progress(self, store: CaptureStore, path: Path) -> Any:
        """import_jsonl in a worker thread, with a progress dialog and Cancel (a million
        frames take about half a minute). The worker only writes two plain values; the
        dialog is updated from the UI thread."""
        state = {"fraction": 0.0}
        cancel = threading.Event()

        def report(done: int, total: int) -> bool:  # in the worker thread
            state["fraction"] = done / total if total else 1.0
            return not cancel.is_set()

        dialog = QProgressDialog(f"Opening {path.name}…\n"
                                 "Chargers stay connected and recording goes on meanwhile.",
                                 "Cancel", 0, 1000, self)
        dialog.setWindowTitle("Opening a capture")
        dialog.setMinimumWidth(440)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # small files open without a flash of dialog
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(cancel.set)
        timer = QTimer(self)
        timer.setInterval(100)
        timer.timeout.connect(lambda: dialog.setValue(int(state["fraction"] * 1000)))
        timer.start()
        self.import_dialog = dialog
        try:
            return await asyncio.to_thread(import_jsonl, store, path, report)
        finally:
            timer.stop()
            dialog.close()
            dialog.deleteLater()
            self.import_dialog = None

    def back_to_live(self) -> None:
        if self.store is not self.live_store:
            self._show_store(self.live_store, None, None)

    def _show_store(self, store: CaptureStore, path: Path | None, temp_dir: str | None) -> None:
        old_store, old_temp = self._opened_store, self._temp_dir
        self.store = store
        self.opened_path = path
        self._opened_store = None if store is self.live_store else store
        self._temp_dir = temp_dir
        self.feed.enabled = store is self.live_store
        self.filter_bar.blockSignals(True)
        self.filter_bar.clear()
        self.filter_bar.blockSignals(False)
        with busy_cursor():
            self.model.set_store(store, FrameFilter())
        self.detail.show_pair(None)
        self._load_store_facts()
        self._sync_charger_list(None)
        if path is None:
            self.setWindowTitle("OCPP Studio")
            self.file_banner.hide()
            self.capture_label.setText(f"Capture file: {self.live_capture_path}")
            self.follow_button.setChecked(True)
            self._scroll_to_bottom()
        else:
            self.setWindowTitle(f"{path.name} — OCPP Studio")
            self.file_label.setText(
                f"Viewing capture file <b>{path.name}</b> ({self._total:,} frames). "
                "Chargers can still connect: their messages are recorded in the live capture.")
            self.file_label.setToolTip(str(path))
            self.file_banner.show()
            self.capture_label.setText(f"Viewing: {path}")
            self.follow_button.setChecked(False)
            self.table.scrollToTop()
        self.back_action.setEnabled(path is not None)
        if old_store is not None and old_store is not store:
            old_store.close()
        if old_temp and old_temp != temp_dir:
            shutil.rmtree(old_temp, ignore_errors=True)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        if not self.preferences.recent_files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
            return
        for file_path in self.preferences.recent_files:
            act = self.recent_menu.addAction(Path(file_path).name)
            act.setToolTip(file_path)
            act.setStatusTip(file_path)
            act.triggered.connect(
                lambda _c=False, p=file_path: asyncio.ensure_future(self.open_capture(p)))

    def _export_dialog(self, kind: str) -> None:
        suggested = (self.opened_path.stem if self.opened_path else "capture") + \
            ("-filtered" if kind == "filtered" else "")
        if kind == "csv":
            path, _ = QFileDialog.getSaveFileName(self, "Export visible columns as CSV",
                                                  f"{suggested}.csv", "CSV (*.csv)")
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export as JSON Lines",
                                                  f"{suggested}.jsonl", "JSON Lines (*.jsonl)")
        if not path:
            return
        asyncio.ensure_future(self._export(kind, path))

    async def _export(self, kind: str, path: str) -> None:
        self.notify(f"Exporting to {Path(path).name}…", 60_000)
        try:
            if kind == "csv":
                count = await self.export_csv_in_steps(path)
            else:
                count = await self.export_jsonl_in_background(path, filtered=kind == "filtered")
        except Exception as exc:  # any failure must end "Exporting…" and say why
            if not isinstance(exc, OSError):
                log.exception("export to %s failed", path)
            self.notify("Export failed", 6000)
            self._error("Export failed", f"Could not export to {path}:\n{exc}")
            return
        self.notify(f"Exported {count:,} lines to {Path(path).name}", 6000)

    async def export_jsonl_in_background(self, path: str | Path, filtered: bool = False) -> int:
        """Like export_jsonl, but in a worker thread with its own read-only connection:
        a large export must not hold up the event loop the chargers' connections run on."""
        if self.store.path == ":memory:":
            return self.export_jsonl(path, filtered)
        frame_filter = self.model.frame_filter
        if not filtered or frame_filter.is_empty():
            return await asyncio.to_thread(export_jsonl_file, self.store.path, path)
        ids = self.model.frames.ids().tolist()
        return await asyncio.to_thread(export_jsonl_file, self.store.path, path, ids,
                                       self._events_for(frame_filter))

    def export_jsonl(self, path: str | Path, filtered: bool = False) -> int:
        """The capture on view as JSON Lines: all of it, or the frames the filter shows
        (with the connection events of the same chargers and time range)."""
        frame_filter = self.model.frame_filter
        if not filtered or frame_filter.is_empty():
            return export_jsonl(self.store, path)
        return export_jsonl(self.store, path, frames=self.model.records(),
                            events=self._events_for(frame_filter))

    def _events_for(self, frame_filter: FrameFilter) -> list[ConnectionEvent]:
        """The connection events of the chargers and time range a filter shows."""
        return [e for e in self.store.events()
                if (not frame_filter.chargers or e.charger in frame_filter.chargers)
                and (frame_filter.since_us is None or e.ts_us >= frame_filter.since_us)
                and (frame_filter.until_us is None or e.ts_us <= frame_filter.until_us)]

    def export_csv(self, path: str | Path) -> int:
        """The rows the filter shows, in the columns the view shows, as the view shows them."""
        return sum(1 for _ in self._write_csv(path))

    async def export_csv_in_steps(self, path: str | Path, rows_per_step: int = 2000) -> int:
        """export_csv on the event loop, giving way every ``rows_per_step`` rows: the rows
        are formatted by the model (not thread-safe), and the chargers' connections run
        on this same loop, so a million-row export must not hold it for seconds."""
        count = 0
        for count, _ in enumerate(self._write_csv(path), start=1):
            if count % rows_per_step == 0:
                self.notify(f"Exporting to {Path(path).name}… {count:,} rows", 60_000)
                await asyncio.sleep(0)
        return count

    def _write_csv(self, path: str | Path) -> Iterator[None]:
        """Write the CSV, yielding after each row."""
        header = self.table.horizontalHeader()
        columns = [Column(header.logicalIndex(visual)) for visual in range(header.count())
                   if not header.isSectionHidden(header.logicalIndex(visual))]
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([HEADERS[c] for c in columns] + ["Raw"])
            for record in self.model.records():
                writer.writerow([self.model.display(record, c) for c in columns]
                                + [redact_raw(record.raw)])
                yield

    # ---------------------------------------------------------- drag & drop
    @staticmethod
    def _dropped_capture(event: QDragEnterEvent | QDropEvent) -> Path | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in CAPTURE_SUFFIXES:
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._dropped_capture(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        path = self._dropped_capture(event)
        if path is not None:
            event.acceptProposedAction()
            asyncio.ensure_future(self.open_capture(path))

    def _error(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, f"OCPP Studio — {title}", text,
                          parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the event loop (and the chargers) keep running

    # ---------------------------------------------------------------- send
    def open_send_dialog(self) -> SendMessageDialog:
        if self._send_dialog is None:
            self._send_dialog = SendMessageDialog(
                self.central, self, self.chargers.selected_charger(),
                proxy=lambda: getattr(self.studio, "proxy", None))
        else:
            self._send_dialog.refresh_chargers(self.chargers.selected_charger())
        self._send_dialog.show()
        self._send_dialog.raise_()
        return self._send_dialog

    # -------------------------------------------------------- commissioning
    def commissioning_state_path(self) -> Path | None:
        from .commissioning.commissioning_wizard import state_path_for
        return state_path_for(self.live_capture_path)

    def open_commissioning(self, charger_id: str | None = None, run: object | None = None,
                           resume: bool = False) -> object | None:
        """Open the commissioning wizard (modeless) for ``charger_id``, the selected
        charger, or a new charger that is yet to connect; or for a resumed ``run``."""
        from shiboken6 import isValid

        from .commissioning.commissioning_wizard import open_wizard, suggested_charger_id
        if run is None and self.wizard is not None and isValid(self.wizard) and \
                (self.wizard.isVisible() or not getattr(self.wizard.run, "finished", False)):
            # open, or closed with "Continue later": carry on with the same run
            self.wizard.show()
            self.wizard.raise_()
            self.wizard.activateWindow()
            return self.wizard
        if run is None:
            charger_id = charger_id or self.chargers.selected_charger() or \
                suggested_charger_id(self.central.stations)
            try:
                run = self._new_commissioning_run(charger_id)
            except Exception as exc:  # noqa: BLE001 - engine missing or refused: say so
                log.exception("cannot start commissioning")
                self._error("Cannot start commissioning", str(exc))
                return None
        self.wizard = open_wizard(run, urls=lambda: list(self.urls), parent=self,
                                  resume=resume)
        return self.wizard

    def _new_commissioning_run(self, charger_id: str) -> object:
        from ..commissioning.profile import CommissioningProfile
        new_run = getattr(self.commissioning, "new_run", None)
        if callable(new_run):
            return new_run(charger_id)
        start = getattr(self.commissioning, "start", None)
        if callable(start):  # CommissioningService: keeps the state beside the capture
            return start(charger_id, CommissioningProfile())
        if self.studio is None:
            raise RuntimeError("Commissioning is not available in this window.")
        from ..commissioning.engine import CommissioningRun
        return CommissioningRun(self.studio, charger_id, CommissioningProfile(),
                                state_path=self.commissioning_state_path())

    # -------------------------------------------------------------- closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.detach()
        super().closeEvent(event)
        self.closed.emit()

    def detach(self) -> None:
        """Stop observing: after this nothing calls into the window."""
        if self.wizard is not None:
            from shiboken6 import isValid
            if isValid(self.wizard):
                self.wizard.close()  # cancels a running step; its state stays saved
            self.wizard = None
        self.live_store.remove_listener(self.feed.on_record)
        self.central.remove_listener(self._on_station)
        if self.observed is not None:
            self.observed.remove_listener(self._on_observed_station)
        self.feed.stop()
        self._station_timer.stop()
        self.power_panel.detach()
        self.serial_panel.detach()
        self.proxy_panel.detach()
        if self._opened_store is not None:
            self._opened_store.close()
            self._opened_store = None
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
