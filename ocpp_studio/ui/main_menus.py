"""The main window's actions, menus, toolbar and status bar.

Built once by :class:`~ocpp_studio.ui.main_window.MainWindow`; every action is added to the
window too, so its shortcut works with the menu bar hidden. The actions call the window's
own methods: this module decides what is offered where, not what it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .common import theme
from .inspector.message_model import Column, HEADERS

if TYPE_CHECKING:
    from .main_window import MainWindow


def build_actions(window: MainWindow) -> None:
    """File, Edit, View, Charger and Help menus and the toolbar."""
    def action(text: str, slot: object, shortcut: str | QKeySequence | None = None,
               tip: str = "") -> QAction:
        act = QAction(text, window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(slot)
        window.addAction(act)  # shortcuts work even with the menu bar hidden
        return act

    window.send_action = action("Send message…", window.open_send_dialog, "Ctrl+M",
                                "Send any OCPP message to a connected charger (experts)")
    window.open_action = action("Open capture…", window.choose_capture_to_open,
                                QKeySequence.StandardKey.Open,
                                "Open a saved capture (.jsonl export or .db) to read it")
    window.back_action = action("Back to live capture", window.back_to_live, None,
                                "Show the live capture again")
    window.back_action.setEnabled(False)
    window.export_all_action = action("Export all as JSON Lines…",
                                      lambda: window.choose_export_file("all"), None)
    window.export_filtered_action = action("Export filtered as JSON Lines…",
                                           lambda: window.choose_export_file("filtered"), None)
    window.export_csv_action = action("Export visible columns as CSV…",
                                      lambda: window.choose_export_file("csv"), None)
    quit_action = action("Quit", window.close, QKeySequence.StandardKey.Quit)

    window.find_action = action("Find in messages", window.filter_bar.focus_text,
                                QKeySequence.StandardKey.Find)
    window.copy_action = action("Copy message (raw)", window.detail.copy_raw_text,
                                QKeySequence.StandardKey.Copy,
                                "Copy the selected message exactly as on the wire")
    window.copy_pretty_action = action("Copy message (pretty)", window.detail.copy_pretty_text,
                                       "Ctrl+Shift+C")
    window.next_problem_action = action("Next problem", lambda: window.go_to_problem(True),
                                        "F8")
    window.next_problem_action.setShortcuts([QKeySequence("F8"), QKeySequence("Ctrl+Down")])
    window.prev_problem_action = action("Previous problem", lambda: window.go_to_problem(False),
                                        "Shift+F8")
    window.prev_problem_action.setShortcuts([QKeySequence("Shift+F8"),
                                            QKeySequence("Ctrl+Up")])
    window.clear_filters_action = action("Clear filters", window.filter_bar.clear, "Ctrl+Shift+L")

    window.utc_action = action("Show times in UTC", window.set_utc, None,
                               "Times in UTC (as chargers send them) instead of local time")
    window.utc_action.setCheckable(True)
    window.utc_action.setChecked(window.preferences.show_utc)
    window.utc_action.triggered.disconnect()
    window.utc_action.toggled.connect(window.set_utc)
    window.follow_action = action("Follow newest", lambda: None, "End")
    window.follow_action.setCheckable(True)
    window.follow_action.setChecked(True)
    window.follow_action.triggered.disconnect()
    window.follow_action.toggled.connect(window.follow_button.setChecked)
    window.timeline_action = action("Connection timeline…", lambda: window.show_timeline(),
                                    "Ctrl+T", "Connects, disconnects, refusals and silences "
                                    "of one charger")

    file_menu = window.menuBar().addMenu("&File")
    file_menu.addAction(window.open_action)
    window.recent_menu = file_menu.addMenu("Open recent")
    window.recent_menu.aboutToShow.connect(window.fill_recent_menu)
    file_menu.addAction(window.back_action)
    file_menu.addSeparator()
    file_menu.addAction(window.export_all_action)
    file_menu.addAction(window.export_filtered_action)
    file_menu.addAction(window.export_csv_action)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    edit_menu = window.menuBar().addMenu("&Edit")
    window.preferences_action = action(
        "Preferences…", lambda: window.open_preferences(), QKeySequence.StandardKey.Preferences,
        "Port, capture location, charger passwords, which chargers are let in")
    window.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
    for act in (window.copy_action, window.copy_pretty_action, None, window.find_action,
                window.next_problem_action, window.prev_problem_action, window.clear_filters_action,
                None, window.preferences_action):
        edit_menu.addSeparator() if act is None else edit_menu.addAction(act)
    view_menu = window.menuBar().addMenu("&View")
    view_menu.addAction(window.utc_action)
    view_menu.addAction(window.follow_action)
    columns_menu = view_menu.addMenu("Columns")
    for column in Column:
        column_action = columns_menu.addAction(HEADERS[column])
        column_action.setCheckable(True)
        column_action.setChecked(True)
        column_action.toggled.connect(
            lambda on, c=column: window.table.setColumnHidden(c, not on))
    view_menu.addSeparator()
    view_menu.addAction(window.timeline_action)
    window.commission_action = action(
        "Commission a charger…", lambda: window.open_commissioning(), None,
        "Step by step: connect, check and configure a new charger, then write its report")
    charger_menu = window.menuBar().addMenu("&Charger")
    charger_menu.addAction(window.commission_action)
    charger_menu.addSeparator()
    charger_menu.addAction(window.send_action)
    charger_menu.addAction(window.timeline_action)
    build_help_menu(window)

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.addAction(window.open_action)
    toolbar.addAction(window.commission_action)
    toolbar.addAction(window.send_action)
    toolbar.addAction(window.timeline_action)


def build_help_menu(window: MainWindow) -> None:
    from .help import open_log_folder, show_about
    help_menu = window.menuBar().addMenu("&Help")
    window.open_log_action = help_menu.addAction("Open log folder")
    window.open_log_action.setStatusTip("Show the folder of ocpp-studio.log (for support)")
    window.open_log_action.triggered.connect(open_log_folder)
    window.about_action = help_menu.addAction("About OCPP Studio")
    window.about_action.setMenuRole(QAction.MenuRole.AboutRole)
    window.about_action.triggered.connect(
        lambda: show_about(window, window.live_capture_path))


def build_status_bar(window: MainWindow) -> None:
    """The URL to type into chargers, short notes, and the capture file."""
    # Our own widgets instead of QStatusBar.showMessage, which would hide the URL.
    bar = window.statusBar()
    window.url_label = QLabel()
    window.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    window.copy_button = QPushButton("Copy URL")
    window.copy_button.setToolTip("Copy the URL to type into the charger's backend setting")
    window.copy_button.clicked.connect(window.copy_url)
    window.notice_label = QLabel()
    window.notice_label.setStyleSheet(theme.STATUS_NOTE_STYLE)
    window._notice_timer = QTimer(window)
    window._notice_timer.setSingleShot(True)
    window._notice_timer.timeout.connect(window.notice_label.clear)
    window.capture_label = QLabel(f"Capture file: {window.live_capture_path}")
    window.capture_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    window.capture_label.setToolTip("Every message is saved in this file as it arrives")
    window.capture_label.setStyleSheet(theme.HINT_STYLE)
    panel = QWidget()
    row = QHBoxLayout(panel)
    row.setContentsMargins(4, 0, 4, 0)
    row.addWidget(window.url_label)
    row.addWidget(window.copy_button)
    row.addSpacing(16)
    row.addWidget(window.notice_label, 1)
    row.addWidget(window.capture_label)
    bar.addWidget(panel, 1)
