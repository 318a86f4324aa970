"""The newest frames into the free-text index (and the frame counts), off the answers' path.

``text_index.index_tail`` indexes the frames recorded since the last time, in batches
(an FTS5 transaction writes an index segment: frame by frame tripled the cost of
recording one, see text_index.py). Inside the transaction of the batch that crossed
``text_index.BATCH`` frames, that cost fell on the commit every answer of that batch
waits for: 5 ms every 256 frames, and tens of ms when FTS5 merged its segments then.
With 1,000 chargers sending MeterValues every 10 s, those commits were most of the
round trips over 5 ms (benchmarks/scale.py, issue 17).

So, in the writer thread (writer.py), the tail is indexed between batches, once no
batch has come for ``GAP_S`` (the last batch's answers are out by then; a step started
at once delayed their release ~1.6 ms): ``step`` indexes at most ``STEP`` frames, and
counts them (counts.py), in a transaction of its own (about 1 ms), and a tail shorter
than that once the writer has been quiet for ``QUIET_S``. A batch arriving meanwhile
waits for one step at most. Should the writer never be idle
(a sustained flood), the tail is still indexed inside a batch's transaction once it
reaches ``BACKSTOP`` frames, so searches never scan more than that unindexed. Batches
committed on the caller's thread (the plain ``record_*`` calls, ``:memory:`` stores)
keep the inline rule at ``text_index.BATCH``: nothing runs between them.
"""

from __future__ import annotations

import sqlite3

from . import text_index

#: frames indexed per background step (~1 ms for MeterValues-sized frames, 2-core laptop)
STEP = 64
#: a tail this long is indexed inside the next batch's transaction, idle writer or not
BACKSTOP = 4 * text_index.BATCH
#: a step runs once the writer has had no batch for this long
GAP_S = 0.005
#: a tail shorter than STEP is indexed once the writer has had no batch for this long
QUIET_S = 0.5


class TailIndexer:
    """Where the free-text index stands (``indexed_to``), and when its tail is indexed.
    Used by the writer's connection only (in its thread, or under its lock)."""

    def __init__(self, indexed_to: int | None) -> None:
        #: frames up to this id are in the index (None: this capture has no index)
        self.indexed_to = indexed_to
        self._newest = indexed_to or 0  # the newest frame id a batch has written

    def in_batch(self, db: sqlite3.Connection, newest: int, *, force: bool,
                 background: bool) -> None:
        """Inside a batch's transaction, after its statements: index the tail if it is
        long enough (``background``: steps between batches take the rest) or ``force``."""
        if self.indexed_to is None:
            return
        self._newest = max(self._newest, newest)
        tail = newest - self.indexed_to
        if tail >= (BACKSTOP if background else text_index.BATCH) or (force and tail > 0):
            self.indexed_to = text_index.index_tail(db, self.indexed_to)

    def step(self, db: sqlite3.Connection, quiet_for: float) -> float | None:
        """Between batches (none for ``quiet_for`` seconds), in a transaction of its own:
        index up to ``STEP`` frames of the tail. Returns after how many seconds without
        a batch to be called again, or None when the tail is indexed."""
        if self.indexed_to is None or self._newest <= self.indexed_to:
            return None
        if self._newest - self.indexed_to < STEP and quiet_for < QUIET_S:
            return QUIET_S
        before = self.indexed_to
        db.execute("BEGIN")
        try:
            self.indexed_to = text_index.index_tail(db, before, limit=STEP)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self.indexed_to = before
            raise
        if self.indexed_to == before:  # a failed batch's ids were never written
            self._newest = before
            return None
        return GAP_S if self._newest > self.indexed_to else None

    def reread(self, db: sqlite3.Connection) -> None:
        """After a batch's transaction was rolled back (its inline index rows too)."""
        if self.indexed_to is not None:
            self.indexed_to = text_index.indexed_to(db)
