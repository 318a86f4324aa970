"""One studio per capture database.

Two studios writing one capture merge their chargers into one timeline (and
both hand out connection ids from the same counter). The writer takes an
exclusive lock on a file beside the database (``<capture>.lock``) holding its
pid and command line; a second studio is refused and told who holds it.

The lock is the operating system's (fcntl.flock on POSIX, msvcrt.locking on
Windows): it goes away with the process, so a crash leaves no stale lock, and
the file left behind is only a note. It is never deleted: deleting it while a
second process waits on it would let two processes hold "the" lock.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: Windows locks a byte range and blocks reading it: lock a byte past the owner note.
_WINDOWS_LOCK_OFFSET = 1 << 16


class CaptureInUse(OSError):
    """The capture database is used by another studio (process)."""

    def __init__(self, path: str, owner: str) -> None:
        self.path = path
        self.owner = owner
        pid, _, command = owner.partition("\n")
        who = f"process {pid}" if pid else "another process"
        if command:
            who += f" ({command})"
        super().__init__(f"The capture {path} is in use by another OCPP Studio: {who}. "
                         "Close it, or use another capture file.")


def lock_path_for(capture_path: str | Path) -> Path:
    return Path(f"{capture_path}.lock")


# Locks this process holds, by lock path: a second store on the same file in the same
# studio (the window re-opening its own capture) shares the lock instead of refusing itself.
_held: dict[str, tuple[int, int]] = {}  # path -> (fd, count)
_held_guard = threading.Lock()


class CaptureLock:
    """An exclusive lock on one capture database; ``release`` (or process exit) frees it."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._released = False

    @classmethod
    def acquire(cls, capture_path: str | Path) -> "CaptureLock":
        """Raises CaptureInUse when another process holds the capture."""
        path = lock_path_for(capture_path)
        key = os.path.abspath(path)
        with _held_guard:
            if key in _held:
                fd, count = _held[key]
                _held[key] = (fd, count + 1)
                return cls(path)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                _lock(fd)
            except OSError:
                owner = _read_owner(fd)
                os.close(fd)
                raise CaptureInUse(str(capture_path), owner) from None
            _write_owner(fd)
            _held[key] = (fd, 1)
        return cls(path)

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        key = os.path.abspath(self.lock_path)
        with _held_guard:
            fd, count = _held.get(key, (-1, 0))
            if count > 1:
                _held[key] = (fd, count - 1)
                return
            _held.pop(key, None)
        if fd >= 0:
            try:
                os.ftruncate(fd, 0)  # no owner any more
            except OSError:
                pass
            _unlock(fd)
            os.close(fd)


def _write_owner(fd: int) -> None:
    command = " ".join(sys.argv) or sys.executable
    note = f"{os.getpid()}\n{command[:300]}\n".encode("utf-8", errors="replace")
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, note)
    except OSError as exc:  # the lock is held either way; the note is a courtesy
        log.warning("cannot write the owner of the capture lock: %s", exc)


def _read_owner(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1024).decode("utf-8", errors="replace").strip()
    except OSError:
        return ""


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # raises OSError when held elsewhere

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError when held elsewhere

    def _unlock(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
