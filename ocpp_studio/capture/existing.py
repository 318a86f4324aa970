"""Open a capture that must already exist, for reading only (export, meter export).

Opening a ``CaptureStore`` for writing creates an empty database when the path is wrong, so a
typo would "export 0 lines" and exit 0. Readers use this instead: a missing file or a file that
is not a capture is a ``CaptureOpenError`` with one plain sentence for the user.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .store import CaptureStore


class CaptureOpenError(Exception):
    """The capture cannot be read; ``str()`` is one line for the user."""


def open_existing(path: str | Path) -> CaptureStore:
    """The capture at ``path``, read-only; CaptureOpenError when it is missing or not a capture."""
    path = Path(path)
    if not path.is_file():
        raise CaptureOpenError(f"No capture file at {path}")
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
