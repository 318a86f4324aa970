"""The message list of the main window: the file banner, the header row (counts, problem
navigation, follow newest), the filter bar, the virtual table over the capture database and
the selected request/answer pair under it.

A mixin of :class:`~ocpp_studio.ui.main_window.MainWindow` (the capture-file mixin switches
the store this list shows; the window syncs the charger list with the filter).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView,
    QToolButton, QVBoxLayout, QWidget,
)

from ...capture.query import (
    FrameFilter, FrameIndex, distinct_actions, distinct_chargers, is_problem, next_problem_row,
    time_bounds,
)
from ...capture.store import CaptureStore
from ...core.records import FrameRecord
from ..common import theme
from .capture_files import busy_cursor
from .detail_pane import FrameDetail
from .filter_bar import FilterBar
from .message_model import Column, MessageFeed, MessageTableModel

log = logging.getLogger(__name__)

COLUMN_WIDTHS = {
    Column.TIME: 100, Column.CHARGER: 110, Column.DIRECTION: 90, Column.TYPE: 70,
    Column.ACTION: 170, Column.UNIQUE_ID: 265, Column.LATENCY: 75,  # a whole UUID id
}


class MessageList:
    """The Messages tab: builds it, follows new frames, filters, selects (mixed into MainWindow)."""

    def _build_message_list(self, store: CaptureStore) -> QSplitter:
        """The models and widgets of the Messages tab; returns the tab (list over detail)."""
        self.model = MessageTableModel(store, self)
        self.model.set_utc(self.preferences.show_utc)
        self.feed = MessageFeed(self.model, self)

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
        self.table.setStyleSheet(theme.MESSAGE_SELECTION_STYLE)
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
        self.follow_button.setStyleSheet(theme.TOGGLE_BUTTON_STYLE)
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
        self.file_banner.setStyleSheet(theme.FILE_BANNER_STYLE)
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
        return self.right_splitter

    def _connect_message_list(self) -> None:
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

    # ------------------------------------------------------------ counting
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
            text += (f" · <span style='color:{theme.PROBLEM_COUNT_TEXT};'>"
                     f"<b>{self._problems:,} with problems</b></span>")
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
