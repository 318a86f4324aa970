"""One file transfer between a charger and the studio, as the caller sees it.

A ``Transfer`` is created by ``serve_upload`` / ``serve_download`` (``serve.py``) with its
own server, URL path and one-time credentials. The servers (``ftp.py``, ``http.py``) tell it
what happens (a connection, a refused login, bytes arriving) and it keeps the state, the
byte count, the saved file and, when it ends badly, a reason in plain words that names what
the installer should check.

States: WAITING (nobody has sent a byte yet) -> RECEIVING (an upload is coming in) or
SENDING (the charger is downloading) -> DONE, FAILED (cut off, stopped) or EXPIRED (the
timeout passed first). A broken-off attempt goes back to WAITING: chargers retry
(OCPP 1.6 GetDiagnostics ``retries``, 2.0.1 GetLog ``retries``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Awaitable, Callable, Literal

from ..core.clock import Clock, SystemClock
from ..core.events import Signal

log = logging.getLogger(__name__)

Direction = Literal["upload", "download"]
Scheme = Literal["ftp", "http", "https"]


class TransferState(StrEnum):
    WAITING = "waiting"
    RECEIVING = "receiving"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def finished(self) -> bool:
        return self in (TransferState.DONE, TransferState.FAILED, TransferState.EXPIRED)


@dataclass(frozen=True)
class TransferProgress:
    """What a progress observer (or ``Transfer.wait``) is told."""

    state: TransferState
    bytes: int
    total: int | None  # the size of a served file; None for uploads
    path: Path | None  # the saved upload, or the served file, once DONE
    reason: str  # empty unless FAILED or EXPIRED


class UploadEnded(Exception):
    """The transfer ended (stopped, expired) while bytes were still coming in."""


class UploadTooLarge(UploadEnded):
    """The upload went over the caller's limit; the partial file is already removed."""


class TransferBusy(Exception):
    """A second upload started while one is still coming in."""


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


def safe_file_name(raw: str, default: str = "upload.bin") -> str | None:
    """A file name from what a charger sent, or None for a path traversal attempt.

    One path component only: ``..``, ``.``, a slash or backslash anywhere (after the
    server decoded ``%2e``/``%2f``), or a NUL is refused, never "cleaned up", so the caller
    sees the attempt. Other odd characters (chargers like ``:`` from timestamps) become
    ``_``; a leading dot is dropped so the file is not hidden.
    """
    if raw == "":
        return default
    if "/" in raw or "\\" in raw or "\x00" in raw or raw in (".", ".."):
        return None
    if "%" in raw:
        # still-encoded after the server decoded once: %252e%252e and friends
        return None
    name = _UNSAFE.sub("_", raw).lstrip(".")
    return name[:200] or default


class Upload:
    """One incoming file: written to ``<name>.part`` beside its final place, renamed when complete.

    Opened with O_CREAT|O_EXCL (and O_NOFOLLOW where the OS has it), so a symlink or file
    planted in the folder is never followed or overwritten.
    """

    def __init__(self, transfer: "Transfer", name: str) -> None:
        self._transfer = transfer
        folder = transfer.folder
        assert folder is not None
        self.final = _unique(folder, name)
        self.part = _unique(folder, self.final.name + ".part")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
            | getattr(os, "O_BINARY", 0)
        self._fd: int | None = os.open(self.part, flags, 0o600)
        self.bytes = 0

    def write(self, data: bytes) -> None:
        """Append ``data``; raises UploadTooLarge (file removed, transfer FAILED) past the limit.

        Raises UploadEnded when the transfer was stopped or expired meanwhile.
        """
        if self._fd is None:
            raise UploadEnded
        limit = self._transfer.max_bytes
        if limit is not None and self.bytes + len(data) > limit:
            self.discard()
            self._transfer._fail(
                f"the upload was bigger than the limit of {limit:,} bytes; it was cut off "
                f"after {self.bytes + len(data):,} bytes and the partial file removed")
            raise UploadTooLarge
        os.write(self._fd, data)
        self.bytes += len(data)
        self._transfer._received(len(data))

    def commit(self) -> Path:
        self._close()
        if self.final.exists() or self.final.is_symlink():
            self.final = _unique(self.final.parent, self.final.name)
        os.replace(self.part, self.final)
        self._transfer._done(self.final)
        return self.final

    def discard(self, problem: str = "") -> None:
        """Remove the partial file; with ``problem``, the attempt broke off and the charger may retry."""
        self._close()
        try:
            os.unlink(self.part)
        except FileNotFoundError:
            pass
        if problem:
            self._transfer._interrupted(problem)

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _unique(folder: Path, name: str) -> Path:
    candidate = folder / name
    stem, dot, suffix = name.partition(".")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / f"{stem}-{n}{dot}{suffix}"
        n += 1
    return candidate


@dataclass
class Transfer:
    """One transfer with its own server; await ``wait()`` for the outcome.

    Made by ``serve_upload`` / ``serve_download``; ``url`` is what the charger is given.
    """

    direction: Direction
    scheme: Scheme
    host: str
    timeout: float
    folder: Path | None = None  # uploads are written here, nowhere else
    file: Path | None = None  # the file a download serves
    max_bytes: int | None = None
    default_name: str = "upload.bin"
    http_auth: bool = True  # HTTP: require the URL's user and password (Basic auth)
    clock: Clock = field(default_factory=SystemClock)
    # secrets stay out of repr(): a logged Transfer must not hand out a working login
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    user: str = field(default_factory=lambda: "ocpp" + secrets.token_hex(4))
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12), repr=False)
    port: int = 0
    url: str = field(default="", repr=False)
    state: TransferState = TransferState.WAITING
    bytes: int = 0
    path: Path | None = None
    reason: str = ""
    #: what the servers saw, in plain words, for the timeout reason and the log
    notes: list[str] = field(default_factory=list)
    connected: bool = False
    logged_in: bool = False
    progress: Signal[TransferProgress] = field(
        default_factory=lambda: Signal("file transfer progress"), repr=False)

    def __post_init__(self) -> None:
        self._finished = asyncio.Event()
        self._stopper: Callable[[], Awaitable[None]] | None = None
        self._stopped: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._upload: Upload | None = None
        self.started_at = self.clock.now()

    # -- for the caller -------------------------------------------------------------

    @property
    def total(self) -> int | None:
        return self.file.stat().st_size if self.file is not None else None

    def snapshot(self) -> TransferProgress:
        path = self.path if self.state == TransferState.DONE else None
        return TransferProgress(self.state, self.bytes, self.total if self.file else None,
                                path, self.reason)

    async def wait(self) -> TransferProgress:
        """The outcome, once the transfer has ended and its server has stopped."""
        await self._finished.wait()
        if self._stopped is not None:
            await asyncio.shield(self._stopped)
        return self.snapshot()

    async def stop(self, reason: str = "the transfer was stopped in the studio") -> TransferProgress:
        """End the transfer now (FAILED unless already over) and stop its server."""
        if not self.state.finished:
            if self._upload is not None:
                self._upload.discard()
                self._upload = None
            self._end(TransferState.FAILED, reason)
        return await self.wait()

    def expire(self) -> None:
        """End now as if the timeout had passed: EXPIRED with what the servers saw so far.

        For a caller that learns the charger has given up before the timer does (1.6
        DiagnosticsStatusNotification UploadFailed, 2.0.1 LogStatusNotification UploadFailure).
        """
        self._expire(timer=False)

    def credentials_ok(self, user: str, password: str) -> bool:
        """One-time: valid only until the transfer has ended."""
        return (not self.state.finished
                and secrets.compare_digest(user.encode(), self.user.encode())
                and secrets.compare_digest(password.encode(), self.password.encode()))

    # -- for the servers ------------------------------------------------------------

    def _arm(self, stopper: Callable[[], Awaitable[None]]) -> None:
        self._stopper = stopper
        if self.timeout > 0:
            self._timer = asyncio.get_running_loop().call_later(self.timeout, self._expire)

    def _connection(self, peer: str) -> None:
        if not self.connected:
            self.connected = True
            log.info("%s %s transfer: the charger connected from %s", self.scheme, self.direction, peer)

    def _note(self, text: str) -> None:
        log.info("%s transfer %s: %s", self.scheme, self.token[:6], text)
        if text not in self.notes:
            self.notes.append(text)

    def _begin_upload(self, name: str) -> Upload:
        if self.state.finished:
            raise TransferBusy("the transfer is over")
        if self._upload is not None:
            raise TransferBusy("an upload is already coming in")
        self._upload = Upload(self, name)
        self._set(TransferState.RECEIVING)
        return self._upload

    def _begin_send(self) -> None:
        self.bytes = 0
        self._set(TransferState.SENDING)

    def _received(self, count: int) -> None:
        self.bytes += count
        self.progress.emit(self.snapshot())

    _sent = _received

    def _done(self, path: Path) -> None:
        self._upload = None
        self.path = path
        self._end(TransferState.DONE, "")

    def _interrupted(self, problem: str) -> None:
        self._upload = None
        self._note(problem)
        if not self.state.finished:
            self.bytes = 0
            self._set(TransferState.WAITING)

    def _fail(self, reason: str) -> None:
        self._upload = None
        self._end(TransferState.FAILED, reason)

    def _set(self, state: TransferState) -> None:
        if self.state != state and not self.state.finished:
            self.state = state
            self.progress.emit(self.snapshot())

    def _end(self, state: TransferState, reason: str) -> None:
        if self.state.finished:
            return
        self.state = state
        self.reason = reason
        if self._timer is not None:
            self._timer.cancel()
        if state != TransferState.DONE:
            log.warning("%s %s transfer %s: %s", self.scheme, self.direction, state, reason)
        self.progress.emit(self.snapshot())
        self._finished.set()
        if self._stopper is not None:
            self._stopped = asyncio.get_running_loop().create_task(self._stopper())

    def _expire(self, timer: bool = True) -> None:
        if self._upload is not None:
            self._upload.discard()
            self._upload = None
        self._end(TransferState.EXPIRED, self.timeout_reason(timer))

    def timeout_reason(self, timer: bool = True) -> str:
        """Why nothing arrived, in the order an installer would check it."""
        where = f"the {self.scheme.upper()} server at {self.url_host()}:{self.port}"
        what = "send a file to" if self.direction == "upload" else "download the file from"
        elapsed = self.timeout if timer else (self.clock.now() - self.started_at).total_seconds()
        # asked before the timer ran out (the charger gave up first): say how long it had
        seconds = f"{elapsed:g} s" if timer else \
            ("the first second" if elapsed < 1 else f"{elapsed:.0f} s")
        if not self.connected:
            checks = "check that it can reach the laptop's address and the firewall"
            if self.scheme == "ftp":
                checks = ("check that it can reach the laptop's address, the firewall, "
                          "and FTP passive mode")
            elif self.scheme == "https":
                # a failed TLS handshake never becomes a request the server sees
                checks += (", and that it trusts the studio's certificate (install the CA "
                           "from 'ocpp-studio ca export' on the charger)")
            text = f"the charger never connected to {where} within {seconds} — {checks}"
        elif self.scheme == "ftp" and not self.logged_in:
            text = (f"the charger connected to {where} but never logged in with the user "
                    f"and password of the URL it was given")
        elif self.state == TransferState.RECEIVING or self.state == TransferState.SENDING:
            text = (f"the charger started to {what} {where} but had not finished after "
                    f"{seconds} ({self.bytes:,} bytes)")
        else:
            text = f"the charger connected to {where} but did not {what} it within {seconds}"
            if self.scheme == "ftp":
                text += (" — FTP passive mode: the charger must also be able to open a second "
                         "connection to the laptop (firewall)")
        if self.notes:
            text += "; seen: " + "; ".join(self.notes)
        return text

    def url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host
