"""The jobs of ``TransferManager`` (``transfers.py``): one log fetch or firmware update each,
the frozen ``TransferProgress`` observers are given, and ``TransferError`` for unusable
input. Imported from ``transfers.py``."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..core.events import Signal
from ..fileserver import Transfer

if TYPE_CHECKING:
    from .transfers import TransferManager

log = logging.getLogger(__name__)

Kind = Literal["log", "firmware"]


class TransferError(ValueError):
    """Unusable input for a transfer (said in words)."""


def ftp_data_ports(text: str) -> list[int]:
    """The FTP passive data ports of the settings ("50000-50010", "50000")."""
    first, _, last = text.partition("-")
    try:
        low, high = int(first), int(last or first)
    except ValueError:
        raise TransferError(f"FTP data ports must be a port or a range like 50000-50010, "
                            f"not {text!r}") from None
    if not 0 < low <= high < 65536:
        raise TransferError(f"FTP data ports {text!r} are not a port range")
    return list(range(low, high + 1))


class JobState(StrEnum):
    SENT = "sent"  # the server runs, the request is out, no answer yet
    REFUSED = "refused"  # the charger refused the request (or it failed): finished
    RUNNING = "running"  # accepted; the charger's statuses drive it
    DONE = "done"  # finished: the file arrived / the charger reported Installed
    FAILED = "failed"  # finished badly; words say why and what to check

    @property
    def finished(self) -> bool:
        return self in (JobState.REFUSED, JobState.DONE, JobState.FAILED)


@dataclass(frozen=True)
class TransferStep:
    """One status message of the charger, in order."""

    action: str  # the message that carried it (DiagnosticsStatusNotification, ...)
    status: str
    words: str
    frame_id: int | None
    at: str  # when the studio recorded it (ISO 8601)
    failure: bool

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "status": self.status, "words": self.words,
                "frame_id": self.frame_id, "at": self.at, "failure": self.failure}


@dataclass(frozen=True)
class TransferProgress:
    """A job as observers see it (``TransferManager.progress``, ``TransferJob.wait``)."""

    id: str
    charger: str
    kind: Kind
    what: str  # "diagnostics log", "security log", "firmware app-2.0.bin"
    action: str | None  # the request sent (GetDiagnostics, GetLog, UpdateFirmware, ...)
    scheme: str
    state: JobState
    words: str  # where it is or why it ended, in one or two sentences
    last_status: str | None  # the charger's last reported status
    steps: tuple[TransferStep, ...]
    file: Path | None  # log: the received file (once DONE); firmware: the served file
    size: int | None  # the file's size in bytes
    bytes: int  # bytes moved by the file server so far
    request_id: int | None
    expected_version: str | None = None
    reported_version: str | None = None  # from the BootNotification after the update
    started_at: str = ""
    answer: Any = None  # the charger's answer to the request

    @property
    def finished(self) -> bool:
        return self.state.finished

    @property
    def ok(self) -> bool:
        return self.state == JobState.DONE

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "charger": self.charger, "kind": self.kind, "what": self.what,
                "action": self.action, "scheme": self.scheme, "state": self.state.value,
                "finished": self.finished, "ok": self.ok, "words": self.words,
                "last_status": self.last_status, "steps": [s.to_json() for s in self.steps],
                "file": str(self.file) if self.file else None,
                "file_name": self.file.name if self.file else None, "size": self.size,
                "bytes": self.bytes, "request_id": self.request_id,
                "expected_version": self.expected_version,
                "reported_version": self.reported_version, "started_at": self.started_at,
                "answer": self.answer}


class TransferJob:
    """One log fetch or firmware update: its server, its request, the charger's statuses."""

    def __init__(self, manager: "TransferManager", job_id: str, charger: str, kind: Kind,
                 what: str, scheme: str, request_id: int) -> None:
        self.manager = manager
        self.id, self.charger, self.kind, self.what = job_id, charger, kind, what
        self.scheme = scheme
        self.request_id = request_id
        self.action: str | None = None
        self.state = JobState.SENT
        self.words = "starting the file server"
        self.steps: list[TransferStep] = []
        self.file: Path | None = None
        self.size: int | None = None
        self.transfer: Transfer | None = None
        self.expected_version: str | None = None
        self.reported_version: str | None = None
        self.answer: Any = None
        self.accepted_at_frame: int | None = None
        self.started_at = manager.clock.now().isoformat(timespec="seconds")
        self.progress: Signal[TransferProgress] = Signal(f"transfer {job_id}")
        self._finished = asyncio.Event()
        self._timers: list[asyncio.TimerHandle] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        # firmware: what the charger has shown so far
        self.installed = False
        self.booted_after = False
        self.downloaded = False
        #: the messages watched for this job, and the version's builders that read them
        self.actions: frozenset[str] = frozenset()
        self.builders: Any = None

    @property
    def last_status(self) -> str | None:
        return self.steps[-1].status if self.steps else None

    def snapshot(self) -> TransferProgress:
        moved = self.transfer.bytes if self.transfer is not None else 0
        return TransferProgress(
            self.id, self.charger, self.kind, self.what, self.action, self.scheme, self.state,
            self.words, self.last_status, tuple(self.steps), self.file, self.size, moved,
            self.request_id, self.expected_version, self.reported_version, self.started_at,
            self.answer)

    async def wait(self, timeout: float | None = None) -> TransferProgress:
        """The outcome once finished (its server stopped); with ``timeout``, the progress
        so far when it has not finished by then."""
        try:
            await asyncio.wait_for(self._finished.wait(), timeout)
        except TimeoutError:
            return self.snapshot()
        if self.transfer is not None:
            await self.transfer.wait()
        return self.snapshot()

    # -- for the manager ------------------------------------------------------------

    def changed(self) -> None:
        snap = self.snapshot()
        self.progress.emit(snap)
        self.manager.progress.emit(snap)

    def finish(self, state: JobState, words: str) -> None:
        if self.state.finished:
            return
        self.state, self.words = state, words
        for timer in self._timers:
            timer.cancel()
        self.manager._unwatch(self)
        log.info("%s %s on %s: %s — %s", self.kind, self.id, self.charger, state, words)
        if self.transfer is not None and not self.transfer.state.finished:
            self.spawn(self.transfer.stop(words))
        self._finished.set()
        self.changed()

    def later(self, seconds: float, callback: Any) -> None:
        self._timers.append(asyncio.get_running_loop().call_later(seconds, callback))

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def last_status_text(self) -> str:
        if not self.steps:
            return "the charger reported no status at all"
        step = self.steps[-1]
        return f"the charger's last status was {step.status} ({step.words})"
