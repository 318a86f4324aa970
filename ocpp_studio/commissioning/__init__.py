"""Guided commissioning: a Qt-free step engine, the standard flow and the report data.

Imports go one way: ``model`` (shared data) <- ``steps`` <- ``engine`` -> ``report`` -> ``model``;
``service`` sits on the engine.
"""

from .engine import CommissioningRun
from .model import (ChecklistItem, CommissioningContext, Evidence, ItemStatus, Step, StepFailed,
                    StepRecord, StepStatus)
from .profile import CommissioningProfile
from .report import CommissioningReport, uk_checklist
from .service import CommissioningService
from .steps import STANDARD_STEPS, generate_password

__all__ = ["CommissioningContext", "CommissioningRun", "Evidence", "ItemStatus", "Step",
           "StepFailed", "StepRecord", "StepStatus", "CommissioningProfile", "ChecklistItem",
           "CommissioningReport", "uk_checklist", "CommissioningService", "STANDARD_STEPS",
           "generate_password"]
