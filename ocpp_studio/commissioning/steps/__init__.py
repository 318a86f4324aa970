"""The standard commissioning flow (issue 7): each step says what it will do, does it,
verifies the result on the charger and records the evidence. One module per step group."""

from .base import PASSWORD_ALPHABET, TEST_ID_TAG, BaseStep, generate_password
from .clock import ClockStep
from .handover import HandOverStep, ReportStep
from .identify import ConnectStep, IdentifyStep, refusal_help
from .metering import MeteringStep, TestChargeStep
from .offpeak import OffPeakStep
from .security import SecurityStep, password_pending, write_password
from .sessions import running_session, start_charge, stop_charge
from .site import SiteLimitStep

STANDARD_STEPS: list[type] = [ConnectStep, IdentifyStep, ClockStep, SiteLimitStep, MeteringStep,
                              OffPeakStep, SecurityStep, TestChargeStep, HandOverStep, ReportStep]

__all__ = ["BaseStep", "ClockStep", "ConnectStep", "HandOverStep", "IdentifyStep", "MeteringStep",
           "OffPeakStep", "PASSWORD_ALPHABET", "ReportStep", "STANDARD_STEPS", "SecurityStep",
           "SiteLimitStep", "TEST_ID_TAG", "TestChargeStep", "generate_password",
           "password_pending", "refusal_help", "running_session", "start_charge", "stop_charge",
           "write_password"]
