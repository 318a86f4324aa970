"""Async operations tied to widgets (DESIGN.md: small operation objects, à la Anki's CollectionOp).

Protocol work runs as an asyncio task on the qasync loop; the widget gets
callbacks for start, success and failure. If the widget is gone by the time
the call ends, the callbacks are skipped instead of touching a deleted object.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Generic, TypeVar

from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

log = logging.getLogger(__name__)

T = TypeVar("T")


class AsyncOp(Generic[T]):
    def __init__(self, parent: QWidget, work: Callable[[], Awaitable[T]], *,
                 on_success: Callable[[T], Any] | None = None,
                 on_failure: Callable[[BaseException], Any] | None = None,
                 on_start: Callable[[], Any] | None = None) -> None:
        self.parent = parent
        self.work = work
        self.on_success = on_success
        self.on_failure = on_failure
        self.on_start = on_start
        self.task: asyncio.Task | None = None

    def run(self) -> "AsyncOp[T]":
        if self.on_start:
            self.on_start()
        self.task = asyncio.ensure_future(self._run())
        return self

    async def _run(self) -> None:
        try:
            result = await self.work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the widget
            if self._alive() and self.on_failure:
                self.on_failure(exc)
            else:
                log.info("operation failed after its widget closed: %s", exc)
            return
        if self._alive() and self.on_success:
            self.on_success(result)

    def _alive(self) -> bool:
        return isValid(self.parent)

    def cancel(self) -> None:
        if self.task and not self.task.done():
            self.task.cancel()
