"""WAL checkpoints off the event loop.

SQLite's automatic checkpoint runs inside the commit that makes the write-ahead log
cross 1,000 pages: with a commit per frame that is a 3-5 ms stall on the asyncio loop
every ~140 frames, which is what a proxied charger or a busy CSMS feels as latency
(benchmarks/proxy_latency.py measured it). The live connection turns the automatic
checkpoint off and this thread runs PASSIVE checkpoints — they never wait for the
writer or for readers — on a connection of its own.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Checkpoint ``path``'s WAL every ``interval_s`` seconds until ``stop()``."""

    def __init__(self, path: str, interval_s: float = 0.5) -> None:
        self.path = path
        self.interval_s = interval_s
        self.checkpoints = 0  # how many ran (for tests and diagnostics)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("no background checkpoints for %s: %s", self.path, exc)
            return
        try:
            while not self._stop.wait(self.interval_s):
                self._checkpoint(db)
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
        except sqlite3.Error as exc:  # busy or locked: the next round tries again
            log.debug("checkpoint of %s postponed: %s", self.path, exc)
