"""What every commissioning step shares: the base class, the password generator and small
helpers."""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from ...core.rpc import CallError
from ..model import CommissioningContext, Evidence, StepRecord, StepStatus

PASSWORD_ALPHABET = string.ascii_letters + string.digits
TEST_ID_TAG = "COMMISSIONING"


def generate_password(length: int = 24) -> str:
    """A unique basic-auth password: 16-40 random letters and digits (OCPP security
    whitepaper; UK Smart Charge Points Regulations)."""
    if not 16 <= length <= 40:
        raise ValueError("the password must be 16-40 characters")
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def call_error_status(exc: CallError) -> str:
    """A CALLERROR as the status word the report shows: ``NotImplemented`` as itself (the
    charger lacks the feature), any other code as ``CallError <code>`` — never "Rejected",
    which is an answer the charger did not give."""
    code = str(getattr(exc.code, "value", exc.code))
    return code if code in ("NotImplemented", "NotSupported") else f"CallError {code}"


def _parse_time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class BaseStep:
    step_id = "step"
    title = "Step"
    description = ""
    needs_connection = True

    def __init__(self, **options: Any) -> None:
        for name, value in options.items():
            if not hasattr(self, name):
                raise TypeError(f"{type(self).__name__} has no option {name!r}")
            setattr(self, name, value)

    def record(self, status: StepStatus, summary: str, evidence: list[Evidence],
               error: str | None = None) -> StepRecord:
        return StepRecord(self.step_id, self.title, status, summary, evidence, error=error)

    def passed(self, summary: str, evidence: list[Evidence]) -> StepRecord:
        return self.record(StepStatus.PASSED, summary, evidence)

    def failed(self, summary: str, evidence: list[Evidence]) -> StepRecord:
        return self.record(StepStatus.FAILED, summary, evidence, error=summary)

    async def run(self, ctx: CommissioningContext) -> StepRecord:  # pragma: no cover
        raise NotImplementedError
