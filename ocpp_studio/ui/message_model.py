"""The live message list: a bounded table model fed in batches.

The capture store calls :meth:`MessageFeed.on_record` synchronously on the
event-loop thread for every committed frame or connection event. Inserting a
row per frame would cost a model signal per frame; instead records are
buffered and appended together every ``FLUSH_MS``.

This model keeps the last ``MAX_ROWS`` rows in memory. The inspector issue
replaces it with a virtual model over the capture database; views and the
filter proxy only rely on ``record_at`` / ``Column`` / ``RecordRole``.
"""

from __future__ import annotations

import bisect
import copy
from enum import IntEnum
from typing import Any, Callable, Sequence

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt,
    QTimer, Signal,
)
from PySide6.QtWidgets import QApplication, QStyle

from ..core.records import ConnectionEvent, FrameRecord, now_us
from . import theme
from .formatting import (
    DIRECTION_TEXT, event_summary, frame_type_text, latency_text, local_time, problem_text,
    severity, state_text,
)

MAX_ROWS = 50_000
FLUSH_MS = 150

Record = FrameRecord | ConnectionEvent
RecordRole = Qt.ItemDataRole.UserRole + 1
SeverityRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    TIME = 0
    CHARGER = 1
    DIRECTION = 2
    TYPE = 3
    ACTION = 4
    UNIQUE_ID = 5
    LATENCY = 6
    STATE = 7


HEADERS = {
    Column.TIME: "Time", Column.CHARGER: "Charger", Column.DIRECTION: "Direction",
    Column.TYPE: "Type", Column.ACTION: "Action", Column.UNIQUE_ID: "Message id",
    Column.LATENCY: "Latency", Column.STATE: "State",
}
TOOLTIPS = {
    Column.DIRECTION: "→ CSMS: sent by the charger.  → Charger: sent by the central system.",
    Column.LATENCY: "For an answer: time since its CALL was sent.",
    Column.UNIQUE_ID: "OCPP message id: pairs a CALL with its answer.",
}


class MessageTableModel(QAbstractTableModel):
    """Frames and connection events, oldest first, at most ``max_rows``."""

    def __init__(self, parent: QObject | None = None, max_rows: int = MAX_ROWS) -> None:
        super().__init__(parent)
        self.max_rows = max_rows
        self._rows: list[Record] = []
        self._frame_rows: list[FrameRecord] = []  # frames only, ascending id, for pairing
        self._pending: dict[int, FrameRecord] = {}  # CALLs shown as waiting, by id
        self.problem_count = 0  # rows currently highlighted
        self._icons: dict[str, Any] = {}

    # ------------------------------------------------------------- feeding
    def append_records(self, records: Sequence[Record]) -> None:
        """Append a batch (one rowsInserted), then drop the oldest beyond max_rows."""
        if not records:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(records) - 1)
        for record in records:
            self._rows.append(record)
            if severity(record):
                self.problem_count += 1
            if isinstance(record, FrameRecord):
                self._frame_rows.append(record)
                if record.message_type == 2 and record.state == "pending" and record.id is not None:
                    self._pending[record.id] = record
        self.endInsertRows()
        # answers update their CALL's row, which may be in this very batch
        for record in records:
            if isinstance(record, FrameRecord) and record.pair_id is not None:
                self._update_call(record)
        self._trim()

    def _trim(self) -> None:
        excess = len(self._rows) - self.max_rows
        if excess <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, excess - 1)
        dropped = self._rows[:excess]
        del self._rows[:excess]
        dropped_frames = sum(1 for r in dropped if isinstance(r, FrameRecord))
        self.problem_count -= sum(1 for r in dropped if severity(r))
        for record in dropped:
            if isinstance(record, FrameRecord) and record.id is not None:
                self._pending.pop(record.id, None)
        del self._frame_rows[:dropped_frames]
        self.endRemoveRows()

    def _update_call(self, response: FrameRecord) -> None:
        """Show an answer's outcome and latency on its CALL row too."""
        call = self.frame_by_id(response.pair_id)
        if call is None:
            return
        if response.state in ("answered", "error"):
            call.state = response.state
            call.latency_ms = response.latency_ms
            self._pending.pop(call.id or 0, None)
        self._row_changed(call)

    def update_call_state(self, call_id: int, state: str) -> None:
        """A call's state changed without a new frame (timeout, lost)."""
        call = self.frame_by_id(call_id)
        if call is not None and call.state != state:
            was_problem = bool(severity(call))
            call.state = state
            self.problem_count += int(bool(severity(call))) - int(was_problem)
            if state != "pending":
                self._pending.pop(call_id, None)
            self._row_changed(call)

    def _row_changed(self, record: Record) -> None:
        row = self.row_of(record)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._frame_rows.clear()
        self._pending.clear()
        self.problem_count = 0
        self.endResetModel()

    # ------------------------------------------------------------- lookups
    def record_at(self, row: int) -> Record:
        return self._rows[row]

    def records(self) -> list[Record]:
        return list(self._rows)

    def frame_by_id(self, frame_id: int | None) -> FrameRecord | None:
        if frame_id is None:
            return None
        pos = bisect.bisect_left(self._frame_rows, frame_id, key=lambda r: r.id or 0)
        if pos < len(self._frame_rows) and self._frame_rows[pos].id == frame_id:
            return self._frame_rows[pos]
        return None

    def pending_call_ids(self, older_than_us: int) -> list[int]:
        """Ids of CALLs still shown as waiting that were sent before a moment."""
        return [i for i, r in self._pending.items() if r.ts_us < older_than_us]

    def row_of(self, record: Record) -> int | None:
        # Rows are appended in arrival order; search from the end, where updates usually are.
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row] is record:
                return row
        return None

    # ---------------------------------------------------------- Qt model API
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return TOOLTIPS.get(Column(section))
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == RecordRole:
            return record
        if role == SeverityRole:
            return severity(record)
        if role == Qt.ItemDataRole.BackgroundRole:
            level = severity(record)
            return theme.ROW_BACKGROUND.get(level) if level else None
        if role == Qt.ItemDataRole.ForegroundRole:
            level = severity(record)
            if level:
                return theme.ROW_FOREGROUND[level]
            if isinstance(record, ConnectionEvent):
                return theme.EVENT_FOREGROUND
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == Column.STATE:
            level = severity(record)
            return self._icon(level) if level else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return problem_text(record)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.LATENCY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, record: Record, column: Column) -> str:
        if column == Column.TIME:
            return local_time(record.ts_us)
        if column == Column.CHARGER:
            return record.charger
        if isinstance(record, ConnectionEvent):
            if column == Column.TYPE:
                return "EVENT"
            if column == Column.ACTION:
                return event_summary(record)
            if column == Column.STATE:
                return state_text(record)
            return ""
        if column == Column.DIRECTION:
            return DIRECTION_TEXT[record.direction]
        if column == Column.TYPE:
            return frame_type_text(record)
        if column == Column.ACTION:
            return record.action or ""
        if column == Column.UNIQUE_ID:
            return record.unique_id or ""
        if column == Column.LATENCY:
            return latency_text(record.latency_ms)
        if column == Column.STATE:
            return state_text(record)
        return ""

    def _icon(self, level: str) -> Any:
        if level not in self._icons:
            style = QApplication.style()
            pixmap = (QStyle.StandardPixmap.SP_MessageBoxCritical if level == "error"
                      else QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._icons[level] = style.standardIcon(pixmap)
        return self._icons[level]


class MessageFilterProxy(QSortFilterProxyModel):
    """Filters the message list; today by charger, later by action, problems, text…"""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._charger: str | None = None
        self._problems_only = False

    @property
    def charger(self) -> str | None:
        return self._charger

    def set_charger(self, charger: str | None) -> None:
        if charger != self._charger:
            self._change_filter(lambda: setattr(self, "_charger", charger))

    def set_problems_only(self, on: bool) -> None:
        if on != self._problems_only:
            self._change_filter(lambda: setattr(self, "_problems_only", on))

    def _change_filter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, MessageTableModel)
        record = model.record_at(source_row)
        if self._charger is not None and record.charger != self._charger:
            return False
        if self._problems_only and not severity(record):
            return False
        return True

    def record_at(self, row: int) -> Record:
        source = self.mapToSource(self.index(row, 0))
        model = self.sourceModel()
        assert isinstance(model, MessageTableModel)
        return model.record_at(source.row())


class MessageFeed(QObject):
    """Buffers records from the capture listener and flushes them in batches.

    ``on_record`` is cheap (a list append) and safe to call for every frame.
    ``flushed`` is emitted after each batch reached the model.
    """

    flushed = Signal(int)

    def __init__(self, model: MessageTableModel, parent: QObject | None = None,
                 interval_ms: int = FLUSH_MS,
                 state_lookup: Callable[[int], str | None] | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._buffer: list[Record] = []
        self._state_lookup = state_lookup
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        # Timeouts and lost calls change a row in the database without a new
        # frame; look those up now and then for calls still shown as waiting.
        self._state_timer = QTimer(self)
        self._state_timer.setInterval(1000)
        self._state_timer.timeout.connect(self._refresh_pending)
        if state_lookup is not None:
            self._state_timer.start()

    def on_record(self, record: Record) -> None:
        # A shallow copy: the model updates a CALL's state when its answer
        # arrives and must not change an object other observers also hold.
        self._buffer.append(copy.copy(record))

    def flush(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        self.model.append_records(batch)
        self.flushed.emit(len(batch))

    def _refresh_pending(self) -> None:
        if self._state_lookup is None:
            return
        for call_id in self.model.pending_call_ids(now_us() - 1_000_000):
            state = self._state_lookup(call_id)
            if state and state != "pending":
                self.model.update_call_state(call_id, state)

    def stop(self) -> None:
        self._timer.stop()
        self._state_timer.stop()
