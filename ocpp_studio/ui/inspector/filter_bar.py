"""The filter bar above the message list: every control narrows the rows, and they combine."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QTimeZone, QTimer, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget, QWidgetAction,
)

from ...core.records import Direction
from ...capture.query import FrameFilter
from ..common import theme

TEXT_DEBOUNCE_MS = 250

DIRECTIONS = [("Both directions", None), ("→ CSMS", Direction.TO_CSMS),
              ("→ Charger", Direction.TO_CHARGER)]
MESSAGE_TYPES = [("All types", frozenset()), ("CALL", frozenset({2})),
                 ("RESULT", frozenset({3})), ("CALLERROR", frozenset({4})),
                 ("RESULT + CALLERROR", frozenset({3, 4}))]


def _qdatetime(ts_us: int, utc: bool) -> QDateTime:
    value = QDateTime.fromMSecsSinceEpoch(ts_us // 1000, QTimeZone.utc() if utc
                                          else QTimeZone.systemTimeZone())
    return value


def _us(value: QDateTime) -> int:
    return value.toMSecsSinceEpoch() * 1000


class ActionPicker(QToolButton):
    """A drop-down with a checkable list of actions: none checked = all actions."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setToolTip("Show only some OCPP actions (tick several)")
        # Leave room for the drop-down arrow: without it the arrow sits on the text.
        self.setStyleSheet("QToolButton { padding-right: 18px; }")
        self.setMinimumWidth(130)
        self.list = QListWidget()
        self.list.setMinimumSize(260, 280)
        self.list.itemChanged.connect(self._item_changed)
        clear = QPushButton("All actions")
        clear.clicked.connect(self.clear)
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addWidget(clear)
        menu = QMenu(self)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(panel)
        menu.addAction(holder)
        self.setMenu(menu)
        self._silent = False
        self._update_text()

    def set_actions(self, actions: list[str]) -> None:
        chosen = self.selected()
        self._silent = True
        self.list.clear()
        for action in sorted(set(actions) | chosen):
            item = QListWidgetItem(action)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if action in chosen
                               else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._silent = False
        self._update_text()

    def selected(self) -> frozenset[str]:
        return frozenset(self.list.item(i).text() for i in range(self.list.count())
                         if self.list.item(i).checkState() == Qt.CheckState.Checked)

    def set_selected(self, actions: frozenset[str] | set[str]) -> None:
        self._silent = True
        known = {self.list.item(i).text() for i in range(self.list.count())}
        for action in sorted(set(actions) - known):
            item = QListWidgetItem(action)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            self.list.addItem(item)
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in actions
                               else Qt.CheckState.Unchecked)
        self._silent = False
        self._update_text()
        self.changed.emit()

    def clear(self) -> None:
        if self.selected():
            self.set_selected(frozenset())

    def _item_changed(self, _item: QListWidgetItem) -> None:
        if not self._silent:
            self._update_text()
            self.changed.emit()

    def _update_text(self) -> None:
        chosen = sorted(self.selected())
        if not chosen:
            self.setText("All actions")
        elif len(chosen) == 1:
            self.setText(chosen[0])
        else:
            self.setText(f"{len(chosen)} actions")


class FilterBar(QWidget):
    """Emits ``changed(FrameFilter)`` whenever the combined filter changes."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.utc = False
        self._emitting_blocked = False

        self.text = QLineEdit()
        self.text.setPlaceholderText("Find text in messages  (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(200)
        self.text.setToolTip("Shows only messages whose text contains this (any case): an id tag, "
                             "a key name, an error code…")
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DEBOUNCE_MS)
        self._text_timer.timeout.connect(self._emit)
        self.text.textChanged.connect(lambda _t: self._text_timer.start())
        self.text.returnPressed.connect(self._emit_now)

        self.charger = QComboBox()
        self.charger.setToolTip("Show one charger's messages")
        self.charger.setMinimumContentsLength(10)
        self.charger.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.charger.addItem("All chargers", None)
        self.charger.currentIndexChanged.connect(lambda _i: self._emit())

        self.actions = ActionPicker()
        self.actions.changed.connect(self._emit)

        self.direction = QComboBox()
        self.direction.setToolTip("→ CSMS: sent by the charger.  → Charger: sent by the "
                                  "central system.")
        for text, value in DIRECTIONS:
            self.direction.addItem(text, value)
        self.direction.currentIndexChanged.connect(lambda _i: self._emit())

        self.message_type = QComboBox()
        self.message_type.setToolTip("CALL: a request.  RESULT / CALLERROR: its answer.")
        for text, value in MESSAGE_TYPES:
            self.message_type.addItem(text, value)
        self.message_type.currentIndexChanged.connect(lambda _i: self._emit())

        self.problems = QCheckBox("Problems only")
        self.problems.setToolTip("Only messages that were refused, broke the OCPP schema, got an "
                                 "error, timed out, came late or could not be read")
        self.problems.toggled.connect(lambda _on: self._emit())

        self.time_range = QCheckBox("Time range")
        self.time_range.setToolTip("Only messages between two moments")
        self.since = QDateTimeEdit()
        self.until = QDateTimeEdit()
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            edit.setEnabled(False)
            edit.setDateTime(QDateTime.currentDateTime())
            edit.dateTimeChanged.connect(lambda _v: self._emit() if self.time_range.isChecked()
                                         else None)
        self.time_range.toggled.connect(self._time_toggled)

        self.clear_button = QPushButton("Clear filters")
        self.clear_button.clicked.connect(self.clear)

        row1 = QHBoxLayout()
        row1.setContentsMargins(0, 0, 0, 0)
        row1.addWidget(self.text, 3)
        row1.addWidget(self.charger)
        row1.addWidget(self.actions)
        row1.addWidget(self.direction)
        row1.addWidget(self.message_type)
        row1.addWidget(self.problems)
        row2 = QHBoxLayout()
        row2.setContentsMargins(0, 0, 0, 0)
        row2.addWidget(self.time_range)
        row2.addWidget(QLabel("from"))
        row2.addWidget(self.since)
        row2.addWidget(QLabel("to"))
        row2.addWidget(self.until)
        self.zone_label = QLabel()
        self.zone_label.setStyleSheet(f"QLabel {{ color: {theme.QUIET_TEXT}; }}")
        row2.addWidget(self.zone_label)
        row2.addStretch(1)
        row2.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row1)
        layout.addLayout(row2)
        self.set_utc(False)

    # ---------------------------------------------------------------- contents
    def set_chargers(self, chargers: list[str]) -> None:
        """Offer these chargers (keeps the current choice, without a change signal)."""
        current = self.charger.currentData()
        self.charger.blockSignals(True)
        self.charger.clear()
        self.charger.addItem("All chargers", None)
        for charger in sorted(set(chargers) | ({current} if current else set())):
            self.charger.addItem(charger, charger)
        position = self.charger.findData(current) if current else 0
        self.charger.setCurrentIndex(max(position, 0))
        self.charger.blockSignals(False)

    def add_charger(self, charger: str) -> None:
        if self.charger.findData(charger) < 0:
            self.set_chargers([self.charger.itemData(i) for i in range(1, self.charger.count())]
                              + [charger])

    def set_actions(self, actions: list[str]) -> None:
        self.actions.set_actions(actions)

    def add_actions(self, actions: set[str]) -> None:
        known = {self.actions.list.item(i).text() for i in range(self.actions.list.count())}
        if not actions <= known:
            self.actions.set_actions(sorted(known | actions))

    def set_time_bounds(self, bounds: tuple[int, int] | None) -> None:
        """Start the time range at the capture's first and last frame."""
        if self.time_range.isChecked() or bounds is None:
            return
        for edit, ts_us in ((self.since, bounds[0]), (self.until, bounds[1] + 1_000_000)):
            edit.blockSignals(True)
            edit.setDateTime(_qdatetime(ts_us, self.utc))
            edit.blockSignals(False)

    def set_utc(self, utc: bool) -> None:
        self.utc = utc
        zone = QTimeZone.utc() if utc else QTimeZone.systemTimeZone()
        for edit in (self.since, self.until):
            edit.blockSignals(True)
            value = edit.dateTime()
            edit.setTimeZone(zone)
            edit.setDateTime(value.toTimeZone(zone))
            edit.blockSignals(False)
        self.zone_label.setText("UTC" if utc else "local time")

    def set_charger(self, charger: str | None) -> None:
        """Select a charger (e.g. clicked in the charger list); emits ``changed``."""
        if charger is not None:
            self.add_charger(charger)
        position = self.charger.findData(charger) if charger else 0
        self.charger.setCurrentIndex(max(position, 0))

    def selected_charger(self) -> str | None:
        return self.charger.currentData()

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()

    def clear(self) -> None:
        self._emitting_blocked = True
        try:
            self.text.clear()
            self._text_timer.stop()
            self.charger.setCurrentIndex(0)
            self.actions.clear()
            self.direction.setCurrentIndex(0)
            self.message_type.setCurrentIndex(0)
            self.problems.setChecked(False)
            self.time_range.setChecked(False)
        finally:
            self._emitting_blocked = False
        self._emit()

    # ------------------------------------------------------------------ filter
    def frame_filter(self) -> FrameFilter:
        charger = self.charger.currentData()
        since = until = None
        if self.time_range.isChecked():
            since, until = _us(self.since.dateTime()), _us(self.until.dateTime())
        return FrameFilter(
            chargers=frozenset({charger}) if charger else frozenset(),
            actions=self.actions.selected(),
            direction=self.direction.currentData(),
            message_types=self.message_type.currentData() or frozenset(),
            problems_only=self.problems.isChecked(),
            text=self.text.text().strip(),
            since_us=since, until_us=until)

    def _time_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self._emit()

    def _emit_now(self) -> None:
        self._text_timer.stop()
        self._emit()

    def _emit(self) -> None:
        if self._emitting_blocked:
            return
        self._text_timer.stop()
        self.changed.emit(self.frame_filter())

