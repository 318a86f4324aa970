"""The ids of a large filter result, read a block of rows at a time (issue 17).

``FrameIndex`` (query.py) counts a broad filter on chargers, actions, direction
and message types from ``counts.py`` and reads only the blocks of rows it needs:
the first and the last at once (the top of the list, and "follow newest"), any
other when a row there is shown or looked for. Gathering the 500,000 ids of one
direction of a 1M-frame capture took ~100 ms of CPU, the 100 ms the inspector
has for a filter; one block of 4096 ids takes 1-3 ms, or 10-30 ms when it has to
skip (OFFSET) half a million index entries to reach the middle.

Such a filter's frames never change whether they match (their columns are never
rewritten), so a block read later holds exactly the rows the count promised. If
frames were deleted under it (never done by the studio) a read comes back short
and ``Changed`` is raised: the caller reads the whole result again.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np


class Changed(Exception):
    """The capture no longer holds the rows the count promised."""


def gather(db: sqlite3.Connection, where: str, params: list[Any]) -> np.ndarray:
    """Matching ids, ascending, as int64. One SQL round trip: the ids come back as
    one comma-separated string, which numpy parses far faster than a million
    Python tuples."""
    text = db.execute(f"SELECT group_concat(id) FROM (SELECT id FROM frames WHERE {where})",
                      params).fetchone()[0]
    if not text:
        return np.empty(0, dtype=np.int64)
    ids = np.array(text.split(","), dtype=np.int64) if len(text) < 64 else \
        np.fromstring(text, dtype=np.int64, sep=",")
    ids.sort(kind="stable")  # usually sorted already (rowid order); cheap if so
    return ids


def in_id_order(db: sqlite3.Connection, where: str, params: list[Any]) -> bool:
    """Whether SQLite reads this filter's matches in id order (one index value, e.g. one
    direction or action), so a block of them costs its rows, not a sort of them all
    (5 chargers: 74 ms for the ends, 370 ms for a middle block; all at once 26 ms)."""
    plan = db.execute(f"EXPLAIN QUERY PLAN SELECT id FROM frames WHERE ({where}) "
                      "ORDER BY id LIMIT 1", params).fetchall()
    return not any("TEMP B-TREE" in str(step[-1]) for step in plan)


def row_in(ids: np.ndarray, frame_id: int, offset: int) -> int | None:
    row = int(np.searchsorted(ids, frame_id))
    return offset + row if row < len(ids) and ids[row] == frame_id else None


class Blocks:
    """Which blocks of rows ``0..rows-1`` of a result have been read into the caller's
    array, and the reading of the others (the caller owns the array: it may grow)."""

    def __init__(self, db: sqlite3.Connection, where: str, params: list[Any], last: int,
                 rows: int, size: int) -> None:
        self._db = db
        self._where = where
        self._params = params
        self._last = last  # the newest id the count covered
        self.rows = rows
        self.size = size
        self.known = np.zeros(-(-rows // size), dtype=bool)

    @property
    def complete(self) -> bool:
        return bool(self.known.all())

    def start(self, ids: np.ndarray) -> None:
        """Read the first block and the last rows (at least one block)."""
        self._read(ids, 0, None, None, 0, desc=False)
        tail = max(1, (self.rows - self.size) // self.size)
        start = tail * self.size
        found = self._fetch(None, None, self.rows - start, 0, desc=True)
        self._place(ids, start, self.rows, found[::-1])
        self.known[tail:] = True

    def need(self, ids: np.ndarray, row: int) -> None:
        """Make sure the block of ``row`` (< rows) has been read."""
        block = row // self.size
        if self.known[block]:
            return
        start, stop = block * self.size, min((block + 1) * self.size, self.rows)
        before = int(np.flatnonzero(self.known[:block])[-1])  # block 0 is always read
        after = block + 1 + int(np.flatnonzero(self.known[block + 1:])[0])  # the last too
        end_before = (before + 1) * self.size - 1  # the last row of the block before
        skip_forward, skip_back = start - end_before - 1, after * self.size - stop
        if skip_forward <= skip_back:
            self._read(ids, block, int(ids[end_before]), None, skip_forward, desc=False)
        else:
            self._read(ids, block, None, int(ids[after * self.size]), skip_back, desc=True)

    def row_of(self, ids: np.ndarray, frame_id: int) -> int | None:
        """The row of ``frame_id`` among rows 0..rows-1, or None."""
        read = np.flatnonzero(self.known)
        firsts = ids[read * self.size]
        at = int(np.searchsorted(firsts, frame_id, side="right")) - 1
        if at < 0:
            return None
        block = int(read[at])
        start, stop = block * self.size, min((block + 1) * self.size, self.rows)
        if frame_id <= ids[stop - 1]:
            row = start + int(np.searchsorted(ids[start:stop], frame_id))
            return row if ids[row] == frame_id else None
        if stop == self.rows or self.known[block + 1]:
            return None  # between two rows read one after the other: not there
        # in rows not read yet: count the matching frames before it
        before = self._db.execute(
            f"SELECT COUNT(*) FROM frames WHERE ({self._where}) AND id > ? AND id < ?",
            [*self._params, int(ids[stop - 1]), frame_id]).fetchone()[0]
        row = stop + before
        if row >= self.rows:
            return None
        self.need(ids, row)
        return row if ids[row] == frame_id else None

    def fill(self, ids: np.ndarray) -> None:
        """Read every block not read yet (one query per run of them)."""
        missing = np.flatnonzero(~self.known)
        while len(missing):
            first = int(missing[0])
            run = first
            while run + 1 < len(self.known) and not self.known[run + 1]:
                run += 1
            start, stop = first * self.size, min((run + 1) * self.size, self.rows)
            found = gather(self._db, f"({self._where}) AND id > ? AND id < ?",
                           [*self._params, int(ids[start - 1]), int(ids[stop])])
            self._place(ids, start, stop, found)
            self.known[first:run + 1] = True
            missing = np.flatnonzero(~self.known)

    # ------------------------------------------------------------- reading
    def _read(self, ids: np.ndarray, block: int, after: int | None, before: int | None,
              skip: int, desc: bool) -> None:
        start, stop = block * self.size, min((block + 1) * self.size, self.rows)
        found = self._fetch(after, before, stop - start, skip, desc)
        self._place(ids, start, stop, found[::-1] if desc else found)
        self.known[block] = True

    def _fetch(self, after: int | None, before: int | None, limit: int, skip: int,
               desc: bool) -> np.ndarray:
        bounds, values = "id <= ?", [self._last]
        if after is not None:
            bounds, values = bounds + " AND id > ?", [*values, after]
        if before is not None:
            bounds, values = bounds + " AND id < ?", [*values, before]
        rows = self._db.execute(
            f"SELECT id FROM frames WHERE ({self._where}) AND {bounds} "
            f"ORDER BY id {'DESC' if desc else 'ASC'} LIMIT ? OFFSET ?",
            [*self._params, *values, limit, skip]).fetchall()
        return np.array([row[0] for row in rows], dtype=np.int64)

    @staticmethod
    def _place(ids: np.ndarray, start: int, stop: int, found: np.ndarray) -> None:
        if len(found) != stop - start:
            raise Changed(f"{stop - start} ids expected in rows {start}..{stop - 1}, "
                          f"{len(found)} found")
        ids[start:stop] = found
