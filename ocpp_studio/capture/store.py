"""The durable record of every frame and connection event: an SQLite database.

Each ``record_*`` call commits before it returns. The database runs in WAL
mode with ``synchronous=NORMAL``: a committed transaction survives the
process being killed (SIGKILL); only a power cut can lose the last
transactions, which is the trade that lets us commit every frame.

Group commit (the live server's hot path, issue 17): ``record_frame_grouped`` and
``record_response_grouped`` insert at once (the row id is known) but leave the
commit to the end of the event-loop turn, so every frame handled in the same turn
shares one transaction. Whoever acts on such a record (sends an answer) first
awaits ``committed()``: "recorded before answered" holds, at one commit per loop
turn instead of two per CALL. Any plain ``record_*`` call commits the open group
with it.

The tables, indexes and the upgrade of files written by older versions (schema
versions 2 and 3: inspector indexes, free-text index) are in ``schema.py``.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from . import schema, text_index
from .checkpoint import WalCheckpointer
from .lock import CaptureLock
# the schema's names stay importable from here (query.py, the inspector, tests)
from .schema import (  # noqa: F401
    DDL as _DDL, DDL_V2 as _DDL_V2, FRAME_COLUMNS as _FRAME_COLUMNS, PROBLEM_SQL, PROBLEM_STATES,
    SCHEMA_VERSION,
)
from ..core.events import Signal
from ..core.records import ConnectionEvent, Direction, FrameRecord
from ..settings import is_in_user_data_dir, private_dir, private_file

log = logging.getLogger(__name__)

#: A frame recorded in a group with more characters than this is inserted without its
#: text, which one UPDATE writes just before the group commits (issue 17): its CALL state
#: is updated when the answer is recorded in the same group, and SQLite rewrites the whole
#: row on UPDATE (1 MB re-read, its overflow pages freed and written again, twice the WAL:
#: 6-8 of the ~11 ms a 1 MB refused frame held the event loop).
LATE_TEXT_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class CallStateChanged:
    """A CALL row's state changed after it was recorded (answered, error, timeout, lost).

    Emitted by ``CaptureStore.call_state_changed`` after the change is committed:
    by ``set_call_state`` and by ``record_response`` when it updates the call
    (after the response's own FrameRecord on ``recorded``).
    """

    call_id: int
    state: str


#: What ``CaptureStore.recorded`` carries: a new row.
Recorded = FrameRecord | ConnectionEvent
#: Anything an observer of both signals hears (the live message table takes all three).
Record = FrameRecord | ConnectionEvent | CallStateChanged


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


def _row_id(cursor: sqlite3.Cursor) -> int:
    row_id = cursor.lastrowid
    assert row_id is not None  # every INSERT sets it
    return row_id


class CaptureStore:
    """Frames and connection events in one SQLite file (``:memory:`` for none)."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = str(path)
        #: Every frame and connection event, after it is committed (not rows added by
        #: ``bulk_import``).
        self.recorded: Signal[Recorded] = Signal("capture recorded")
        #: A CALL's state changed without a new row (answered, error, timeout, lost).
        self.call_state_changed: Signal[CallStateChanged] = Signal("capture call state")
        self._bulk = False  # inside bulk_import(): no per-frame commit
        #: the open group transaction's outcome (None: no group open) and what to emit
        #: once it is committed
        self._group: asyncio.Future[None] | None = None
        self._after_commit: list[Record] = []
        self._late_text: list[tuple[int, str]] = []  # (row id, raw) written at the commit
        self._backfill: text_index.TextBackfill | None = None  # an upgraded file's old frames
        self._text_indexed_to: int | None = None
        self._newest_id = 0
        if read_only:
            # A second connection for reading in a worker thread (exports) while the
            # live connection keeps writing: WAL lets readers and one writer share a file.
            self._db = sqlite3.connect(f"file:{Path(self.path).as_posix()}?mode=ro", uri=True,
                                       isolation_level=None, check_same_thread=False)
            self._next_connection_id = 0
            return
        if self.path != ":memory:":
            # owner-only: frames hold charger passwords. SQLite gives the -wal and -shm
            # files the database file's mode, so the database is made 0600 first.
            private_dir(Path(self.path).parent, ours=is_in_user_data_dir(self.path))
            private_file(self.path)
        # one studio per capture: a second one would merge its chargers into this
        # timeline (CaptureInUse names the process holding it)
        self._lock = CaptureLock.acquire(self.path) if self.path != ":memory:" else None
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._checkpointer: WalCheckpointer | None = None
        if self.path != ":memory:":
            # checkpoints in a thread, not inside the commit of whichever frame crosses
            # the WAL's size (checkpoint.py)
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = WalCheckpointer(self.path)
            self._checkpointer.start()
        schema.prepare(self._db, self.path)  # new, or upgraded from an older version
        #: frames up to this id are in the free-text index (None: no index here)
        self._text_indexed_to = (text_index.indexed_to(self._db)
                                 if text_index.available(self._db) else None)
        if self.path != ":memory:" and text_index.pending_to(self._db):
            self._backfill = text_index.TextBackfill(self.path)
            self._backfill.start()
        self._next_connection_id = self._db.execute(
            "SELECT COALESCE(MAX(connection_id), 0) + 1 FROM events").fetchone()[0]

    @property
    def text_backfill(self) -> "text_index.TextBackfill | None":
        """The background indexing of an upgraded capture's older frames (None: none
        was needed); ``text_backfill.done`` is set when every frame is indexed."""
        return self._backfill

    @property
    def schema_version(self) -> int:
        return schema.version_of(self._db)

    # ------------------------------------------------------------- recording
    def new_connection_id(self) -> int:
        connection_id = self._next_connection_id
        self._next_connection_id += 1
        return connection_id

    def _index_text(self, row_id: int, force: bool = False) -> None:
        """Index the newest frames for free text once there are BATCH of them (inside
        the open transaction; text_index.py says why not one by one)."""
        done = self._text_indexed_to
        if done is not None and (row_id - done >= text_index.BATCH or (force and row_id > done)):
            self._text_indexed_to = text_index.index_tail(self._db, done)

    def _insert_frame(self, record: FrameRecord, late_text: bool = False) -> int:
        raw = record.raw
        late_text = late_text and len(raw) > LATE_TEXT_CHARS
        if late_text and not raw.isascii():
            raw.encode("utf-8")  # a lone surrogate fails here, as in the INSERT, not at commit
        values = (record.ts_us, record.charger, record.connection_id, record.direction.value,
                  record.message_type, record.unique_id, record.action,
                  None if record.valid is None else int(record.valid),
                  json.dumps(record.violations) if record.violations else None,
                  record.problem, record.error_code, record.pair_id, record.latency_ms,
                  record.state, "" if late_text else raw)
        cursor = self._db.execute(
            f"INSERT INTO frames ({', '.join(_FRAME_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(_FRAME_COLUMNS))})", values)
        record.id = row_id = _row_id(cursor)
        self._newest_id = row_id
        if late_text:
            self._late_text.append((row_id, raw))
        return row_id

    @contextmanager
    def bulk_import(self) -> Iterator[None]:
        """Group many record_frame/record_event calls into one transaction.

        For importing a file, where a commit per frame would take minutes for a
        large capture; ``recorded`` is not emitted for imported rows. Never used
        for live traffic, which is committed frame by frame.
        """
        self._commit_group()  # live rows recorded in this turn first
        self._db.execute("BEGIN")
        self._bulk = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._index_text(self._newest_id, force=True)
            self._db.execute("COMMIT")
        finally:
            self._bulk = False

    @contextmanager
    def _committing(self) -> Iterator[None]:
        """One committed transaction; inside an open group, the group is committed with it."""
        if self._group is None:
            with self._db:
                self._db.execute("BEGIN")
                yield
                self._index_text(self._newest_id)
            return
        try:
            yield
        finally:
            self._commit_group()

    def record_frame(self, record: FrameRecord) -> int:
        if self._bulk:
            return self._insert_frame(record)
        with self._committing():  # one committed transaction
            row_id = self._insert_frame(record)
        self.recorded.emit(record)
        return row_id

    def record_response(self, record: FrameRecord, call_state: str | None) -> int:
        with self._committing():
            row_id = self._insert_response(record, call_state)
        self._emit_response(record, call_state)
        return row_id

    def _insert_response(self, record: FrameRecord, call_state: str | None) -> int:
        row_id = self._insert_frame(record)
        if record.pair_id is not None and call_state:
            self._db.execute("UPDATE frames SET state = ? WHERE id = ?",
                             (call_state, record.pair_id))
        return row_id

    def _emit_response(self, record: FrameRecord, call_state: str | None) -> None:
        self.recorded.emit(record)
        if record.pair_id is not None and call_state and self.call_state_changed:
            self.call_state_changed.emit(CallStateChanged(record.pair_id, call_state))

    def set_call_state(self, call_id: int, state: str) -> None:
        with self._committing():
            self._db.execute("UPDATE frames SET state = ? WHERE id = ?", (state, call_id))
        if self.call_state_changed:
            self.call_state_changed.emit(CallStateChanged(call_id, state))

    # ----------------------------------------------------------- group commit
    def record_frame_grouped(self, record: FrameRecord) -> int:
        """Insert now, commit at the end of this event-loop turn (module docstring).

        Must be called from a running event loop; await ``committed()`` before
        anything is done that relies on the record being durable.
        """
        if self._bulk:
            return self._insert_frame(record)
        self._open_group()
        row_id = self._insert_frame(record, late_text=True)
        self._after_commit.append(record)
        return row_id

    def record_response_grouped(self, record: FrameRecord, call_state: str | None) -> int:
        """``record_response`` in the open group; await ``committed()`` before sending."""
        self._open_group()
        row_id = self._insert_response(record, call_state)
        self._after_commit.append(record)
        if record.pair_id is not None and call_state:
            self._after_commit.append(CallStateChanged(record.pair_id, call_state))
        return row_id

    async def committed(self) -> None:
        """Return once everything recorded so far is committed (at once if it is)."""
        group = self._group
        if group is not None:
            # shielded: one waiter cancelled must not cancel the commit the others await
            await asyncio.shield(group)

    def _open_group(self) -> None:
        if self._group is not None:
            return
        loop = asyncio.get_running_loop()
        self._db.execute("BEGIN")
        self._group = loop.create_future()
        # call_soon runs after every callback already due in this turn: the frames
        # read in this turn from all connections are inserted before the commit
        loop.call_soon(self._commit_group)

    def _commit_group(self) -> None:
        group, self._group = self._group, None
        if group is None:
            return
        pending, self._after_commit = self._after_commit, []
        late, self._late_text = self._late_text, []
        try:
            for row_id, raw in late:  # one write of each big row (LATE_TEXT_CHARS)
                self._db.execute("UPDATE frames SET raw = ? WHERE id = ?", (raw, row_id))
            self._index_text(self._newest_id)
            self._db.execute("COMMIT")
        except Exception as exc:  # noqa: BLE001 - every waiter hears it
            log.exception("could not commit %d capture rows", len(pending))
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            group.set_exception(exc)
            group.exception()  # retrieved: no "never retrieved" warning without waiters
            return
        group.set_result(None)
        for item in pending:
            if isinstance(item, CallStateChanged):
                self.call_state_changed.emit(item)
            else:
                self.recorded.emit(item)

    def record_event(self, event: ConnectionEvent) -> int:
        values = (event.ts_us, event.charger, event.connection_id, event.kind,
                  json.dumps(event.detail, default=str))
        insert = ("INSERT INTO events (ts_us, charger, connection_id, kind, detail) "
                  "VALUES (?, ?, ?, ?, ?)")
        if self._bulk:
            event.id = row_id = _row_id(self._db.execute(insert, values))
            return row_id
        with self._committing():
            cursor = self._db.execute(insert, values)
        event.id = row_id = _row_id(cursor)
        self.recorded.emit(event)
        return row_id

    def add_problem(self, frame_id: int, text: str) -> None:
        """Add a problem found later (e.g. unreadable meter data) to a recorded frame:
        appended as "; text" to what is there; ``valid`` is left unchanged. Commits."""
        with self._committing():
            self._db.execute(
                "UPDATE frames SET problem = CASE WHEN problem IS NULL OR problem = '' THEN ? "
                "ELSE problem || '; ' || ? END WHERE id = ?", (text, text, frame_id))

    # --------------------------------------------------------------- reading
    def frames(self, query: FrameQuery | None = None, **filters: Any) -> list[FrameRecord]:
        """Frames matching a query (or keyword filters of FrameQuery)."""
        query = query or FrameQuery(**filters)
        clauses: list[str] = []
        params: list[Any] = []
        if query.charger:
            clauses.append("charger = ?"); params.append(query.charger)
        if query.action:
            clauses.append("action = ?"); params.append(query.action)
        if query.direction:
            clauses.append("direction = ?"); params.append(Direction(query.direction).value)
        if query.after_id is not None:
            clauses.append("id > ?"); params.append(query.after_id)
        if query.problems_only:
            clauses.append(PROBLEM_SQL)  # exactly the partial index's expression
        if query.text:
            found = text_index.candidates(self._db, query.text)  # an index lookup, or None
            if found is not None:
                clauses.append(found[0]); params.extend(found[1])
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
        self._commit_group()  # what the last loop turn recorded
        if self._text_indexed_to is not None and self._newest_id > self._text_indexed_to:
            with self._db:  # the last, partial batch: the next open finds it indexed
                self._db.execute("BEGIN")
                self._index_text(self._newest_id, force=True)
        backfill = getattr(self, "_backfill", None)
        if backfill is not None:
            backfill.stop()  # resumes where it stopped at the next open
        checkpointer = getattr(self, "_checkpointer", None)
        if checkpointer is not None:
            checkpointer.stop()
        self._db.close()  # the last connection to close checkpoints what is left
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.release()


def _frame_from_row(row: tuple) -> FrameRecord:
    (row_id, ts_us, charger, connection_id, direction, message_type, unique_id, action, valid,
     violations, problem, error_code, pair_id, latency_ms, state, raw) = row
    return FrameRecord(
        charger=charger, direction=Direction(direction), raw=raw, ts_us=ts_us,
        connection_id=connection_id, message_type=message_type, unique_id=unique_id,
        action=action, valid=None if valid is None else bool(valid),
        violations=json.loads(violations) if violations else [], problem=problem,
        error_code=error_code, pair_id=pair_id, latency_ms=latency_ms, state=state, id=row_id)
