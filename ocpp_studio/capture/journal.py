"""The relay journal: frames made durable before the proxy passes them on (issue 17).

The logging proxy records every frame before relaying it. Committing an SQLite
transaction per frame costs the frames table, each of its indexes and the free-text
index a page write in the WAL (a few hundred microseconds), which the charger and its
central system felt as latency on every message. Here a relayed frame's row is appended
to this file with one ``write`` (tens of microseconds) and staged for the capture's
writer thread (writer.py), which commits it a moment later. Like SQLite's WAL with
``synchronous=NORMAL``, the line survives the process being killed (it is in the
operating system's cache once ``write`` returns); a power cut can lose both.

A file is emptied once every line in it is committed; two files take turns so that a
studio that never catches up (a flood of frames) still empties the older one. When a
capture is opened, what a killed studio left in its journal is put into the database
(``recover``): frames not there yet (marked as recovered and not checked), and CALL
states not yet written.

One line is a JSON array: ``[seq, "f", id, ts_us, charger, ..., raw]`` for a frame (the
columns of schema.FRAME_COLUMNS; an answer adds its CALL's new state at the end) or
``[seq, "s", call_id, state]`` for a CALL's new state alone.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from .schema import FRAME_COLUMNS

log = logging.getLogger(__name__)

#: a journal file is handed over to its twin once it is this big
SWITCH_BYTES = 1 << 20
#: the problem text of a frame put back from the journal
RECOVERED = ("Recovered from the relay journal after the studio stopped unexpectedly: "
             "recorded before it was relayed, not checked against the schema")
_PROBLEM_AT = 1 + FRAME_COLUMNS.index("problem")  # in a frame line's row (id first)
_PAIR_AT = 1 + FRAME_COLUMNS.index("pair_id")
_ROW_LENGTH = 1 + len(FRAME_COLUMNS)


def journal_paths(capture_path: str) -> tuple[Path, Path]:
    return Path(f"{capture_path}.relay-journal-1"), Path(f"{capture_path}.relay-journal-2")


class _JournalFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.ftruncate(self.fd, 0)  # recover() has read what was there
        self.size = 0
        self.last_seq = 0

    def write(self, seq: int, line: bytes) -> None:
        os.write(self.fd, line)
        self.size += len(line)
        self.last_seq = seq

    def empty(self) -> None:
        os.ftruncate(self.fd, 0)
        self.size = 0


class RelayJournal:
    """Two append-only files next to a capture (module docstring)."""

    def __init__(self, capture_path: str) -> None:
        self._files = [_JournalFile(path) for path in journal_paths(capture_path)]
        self._current = 0
        #: the sequence number of the last line appended
        self.seq = 0

    def frame(self, row: tuple[Any, ...], call_state: str | None = None) -> None:
        """Append a frame's row (id first, then FRAME_COLUMNS) and, for an answer, its
        CALL's new state (the CALL is ``pair_id``); durable on return."""
        self._append(["f", *row, call_state] if call_state else ["f", *row])

    def call_state(self, call_id: int, state: str) -> None:
        self._append(["s", call_id, state])

    def _append(self, item: list[Any]) -> None:
        self.seq += 1
        line = json.dumps([self.seq, *item], separators=(",", ":")).encode() + b"\n"
        current = self._files[self._current]
        current.write(self.seq, line)
        twin = self._files[1 - self._current]
        if current.size > SWITCH_BYTES and twin.size == 0:
            self._current = 1 - self._current

    def committed_to(self, seq: int) -> None:
        """Every line up to ``seq`` is committed: empty the files that hold no other."""
        for journal_file in self._files:
            if journal_file.size and journal_file.last_seq <= seq:
                journal_file.empty()

    def close(self) -> None:
        """Close and remove the files (call once everything is committed)."""
        for journal_file in self._files:
            os.close(journal_file.fd)
            journal_file.path.unlink(missing_ok=True)


def recover(capture_path: str, db: sqlite3.Connection) -> int:
    """Put what a killed studio left in the journal into the capture; return how many
    frames were missing. Lines are applied in the order they were written."""
    lines: list[list[Any]] = []
    paths = [path for path in journal_paths(capture_path) if path.exists()]
    if not paths:
        return 0
    for path in paths:
        for text in path.read_bytes().splitlines():
            try:
                lines.append(json.loads(text))
            except ValueError:  # a line cut short by the kill: its frame was never relayed
                log.warning("relay journal %s: skipped an incomplete line", path.name)
    lines.sort(key=lambda line: line[0])
    recovered = 0
    columns = ", ".join(("id", *FRAME_COLUMNS))
    with db:
        db.execute("BEGIN")
        for line in lines:
            if line[1] == "f":
                row = list(line[2:2 + _ROW_LENGTH])
                row[_PROBLEM_AT] = "; ".join(p for p in (row[_PROBLEM_AT], RECOVERED) if p)
                cursor = db.execute(f"INSERT OR IGNORE INTO frames ({columns}) VALUES "
                                    f"({', '.join('?' * len(row))})", row)
                recovered += cursor.rowcount
                if len(line) > 2 + _ROW_LENGTH:  # an answer: its CALL's new state
                    db.execute("UPDATE frames SET state = ? WHERE id = ?",
                               (line[-1], row[_PAIR_AT]))
            elif line[1] == "s":
                db.execute("UPDATE frames SET state = ? WHERE id = ?", (line[3], line[2]))
    for path in journal_paths(capture_path):  # in the database now: never replayed again
        path.unlink(missing_ok=True)
    if recovered:
        log.warning("%d frames recovered from the relay journal of %s", recovered,
                    Path(capture_path).name)
    return recovered
