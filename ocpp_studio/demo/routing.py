"""Explicit routing of incoming CALLs to the demo charger's handlers.

Each OCPP version keeps one ``Routes`` table and registers its handlers with
``@routes.on("Action")`` (the shape of mobilityhouse/ocpp's ``routing.on``), so what a
version answers is written next to the handler, not found by method name. A later version
starts from a copy of the earlier one's table (``Routes(parent)``) and adds or replaces
entries.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

#: A handler takes the version object and the CALL payload and returns the CALLRESULT
#: payload (or raises ``CallError``). It must not await a call: see ``later``.
Handler = Callable[[Any, dict[str, Any]], dict[str, Any]]
H = TypeVar("H", bound=Callable[..., Any])


class Routes:
    """Action name -> handler, for one OCPP version."""

    def __init__(self, *parents: "Routes") -> None:
        self._table: dict[str, Handler] = {}
        for parent in parents:
            self._table.update(parent._table)

    def on(self, action: str) -> Callable[[H], H]:
        """Register the decorated function as the handler of ``action``."""

        def register(handler: H) -> H:
            self._table[action] = handler
            return handler

        return register

    def get(self, action: str) -> Handler | None:
        return self._table.get(action)

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(self._table)
