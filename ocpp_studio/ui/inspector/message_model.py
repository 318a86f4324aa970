"""The message list: a virtual table over the capture database.

The rows are the ids of the frames that match the current filter
(:class:`~ocpp_studio.capture.query.FrameIndex`); a row's frame is read
through a bounded page cache (:class:`~ocpp_studio.capture.query.FrameCache`)
only when the view paints it. A million-frame capture therefore costs the
id list (8 bytes a row) and a few hundred cached frames, not a million
objects.

Live frames: the capture store calls :meth:`MessageFeed.on_record` on the
event-loop thread after each commit. Inserting a row per frame would cost a
model signal per frame; the feed buffers records and hands them to the model
in one batch every ``FLUSH_MS`` (one ``rowsInserted`` per batch).
"""

from __future__ import annotations

from collections import OrderedDict
from enum import IntEnum
from typing import Any, Callable, Iterator

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

import numpy as np

from ...capture.query import FrameCache, FrameFilter, FrameIndex, counterpart
from ...capture.store import PROBLEM_STATES, CallStateChanged, CaptureStore
from ...core.records import ConnectionEvent, FrameRecord
from ..common import theme
from ..common.formatting import (
    DIRECTION_TEXT, format_time, frame_type_text, latency_text, problem_text, severity,
    state_text,
)

FLUSH_MS = 150
ANSWER_CACHE = 2048  # CALL id -> its answer, for the latency shown on CALL rows

RecordRole = Qt.ItemDataRole.UserRole + 1
SeverityRole = Qt.ItemDataRole.UserRole + 2
FrameIdRole = Qt.ItemDataRole.UserRole + 3

_Index = QModelIndex | QPersistentModelIndex
_MISSING = object()


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
#: columns whose text can be longer than the column: their tooltip shows it whole
FULL_TEXT_COLUMNS = {Column.CHARGER, Column.ACTION, Column.UNIQUE_ID}
TOOLTIPS = {
    Column.DIRECTION: "→ CSMS: sent by the charger.  → Charger: sent by the central system.",
    Column.LATENCY: "Time between a request and its answer.",
    Column.UNIQUE_ID: "OCPP message id: pairs a request (CALL) with its answer.",
    Column.STATE: "How the exchange ended: answered, CALLERROR, schema violation, timeout…",
}


def _dot_icon(colour: str, mark: str) -> QIcon:
    """A small filled circle with a white mark: calmer than the big message-box icons."""
    size = 14
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.setPen(QColor(theme.BADGE_MARK_TEXT))
    font = painter.font()
    font.setBold(True)
    font.setPixelSize(10)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, mark)
    painter.end()
    return QIcon(pixmap)


class MessageTableModel(QAbstractTableModel):
    """Frames of one capture store that match a filter, oldest first."""

    def __init__(self, store: CaptureStore, parent: QObject | None = None,
                 frame_filter: FrameFilter | None = None) -> None:
        super().__init__(parent)
        self.utc = False
        self.partner_id: int | None = None  # the other frame of the selected pair
        self._icons: dict[str, QIcon] = {}
        self._answers: OrderedDict[int, FrameRecord | None] = OrderedDict()
        self._attach(store, frame_filter or FrameFilter())

    def _attach(self, store: CaptureStore, frame_filter: FrameFilter) -> None:
        self.store = store
        self.frames = FrameIndex(store, frame_filter)
        self.cache = FrameCache(store)
        self._answers.clear()
        self.partner_id = None

    # ------------------------------------------------------------ contents
    @property
    def frame_filter(self) -> FrameFilter:
        return self.frames.filter

    def set_store(self, store: CaptureStore, frame_filter: FrameFilter | None = None) -> None:
        """Show another capture (a file, or the live one again)."""
        self.beginResetModel()
        self._attach(store, frame_filter or FrameFilter())
        self.endResetModel()

    def set_filter(self, frame_filter: FrameFilter) -> None:
        """Run the query for a new filter (up to ~0.5 s on a million frames)."""
        self.beginResetModel()
        self.frames = FrameIndex(self.store, frame_filter)
        self.partner_id = None
        self.endResetModel()

    def refresh(self) -> int:
        """Pull frames written to the store by someone else (e.g. an import)."""
        first = len(self.frames)
        added = self.frames.refresh()
        if added:
            self.beginInsertRows(QModelIndex(), first, first + added - 1)
            self.endInsertRows()
        return added

    def append_records(self, records: list[FrameRecord]) -> int:
        """Append the new frames that match the filter (one rowsInserted); return how many."""
        # a batch may hold frames committed before the index ran its query (the feed
        # listens from before the window opened): those are in the index already
        known = self.frames.last_id
        new_ids = [r.id for r in records
                   if r.id is not None and r.id > known and self.frames.matches(r)]
        if new_ids:
            first = len(self.frames)
            self.beginInsertRows(QModelIndex(), first, first + len(new_ids) - 1)
            for frame_id in new_ids:
                self.frames.append_id(frame_id)
            self.endInsertRows()
        # an answer changes its CALL's row (state, latency)
        for record in records:
            if record.pair_id is not None:
                self.frame_changed(record.pair_id)
        return len(new_ids)

    def frame_changed(self, frame_id: int) -> None:
        """A frame's row changed in the database (a CALL answered, timed out…).

        A CALL that now matches the filter (a timeout under "problems only") is
        inserted at its place."""
        self.cache.invalidate(frame_id)
        self._answers.pop(frame_id, None)
        row = self.frames.row_of(frame_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
            return
        if frame_id > self.frames.last_id or self.frame_filter.is_empty():
            return  # not yet seen (arrives with the next batch), or simply not in the store
        record = self.cache.get(frame_id)
        if record is None or not self.frames.matches(record):
            return
        position = int(np.searchsorted(self.frames.ids(), frame_id))
        self.beginInsertRows(QModelIndex(), position, position)
        self.frames.insert_id(frame_id)
        self.endInsertRows()

    def set_partner(self, frame_id: int | None) -> None:
        """Highlight the other frame of the selected pair."""
        old, self.partner_id = self.partner_id, frame_id
        for changed in (old, frame_id):
            row = self.frames.row_of(changed) if changed is not None else None
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def set_utc(self, utc: bool) -> None:
        if utc != self.utc:
            self.utc = utc
            if self.rowCount():
                self.dataChanged.emit(self.index(0, Column.TIME),
                                      self.index(self.rowCount() - 1, Column.TIME))

    # ------------------------------------------------------------- lookups
    def record_at(self, row: int) -> FrameRecord | None:
        if not 0 <= row < len(self.frames):
            return None
        return self.cache.get(self.frames.id_at(row))

    def frame_id_at(self, row: int) -> int:
        return self.frames.id_at(row)

    def row_of_id(self, frame_id: int) -> int | None:
        return self.frames.row_of(frame_id)

    def records(self) -> Iterator[FrameRecord]:
        """Every matching frame, in order, read through the cache (for exports)."""
        for row in range(len(self.frames)):
            record = self.record_at(row)
            if record is not None:
                yield record

    def counterpart_of(self, record: FrameRecord) -> FrameRecord | None:
        return counterpart(self.store, record)

    def _answer_of(self, call: FrameRecord) -> FrameRecord | None:
        """The answer of a CALL, remembered for a bounded number of CALLs."""
        assert call.id is not None
        answer = self._answers.get(call.id, _MISSING)
        if answer is _MISSING:
            answer = counterpart(self.store, call) if call.state in ("answered", "error",
                                                                     "late", "observed") else None
            # an observed CALL keeps its state when its answer comes; the answer's batch calls
            # frame_changed(call id), which forgets what is remembered here
            if call.state not in (None, "pending"):  # a pending CALL may still be answered
                self._answers[call.id] = answer
                if len(self._answers) > ANSWER_CACHE:
                    self._answers.popitem(last=False)
        else:
            self._answers.move_to_end(call.id)
        return answer  # type: ignore[return-value]

    # ---------------------------------------------------------- Qt model API
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.frames)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
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
        record = self.record_at(index.row())
        if record is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(record, column)
        if role == RecordRole:
            return record
        if role == FrameIdRole:
            return record.id
        if role == SeverityRole:
            return severity(record)
        if role == Qt.ItemDataRole.BackgroundRole:
            if record.id is not None and record.id == self.partner_id:
                return QBrush(theme.PARTNER_BACKGROUND)
            level = severity(record)
            return QBrush(theme.ROW_BACKGROUND[level]) if level else None
        if role == Qt.ItemDataRole.ForegroundRole:
            level = severity(record)
            return QBrush(theme.ROW_FOREGROUND[level]) if level else None
        if role == Qt.ItemDataRole.DecorationRole and column == Column.STATE:
            level = severity(record)
            return self._icon(level) if level else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.LATENCY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _tooltip(self, record: FrameRecord, column: Column) -> str | None:
        """The full text of cells a narrow column cuts (message id, action, charger),
        then what is wrong with the frame or that it is the selected one's partner."""
        lines = []
        if column in FULL_TEXT_COLUMNS and self.display(record, column):
            lines.append(f"{HEADERS[column]}: {self.display(record, column)}")
        if record.id is not None and record.id == self.partner_id:
            lines.append("The other half of the selected request/answer pair")
        else:
            problem = problem_text(record)
            if problem:
                lines.append(problem)
        return "\n".join(lines) or None

    def display(self, record: FrameRecord, column: Column) -> str:
        if column == Column.TIME:
            return format_time(record.ts_us, utc=self.utc)
        if column == Column.CHARGER:
            return record.charger
        if column == Column.DIRECTION:
            return DIRECTION_TEXT[record.direction]
        if column == Column.TYPE:
            return frame_type_text(record)
        if column == Column.ACTION:
            return record.action or ""
        if column == Column.UNIQUE_ID:
            return record.unique_id or ""
        if column == Column.LATENCY:
            latency = record.latency_ms
            if latency is None and record.message_type == 2 and record.id is not None:
                answer = self._answer_of(record)
                latency = answer.latency_ms if answer is not None else None
            return latency_text(latency)
        if column == Column.STATE:
            return state_text(record)
        return ""

    def _icon(self, level: str) -> QIcon:
        if level not in self._icons:
            if QApplication.instance() is None:  # pragma: no cover - model used headless
                return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._icons[level] = (_dot_icon(theme.ROW_BORDER["error"], "!") if level == "error"
                                  else _dot_icon(theme.ROW_BORDER["warning"], "!"))
        return self._icons[level]


class MessageFeed(QObject):
    """Buffers what the capture store reports and hands it to the model in batches.

    ``on_record`` is cheap (a list append) and safe to call for every frame.
    ``flushed(frames, matching)`` is emitted after each batch reached the model.
    """

    flushed = Signal(int, int)
    #: frames of the batch (all of them, matching the filter or not) — for counters
    frames_arrived = Signal(list)
    #: CALLs that became problems (timeout, lost…) without a new frame
    new_problems = Signal(int)

    def __init__(self, model: MessageTableModel, parent: QObject | None = None,
                 interval_ms: int = FLUSH_MS) -> None:
        super().__init__(parent)
        self.model = model
        self.enabled = True  # False while the view shows another capture than the live one
        self._frames: list[FrameRecord] = []
        self._changed: dict[int, str] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def on_record(self, record: Any) -> None:
        if isinstance(record, FrameRecord):
            self._frames.append(record)
        elif isinstance(record, ConnectionEvent):
            return
        elif isinstance(record, CallStateChanged):
            self._changed[record.call_id] = record.state

    def flush(self) -> None:
        if not self._frames and not self._changed:
            return
        frames, self._frames = self._frames, []
        changed, self._changed = self._changed, {}
        if not self.enabled:
            return
        matching = self.model.append_records(frames) if frames else 0
        for call_id in changed:
            self.model.frame_changed(call_id)
        if frames:
            self.frames_arrived.emit(frames)
        problems = sum(1 for state in changed.values() if state in PROBLEM_STATES)
        if problems:
            self.new_problems.emit(problems)
        self.flushed.emit(len(frames), matching)

    def stop(self) -> None:
        self._timer.stop()


def visible_columns_text(model: MessageTableModel, columns: list[Column],
                         rows: Callable[[], Iterator[FrameRecord]]) -> Iterator[list[str]]:
    """Header then one list of cell texts per frame: for CSV export of what is shown."""
    yield [HEADERS[c] for c in columns]
    for record in rows():
        yield [model.display(record, c) for c in columns]
