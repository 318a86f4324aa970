"""Guided commissioning: a Qt-free step engine, the standard flow and the report data."""

from .engine import (CommissioningContext, CommissioningRun, Evidence, Step, StepFailed,
                     StepRecord, StepStatus)
from .profile import CommissioningProfile
from .report import ChecklistItem, CommissioningReport, uk_checklist
from .service import CommissioningService
from .steps import STANDARD_STEPS, generate_password

__all__ = ["CommissioningContext", "CommissioningRun", "Evidence", "Step", "StepFailed",
           "StepRecord", "StepStatus", "CommissioningProfile", "ChecklistItem",
           "CommissioningReport", "uk_checklist", "CommissioningService", "STANDARD_STEPS",
           "generate_password"]
