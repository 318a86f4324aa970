"""The capture database's tables and indexes, and the upgrade of older files.

Schema version 2 (the message inspector) adds indexes for filtering a large
capture: (message_type, id), (direction, id) and a partial index over the
problem frames (``PROBLEM_SQL``). Opening a version-1 file creates them once.
Schema version 3 adds the free-text index (``text_index.py``: FTS5 trigram; new
frames indexed in batches as they are recorded); an older file's frames are
indexed in the background.
Schema version 4 adds ``frame_counts`` (``counts.py``: frames per charger,
direction, action and message type, brought up to date with the free-text index)
for the inspector's counts; an older file's frames are counted once when opened.
"""

from __future__ import annotations

import logging
import sqlite3

from . import counts, text_index

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4

#: A frame that needs attention: refused/unreadable/violating (problem text), a
#: CALLERROR, or a call/answer that went wrong. Queries must use this exact text
#: so SQLite can use the partial index ``frames_problems`` built on it.
PROBLEM_STATES = ("timeout", "lost", "late", "unmatched")
PROBLEM_SQL = ("(problem IS NOT NULL OR message_type = 4 OR state IN "
               "('timeout', 'lost', 'late', 'unmatched'))")

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frames (
    id INTEGER PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    charger TEXT NOT NULL,
    connection_id INTEGER,
    direction TEXT NOT NULL,
    message_type INTEGER,
    unique_id TEXT,
    action TEXT,
    valid INTEGER,
    violations TEXT,
    problem TEXT,
    error_code TEXT,
    pair_id INTEGER,
    latency_ms REAL,
    state TEXT,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS frames_charger ON frames (charger, id);
CREATE INDEX IF NOT EXISTS frames_action ON frames (action, id);
CREATE INDEX IF NOT EXISTS frames_ts ON frames (ts_us);
CREATE INDEX IF NOT EXISTS frames_pair ON frames (pair_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    charger TEXT NOT NULL,
    connection_id INTEGER,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_charger ON events (charger, id);
"""

#: Added by schema version 2 (also part of a new database).
DDL_V2 = f"""
CREATE INDEX IF NOT EXISTS frames_type ON frames (message_type, id);
CREATE INDEX IF NOT EXISTS frames_direction ON frames (direction, id);
CREATE INDEX IF NOT EXISTS frames_problems ON frames (id) WHERE {PROBLEM_SQL};
"""

FRAME_COLUMNS = ("ts_us", "charger", "connection_id", "direction", "message_type", "unique_id",
                  "action", "valid", "violations", "problem", "error_code", "pair_id",
                  "latency_ms", "state", "raw")

#: Fixed planner statistics (sqlite_stat1) for a typical large capture, so SQLite
#: picks the selective index (charger, action, problems) over the broad ones
#: (direction, message type) without an ANALYZE of the user's file. Format:
#: rows in the index, then average rows per distinct value of its leading columns.
_FIXED_STATS = (
    ("frames", "frames_charger", "1000000 20000 1"),
    ("frames", "frames_action", "1000000 50000 1"),
    ("frames", "frames_ts", "1000000 1"),
    ("frames", "frames_pair", "1000000 1"),
    ("frames", "frames_type", "1000000 300000 1"),
    ("frames", "frames_direction", "1000000 500000 1"),
    ("frames", "frames_problems", "5000 1"),
    ("events", "events_charger", "10000 200 1"),
)


def version_of(db: sqlite3.Connection) -> int:
    """The schema version the file says it has (0: none recorded)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def prepare(db: sqlite3.Connection, path: str) -> None:
    """Make a new database whole, or bring an older one up to SCHEMA_VERSION."""
    db.executescript(DDL)
    db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
               (str(SCHEMA_VERSION),))
    _migrate(db, path)


def _migrate(db: sqlite3.Connection, path: str) -> None:
    """Bring a database written by an older version up to SCHEMA_VERSION."""
    version = version_of(db)
    if version > SCHEMA_VERSION:
        log.warning("%s has capture schema %s, newer than this program's %s",
                    path, version, SCHEMA_VERSION)
        return
    with db:
        db.execute("BEGIN")
        if version < 2:
            log.info("upgrading capture %s to schema 2 (inspector indexes)", path)
        # IF NOT EXISTS: also makes a new database whole.
        for statement in DDL_V2.strip().split(";"):
            if statement.strip():
                db.execute(statement)
        text_index.drop_triggers(db)  # files of the in-between development versions
        if not text_index.available(db):
            if version < 3:
                log.info("upgrading capture %s to schema 3 (free-text index)", path)
            text_index.create(db, existing_frames=True)
        counts.drop_triggers(db)  # files of an in-between development version
        if not counts.available(db):
            if version < 4:
                log.info("upgrading capture %s to schema 4 (frame counts)", path)
            counts.create(db)
        if version < SCHEMA_VERSION:
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                       (str(SCHEMA_VERSION),))
        db.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 if missing
        if not db.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'frames' LIMIT 1").fetchone():
            db.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                           _FIXED_STATS)
    db.execute("ANALYZE sqlite_schema")  # load the statistics into the planner
