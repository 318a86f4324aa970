"""Async operations tied to widgets (DESIGN.md: small operation objects, à la Anki's CollectionOp).

Protocol work runs as an asyncio task on the qasync loop; the widget gets
callbacks for start, progress, success and failure. If the widget is gone by the
time the call ends, the callbacks are skipped instead of touching a deleted object.

No operation fails unseen: without an ``on_failure`` callback the failure is shown
to the user in a message box titled ``failure_title`` (Anki's default failure
handler does the same), and one that fails after its widget closed is logged as a
warning. After a success, ``on_changed`` runs and :data:`operation_did_execute` is
emitted (Anki's ``operation_did_execute`` hook), so views other than the one that
started the operation can refresh what it may have changed.

Running operations are kept in :data:`_RUNNING` until they end: asyncio holds tasks
only weakly, and a fire-and-forget task may otherwise be collected mid-flight.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import isValid

from ...core.events import Signal

log = logging.getLogger(__name__)

T = TypeVar("T")

#: every operation that succeeded (after its own callbacks): the "changed" hook
operation_did_execute: Signal["AsyncOp[Any]"] = Signal("operation did execute")

_RUNNING: set["AsyncOp[Any]"] = set()


def show_failure(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A warning box that does not block the event loop (the chargers keep running)."""
    log.warning("%s: %s", title, text)
    box = QMessageBox(QMessageBox.Icon.Warning, f"OCPP Studio — {title}", text, parent=parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # not exec(): a nested loop would stall asyncio
    return box


def failure_text(exc: BaseException) -> str:
    """The words of a failure; the type name when the exception has none."""
    return str(exc) or type(exc).__name__


class AsyncOp(Generic[T]):
    """``work()`` run as a task, reported to ``parent``'s callbacks.

    ``on_progress`` receives what :meth:`progress` is told by the work while it runs.
    """

    def __init__(self, parent: QWidget, work: Callable[[], Awaitable[T]], *,
                 on_success: Callable[[T], Any] | None = None,
                 on_failure: Callable[[BaseException], Any] | None = None,
                 on_start: Callable[[], Any] | None = None,
                 on_progress: Callable[[str], Any] | None = None,
                 on_changed: Callable[[T], Any] | None = None,
                 failure_title: str = "Operation failed") -> None:
        self.parent = parent
        self.work = work
        self.on_success = on_success
        self.on_failure = on_failure
        self.on_start = on_start
        self.on_progress = on_progress
        self.on_changed = on_changed
        self.failure_title = failure_title
        self.task: asyncio.Task | None = None
        #: the exception the work ended with (None while running or after a success)
        self.error: BaseException | None = None

    def run(self) -> "AsyncOp[T]":
        if self.on_start:
            self.on_start()
        self.task = asyncio.ensure_future(self._run())
        _RUNNING.add(self)
        self.task.add_done_callback(lambda _t: _RUNNING.discard(self))
        return self

    async def _run(self) -> None:
        try:
            result = await self.work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the widget or the user
            self.error = exc
            self._failed(exc)
            return
        if not self._alive():
            return
        if self.on_success:
            self.on_success(result)
        if self.on_changed:
            self.on_changed(result)
        operation_did_execute.emit(self)

    def _failed(self, exc: BaseException) -> None:
        if not self._alive():
            log.warning("%s after its window closed: %s", self.failure_title,
                        failure_text(exc), exc_info=exc)
        elif self.on_failure:
            self.on_failure(exc)
        else:
            if not isinstance(exc, OSError):  # a bug rather than the world: keep the trace
                log.error("%s", self.failure_title, exc_info=exc)
            show_failure(self.parent, self.failure_title, failure_text(exc))

    def progress(self, text: str) -> None:
        """Called by the work while it runs: passed on to ``on_progress``."""
        if self.on_progress and self._alive():
            self.on_progress(text)

    def _alive(self) -> bool:
        return isValid(self.parent)

    def running(self) -> bool:
        """Is the work still going? Its own callbacks run inside its task: not busy then."""
        task = self.task
        if task is None or task.done():
            return False
        try:
            return task is not asyncio.current_task()
        except RuntimeError:  # no running loop
            return True

    def cancel(self) -> None:
        if self.task and not self.task.done():
            self.task.cancel()


def is_running(operation: AsyncOp[Any] | None) -> bool:
    """``operation.running()``, False for no operation."""
    return operation is not None and operation.running()
