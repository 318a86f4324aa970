"""Free text over a large capture: an SQLite FTS5 trigram index of the raw frames.

Capture schema 3 (issue 17). A substring search over 1,000,000 raw frames is a
scan of ~300 MB; the trigram index (SQLite 3.34+) turns it into an index lookup.

- ``frames_text`` is an external-content FTS5 table over ``frames.raw``
  (``content='frames'``: the text is not stored twice) with ``detail='none'``: it
  records which frames hold a trigram, not where, which keeps the index at about
  0.65x the frames' own bytes for MeterValues-sized frames, 1x for tiny ones
  (``detail=full`` would be 2.6x).
- New frames are indexed in batches by the store (``index_tail``, every
  ``BATCH`` frames, inside the transaction that records the last of them, and
  at close): an FTS5 transaction writes a new index segment, so indexing each
  frame in its own commit tripled the cost of recording it (130 -> 400 us per
  committed frame). The frames after ``meta.text_indexed_to`` (fewer than
  ``BATCH``) are scanned by every search, so results stay exact.
- Frames over ``LONG_FRAME`` characters are not indexed (a 1 MB frame would cost
  a million index entries to the loop that records it); ``frames_text_long``
  lists their ids (filled where the others are indexed, so an upgrade never
  reads every frame at open) and every search scans them.
- The index is only a candidate filter: the search keeps its own exact test
  (``instr`` in ``CaptureStore.frames``, ASCII-case-insensitive ``LIKE`` in the
  inspector's filter), applied to the candidates, so results are exactly those of
  the scan. The tokenizer folds case (Unicode), a superset of both tests. Texts
  under 3 characters have no trigram and are scanned as before.
- An older capture gets the table and triggers when opened (new frames are
  indexed from then on); its existing frames are indexed in the background by
  ``TextBackfill``, newest first, in small transactions. Until it is done the
  frames not yet indexed (ids up to ``meta.text_pending_to``) are scanned.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from . import counts

log = logging.getLogger(__name__)

#: Frames longer than this (characters) are scanned, never indexed.
LONG_FRAME = 65536
#: meta key: frames with id <= this are not in the index yet (0: all are)
PENDING_KEY = "text_pending_to"
#: meta key: frames with id > this are not in the index yet (the newest, see BATCH)
INDEXED_KEY = "text_indexed_to"
#: New frames are indexed this many at a time.
BATCH = 256
#: At most this many trigrams of a search text are looked up (spread over it). Each is a
#: doclist read from every index segment; on the 1M-frame benchmark capture 4 instead of 8
#: found the same candidates for its texts and the lookup took 4.6 instead of 10 ms
#: ('suspendedevse', warm); the exact LIKE test keeps results the same either way.
_MAX_TRIGRAMS = 4

DDL = (
    # columnsize=0: no per-frame token count (only ranking needs it; 0.17x of tiny frames)
    "CREATE VIRTUAL TABLE IF NOT EXISTS frames_text USING fts5(raw, content='frames', "
    "content_rowid='id', tokenize='trigram', detail='none', columnsize=0)",
    "CREATE TABLE IF NOT EXISTS frames_text_long (id INTEGER PRIMARY KEY)",
    # frames are never deleted or rewritten: no triggers keep the index in step with that
)


def create(db: sqlite3.Connection, existing_frames: bool) -> bool:
    """Create the index inside the caller's transaction; False when this SQLite cannot
    (no FTS5 or no trigram tokenizer: searches then scan, as before schema 3)."""
    try:
        for statement in DDL:
            db.execute(statement)
    except sqlite3.OperationalError as exc:
        log.warning("no full-text index for the capture (SQLite %s: %s); free-text "
                    "search scans the frames", sqlite3.sqlite_version, exc)
        return False
    newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
               (PENDING_KEY, str(newest if existing_frames else 0)))
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (INDEXED_KEY, str(newest)))
    return True


def drop_triggers(db: sqlite3.Connection) -> None:
    """A capture written between commits 2c3bee4 and this one indexed each frame with
    a trigger, so it is indexed to its newest frame: batches take over from there; and
    listed its long frames with a partial index, now a table."""
    if db.execute("SELECT 1 FROM sqlite_schema WHERE name = 'frames_text_insert'").fetchone():
        db.execute("DROP TRIGGER IF EXISTS frames_text_insert")
        db.execute("DROP TRIGGER IF EXISTS frames_text_delete")
        newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (INDEXED_KEY, str(newest)))
    if db.execute("SELECT 1 FROM sqlite_schema WHERE name = 'frames_long' AND type = 'index'"
                  ).fetchone():
        db.execute("CREATE TABLE IF NOT EXISTS frames_text_long (id INTEGER PRIMARY KEY)")
        db.execute("INSERT OR IGNORE INTO frames_text_long SELECT id FROM frames "
                   f"WHERE length(raw) > {LONG_FRAME}")  # through that version's index
        db.execute("DROP INDEX frames_long")


def indexed_to(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (INDEXED_KEY,)).fetchone()
    return int(row[0]) if row else 0


def index_tail(db: sqlite3.Connection, after: int) -> int:
    """Index the frames after id ``after`` (inside the caller's transaction), and add
    them to the frame counts; return the new ``text_indexed_to``."""
    newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
    if newest <= after:
        return after
    _index_range(db, after, newest)
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (str(newest), INDEXED_KEY))
    counts.advance(db, newest)  # the inspector's counts, batched alike (counts.py)
    return newest


def _index_range(db: sqlite3.Connection, low: int, high: int) -> None:
    """Index the frames with low < id <= high; list the long ones instead."""
    db.execute("INSERT INTO frames_text (rowid, raw) SELECT id, raw FROM frames "
               f"WHERE id > ? AND id <= ? AND length(raw) <= {LONG_FRAME}", (low, high))
    db.execute("INSERT OR IGNORE INTO frames_text_long (id) SELECT id FROM frames "
               f"WHERE id > ? AND id <= ? AND length(raw) > {LONG_FRAME}", (low, high))


def available(db: sqlite3.Connection) -> bool:
    found = db.execute("SELECT COUNT(*) FROM sqlite_schema WHERE name IN "
                       "('frames_text', 'frames_text_long')").fetchone()[0]
    return found == 2


def pending_to(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (PENDING_KEY,)).fetchone()
    return int(row[0]) if row else 0


def _trigrams(text: str) -> list[str]:
    """Up to _MAX_TRIGRAMS trigrams spread over the text (every frame holding the text
    holds them all)."""
    starts = range(len(text) - 2)
    if len(starts) > _MAX_TRIGRAMS:
        step = (len(starts) - 1) / (_MAX_TRIGRAMS - 1)
        starts = sorted({round(i * step) for i in range(_MAX_TRIGRAMS)})
    return list(dict.fromkeys(text[i:i + 3] for i in starts))


def candidates(db: sqlite3.Connection, text: str) -> tuple[str, list[Any]] | None:
    """An SQL condition on ``id`` that every frame containing ``text`` meets (in any
    letter case), and its parameters; None when the index cannot help (no index,
    text under 3 characters): the caller's exact test must then scan."""
    if len(text) < 3 or "\x00" in text or not available(db):
        return None
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in _trigrams(text))
    clause = ("id IN (SELECT rowid FROM frames_text WHERE frames_text MATCH ? "
              "UNION ALL SELECT id FROM frames_text_long")
    params: list[Any] = [match]
    pending = pending_to(db)
    if pending:
        clause += " UNION ALL SELECT id FROM frames WHERE id <= ?"
        params.append(pending)
    clause += " UNION ALL SELECT id FROM frames WHERE id > ?"  # the newest, not yet indexed
    params.append(indexed_to(db))
    return clause + ")", params


class TextBackfill:
    """Indexes an upgraded capture's older frames in a thread, newest first, with a
    connection of its own, in transactions short enough (``chunk`` frames) that the
    live writer waits at most a few tens of milliseconds for one."""

    def __init__(self, path: str, chunk: int = 1000) -> None:
        self.path = path
        self.chunk = chunk
        self._stop = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="capture text index",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error:
            log.exception("could not open %s to index its frames", self.path)
            return
        try:
            while not self._stop.is_set():
                if not self._step(db):
                    self.done.set()
                    log.info("free-text index of %s complete", self.path)
                    return
                self._stop.wait(0.005)  # let the live writer in between chunks
        except sqlite3.Error:
            log.exception("indexing the frames of %s stopped; searches scan the rest",
                          self.path)
        finally:
            db.close()

    def _step(self, db: sqlite3.Connection) -> bool:
        """Index one chunk below the pending mark; False when nothing is pending."""
        db.execute("BEGIN IMMEDIATE")
        try:
            high = pending_to(db)
            if high <= 0:
                return False
            low = max(0, high - self.chunk)
            _index_range(db, low, high)
            db.execute("UPDATE meta SET value = ? WHERE key = ?", (str(low), PENDING_KEY))
            return True
        finally:
            db.execute("COMMIT")
