"""Open a capture that must already exist, for reading only (export, meter export).

Opening a ``CaptureStore`` for writing creates an empty database when the path is wrong, so a
typo would "export 0 lines" and exit 0. Readers use this instead: a missing file or a file that
is not a capture is a ``CaptureOpenError`` with one plain sentence for the user.

A studio that was killed may have left frames in its relay journal (journal.py) that are not
in the database yet: the last ones before the crash, the ones a support engineer exports it
for. A read-only connection does not replay the journal, so unless a running studio holds
the capture (it commits them itself), the reader puts them into the database first, as the
studio's next start would.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Callable

from . import journal
from .lock import CaptureInUse, CaptureLock
from .store import CaptureStore

log = logging.getLogger(__name__)


class CaptureOpenError(Exception):
    """The capture cannot be read; ``str()`` is one line for the user."""


def open_existing(path: str | Path,
                  notice: Callable[[str], None] | None = None) -> CaptureStore:
    """The capture at ``path``, read-only; CaptureOpenError when it is missing or not a capture.
    ``notice`` hears, in words for the user, of frames put back from a journal."""
    path = Path(path)
    if not path.is_file():
        raise CaptureOpenError(f"No capture file at {path}")
    text = put_back_journal(path)
    if text and notice is not None:
        notice(text)
    try:
        store = CaptureStore(path, read_only=True)
    except sqlite3.Error as exc:
        raise CaptureOpenError(f"{path} cannot be opened: {exc}") from None
    try:
        # a capture has the meta table and its frames/events tables; anything else is not one
        store.schema_version
        store.count_frames()
        store.events(limit=1)
    except sqlite3.Error as exc:
        store.close()
        raise CaptureOpenError(f"{path} is not a capture database ({exc})") from None
    return store


def put_back_journal(path: Path) -> str | None:
    """Replay what a stopped studio left in the capture's relay journal, if anything and if
    no running studio holds the capture; what happened, in words (None: nothing to do)."""
    if not any(part.is_file() and part.stat().st_size
               for part in journal.journal_paths(str(path))):
        return None
    try:
        lock = CaptureLock.acquire(path)
    except CaptureInUse:
        return None  # the studio writing it commits its journal itself
    except OSError as exc:
        return _not_put_back(path, exc)
    try:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            recovered = journal.recover(str(path), db)
        finally:
            db.close()
    except (sqlite3.Error, OSError) as exc:
        log.warning("could not replay the relay journal of %s: %s", path, exc)
        return _not_put_back(path, exc)
    finally:
        lock.release()
    if not recovered:
        return None
    return (f"{recovered} frame{'s' if recovered != 1 else ''} put back from the relay journal "
            "(the studio writing this capture had stopped unexpectedly)")


def _not_put_back(path: Path, exc: Exception) -> str:
    return (f"{path} has frames in its relay journal that could not be put back ({exc}); "
            "open it in OCPP Studio to recover them")
