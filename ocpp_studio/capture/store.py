"""The durable record of every frame and connection event: an SQLite database.

Each ``record_*`` call commits before it returns. The database runs in WAL
mode with ``synchronous=NORMAL``: a committed transaction survives the
process being killed (SIGKILL); only a power cut can lose the last
transactions, which is the trade that lets us commit every frame.

Group commit (the live server's hot path, issue 17): ``record_frame_grouped`` and
``record_response_grouped`` stage their rows (the row id is known at once); the rows
staged in one event-loop turn form one batch, committed by the writer thread
(writer.py) while the loop goes on. Whoever acts on such a record (sends an answer)
first awaits ``committed()``: "recorded before answered" holds. Any plain
``record_*`` call commits what is staged with it, on the caller's thread. Readers
(``frames()``, the inspector) see rows once committed, when ``recorded`` announces
them.

The tables, indexes and the upgrade of files written by older versions (schema
versions 2 and 3: inspector indexes, free-text index) are in ``schema.py``.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator

from . import journal, schema, text_index
from .announcer import Announcer, CallStateChanged
from .checkpoint import WalCheckpointer
from .lock import CaptureLock
from .relaying import RelayedFrames, RelayRecorder  # noqa: F401 - importable from here
from .writer import Batch, BatchWriter
# the reading side's and the schema's names stay importable from here (query.py, the
# inspector, tests)
from .reading import FrameQuery, FrameReading, _frame_from_row  # noqa: F401
from .schema import (  # noqa: F401
    DDL as _DDL, DDL_V2 as _DDL_V2, FRAME_COLUMNS as _FRAME_COLUMNS, PROBLEM_SQL, PROBLEM_STATES,
    SCHEMA_VERSION)
from ..core.events import Signal
from ..core.records import ConnectionEvent, FrameRecord
from ..settings import is_in_user_data_dir, private_dir, private_file

log = logging.getLogger(__name__)

_INSERT_FRAME = (f"INSERT INTO frames (id, {', '.join(_FRAME_COLUMNS)}) "
                 f"VALUES (?, {', '.join('?' * len(_FRAME_COLUMNS))})")
_STATE_AT = 1 + _FRAME_COLUMNS.index("state")  # in an _INSERT_FRAME's values (id first)
_SET_STATE = "UPDATE frames SET state = ? WHERE id = ?"
_INSERT_EVENT = ("INSERT INTO events (id, ts_us, charger, connection_id, kind, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?)")


def _check_storable(values: tuple[Any, ...]) -> None:
    """Raise UnicodeEncodeError for text SQLite cannot store as UTF-8 (a lone surrogate,
    from a \\ud800 escape in a frame's JSON), as its own INSERT used to."""
    texts = [value for value in values if type(value) is str]
    if all(map(str.isascii, texts)):  # the usual case (isascii reads a flag: no copy)
        return
    for text in texts:
        text.encode("utf-8")



#: What ``CaptureStore.recorded`` carries: a new row.
Recorded = FrameRecord | ConnectionEvent
#: Anything an observer of both signals hears (the live message table takes all three).
Record = FrameRecord | ConnectionEvent | CallStateChanged


class CaptureStore(RelayedFrames, FrameReading):
    """Frames and connection events in one SQLite file (``:memory:`` for none)."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = str(path)
        #: Every frame and connection event, after it is committed (not rows added by
        #: ``bulk_import``).
        self.recorded: Signal[Recorded] = Signal("capture recorded")
        #: A CALL's state changed without a new row (answered, error, timeout, lost).
        self.call_state_changed: Signal[CallStateChanged] = Signal("capture call state")
        self._announcer = Announcer(self._announce)  # observers hear after waiters resume
        self._bulk = False  # inside bulk_import(): no per-frame commit
        self._recording_thread = threading.get_ident()  # where records are staged
        #: statements staged and not yet handed to the writer (writer.py)
        self._pending: Batch | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where grouped records wait
        self._backfill: text_index.TextBackfill | None = None  # an upgraded file's old frames
        self._text_indexed_to: int | None = None
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
        self._journal: journal.RelayJournal | None = None  # opened by the first relayed frame
        if self.path != ":memory:":
            journal.recover(self.path, self._db)  # what a killed proxy had relayed
        # row ids are given when a row is staged (it is written later, writer.py)
        self._next_frame_id = self._db.execute(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM frames").fetchone()[0]
        self._next_event_id = self._db.execute(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM events").fetchone()[0]
        self._writer = BatchWriter(self._writing_connection(), self._after_statements,
                                   threaded=self.path != ":memory:")

    def _up_to_date(self) -> None:
        """Read your writes: relayed frames wait up to relaying.COMMIT_DELAY_S for their
        commit, so a read on the thread that records them commits them first. (Rows of a
        turn's batch are committed before anything acts on them: reads do not wait.)"""
        pending = self._pending
        if (pending is None or not pending.delayed or self._bulk
                or threading.get_ident() != self._recording_thread):
            return
        self._commit_now()

    def _writing_connection(self) -> sqlite3.Connection:
        """The writer's own connection (``:memory:`` is one database per connection)."""
        if self.path == ":memory:":
            return self._db
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=NORMAL")  # per connection, like the next one
        db.execute("PRAGMA wal_autocheckpoint=0")  # checkpoint.py does it
        return db

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

    def _stage(self) -> Batch:
        """The batch not yet handed to the writer (statements staged in this turn)."""
        self._pending = self._pending or Batch()
        return self._pending

    def _stage_frame(self, record: FrameRecord) -> int:
        """Give the frame its row id at once and stage its INSERT."""
        values = (record.ts_us, record.charger, record.connection_id,
                  record.direction.value, record.message_type, record.unique_id, record.action,
                  None if record.valid is None else int(record.valid),
                  json.dumps(record.violations) if record.violations else None,
                  record.problem, record.error_code, record.pair_id, record.latency_ms,
                  record.state, record.raw)
        _check_storable(values)  # fails this frame here, not the batch it would join
        record.id = row_id = self._next_frame_id
        self._next_frame_id += 1
        if self._bulk:
            self._writer.db.execute(_INSERT_FRAME, (row_id, *values))
            return row_id
        batch = self._stage()
        batch.rows[row_id] = len(batch.statements)
        batch.statements.append((_INSERT_FRAME, (row_id, *values)))
        return row_id

    def _stage_state(self, call_id: int, state: str) -> None:
        """Stage a CALL's new state: into its INSERT when that is staged too (the answer
        in the CALL's turn, the usual case), else as an UPDATE."""
        batch = self._stage()
        at = batch.rows.get(call_id)
        if at is None:
            batch.statements.append((_SET_STATE, (state, call_id)))
            return
        sql, values = batch.statements[at]
        batch.statements[at] = (sql, (*values[:_STATE_AT], state, *values[_STATE_AT + 1:]))

    def _stage_response(self, record: FrameRecord, call_state: str | None) -> int:
        row_id = self._stage_frame(record)
        if record.pair_id is not None and call_state:
            self._stage_state(record.pair_id, call_state)
        return row_id

    @staticmethod
    def _response_emits(record: FrameRecord, call_state: str | None) -> list[Record]:
        return ([record, CallStateChanged(record.pair_id, call_state)]
                if record.pair_id is not None and call_state else [record])

    def _after_statements(self, db: sqlite3.Connection, batch: Batch) -> None:
        """Inside each batch's transaction: index the newest frames for free text once
        there are text_index.BATCH of them (text_index.py says why not one by one)."""
        done = self._text_indexed_to
        newest = batch.newest_id
        if done is not None and (newest - done >= text_index.BATCH
                                 or (batch.force_index and newest > done)):
            self._text_indexed_to = text_index.index_tail(db, done)

    @contextmanager
    def bulk_import(self) -> Iterator[None]:
        """Group many record_frame/record_event calls into one transaction.

        For importing a file, where a commit per frame would take minutes for a
        large capture; ``recorded`` is not emitted for imported rows. Never used
        for live traffic.
        """
        self._commit_now()  # live rows recorded before, first
        db = self._writer.db
        with self._writer.holding():
            db.execute("BEGIN")
            self._bulk = True
            try:
                yield
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                self._after_statements(db, Batch(newest_id=self._next_frame_id - 1,
                                                 force_index=True))
                db.execute("COMMIT")
            finally:
                self._bulk = False

    def _commit_now(self, emits: list[Record] = ()) -> None:  # type: ignore[assignment]
        """Commit everything staged (with the writer's batch first), then announce it
        and ``emits``: the plain ``record_*`` calls return only once committed."""
        self._finish(self._writer.wait_idle(), announce_now=True)
        batch, self._pending = self._pending, None
        if batch is None:
            if not emits:
                return
            batch = Batch()
        batch.emits.extend(emits)
        self._seal(batch)
        try:
            self._writer.commit_now(batch)
        except Exception as exc:
            batch.error = exc
            self._finish([batch], announce_now=True)
            raise
        self._finish([batch], announce_now=True)

    def record_frame(self, record: FrameRecord) -> int:
        row_id = self._stage_frame(record)
        if not self._bulk:
            self._commit_now([record])
        return row_id

    def record_response(self, record: FrameRecord, call_state: str | None) -> int:
        row_id = self._stage_response(record, call_state)
        self._commit_now(self._response_emits(record, call_state))
        return row_id

    def set_call_state(self, call_id: int, state: str) -> None:
        self._stage_state(call_id, state)
        self._commit_now([CallStateChanged(call_id, state)])

    # ----------------------------------------------------------- group commit
    def record_frame_grouped(self, record: FrameRecord) -> int:
        """Stage now (the row id is known at once), commit with this event-loop turn's
        batch (module docstring).

        Must be called from a running event loop; await ``committed()`` before
        anything is done that relies on the record being durable.
        """
        row_id = self._stage_frame(record)
        if not self._bulk:
            self._batch_of_this_turn().emits.append(record)
        return row_id

    def record_response_grouped(self, record: FrameRecord, call_state: str | None) -> int:
        """``record_response`` in this turn's batch; await ``committed()`` before sending."""
        row_id = self._stage_response(record, call_state)
        self._batch_of_this_turn().emits.extend(self._response_emits(record, call_state))
        return row_id

    async def committed(self) -> None:
        """Return once everything recorded so far is committed (at once if it is).

        The rows' observers may not have heard of them yet (announcer.py): await
        ``announced()`` for that."""
        for batch in (self._pending, self._writer.in_thread):
            if batch is not None and batch.waiters is not None:
                # batches commit in order: the newest one waited for covers the others.
                # A future per waiter: one waiter cancelled cancels nobody else's, and
                # its task resumes straight from the commit's callback (announcer.py)
                waiter = asyncio.get_running_loop().create_future()
                batch.waiters.append(waiter)
                await waiter
                return

    async def announced(self) -> None:
        """Return once everything recorded so far is committed and announced to the
        observers of ``recorded`` and ``call_state_changed``."""
        await self.committed()
        await self._announcer.settled()

    def _batch_of_this_turn(self, delay_s: float = 0.0) -> Batch:
        """The batch being staged; the first record of one schedules its hand-over to the
        writer: after this turn, or ``delay_s`` later (journaled frames, relaying.py)."""
        batch = self._stage()
        if batch.waiters is None:
            loop = asyncio.get_running_loop()
            self._loop = loop
            batch.waiters = []
            if delay_s:
                batch.delayed = True
                loop.call_later(delay_s, self._submit)
            else:
                # call_soon runs after every callback already due in this turn: the frames
                # read in this turn from all connections go into one batch
                loop.call_soon(self._submit)
        elif batch.delayed and not delay_s:  # an answer waits for this batch now: this turn
            batch.delayed = False
            asyncio.get_running_loop().call_soon(self._submit)
        return batch

    def _submit(self) -> None:
        """Hand the staged batch to the writer (when it is free; else when it is)."""
        batch = self._pending
        if batch is None or self._writer.busy:
            return  # nothing staged, or collected and submitted after the writer's batch
        self._pending = None
        self._seal(batch)
        if not self._writer.threaded:
            try:
                self._writer.commit_now(batch)
            except Exception as exc:  # noqa: BLE001 - every waiter hears it
                batch.error = exc
            self._finish([batch])
            return
        self._writer.submit(batch, self._notify)

    def _seal(self, batch: Batch) -> None:
        """What the batch covers: frames up to the newest staged, journal lines up to the
        newest written (all of them are in this batch or an earlier one)."""
        batch.newest_id = self._next_frame_id - 1
        batch.journal_seq = self._journal.seq if self._journal is not None else 0

    def _notify(self) -> None:
        """From the writer thread: a batch is done."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._collect)

    def _collect(self) -> None:
        self._finish(self._writer.collect())
        self._submit()  # what was staged meanwhile

    def _finish(self, batches: list[Batch], *, announce_now: bool = False) -> None:
        """Release committed batches' waiters, then announce their rows, in order: at once
        (``announce_now``: a commit on the caller's thread) or in a callback queued
        behind the released waiters (announcer.py)."""
        emits: list[Record] = []
        for batch in batches:
            error = batch.error
            if error is not None:
                log.error("could not commit %d capture rows: %s", len(batch.statements), error)
                if self._text_indexed_to is not None:  # its index rows were rolled back
                    self._text_indexed_to = text_index.indexed_to(self._writer.db)
            for waiter in batch.waiters or ():
                if not waiter.done():  # a cancelled waiter is done
                    if error is None:
                        waiter.set_result(None)
                    else:
                        waiter.set_exception(error)
            if error is None:
                if self._journal is not None:
                    self._journal.committed_to(batch.journal_seq)
                emits.extend(batch.emits)
        if announce_now:
            self._announcer.now(emits)
        else:
            self._announcer.later(emits, self._loop)

    def _announce(self, item: Record) -> None:
        if isinstance(item, CallStateChanged):
            if self.call_state_changed:
                self.call_state_changed.emit(item)
        else:
            self.recorded.emit(item)

    def record_event(self, event: ConnectionEvent) -> int:
        event.id = row_id = self._next_event_id
        self._next_event_id += 1
        values = (row_id, event.ts_us, event.charger, event.connection_id, event.kind,
                  json.dumps(event.detail, default=str))
        if self._bulk:
            self._writer.db.execute(_INSERT_EVENT, values)
            return row_id
        self._stage().statements.append((_INSERT_EVENT, values))
        self._commit_now([event])
        return row_id

    def add_problem(self, frame_id: int, text: str) -> None:
        """Add a problem found later (e.g. unreadable meter data) to a recorded frame:
        appended as "; text" to what is there; ``valid`` is left unchanged. Commits."""
        self._stage().statements.append((
            "UPDATE frames SET problem = CASE WHEN problem IS NULL OR problem = '' THEN ? "
            "ELSE problem || '; ' || ? END WHERE id = ?", (text, text, frame_id)))
        self._commit_now()

    def close(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            # what the last loop turns recorded, and the last, partial free-text batch:
            # the next open finds it indexed
            self._finish(writer.wait_idle(), announce_now=True)
            batch, self._pending = self._pending or Batch(), None
            self._seal(batch)
            batch.force_index = True
            try:
                writer.commit_now(batch)
            except Exception as exc:  # noqa: BLE001 - reported; closing goes on
                batch.error = exc
            self._finish([batch], announce_now=True)
            writer.close()
            if writer.db is not self._db:
                writer.db.close()
            if self._journal is not None and batch.error is None:
                self._journal.close()  # everything in it is committed
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
