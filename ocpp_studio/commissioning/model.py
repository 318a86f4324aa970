"""The data every part of commissioning shares: step statuses and records, the evidence, the
context a step runs in, and the checklist item types of the report.

Nothing here imports the steps, the engine or the report, so the package's imports go one way:
``model`` <- ``steps`` <- ``engine`` -> ``report`` -> ``model`` (``service`` on top).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..core.clock import Clock, SystemClock
from ..core.rpc import ConnectionClosed
from ..station.adapters import OcppAdapter
from .profile import CommissioningProfile

if TYPE_CHECKING:
    from ..capture.store import CaptureStore
    from ..configuration.service import ConfigurationService
    from ..metering.one_second import OneSecondMode
    from ..metering.series import MeteringService
    from ..smartcharging.service import SmartChargingService
    from ..station.central import CentralSystem

log = logging.getLogger(__name__)

#: The configuration answers meaning "the charger took the value".
OK = ("Accepted", "RebootRequired")


class StepStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    WAITING = "waiting"  # the charger disconnected: waiting for it to come back


DONE = (StepStatus.PASSED, StepStatus.FAILED, StepStatus.SKIPPED)


@dataclass
class Evidence:
    label: str
    value: str
    detail: str = ""


@dataclass
class StepRecord:
    step_id: str
    title: str
    status: StepStatus
    summary: str = ""  # plain words
    evidence: list[Evidence] = field(default_factory=list)
    started_us: int | None = None
    finished_us: int | None = None
    skip_reason: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StepRecord":
        return cls(step_id=data["step_id"], title=data.get("title", data["step_id"]),
                   status=StepStatus(data.get("status", "pending")),
                   summary=data.get("summary", ""),
                   evidence=[Evidence(**e) for e in data.get("evidence", [])],
                   started_us=data.get("started_us"), finished_us=data.get("finished_us"),
                   skip_reason=data.get("skip_reason"), error=data.get("error"))


@runtime_checkable
class Step(Protocol):
    step_id: str
    title: str
    description: str  # what it will do, in plain words

    async def run(self, ctx: "CommissioningContext") -> StepRecord: ...


class StepFailed(Exception):
    """A step could not do what it said; the message is the plain explanation shown."""

    def __init__(self, message: str, evidence: list[Evidence] | None = None) -> None:
        super().__init__(message)
        self.evidence = evidence or []


#: Errors meaning "the charger went away": run_step waits for it and tries again.
DISCONNECTED = (ConnectionClosed,)


class StudioParts(Protocol):
    """What commissioning uses of the running studio: ``service.Studio`` has all of it (a
    Protocol rather than Studio itself, so commissioning does not import the layer above)."""

    store: CaptureStore
    central: CentralSystem
    metering: MeteringService
    one_second: OneSecondMode
    configuration: ConfigurationService
    smart_charging: SmartChargingService

    def beside_capture(self, name: str) -> Path: ...


@dataclass
class CommissioningContext:
    studio: StudioParts
    charger_id: str
    profile: CommissioningProfile
    choices: dict[str, Any] = field(default_factory=dict)
    records: dict[str, StepRecord] = field(default_factory=dict)
    settings_changed: list[tuple[str, str | None, str | None, str]] = field(default_factory=list)
    #: What steps measured for the report (identity, cadence, test_charge, offpeak, security...).
    data: dict[str, Any] = field(default_factory=dict)
    #: How long to wait for a charger to connect / come back, seconds.
    connect_timeout: float = 120.0

    # ----------------------------------------------------------- helpers
    @property
    def central(self) -> CentralSystem:
        return self.studio.central

    @property
    def clock(self) -> Clock:
        """The studio's clock: the smart-charging service's, so both agree on "now"."""
        clock = getattr(getattr(self.studio, "smart_charging", None), "clock", None)
        return clock if clock is not None else SystemClock()

    @property
    def station(self) -> Any:
        return self.studio.central.station(self.charger_id)

    @property
    def adapter(self) -> OcppAdapter:
        """The charger's OCPP-version adapter, bound to its calls: the steps ask it for
        messages and setting names and never compare version strings (issue 13)."""
        return self.studio.central.adapter(self.charger_id)

    @property
    def version(self) -> str:
        """The OCPP version's label, for what the installer reads (never to branch on)."""
        station = self.studio.central.stations.get(self.charger_id)
        return station.version.label if station is not None and station.version else "?"

    def connected(self) -> bool:
        """Connected and the charger has spoken on this connection (normally its boot)."""
        session = self.studio.central.sessions.get(self.charger_id)
        if session is None:
            return False
        station = session.station
        connection = station.current_connection
        return (station.last_message_us is not None and connection is not None
                and station.last_message_us >= connection.connected_us)

    async def wait_connected(self, timeout: float | None = None) -> bool:
        deadline = time.monotonic() + (self.connect_timeout if timeout is None else timeout)
        while not self.connected():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> Any:
        return await self.studio.central.call(self.charger_id, action, payload, timeout)

    async def write_settings(self, changes: dict[str, str], *, confirm_dangerous: bool = False,
                             secret: bool = False) -> list[Any]:
        """Write through the configuration service and record before/after/status."""
        configuration = self.studio.configuration
        planned = {p.key: p.before for p in configuration.plan(self.charger_id, changes)}
        results = await configuration.write(self.charger_id, changes,
                                            confirm_dangerous=confirm_dangerous)
        for result in results:
            before = planned.get(result.key)
            after = result.value
            if secret:
                before = "(hidden)" if before else before
                after = "(hidden)"
            self.settings_changed.append((result.key, before, after, result.status))
        return results


# ---------------------------------------------------------------- checklist
class ItemStatus(str, Enum):
    """What a checklist item of the report can say (issue 14 §1): only what was verified."""

    MET = "met"  # applied and verified on the charger, with the evidence
    NOT_MET = "not met"  # with why, and what would fix it
    NOT_VERIFIED = "not verified"  # applied, but the charger gave no way to check
    NOT_APPLICABLE = "not applicable"  # with why


#: The statuses that leave nothing for the installer to do.
SETTLED = (ItemStatus.MET, ItemStatus.NOT_APPLICABLE)


@dataclass
class ChecklistItem:
    name: str
    status: str  # an ItemStatus value
    evidence: str  # what was seen (met), or why not (the other statuses)
    action: str = ""  # what would make it met (not met / not verified)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": str(ItemStatus(self.status).value),
                "evidence": self.evidence, "action": self.action}

    def line(self) -> str:
        """The item as one line of plain text (the CLI and tests read this)."""
        text = f"{self.name}: {ItemStatus(self.status).value} — {self.evidence}"
        return text + (f" To do: {self.action}" if self.action else "")
