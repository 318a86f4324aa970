"""What gets recorded about every frame and connection: plain data shared by
the RPC layer (which produces it) and the capture store (which keeps it)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Protocol


class Direction(str, Enum):
    """Who sent a frame. Named by the two OCPP roles so a proxy capture reads the same."""

    TO_CSMS = "to_csms"  # sent by the charger
    TO_CHARGER = "to_charger"  # sent by the central system (us, or the real CSMS via proxy)

    @property
    def arrow(self) -> str:
        return "→CSMS" if self is Direction.TO_CSMS else "→CP"

    @property
    def opposite(self) -> "Direction":
        """The way an answer goes to a CALL sent this way."""
        return Direction.TO_CHARGER if self is Direction.TO_CSMS else Direction.TO_CSMS


class CallState(str, Enum):
    """How a CALL ended, and what a response was."""

    PENDING = "pending"
    ANSWERED = "answered"  # CALLRESULT arrived in time
    ERROR = "error"  # answered with a CALLERROR
    TIMEOUT = "timeout"  # no answer in time
    LOST = "lost"  # connection closed before an answer
    # states of response frames
    LATE = "late"  # answer to a call that had already timed out
    UNMATCHED = "unmatched"  # answer whose id matches no call we sent


def now_us() -> int:
    """Current UTC time in integer microseconds since the epoch."""
    return time.time_ns() // 1000


def iso_from_us(ts_us: int) -> str:
    """ISO 8601 UTC with microseconds, e.g. 2026-11-21T04:25:09.123456Z."""
    moment = datetime.fromtimestamp(ts_us / 1_000_000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class FrameRecord:
    """One websocket message as recorded, parsed or not."""

    charger: str
    direction: Direction
    raw: str
    ts_us: int = field(default_factory=now_us)
    connection_id: int | None = None
    message_type: int | None = None
    unique_id: str | None = None
    action: str | None = None
    valid: bool | None = None  # None: not validated (unparsable, unknown action)
    violations: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None  # why the frame is not acceptable, in words
    error_code: str | None = None  # CALLERROR code carried by this frame
    pair_id: int | None = None  # for a response: row id of its CALL
    latency_ms: float | None = None  # for a response: time since its CALL
    state: str | None = None  # CallState value
    id: int | None = None  # row id once recorded

    @property
    def timestamp(self) -> str:
        return iso_from_us(self.ts_us)


@dataclass(slots=True)
class ConnectionEvent:
    """A connection-level happening: handshake, refusal, disconnect."""

    charger: str
    kind: str  # connected, refused, disconnected
    detail: dict[str, Any] = field(default_factory=dict)
    ts_us: int = field(default_factory=now_us)
    connection_id: int | None = None
    id: int | None = None

    @property
    def timestamp(self) -> str:
        return iso_from_us(self.ts_us)


class FrameRecorder(Protocol):
    """Where the RPC layer puts frames. Each method returns only after the
    record is durable (committed), so answering afterwards cannot lose it."""

    def record_frame(self, record: FrameRecord) -> int: ...

    def record_response(self, record: FrameRecord, call_state: str | None) -> int:
        """Record a response and, when it pairs with a call (record.pair_id),
        update that call's state, in one commit."""
        ...

    def set_call_state(self, call_id: int, state: str) -> None: ...


class MemoryRecorder:
    """A recorder that keeps frames in a list: for the demo charger and tests."""

    def __init__(self) -> None:
        self.frames: list[FrameRecord] = []
        self.call_states: dict[int, str] = {}

    def record_frame(self, record: FrameRecord) -> int:
        record.id = len(self.frames) + 1
        self.frames.append(record)
        if record.message_type == 2:
            self.call_states[record.id] = record.state or CallState.PENDING.value
        return record.id

    def record_response(self, record: FrameRecord, call_state: str | None) -> int:
        row_id = self.record_frame(record)
        if record.pair_id is not None and call_state:
            self.call_states[record.pair_id] = call_state
        return row_id

    def set_call_state(self, call_id: int, state: str) -> None:
        self.call_states[call_id] = state
