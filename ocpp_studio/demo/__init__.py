"""Built-in simulated charger (OCPP 1.6J, 2.0.1 and 2.1) for demos, training and tests.

Plain asyncio: nothing here imports Qt. The names below load on first use, so a command
line that only parses ``--quirk`` (``demo.quirks``) does not pay for websockets and the
schema validator.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .charger import DemoCharger, run_demo_charger
    from .config import DemoChargerConfig
    from .quirks import Quirks

__all__ = ["DemoCharger", "DemoChargerConfig", "Quirks", "run_demo_charger"]

_HOME = {"DemoCharger": ".charger", "run_demo_charger": ".charger",
         "DemoChargerConfig": ".config", "Quirks": ".quirks"}


def __getattr__(name: str) -> Any:  # PEP 562: lazy public names
    if name in _HOME:
        value = getattr(import_module(_HOME[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
