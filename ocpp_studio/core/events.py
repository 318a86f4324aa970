"""One small typed signal, the studio's only observer mechanism.

Every layer publishes what it learns through a ``Signal``; observers connect a
callable. A failing observer is logged and skipped: one broken view must never
stop a frame from being recorded or another observer from hearing about it.
(psygnal, napari's choice, raises ``EmitLoopError`` out of ``emit`` when a
callback fails, which is the opposite of what a recorder needs.)
"""

from __future__ import annotations

import logging
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Signal(Generic[T]):
    """Observers of one kind of event carrying a ``T``.

    >>> changed: Signal[int] = Signal("station changed")
    >>> seen = []
    >>> _ = changed.connect(seen.append)
    >>> changed.emit(3)
    >>> seen
    [3]
    """

    __slots__ = ("name", "_observers")

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._observers: list[Callable[[T], object]] = []

    def connect(self, observer: Callable[[T], object]) -> Callable[[T], object]:
        """Call ``observer(value)`` on every emit; returns it (usable as a decorator)."""
        self._observers.append(observer)
        return observer

    def disconnect(self, observer: Callable[[T], object]) -> None:
        """Stop calling ``observer``; disconnecting one never connected is a no-op."""
        if observer in self._observers:
            self._observers.remove(observer)

    def emit(self, value: T) -> None:
        # a copy: an observer may disconnect itself while being called
        for observer in list(self._observers):
            try:
                observer(value)
            except Exception:  # noqa: BLE001 - see the module docstring
                log.exception("observer of %s failed", self.name or "a signal")

    def __len__(self) -> int:
        return len(self._observers)
