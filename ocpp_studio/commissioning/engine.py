"""The Qt-free commissioning step engine: a run that can wait for a charger that went away,
be saved mid-way and resumed, and produce the report data. The shared data (records, statuses,
context) is in ``model``; the steps in ``steps``; the report in ``report``."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from pathlib import Path
from typing import Any

from ..core.events import Signal
from ..core.records import now_us
from ..core.rpc import CallError, CallTimeout
from ..settings import open_private, private_dir
from . import steps as steps_package
from .model import (DISCONNECTED, DONE, CommissioningContext, Evidence, Step, StepFailed,
                    StepRecord, StepStatus, StudioParts)
from .profile import CommissioningProfile
from .report import CommissioningReport, build_report
from .steps import STANDARD_STEPS

log = logging.getLogger(__name__)

STATE_FORMAT = "ocpp-studio/commissioning-state"

#: Kept importable from here (older code and tests import them from the engine).
__all__ = ["CommissioningContext", "CommissioningRun", "DISCONNECTED", "DONE", "Evidence", "Step",
           "StepFailed", "StepRecord", "StepStatus", "STATE_FORMAT"]


class CommissioningRun:
    """One commissioning of one charger: the steps, what each found, where we are."""

    def __init__(self, studio: StudioParts, charger_id: str, profile: CommissioningProfile,
                 steps: list[Step] | None = None, state_path: Path | None = None) -> None:
        self.studio = studio
        self.charger_id = charger_id
        self.profile = profile
        if steps is None:
            steps = [cls() for cls in STANDARD_STEPS]
        self.steps: list[Step] = list(steps)
        ids = [s.step_id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"step ids must be unique: {ids}")
        self.state_path = Path(state_path) if state_path is not None else None
        self.ctx = CommissioningContext(studio, charger_id, profile)
        self.records: dict[str, StepRecord] = self.ctx.records
        for step in self.steps:
            self.records[step.step_id] = StepRecord(step.step_id, step.title, StepStatus.PENDING,
                                                    getattr(step, "description", ""))
        self.current = 0
        self.started_us = now_us()
        #: a step's record each time it changes (running, waiting, passed, ...)
        self.step_changed: Signal[StepRecord] = Signal("commissioning step")
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ access
    @property
    def choices(self) -> dict[str, Any]:
        return self.ctx.choices

    @property
    def wait_timeout(self) -> float:
        return self.ctx.connect_timeout

    @wait_timeout.setter
    def wait_timeout(self, seconds: float) -> None:
        self.ctx.connect_timeout = seconds

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.step_id == step_id:
                return step
        raise KeyError(f"no step {step_id!r}; steps: {[s.step_id for s in self.steps]}")

    def _index(self, step_id: str) -> int:
        return [s.step_id for s in self.steps].index(self.step(step_id).step_id)

    @property
    def finished(self) -> bool:
        return all(r.status in DONE for r in self.records.values())

    def passed(self) -> bool:
        """Every step passed, or was skipped with a reason."""
        return all(r.status is StepStatus.PASSED or
                   (r.status is StepStatus.SKIPPED and r.skip_reason)
                   for r in self.records.values())

    def _publish(self, record: StepRecord) -> None:
        self.records[record.step_id] = record
        self.step_changed.emit(record)  # a failing observer is logged, the run goes on

    def _advance(self, index: int) -> None:
        if index == self.current:
            self.current = index + 1
            while (self.current < len(self.steps) and
                   self.records[self.steps[self.current].step_id].status in DONE):
                self.current += 1
        if self.state_path is not None:
            self.save_state()

    # ------------------------------------------------------------ running
    async def run_step(self, step_id: str | None = None) -> StepRecord:
        """Run the current step (or ``step_id``: a retry or a jump). A charger that is not
        connected is waited for (WAITING) up to ``wait_timeout``; a step that loses the
        charger mid-way is run again once it is back."""
        if step_id is None:
            if self.current >= len(self.steps):
                raise IndexError("all steps are done")
            step = self.steps[self.current]
        else:
            step = self.step(step_id)
        index = self._index(step.step_id)
        async with self._lock:
            record = await self._run(step)
            self._advance(index)
            return record

    async def _run(self, step: Step) -> StepRecord:
        needs_connection = getattr(step, "needs_connection", True)
        started = now_us()
        attempts = 0
        while True:
            attempts += 1
            if needs_connection and not self.ctx.connected():
                self._publish(StepRecord(
                    step.step_id, step.title, StepStatus.WAITING,
                    f"Waiting for {self.charger_id} to connect again (up to "
                    f"{self.ctx.connect_timeout:.0f} s). It may be restarting; the step "
                    "continues when it is back.", started_us=started))
                if not await self.ctx.wait_connected():
                    return self._finish(StepRecord(
                        step.step_id, step.title, StepStatus.FAILED,
                        f"{self.charger_id} did not come back within "
                        f"{self.ctx.connect_timeout:.0f} s. Check that it has power and "
                        "network, then retry this step.", started_us=started,
                        error="charger not connected"))
            self._publish(StepRecord(step.step_id, step.title, StepStatus.RUNNING,
                                     getattr(step, "description", ""), started_us=started))
            try:
                record = await step.run(self.ctx)
            except DISCONNECTED as exc:
                if attempts < 3:
                    log.info("%s: charger went away during %s (%s): waiting", self.charger_id,
                             step.step_id, exc)
                    await asyncio.sleep(0.2)
                    continue
                record = StepRecord(step.step_id, step.title, StepStatus.FAILED,
                                    "The charger kept disconnecting during this step.",
                                    error=str(exc))
            except StepFailed as exc:
                record = StepRecord(step.step_id, step.title, StepStatus.FAILED, str(exc),
                                    list(exc.evidence), error=str(exc))
            except (CallError, CallTimeout) as exc:
                record = StepRecord(step.step_id, step.title, StepStatus.FAILED,
                                    f"The charger did not do what was asked: {exc}",
                                    error=f"{type(exc).__name__}: {exc}")
            except asyncio.CancelledError:
                self._publish(StepRecord(step.step_id, step.title, StepStatus.PENDING,
                                         "Interrupted; run the step again.", started_us=started))
                raise
            except Exception as exc:  # noqa: BLE001 - a broken step must not end the run
                log.exception("step %s failed", step.step_id)
                record = StepRecord(step.step_id, step.title, StepStatus.FAILED,
                                    f"Something went wrong in this step: {exc}. Retry it, or "
                                    "skip it with a reason.", error=f"{type(exc).__name__}: {exc}")
            record.started_us = record.started_us or started
            return self._finish(record)

    def _finish(self, record: StepRecord) -> StepRecord:
        record.finished_us = record.finished_us or now_us()
        self._publish(record)
        return record

    def skip(self, step_id: str, reason: str) -> StepRecord:
        if not reason or not reason.strip():
            raise ValueError("a skipped step needs a reason")
        step = self.step(step_id)
        before = self.records.get(step.step_id)
        summary, evidence, error = f"Skipped: {reason.strip()}", [], None
        if before is not None and before.status is StepStatus.FAILED:
            # the failure stays on record: the report must not read as if it never happened
            error = before.error or before.summary
            summary = f"Skipped after it failed ({error}): {reason.strip()}"
            evidence = list(before.evidence)
        record = StepRecord(step.step_id, step.title, StepStatus.SKIPPED, summary, evidence,
                            skip_reason=reason.strip(), started_us=now_us(),
                            finished_us=now_us(), error=error)
        self._publish(record)
        self._advance(self._index(step_id))
        return record

    async def run_all(self, stop_on_failure: bool = False) -> list[StepRecord]:
        """Headless: every step not done yet, in order."""
        out = []
        for step in self.steps:
            if self.records[step.step_id].status in DONE:
                continue
            self.current = self._index(step.step_id)
            record = await self.run_step(step.step_id)
            out.append(record)
            if stop_on_failure and record.status is StepStatus.FAILED:
                break
        return out

    # ------------------------------------------------------------ state
    def state_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT, "format_version": 1,
            "charger_id": self.charger_id, "profile": self.profile.to_json(),
            "steps": [{"step_id": s.step_id, "class": _class_path(type(s))} for s in self.steps],
            "records": [self.records[s.step_id].to_json() for s in self.steps],
            "current": self.current, "started_us": self.started_us,
            "choices": self.ctx.choices,
            "settings_changed": [list(s) for s in self.ctx.settings_changed],
            "data": self.ctx.data,
        }

    def save_state(self, path: Path | None = None) -> Path:
        """The state file beside the capture (it can hold the generated password until the
        report is made: keep it with the capture)."""
        target = Path(path or self.state_path or "commissioning-state.json")
        private_dir(target.parent)
        tmp = target.with_name(target.name + ".tmp")
        # owner-only (0600 where the platform has modes, also over a leftover .tmp): it can
        # hold the password
        with open_private(tmp) as out:
            out.write(json.dumps(self.state_json(), indent=2, default=str))
        tmp.replace(target)
        self.state_path = target
        return target

    @classmethod
    def resume(cls, studio: StudioParts, state_path: Path) -> "CommissioningRun":
        """A run saved by ``save_state``: finished steps keep their records; a step that was
        running (or waiting) when the app closed is pending again."""
        state_path = Path(state_path)
        data = json.loads(state_path.read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"{state_path} is not a commissioning state file")
        steps: list[Step] = []
        for entry in data["steps"]:
            module, _, name = entry["class"].partition(":")
            obj: Any = importlib.import_module(module)
            for part in name.split("."):
                obj = getattr(obj, part)
            step = obj()
            step.step_id = entry["step_id"]
            steps.append(step)
        run = cls(studio, data["charger_id"], CommissioningProfile.from_json(data["profile"]),
                  steps, state_path)
        for raw in data.get("records", []):
            record = StepRecord.from_json(raw)
            if record.status in (StepStatus.RUNNING, StepStatus.WAITING):
                record = StepRecord(record.step_id, record.title, StepStatus.PENDING,
                                    "Interrupted when the app closed; run it again.")
            run.records[record.step_id] = record
        run.current = 0
        while (run.current < len(run.steps)
               and run.records[run.steps[run.current].step_id].status in DONE):
            run.current += 1
        run.started_us = data.get("started_us") or run.started_us
        run.ctx.choices.update(data.get("choices") or {})
        run.ctx.settings_changed.extend(tuple(s) for s in data.get("settings_changed") or [])
        run.ctx.data.update(data.get("data") or {})
        return run

    @staticmethod
    def pending_state(state_path: Path) -> dict[str, Any] | None:
        """What a saved, unfinished run is (for 'resume?' offers), or None."""
        try:
            data = json.loads(Path(state_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("format") != STATE_FORMAT:
            return None
        done = [r for r in data.get("records", []) if r.get("status") in
                ("passed", "failed", "skipped")]
        if len(done) == len(data.get("records", [])):
            return None
        return {"charger_id": data.get("charger_id"), "done": len(done),
                "total": len(data.get("records", []))}

    # ------------------------------------------------------------ report
    def report(self) -> CommissioningReport:
        return build_report(self.ctx, [self.records[s.step_id] for s in self.steps],
                            self.started_us)


def _class_path(cls: type) -> str:
    """Where ``resume`` finds a step class: the ``steps`` package for the standard steps (so a
    saved run survives moving a step between the package's modules), else its own module."""
    if getattr(steps_package, cls.__name__, None) is cls:
        return f"{steps_package.__name__}:{cls.__qualname__}"
    return f"{cls.__module__}:{cls.__qualname__}"
