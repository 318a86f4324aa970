"""Modules imported on first use instead of at import (issue 17: start to window < 1 s).

cryptography costs ~0.1 s of a 2-core machine's start, and the window's start reads no
certificate: the modules that need it name it with ``lazy_module`` (a module) or
``lazy_name`` (a class such as ``NameOID`` read only through its attributes); the import
happens at the first attribute read, every later read goes to the real module. Type
checkers see the ordinary import (under ``TYPE_CHECKING``). ``except`` clauses need the
real class: import exceptions in the function that catches them.
tests/test_startup_imports.py checks what the start leaves out.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)


class _Lazy:
    """Stands for ``module`` (or its attribute ``name``), imported on first attribute read."""

    __slots__ = ("_lazy_module", "_lazy_name")

    def __init__(self, module: str, name: str | None = None) -> None:
        object.__setattr__(self, "_lazy_module", module)
        object.__setattr__(self, "_lazy_name", name)

    def _lazy_target(self) -> Any:
        module = importlib.import_module(self._lazy_module)  # a dict lookup once imported
        return module if self._lazy_name is None else getattr(module, self._lazy_name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._lazy_target(), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"{self!r} is read-only")

    def __repr__(self) -> str:
        what = self._lazy_module + (f".{self._lazy_name}" if self._lazy_name else "")
        return f"<imported on first use: {what}>"


def lazy_module(module: str) -> Any:
    """``module`` (a dotted name), imported when one of its attributes is first read."""
    return _Lazy(module)


def lazy_name(module: str, name: str) -> Any:
    """``module.name`` (a class read through its attributes only, e.g. an OID table),
    imported when one of its attributes is first read."""
    return _Lazy(module, name)


def import_soon(module: str) -> None:
    """Import ``module`` now in a thread of its own, so that its first use (on the event
    loop, while a charger waits for its answer) finds it imported: numpy took the serve
    loop ~0.1 s at the first MeterValues (benchmarks/scale.py). Not a daemon: an exit
    waits for the import instead of interrupting it."""
    if module not in sys.modules:
        threading.Thread(target=_import_quietly, args=(module,), name=f"import {module}").start()


def _import_quietly(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:  # the first use raises it where it can be reported
        log.debug("cannot import %s ahead of its first use", module, exc_info=True)


__all__ = ["import_soon", "lazy_module", "lazy_name"]
