"""Frames per (charger, direction, action, message type), for the inspector's counts
(capture schema 4, issue 17).

Counting the 500,000 frames of one direction of a 1M-frame capture through its
index took 35-45 ms of CPU of the 100 ms the inspector has for a filter; a sum
over this table (a few hundred rows: chargers x 2 directions x actions x 3
types) takes well under a millisecond. The columns a filter on chargers,
actions, direction and message types tests never change once a frame is
recorded (frames are never deleted or rewritten, as ``text_index.py`` also
relies on), so such a filter's count is the sum of the rows its own condition
(``FrameFilter.where``, same column names) selects here, plus a count of the
newest frames, not yet added.

The table is brought up to date in batches of ``BATCH`` frames, in the call and
transaction that index the newest frames for free text (``text_index.index_tail``):
a trigger per inserted frame cost 13-25 us per frame, a GROUP BY of each 256
frames ~4 us per frame (with 50 chargers most of its ~200 keys are upserted each
time), of each 4096 frames 1.2 us (``benchmarks/record_frame_counts.py``).
``meta.counts_to`` is the newest frame counted; the fewer than ``BATCH`` frames
after it are counted at query time through the filter's index.
``key`` is the four values quoted (``quote()`` tells NULL from the text 'NULL'
and from ''), the one column an upsert can match on: a primary key of nullable
columns never conflicts on NULL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

#: meta key: frames with id <= this are in frame_counts
COUNTED_KEY = "counts_to"
#: frames are added to the counts this many at a time (at least)
BATCH = 4096

_KEY = ("quote(charger) || ',' || quote(direction) || ',' || quote(action) || ',' || "
        "quote(message_type)")

DDL = ("CREATE TABLE IF NOT EXISTS frame_counts (key TEXT PRIMARY KEY, charger TEXT NOT NULL, "
       "direction TEXT NOT NULL, action TEXT, message_type INTEGER, frames INTEGER NOT NULL) "
       "WITHOUT ROWID")

_ADD = (f"INSERT INTO frame_counts SELECT {_KEY}, charger, direction, action, message_type, "
        "COUNT(*) FROM frames NOT INDEXED WHERE id > ? AND id <= ? "  # a rowid range
        "GROUP BY charger, direction, action, message_type "
        "ON CONFLICT (key) DO UPDATE SET frames = frames + excluded.frames")


def create(db: sqlite3.Connection) -> None:
    """Create the table and count the frames already there (inside the caller's
    transaction: one pass over an older file's frames when it is upgraded)."""
    db.execute(DDL)
    db.execute("DELETE FROM frame_counts")
    newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
    db.execute(_ADD, (0, newest))
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (COUNTED_KEY, str(newest)))


def drop_triggers(db: sqlite3.Connection) -> None:
    """A capture written by commit ab5e810 kept the table with triggers on every
    insert (exact, but 13-25 us per frame): batches take over from its newest frame."""
    if db.execute("SELECT 1 FROM sqlite_schema WHERE name = 'frame_counts_insert'").fetchone():
        for name in ("frame_counts_insert", "frame_counts_delete", "frame_counts_update"):
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (COUNTED_KEY, str(newest)))


def available(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_schema WHERE name = 'frame_counts'").fetchone() \
        is not None


def advance(db: sqlite3.Connection, newest: int) -> None:
    """Count the frames up to id ``newest`` not counted yet once there are ``BATCH``
    of them (inside the caller's transaction); nothing when this file has no table."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (COUNTED_KEY,)).fetchone()
    if row is None or newest - int(row[0]) < BATCH:
        return
    db.execute(_ADD, (int(row[0]), newest))
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (str(newest), COUNTED_KEY))


def count_and_newest(db: sqlite3.Connection, where: str,
                     params: list[Any]) -> tuple[int, int]:
    """How many frames meet ``where`` (a condition on charger, direction, action and
    message_type only) and the newest frame's id, from one snapshot (one statement)."""
    count, newest = db.execute(
        "WITH mark AS (SELECT CAST(value AS INTEGER) AS counted FROM meta WHERE key = ?), "
        "top AS (SELECT COALESCE(MAX(id), 0) AS newest FROM frames) "
        f"SELECT (SELECT COALESCE(SUM(frames), 0) FROM frame_counts WHERE {where}) + "
        f"(SELECT COUNT(*) FROM frames WHERE ({where}) AND id > (SELECT counted FROM mark) "
        "AND id <= (SELECT newest FROM top)), (SELECT newest FROM top)",
        [COUNTED_KEY, *params, *params]).fetchone()
    return count, newest
