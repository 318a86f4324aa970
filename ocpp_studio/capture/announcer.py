"""Announcing committed rows to the capture's observers, after their waiters (issue 17).

A batch is *durable* when its COMMIT returns: from then on an answer waiting for it
(``CaptureStore.committed``) may leave. It is *announced* when the store's observers
(the live log, the power plot, the meter parser, a watcher of an operation) have heard
of its rows. Both used to happen in one callback, observers first in effect: the waiting
answer's task could only resume after every observer of the batch had run, so each
answer waited for the log's row formatting and the meter values' parsing of its batch.

Here the waiters are released first and the announcement is queued behind them on the
event loop (``call_soon``, which runs callbacks in order: the tasks woken by the commit
run before it). Rows are still announced in commit order, each exactly once:

- a commit made on the caller's thread (the plain ``record_*`` calls, ``close``)
  announces at once, after whatever was still queued, so a caller who recorded
  something has it announced when the call returns, as before;
- an observer that records something itself (``add_problem``) re-enters ``drain``,
  which goes on where the outer call was.

``settled()`` is what a caller awaits to know the observers have heard of everything
committed so far (tests, and anything that reads what an observer built).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True, slots=True)
class CallStateChanged:
    """A CALL row's state changed after it was recorded (answered, error, timeout, lost).

    Emitted by ``CaptureStore.call_state_changed`` after the change is committed:
    by ``set_call_state`` and by ``record_response`` when it updates the call
    (after the response's own FrameRecord on ``recorded``).
    """

    call_id: int
    state: str


class Announcer:
    """Items to emit in order; ``drain`` emits them (``emit(item)`` per item)."""

    def __init__(self, emit: Callable[[Any], None]) -> None:
        self._emit = emit
        self._queue: deque[Any] = deque()
        self._scheduled = False
        self._waiters: list[asyncio.Future[None]] = []

    def later(self, items: list[Any], loop: asyncio.AbstractEventLoop | None) -> None:
        """Queue ``items``; emit them in a callback of ``loop`` after those due now
        (at once without a running loop)."""
        self._queue.extend(items)
        if loop is None or loop.is_closed():
            self.drain()
            return
        if not self._scheduled and self._queue:
            self._scheduled = True
            loop.call_soon(self._scheduled_drain)

    def now(self, items: list[Any]) -> None:
        """Queue ``items`` and emit everything queued, oldest first."""
        self._queue.extend(items)
        self.drain()

    def drain(self) -> None:
        queue = self._queue
        while queue:
            self._emit(queue.popleft())  # an observer recording re-enters: order holds
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def settled(self) -> None:
        """Return once everything queued so far is emitted."""
        if not self._queue and not self._scheduled:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    def _scheduled_drain(self) -> None:
        self._scheduled = False
        self.drain()
