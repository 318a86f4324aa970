"""Guided commissioning: a Qt-free step engine, the standard flow and the report data.

Imports go one way: ``model`` (shared data) <- ``steps`` <- ``engine`` -> ``report`` -> ``model``;
``service`` sits on the engine.

The names below are imported on first use (PEP 562): the studio creates its
``CommissioningService`` at start, and the steps, the engine and the report (17 modules)
are only needed by a commissioning run. Measured small: ~15 ms less CPU importing the
window (0.799 vs 0.814 s, medians of 25 runs), as they share most imports with the station.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import CommissioningRun
    from .model import (ChecklistItem, CommissioningContext, Evidence, ItemStatus, Step,
                        StepFailed, StepRecord, StepStatus)
    from .profile import CommissioningProfile
    from .report import CommissioningReport, uk_checklist
    from .service import CommissioningService
    from .steps import STANDARD_STEPS, generate_password

_HOMES = {
    "CommissioningRun": "engine", "CommissioningProfile": "profile",
    "CommissioningReport": "report", "uk_checklist": "report",
    "CommissioningService": "service", "STANDARD_STEPS": "steps", "generate_password": "steps",
    **{name: "model" for name in ("ChecklistItem", "CommissioningContext", "Evidence",
                                  "ItemStatus", "Step", "StepFailed", "StepRecord",
                                  "StepStatus")},
}

__all__ = ["CommissioningContext", "CommissioningRun", "Evidence", "ItemStatus", "Step",
           "StepFailed", "StepRecord", "StepStatus", "CommissioningProfile", "ChecklistItem",
           "CommissioningReport", "uk_checklist", "CommissioningService", "STANDARD_STEPS",
           "generate_password"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # later reads find it directly
    return value
