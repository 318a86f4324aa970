"""The capture's commits, in a thread of their own (issue 17).

Profiled under load (benchmarks/throughput.py, 10 chargers), SQLite took about half of
the event loop's time: every group commit writes the dirty pages of the frames table and
of each of its indexes to the WAL, and the loop waited for it while no other charger was
served. Here the statements of one batch run in a writer thread on a connection of its
own. Python's sqlite3 releases the GIL while SQLite works, so the loop goes on reading,
checking and handling the next frames on the other core, and the frames that arrive
while one batch commits form the next batch: the busier the studio, the bigger the
batches and the fewer the commits (group commit as write-ahead-log databases do it).

"Recorded before answered" is unchanged: a batch's future is resolved only after its
COMMIT, and an answer leaves only after the future (CaptureStore.committed). Batches
commit one at a time, in the order they were handed over, so row ids commit in order.

A batch can also be committed on the caller's thread (``commit_now``), after the
batch in the thread (if any) has finished: the plain ``record_*`` calls, which return
only once committed, use it. For ``:memory:`` (one database per connection) every batch
is committed that way on the store's own connection, and no thread is started.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

#: one SQL statement and its parameters
Statement = tuple[str, tuple[Any, ...]]


@dataclass(slots=True)
class Batch:
    """Statements committed together, and what to do once they are (``outcome``)."""

    statements: list[Statement] = field(default_factory=list)
    #: what the store emits after the commit (records, call state changes)
    emits: list[Any] = field(default_factory=list)
    #: one asyncio future per waiter, resolved (or failed) by the store once the batch
    #: is committed; None: the batch was not opened in an event-loop turn
    waiters: list[Any] | None = None
    newest_id: int = 0  # the highest frame id inserted by this batch or before it
    force_index: bool = False  # index every frame for free text, not only full batches
    delayed: bool = False  # handed over after a delay, not after its turn (relaying.py)
    journal_seq: int = 0  # the relay journal's lines up to this one are in this batch or before
    #: frame row id -> index of its INSERT in ``statements`` (a state change of a frame
    #: of the same batch goes into its INSERT: SQLite rewrites a whole row on UPDATE)
    rows: dict[int, int] = field(default_factory=dict)
    error: BaseException | None = None


class BatchWriter:
    """Commits ``Batch``es one at a time, in a writer thread or on the caller's thread.

    ``after_statements(db, batch)`` runs inside each batch's transaction, after its
    statements (the free-text index of the newest frames). ``finished`` holds the
    batches the thread has committed (or failed) until the store collects them in order;
    ``notify()`` is called from the thread after each (the store schedules the
    collection on its event loop).
    """

    def __init__(self, db: sqlite3.Connection,
                 after_statements: Callable[[sqlite3.Connection, Batch], None], *,
                 threaded: bool) -> None:
        self.db = db
        self._after_statements = after_statements
        self._lock = threading.Lock()  # one transaction at a time on this connection
        self.finished: deque[Batch] = deque()
        self._in_thread: Batch | None = None  # handed to the thread, not collected yet
        self._done = threading.Event()  # the thread finished the batch it was given
        self._queue: "queue.SimpleQueue[tuple[Batch, Callable[[], None]] | None]" = \
            queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="capture-writer",
                                            daemon=True)
            self._thread.start()

    @property
    def threaded(self) -> bool:
        return self._thread is not None

    @property
    def in_thread(self) -> Batch | None:
        """The batch handed to the thread and not collected yet."""
        return self._in_thread

    @property
    def busy(self) -> bool:
        """A batch was handed to the thread and not collected yet."""
        return self._in_thread is not None

    def submit(self, batch: Batch, notify: Callable[[], None]) -> None:
        """Hand a batch to the thread (only when not ``busy``)."""
        assert self._thread is not None and self._in_thread is None
        self._in_thread = batch
        self._done.clear()
        self._queue.put((batch, notify))

    def collect(self) -> list[Batch]:
        """The batches the thread has finished, oldest first (called on the loop)."""
        batches = []
        while self.finished:
            batch = self.finished.popleft()
            if batch is self._in_thread:
                self._in_thread = None
            batches.append(batch)
        return batches

    def wait_idle(self) -> list[Batch]:
        """Wait for the batch in the thread, if any, then collect what has finished."""
        if self._in_thread is not None:
            self._done.wait()
        return self.collect()

    def commit_now(self, batch: Batch) -> None:
        """Commit on the caller's thread (the thread must be idle: ``wait_idle`` first).
        Raises what the commit raised; the transaction is rolled back."""
        with self._lock:
            self._commit(batch)

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold the connection for a transaction of the caller's (``wait_idle`` first)."""
        with self._lock:
            yield

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    # ---------------------------------------------------------------- thread
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch, notify = item
            with self._lock:
                try:
                    self._commit(batch)
                except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                    batch.error = exc
            self.finished.append(batch)
            self._done.set()
            try:
                notify()
            except RuntimeError:  # the event loop is closed: close() collects
                log.debug("capture writer: no loop to notify")

    def _commit(self, batch: Batch) -> None:
        db = self.db
        db.execute("BEGIN")
        try:
            for sql, group in _runs(batch.statements):
                if len(group) == 1:
                    db.execute(sql, group[0])
                else:
                    db.executemany(sql, group)
            self._after_statements(db, batch)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


def _runs(statements: list[Statement]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Consecutive statements with the same SQL as one executemany each (in order)."""
    runs: list[tuple[str, list[tuple[Any, ...]]]] = []
    for sql, params in statements:
        if runs and runs[-1][0] == sql:
            runs[-1][1].append(params)
        else:
            runs.append((sql, [params]))
    return runs
