"""``studio.commissioning``: start, find and resume commissioning runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import StudioParts
from .profile import CommissioningProfile

if TYPE_CHECKING:
    from .engine import CommissioningRun


class CommissioningService:
    def __init__(self, studio: StudioParts) -> None:
        self.studio = studio
        self.runs: dict[str, CommissioningRun] = {}

    def state_path(self, charger_id: str) -> Path:
        """Where a run's state is kept: beside the capture (a private folder for :memory:)."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", charger_id)
        return self.studio.beside_capture(f"commissioning-{safe}.json")

    def start(self, charger_id: str, profile: CommissioningProfile,
              steps: list[Any] | None = None) -> CommissioningRun:
        from .engine import CommissioningRun  # the steps: on the first run (__init__.py)
        run = CommissioningRun(self.studio, charger_id, profile, steps,
                               self.state_path(charger_id))
        self.runs[charger_id] = run
        return run

    def resumable(self, charger_id: str) -> dict[str, Any] | None:
        from .engine import CommissioningRun
        return CommissioningRun.pending_state(self.state_path(charger_id))

    def resume(self, charger_id: str) -> CommissioningRun:
        from .engine import CommissioningRun
        run = CommissioningRun.resume(self.studio, self.state_path(charger_id))
        self.runs[charger_id] = run
        return run

    def discard(self, charger_id: str) -> None:
        self.runs.pop(charger_id, None)
        self.state_path(charger_id).unlink(missing_ok=True)

    async def run_headless(self, charger_id: str, profile: CommissioningProfile,
                           connect_timeout: float = 120.0) -> CommissioningRun:
        run = self.start(charger_id, profile)
        run.wait_timeout = connect_timeout
        await run.run_all()
        return run
