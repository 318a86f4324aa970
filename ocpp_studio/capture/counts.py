"""Frames per (charger, direction, action, message type), kept by triggers (schema 4).

The message inspector shows a filter's count at once (issue 17): counting the
500,000 frames of one direction of a 1M-frame capture through its index took
35-45 ms of CPU, a sum over this table (a few thousand rows at most: chargers x
2 directions x actions x 3 types) well under a millisecond. The columns a
filter on chargers, actions, direction and message types tests are never
changed once a frame is recorded, so such a filter's count is the sum of the
rows its own condition (``FrameFilter.where``, same column names) selects here.

Triggers keep the table in step with ``frames`` inside the statement that
inserts a frame, so every writer (the store, imports, older code that knows
nothing of this table) keeps it right; the cost per recorded frame is measured
in ``benchmarks/record_frame_counts.py``. ``key`` is the four values quoted
(``quote()`` tells NULL from the text 'NULL' and '' apart), the one column an
upsert can match on: a primary key of nullable columns never conflicts on NULL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_KEY = ("quote({row}.charger) || ',' || quote({row}.direction) || ',' || "
        "quote({row}.action) || ',' || quote({row}.message_type)")

DDL = (
    "CREATE TABLE IF NOT EXISTS frame_counts (key TEXT PRIMARY KEY, charger TEXT NOT NULL, "
    "direction TEXT NOT NULL, action TEXT, message_type INTEGER, frames INTEGER NOT NULL) "
    "WITHOUT ROWID",
    "CREATE TRIGGER IF NOT EXISTS frame_counts_insert AFTER INSERT ON frames BEGIN "
    f"INSERT INTO frame_counts VALUES ({_KEY.format(row='new')}, new.charger, new.direction, "
    "new.action, new.message_type, 1) ON CONFLICT (key) DO UPDATE SET frames = frames + 1; END",
    # frames are never deleted or re-keyed by the studio; these keep the counts
    # right if a user's tool does either
    "CREATE TRIGGER IF NOT EXISTS frame_counts_delete AFTER DELETE ON frames BEGIN "
    f"UPDATE frame_counts SET frames = frames - 1 WHERE key = {_KEY.format(row='old')}; END",
    "CREATE TRIGGER IF NOT EXISTS frame_counts_update AFTER UPDATE OF charger, direction, "
    "action, message_type ON frames BEGIN "
    f"UPDATE frame_counts SET frames = frames - 1 WHERE key = {_KEY.format(row='old')}; "
    f"INSERT INTO frame_counts VALUES ({_KEY.format(row='new')}, new.charger, new.direction, "
    "new.action, new.message_type, 1) ON CONFLICT (key) DO UPDATE SET frames = frames + 1; END",
)


def create(db: sqlite3.Connection) -> None:
    """Create the table and its triggers and count the frames already there (inside
    the caller's transaction; one pass over an older file's frames at its upgrade)."""
    for statement in DDL:
        db.execute(statement)
    db.execute("DELETE FROM frame_counts")
    db.execute(f"INSERT INTO frame_counts SELECT {_KEY.format(row='frames')}, charger, "
               "direction, action, message_type, COUNT(*) FROM frames "
               "GROUP BY charger, direction, action, message_type")


def available(db: sqlite3.Connection) -> bool:
    found = db.execute("SELECT COUNT(*) FROM sqlite_schema WHERE name IN "
                       "('frame_counts', 'frame_counts_insert')").fetchone()[0]
    return found == 2


def count_and_newest(db: sqlite3.Connection, where: str,
                     params: list[Any]) -> tuple[int, int]:
    """How many frames meet ``where`` (a condition on charger, direction, action and
    message_type only) and the newest frame's id, from one snapshot."""
    count, newest = db.execute(
        f"SELECT (SELECT COALESCE(SUM(frames), 0) FROM frame_counts WHERE {where}), "
        "(SELECT COALESCE(MAX(id), 0) FROM frames)", params).fetchone()
    return count, newest
