"""The durable record of every frame and connection event: an SQLite database.

Each ``record_*`` call commits before it returns. The database runs in WAL
mode with ``synchronous=NORMAL``: a committed transaction survives the
process being killed (SIGKILL); only a power cut can lose the last
transactions, which is the trade that lets us commit every frame.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..core.records import ConnectionEvent, Direction, FrameRecord

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_DDL = """
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

_FRAME_COLUMNS = ("ts_us", "charger", "connection_id", "direction", "message_type", "unique_id",
                  "action", "valid", "violations", "problem", "error_code", "pair_id",
                  "latency_ms", "state", "raw")

Listener = Callable[[FrameRecord | ConnectionEvent], None]


@dataclass(slots=True)
class FrameQuery:
    """Filters for reading frames back; all optional, combined with AND."""

    charger: str | None = None
    action: str | None = None
    direction: Direction | None = None
    after_id: int | None = None  # only frames with id > after_id
    problems_only: bool = False
    text: str | None = None  # substring of the raw frame
    limit: int = 1000
    newest_first: bool = False


class CaptureStore:
    """Frames and connection events in one SQLite file (``:memory:`` for none)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_DDL)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
        self._listeners: list[Listener] = []
        self._next_connection_id = self._db.execute(
            "SELECT COALESCE(MAX(connection_id), 0) + 1 FROM events").fetchone()[0]

    # ------------------------------------------------------------- listening
    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every record after it is committed."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, record: FrameRecord | ConnectionEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(record)
            except Exception:  # noqa: BLE001 - an observer must not break recording
                log.exception("capture listener failed")

    # ------------------------------------------------------------- recording
    def new_connection_id(self) -> int:
        connection_id = self._next_connection_id
        self._next_connection_id += 1
        return connection_id

    def _insert_frame(self, record: FrameRecord) -> int:
        values = (record.ts_us, record.charger, record.connection_id, record.direction.value,
                  record.message_type, record.unique_id, record.action,
                  None if record.valid is None else int(record.valid),
                  json.dumps(record.violations) if record.violations else None,
                  record.problem, record.error_code, record.pair_id, record.latency_ms,
                  record.state, record.raw)
        cursor = self._db.execute(
            f"INSERT INTO frames ({', '.join(_FRAME_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(_FRAME_COLUMNS))})", values)
        record.id = cursor.lastrowid
        return record.id

    def record_frame(self, record: FrameRecord) -> int:
        with self._db:  # one committed transaction
            self._db.execute("BEGIN")
            row_id = self._insert_frame(record)
        self._notify(record)
        return row_id

    def record_response(self, record: FrameRecord, call_state: str | None) -> int:
        with self._db:
            self._db.execute("BEGIN")
            row_id = self._insert_frame(record)
            if record.pair_id is not None and call_state:
                self._db.execute("UPDATE frames SET state = ? WHERE id = ?",
                                 (call_state, record.pair_id))
        self._notify(record)
        return row_id

    def set_call_state(self, call_id: int, state: str) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("UPDATE frames SET state = ? WHERE id = ?", (state, call_id))

    def record_event(self, event: ConnectionEvent) -> int:
        with self._db:
            self._db.execute("BEGIN")
            cursor = self._db.execute(
                "INSERT INTO events (ts_us, charger, connection_id, kind, detail) "
                "VALUES (?, ?, ?, ?, ?)",
                (event.ts_us, event.charger, event.connection_id, event.kind,
                 json.dumps(event.detail, default=str)))
        event.id = cursor.lastrowid
        self._notify(event)
        return event.id

    # --------------------------------------------------------------- reading
    def frames(self, query: FrameQuery | None = None, **filters: Any) -> list[FrameRecord]:
        """Frames matching a query (or keyword filters of FrameQuery)."""
        query = query or FrameQuery(**filters)
        clauses, params = [], []
        if query.charger:
            clauses.append("charger = ?"); params.append(query.charger)
        if query.action:
            clauses.append("action = ?"); params.append(query.action)
        if query.direction:
            clauses.append("direction = ?"); params.append(Direction(query.direction).value)
        if query.after_id is not None:
            clauses.append("id > ?"); params.append(query.after_id)
        if query.problems_only:
            clauses.append("(problem IS NOT NULL OR message_type = 4 OR state IN "
                           "('timeout', 'lost', 'late', 'unmatched'))")
        if query.text:
            clauses.append("instr(raw, ?) > 0"); params.append(query.text)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "DESC" if query.newest_first else "ASC"
        rows = self._db.execute(
            f"SELECT id, {', '.join(_FRAME_COLUMNS)} FROM frames {where} "
            f"ORDER BY id {order} LIMIT ?", (*params, query.limit)).fetchall()
        return [_frame_from_row(row) for row in rows]

    def frame(self, row_id: int) -> FrameRecord | None:
        row = self._db.execute(f"SELECT id, {', '.join(_FRAME_COLUMNS)} FROM frames WHERE id = ?",
                               (row_id,)).fetchone()
        return _frame_from_row(row) if row else None

    def iter_frames(self, batch: int = 5000) -> Iterator[FrameRecord]:
        last = 0
        while True:
            rows = self.frames(FrameQuery(after_id=last, limit=batch))
            if not rows:
                return
            yield from rows
            last = rows[-1].id or last

    def events(self, charger: str | None = None, limit: int = 100_000) -> list[ConnectionEvent]:
        where, params = ("WHERE charger = ?", (charger,)) if charger else ("", ())
        rows = self._db.execute(
            f"SELECT id, ts_us, charger, connection_id, kind, detail FROM events {where} "
            f"ORDER BY id LIMIT ?", (*params, limit)).fetchall()
        return [ConnectionEvent(charger=r[2], kind=r[4], detail=json.loads(r[5]), ts_us=r[1],
                                connection_id=r[3], id=r[0]) for r in rows]

    def count_frames(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM frames").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def _frame_from_row(row: tuple) -> FrameRecord:
    (row_id, ts_us, charger, connection_id, direction, message_type, unique_id, action, valid,
     violations, problem, error_code, pair_id, latency_ms, state, raw) = row
    return FrameRecord(
        charger=charger, direction=Direction(direction), raw=raw, ts_us=ts_us,
        connection_id=connection_id, message_type=message_type, unique_id=unique_id,
        action=action, valid=None if valid is None else bool(valid),
        violations=json.loads(violations) if violations else [], problem=problem,
        error_code=error_code, pair_id=pair_id, latency_ms=latency_ms, state=state, id=row_id)
