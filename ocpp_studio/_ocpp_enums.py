"""Load the ``ocpp`` package's enum modules without the rest of that package (issue 17).

The studio uses only ``ocpp.v16.enums``, ``ocpp.v201.enums`` and ``ocpp.v21.enums`` (status
and type names); it never uses ``ocpp``'s ChargePoint, calls or datatypes. But importing
``ocpp.v201.enums`` first runs ``ocpp/v201/__init__.py``, which imports its ChargePoint (and
jsonschema), every call and call result and every datatype: ~0.5 s of a 2-core machine's
start, where the three enum files alone take ~0.08 s.

``preload()`` executes each enum file (a plain module importing only ``enum``) under its
own name into ``sys.modules`` (the 2.1 file when one of its names is first read: ``LAZY``),
so every ``from ocpp.v201.enums import X`` finds it there and does not run the package's
``__init__``. The classes are the same objects whatever
imports them: if something later imports ``ocpp.v201`` itself (its calls, its ChargePoint),
the package runs as usual and its modules' ``from ocpp.v201.enums import ...`` find these.
If the files are not where expected (another ``ocpp`` layout), nothing is preloaded and the
normal import runs.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

log = logging.getLogger(__name__)

VERSIONS = ("v16", "v201", "v21")
#: executed on first use (importlib.util.LazyLoader), not at start: the 2.1 enums (112
#: classes, ~17 ms) serve only 2.1 chargers' answers and operations
LAZY = ("v21",)


def preload() -> None:
    """Put ``ocpp.<version>.enums`` into ``sys.modules`` from their files alone."""
    parent = importlib.util.find_spec("ocpp")
    if parent is None or not parent.submodule_search_locations:
        return
    for version in VERSIONS:
        name = f"ocpp.{version}.enums"
        if name in sys.modules or f"ocpp.{version}" in sys.modules:
            continue  # the package is (being) imported the usual way: leave it to that
        try:
            _load(name, parent.submodule_search_locations)
        except Exception:  # noqa: BLE001 - an unexpected layout: the usual import still works
            sys.modules.pop(name, None)
            log.debug("cannot preload %s; the package will be imported", name, exc_info=True)


def _load(name: str, locations: list[str]) -> None:
    """Ask the import system's finders for the module itself, with its package's folder as
    the path (as the import of a submodule would): the files of a checkout, or the archive
    of a PyInstaller bundle, without importing the package first."""
    version = name.split(".")[1]
    path = [os.path.join(folder, version) for folder in locations]
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, path) if find_spec is not None else None
        if spec is not None and spec.loader is not None:
            break
    else:
        return
    if version in LAZY:  # the module's body runs when one of its names is first read
        spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
