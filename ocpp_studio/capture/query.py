"""Filtering and paging a large capture for the message inspector (Qt-free).

A view over a million frames never holds the frames: ``FrameIndex`` keeps only
the ids of the matching frames (a numpy int64 array, 8 MB per million), and
``FrameCache`` fetches rows in pages of consecutive ids on demand and keeps a
bounded number of pages.

Every filter runs as one SQL query over the indexes of schema 2 (see
``store.py``): charger, action, direction, message type, problems (a partial
index) and time. Free text is ``raw LIKE '%text%'``, case-insensitive for
ASCII letters, tested only on the candidates the trigram index of schema 3
finds (``text_index.py``; a full scan of 1,000,000 frames took 0.2-0.9 s, see
the benchmark ``benchmarks/inspector_capture.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
import logging
import sqlite3
from typing import Any

import numpy as np

from ..core.records import Direction, FrameRecord
from . import counts, text_index
from .id_blocks import Blocks, Changed, gather, in_id_order, row_in
from .store import _FRAME_COLUMNS, PROBLEM_SQL, PROBLEM_STATES, CaptureStore, _frame_from_row

log = logging.getLogger(__name__)

_SELECT_FRAME = f"SELECT id, {', '.join(_FRAME_COLUMNS)} FROM frames"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class FrameFilter:
    """What the log shows; every field narrows, fields combine with AND."""

    chargers: frozenset[str] = frozenset()  # empty = all chargers
    actions: frozenset[str] = frozenset()  # empty = all actions (responses carry their call's action)
    direction: Direction | None = None
    message_types: frozenset[int] = frozenset()  # {2,3,4}; empty = all (unreadable frames: NULL type)
    problems_only: bool = False  # problem text, CALLERROR, or state in timeout/lost/late/unmatched
    text: str = ""  # case-insensitive (ASCII letters) substring of the raw frame text
    since_us: int | None = None  # ts_us >= since_us
    until_us: int | None = None  # ts_us <= until_us

    def is_empty(self) -> bool:
        return self == FrameFilter()

    def where(self, db: sqlite3.Connection | None = None) -> tuple[str, list[Any]]:
        """The SQL condition (``"1"`` when empty) and its parameters; with the capture's
        ``db``, free text uses its trigram index (same results, see text_index.py)."""
        clauses: list[str] = []
        params: list[Any] = []
        # The problems are a few frames: their partial index drives, the other indexes
        # stay out ("+column"), or SQLite reads every frame of an action or type to find
        # its problems (CALLs + problems: 440 ms on 1M frames, 14 ms this way).
        plus = "+" if self.problems_only else ""
        if self.chargers:
            clauses.append(_in(f"{plus}charger", len(self.chargers)))
            params.extend(sorted(self.chargers))
        if self.actions:
            clauses.append(_in(f"{plus}action", len(self.actions)))
            params.extend(sorted(self.actions))
        if self.direction is not None:
            # Half the frames go each way: the direction index only pays alone.
            alone = not (self.chargers or self.actions or self.message_types or
                         self.problems_only or self.text or self.since_us is not None or
                         self.until_us is not None)
            clauses.append("direction = ?" if alone else "+direction = ?")
            params.append(Direction(self.direction).value)
        if self.message_types:
            clauses.append(_in(f"{plus}message_type", len(self.message_types)))
            params.extend(sorted(int(t) for t in self.message_types))
        if self.problems_only:
            clauses.append(PROBLEM_SQL)  # the partial index's exact expression
        if self.text:
            # a few chargers or the problems are fewer frames than a common word's
            # candidates: their indexes drive and the LIKE alone tests what they find
            narrow = 0 < len(self.chargers) <= 3 or self.problems_only
            found = text_index.candidates(db, self.text) if db is not None and not narrow \
                else None
            if found is not None:
                clauses.append(found[0])
                params.extend(found[1])
            clauses.append("raw LIKE ? ESCAPE '\\'")
            params.append(f"%{_like_escape(self.text)}%")
        if self.since_us is not None:
            clauses.append("ts_us >= ?")
            params.append(int(self.since_us))
        if self.until_us is not None:
            clauses.append("ts_us <= ?")
            params.append(int(self.until_us))
        return (" AND ".join(clauses) or "1"), params

    def matches(self, record: FrameRecord) -> bool:
        """The same test as ``where()``, on one record in memory."""
        if self.chargers and record.charger not in self.chargers:
            return False
        if self.actions and record.action not in self.actions:
            return False
        if self.direction is not None and record.direction != Direction(self.direction):
            return False
        if self.message_types and record.message_type not in self.message_types:
            return False
        if self.problems_only and not is_problem(record):
            return False
        if self.text and (self.text.translate(_ASCII_LOWER)
                          not in record.raw.translate(_ASCII_LOWER)):
            return False
        if self.since_us is not None and record.ts_us < self.since_us:
            return False
        if self.until_us is not None and record.ts_us > self.until_us:
            return False
        return True


def is_problem(record: FrameRecord) -> bool:
    """Python twin of ``PROBLEM_SQL``."""
    return (record.problem is not None or record.message_type == 4
            or record.state in PROBLEM_STATES)


def _in(column: str, count: int) -> str:
    return f"{column} = ?" if count == 1 else f"{column} IN ({', '.join('?' * count)})"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ids(store: CaptureStore, where: str, params: list[Any]) -> np.ndarray:
    """Matching ids, ascending, as int64 (``id_blocks.gather``)."""
    return gather(store._db, where, params)  # noqa: SLF001 - the query layer is the store's own


def _stable(frame_filter: FrameFilter) -> bool:
    """Whether the filter tests only columns a frame keeps for good, which
    ``counts.py`` counts (not call states, not the free text, not time; the empty
    filter has its own way in ``_query``)."""
    return not (frame_filter.is_empty() or frame_filter.problems_only or frame_filter.text or
                frame_filter.since_us is not None or frame_filter.until_us is not None)


class FrameIndex:
    """The ids of the frames matching a filter, in id order; never holds the frames themselves.

    A broad filter over the indexed columns alone (chargers, actions, direction,
    message types: their frames never change which filter they match) is counted
    from ``counts.py`` and its ids are read a ``BLOCK`` of rows at a time, when a
    row there is needed (``id_blocks.py``): the first and last blocks at once.
    """

    #: rows read at a time from a large result
    BLOCK = 4096
    #: results up to this size are read whole at once
    EAGER = 32768

    def __init__(self, store: CaptureStore, frame_filter: FrameFilter = FrameFilter()) -> None:
        self._store = store
        self._filter = frame_filter
        self._ids = np.empty(0, dtype=np.int64)  # capacity grows by doubling
        self._count = 0
        self._last = 0  # highest id known to the index (matching or not)
        self._blocks: Blocks | None = None  # rows not all read yet (a large result)
        self._query()

    def _query(self) -> None:
        db = self._store._db  # noqa: SLF001
        if self._filter.is_empty():
            # one statement (one snapshot); MIN and MAX in one SELECT would scan
            # every row, each alone is one index seek and COUNT(*) counts pages
            low, high, count = db.execute(
                "SELECT (SELECT MIN(id) FROM frames), (SELECT MAX(id) FROM frames), "
                "(SELECT COUNT(*) FROM frames)").fetchone()
            if count and high - low + 1 == count:  # no gaps: no need to read the ids
                self._set(np.arange(low, high + 1, dtype=np.int64))
                self._last = high
                return
        self._last = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
        where, params = self._filter.where(self._store._db)  # noqa: SLF001
        if _stable(self._filter) and self._read_ends(where, params):
            return
        self._set(_ids(self._store, f"({where}) AND id <= ?", [*params, self._last]))

    def _read_ends(self, where: str, params: list[Any]) -> bool:
        """Count a large result and read only its first and last blocks; False if it
        is small."""
        db = self._store._db  # noqa: SLF001
        if counts.available(db):  # schema 4: a sum over a small table
            count, self._last = counts.count_and_newest(db, where, params)
        else:  # a read-only file of schema 3 or older: through the filter's index
            count = db.execute(f"SELECT COUNT(*) FROM frames WHERE ({where}) AND id <= ?",
                               [*params, self._last]).fetchone()[0]
        if count <= max(self.EAGER, 3 * self.BLOCK) or not in_id_order(db, where, params):
            return False
        self._ids = np.empty(count, dtype=np.int64)
        self._count = count
        self._blocks = Blocks(db, where, params, self._last, count, self.BLOCK)
        try:
            self._blocks.start(self._ids)
        except Changed as exc:
            self._reread(exc)
        return True

    def _lazy(self, action: str, *args: int) -> Any:
        """Run a ``Blocks`` method; read everything again if the capture changed."""
        assert self._blocks is not None
        try:
            result = getattr(self._blocks, action)(self._ids, *args)
        except Changed as exc:
            self._reread(exc)
            return "changed"
        if self._blocks.complete:
            self._blocks = None
        return result

    def _reread(self, exc: Changed) -> None:
        """Frames were deleted under a large result (never done by the studio)."""
        log.warning("capture changed under the message list (%s); reading the filter "
                    "again", exc)
        rows = self._blocks.rows if self._blocks is not None else self._count
        newer = self._ids[rows:self._count].copy()  # appended live since
        self._blocks = None
        where, params = self._filter.where(self._store._db)  # noqa: SLF001
        self._set(_ids(self._store, f"({where}) AND id <= ?", [*params, self._last]))
        self._extend(newer[newer > (self._ids[self._count - 1] if self._count else 0)])

    def _fill(self) -> None:
        """Read every row not read yet."""
        if self._blocks is not None:
            self._lazy("fill")

    def _set(self, ids: np.ndarray) -> None:
        self._ids = ids
        self._count = len(ids)

    @property
    def filter(self) -> FrameFilter:
        return self._filter

    @property
    def last_id(self) -> int:
        """The highest frame id the index has considered (matching or not)."""
        return self._last

    def __len__(self) -> int:
        return self._count

    def id_at(self, row: int) -> int:
        if not 0 <= row < self._count:
            raise IndexError(row)
        if self._blocks is not None and row < self._blocks.rows:
            self._lazy("need", row)
            if row >= self._count:  # fewer rows after reading the capture again
                raise IndexError(row)
        return int(self._ids[row])

    def ids(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """A read-only view of the ids of rows start..stop (for export)."""
        self._fill()
        view = self._ids[:self._count][start:stop]
        view.flags.writeable = False
        return view

    def row_of(self, frame_id: int) -> int | None:
        blocks = self._blocks
        if blocks is not None:
            if frame_id > self._ids[blocks.rows - 1]:  # appended live since the count
                return row_in(self._ids[blocks.rows:self._count], frame_id, blocks.rows)
            found = self._lazy("row_of", frame_id)
            if found != "changed":
                return found
        return row_in(self._ids[:self._count], frame_id, 0)

    def matches(self, record: FrameRecord) -> bool:
        return self._filter.matches(record)

    def refresh(self) -> int:
        """Fetch matching ids newer than the last known id (live capture); return how many."""
        db = self._store._db  # noqa: SLF001
        newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
        if newest <= self._last:
            return 0
        where, params = self._filter.where(self._store._db)  # noqa: SLF001
        new = _ids(self._store, f"({where}) AND id > ? AND id <= ?",
                   [*params, self._last, newest])
        self._last = newest
        if self._count and len(new):
            new = new[new > self._ids[self._count - 1]]  # already appended live
        self._extend(new)
        return len(new)

    def append_id(self, frame_id: int) -> None:
        """Add a live id known to match (must be greater than every id in the index)."""
        if self._count and frame_id <= self._ids[self._count - 1]:
            raise ValueError(f"frame {frame_id} is not newer than the last row "
                             f"({int(self._ids[self._count - 1])})")
        self._extend(np.array([frame_id], dtype=np.int64))
        self._last = max(self._last, frame_id)

    def insert_id(self, frame_id: int) -> int | None:
        """Add an older id that now matches (e.g. a CALL that timed out, under
        problems-only); return its row, or None if it was there already."""
        if self.row_of(frame_id) is not None:
            return None
        self._fill()
        row = int(np.searchsorted(self._ids[:self._count], frame_id))
        if row == self._count:
            self.append_id(frame_id)
            return row
        self._ids = np.insert(self._ids[:self._count], row, frame_id)
        self._count += 1
        return row

    def _extend(self, new: np.ndarray) -> None:
        if not len(new):
            return
        needed = self._count + len(new)
        if needed > len(self._ids):
            grown = np.empty(max(needed, 2 * len(self._ids), 1024), dtype=np.int64)
            grown[:self._count] = self._ids[:self._count]
            self._ids = grown
        self._ids[self._count:needed] = new
        self._count = needed


@dataclass
class _Page:
    rows: dict[int, tuple] = field(default_factory=dict)  # id -> row tuple
    records: dict[int, FrameRecord] = field(default_factory=dict)  # converted on first use
    complete: bool = False  # False while the capture may still add ids to this page


class FrameCache:
    """Rows fetched on demand in pages of consecutive ids, kept in a bounded LRU
    (1024 pages x 16 rows). Small pages: a sparse filter (CALLERRORs, a rare word)
    has one row per page on screen, and 60 pages of 256 rows took 60-150 ms on a
    1M-frame capture, more than its query; of 32 rows 8-13 ms, of 16 rows 4-6 ms,
    while scrolling 1,260 consecutive rows takes 12-15 ms with 32, 13-17 with 16
    (issue 17)."""

    def __init__(self, store: CaptureStore, page_size: int = 16, max_pages: int = 1024) -> None:
        self._store = store
        self.page_size = page_size
        self.max_pages = max_pages
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self.fetches = 0  # SELECTs issued (for tests and benchmarks)

    def get(self, frame_id: int) -> FrameRecord | None:
        """The frame with this id (a shared object: do not modify it), or None."""
        number = frame_id // self.page_size
        page = self._pages.get(number)
        if page is None or (frame_id not in page.rows and not page.complete):
            page = self._fetch(number)
        else:
            self._pages.move_to_end(number)
        record = page.records.get(frame_id)
        if record is None:
            row = page.rows.get(frame_id)
            if row is None:
                return None
            record = page.records[frame_id] = _frame_from_row(row)
        return record

    def _fetch(self, number: int) -> _Page:
        first = number * self.page_size
        last = first + self.page_size - 1
        db = self._store._db  # noqa: SLF001
        rows = db.execute(f"{_SELECT_FRAME} WHERE id BETWEEN ? AND ?", (first, last)).fetchall()
        self.fetches += 1
        newest = rows[-1][0] if rows else None
        complete = newest == last or db.execute(
            "SELECT EXISTS (SELECT 1 FROM frames WHERE id > ?)", (last,)).fetchone()[0] == 1
        page = _Page({row[0]: row for row in rows}, {}, complete)
        self._pages[number] = page
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page

    def invalidate(self, frame_id: int | None = None) -> None:
        """Forget one frame's page (after a call-state change), or everything."""
        if frame_id is None:
            self._pages.clear()
        else:
            self._pages.pop(frame_id // self.page_size, None)

    def __len__(self) -> int:
        """Pages held."""
        return len(self._pages)


# ----------------------------------------------------------------- helpers
def distinct_chargers(store: CaptureStore) -> list[str]:
    """Every charger in the capture, sorted (skips through the charger index)."""
    return _distinct(store, "charger")


def distinct_actions(store: CaptureStore) -> list[str]:
    """Every action in the capture, sorted; frames without an action are left out."""
    return _distinct(store, "action")


def _distinct(store: CaptureStore, column: str) -> list[str]:
    # A loop of "next value greater than" probes: one index seek per distinct
    # value instead of a scan of a million index entries.
    db = store._db  # noqa: SLF001
    values: list[str] = []
    value = db.execute(f"SELECT MIN({column}) FROM frames").fetchone()[0]
    while value is not None:
        values.append(value)
        value = db.execute(f"SELECT MIN({column}) FROM frames WHERE {column} > ?",
                           (value,)).fetchone()[0]
    return values


def counterpart(store: CaptureStore, record: FrameRecord) -> FrameRecord | None:
    """The answer of a CALL (preferring one in time over a late one), or the CALL of an answer."""
    if record.pair_id is not None:
        return store.frame(record.pair_id)
    if record.message_type == 2 and record.id is not None:
        row = store._db.execute(  # noqa: SLF001
            f"{_SELECT_FRAME} WHERE pair_id = ? ORDER BY state IS 'late', id LIMIT 1",
            (record.id,)).fetchone()
        return _frame_from_row(row) if row else None
    return None


def next_problem_row(index: FrameIndex, cache: FrameCache, start_row: int,
                     forward: bool = True) -> int | None:
    """The row of the next (or previous) problem frame in ``index`` after ``start_row``.

    One SQL query over the partial problems index, limited to the index's filter
    and to the ids it holds. ``start_row`` may be -1 (search from the top) or
    ``len(index)`` (search backwards from the bottom). ``cache`` is not read: the
    database is the truth for call states that changed since a page was cached.
    """
    del cache
    count = len(index)
    if count == 0:
        return None
    db = index._store._db  # noqa: SLF001
    where, params = index.filter.where(index._store._db)  # noqa: SLF001
    newest = index.id_at(count - 1)
    oldest = index.id_at(0)
    if forward:
        if start_row >= count - 1:
            return None
        after = index.id_at(start_row) if start_row >= 0 else oldest - 1
        bounds, order, edge = "id > ? AND id <= ?", "ASC", (after, newest)
    else:
        if start_row <= 0:
            return None
        before = index.id_at(start_row) if start_row < count else newest + 1
        bounds, order, edge = "id < ? AND id >= ?", "DESC", (before, oldest)
    # A frame can match in SQL and still be missing from the index (a state that
    # changed after the index was built): step over those.
    while True:
        row = db.execute(
            f"SELECT id FROM frames WHERE {PROBLEM_SQL} AND ({where}) AND {bounds} "
            f"ORDER BY id {order} LIMIT 1", [*params, *edge]).fetchone()
        if row is None:
            return None
        found = index.row_of(row[0])
        if found is not None:
            return found
        edge = (row[0], edge[1])


def time_bounds(store: CaptureStore) -> tuple[int, int] | None:
    """The first and last ts_us in the capture (frames), or None when it is empty."""
    low, high = store._db.execute(  # noqa: SLF001 - each alone is one seek of frames_ts
        "SELECT (SELECT MIN(ts_us) FROM frames), (SELECT MAX(ts_us) FROM frames)").fetchone()
    return None if low is None else (low, high)


def frames_by_ids(store: CaptureStore, ids: "np.ndarray | list[int]",
                  batch: int = 900) -> list[FrameRecord]:
    """The frames with these ids, in the given order (for export of filtered rows)."""
    wanted = [int(i) for i in ids]
    found: dict[int, FrameRecord] = {}
    db = store._db  # noqa: SLF001
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        rows = db.execute(f"{_SELECT_FRAME} WHERE id IN ({', '.join('?' * len(chunk))})",
                          chunk).fetchall()
        found.update((row[0], _frame_from_row(row)) for row in rows)
    return [found[i] for i in wanted if i in found]


__all__ = ["FrameFilter", "FrameIndex", "FrameCache", "distinct_chargers", "distinct_actions",
           "counterpart", "next_problem_row", "time_bounds", "is_problem", "frames_by_ids"]
