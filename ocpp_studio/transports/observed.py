"""Traffic the studio watches but does not answer: the logging proxy's relayed frames
and the frames found in a charger's serial debug console.

Each frame is parsed, checked against the OCPP schema of the connection's version,
paired with the CALL it answers and recorded with the time between the two. A
response answers the CALL with the same unique id that went the other way (OCPP-J
1.6 §4.1.3, 2.0.1 Part 4 §4.1.3). What cannot be understood is recorded with the
reason as its problem: the frame itself is never dropped.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..capture.store import CaptureStore
from ..core import schemas
from ..core.frames import Frame, FrameError, MessageType, parse_frame
from ..core.records import CallState, Direction, FrameRecord, now_us
from ..core.rpc import describe_violations
from ..core.versions import OcppVersion
from ..station.observed import ObservedStations

log = logging.getLogger(__name__)

OBSERVED = "observed"
#: Calls remembered while waiting for their answer (a console that drops lines must not
#: make this grow without end).
MAX_OPEN_CALLS = 1024


@dataclass(frozen=True)
class OpenCall:
    row_id: int
    action: str
    ts_us: int


class ObservedExchange:
    """Records one charger's watched traffic into ``store``.

    ``live`` (the proxy): CALLs are recorded as pending and become answered, error or
    lost, like the calls the studio makes itself. Otherwise (a console read after the
    fact) every frame keeps the state ``observed``; answers are still paired.
    """

    def __init__(self, store: CaptureStore, charger_id: str,
                 version: OcppVersion | None = None, *, connection_id: int | None = None,
                 live: bool = True, stations: ObservedStations | None = None,
                 source: str = "") -> None:
        self.store = store
        self.charger_id = charger_id
        self.version = version
        self.connection_id = connection_id
        self.live = live
        #: where what the charger says about itself goes (its card in the charger list)
        self.stations = stations
        self.source = source
        #: CALLs waiting for an answer, keyed by (direction of the CALL, unique id)
        self._open: OrderedDict[tuple[Direction, str], OpenCall] = OrderedDict()

    # ------------------------------------------------------------ recording
    def record(self, raw: str, direction: Direction, ts_us: int | None = None,
               frame: Frame | None = None) -> FrameRecord:
        """Record one frame (``frame`` when the caller parsed it already)."""
        record = FrameRecord(self.charger_id, direction, raw, ts_us=ts_us or now_us(),
                             connection_id=self.connection_id)
        if frame is None:
            try:
                frame = parse_frame(raw)
            except FrameError as exc:
                record.message_type = exc.message_type
                record.unique_id = exc.unique_id
                record.problem = str(exc)
                record.state = None if self.live else OBSERVED
                self.store.record_frame(record)
                return record
        record.message_type = int(frame.message_type)
        record.unique_id = frame.unique_id
        if frame.message_type is MessageType.CALL:
            self._record_call(record, frame, direction)
        else:
            self._record_answer(record, frame, direction)
        return record

    def is_open(self, call_direction: Direction, unique_id: str) -> bool:
        return (call_direction, unique_id) in self._open

    def close(self) -> None:
        """The connection ended: live calls still waiting will never be answered."""
        calls, self._open = list(self._open.values()), OrderedDict()
        if self.live:
            for call in calls:
                self.store.set_call_state(call.row_id, CallState.LOST.value)

    # ------------------------------------------------------------ internals
    def _record_call(self, record: FrameRecord, frame: Frame, direction: Direction) -> None:
        record.action = frame.action
        record.state = CallState.PENDING.value if self.live else OBSERVED
        self._check(record, frame.action or "", "request", frame.payload)
        row_id = self.store.record_frame(record)
        self._open[(direction, frame.unique_id)] = OpenCall(row_id, frame.action or "",
                                                            record.ts_us)
        if self.stations is not None and direction is Direction.TO_CSMS:
            self.stations.note_call(self.charger_id, self.source, self.version,
                                    frame.action or "", frame.payload)
        while len(self._open) > MAX_OPEN_CALLS:
            self._open.popitem(last=False)

    def _record_answer(self, record: FrameRecord, frame: Frame, direction: Direction) -> None:
        record.error_code = frame.error_code
        call = self._open.pop((direction.opposite, frame.unique_id), None)
        if call is None:
            record.state = CallState.UNMATCHED.value
            record.problem = f"Answer with id {frame.unique_id!r} matches no call seen"
            self.store.record_frame(record)
            return
        is_error = frame.message_type is MessageType.CALLERROR
        record.action = call.action
        record.pair_id = call.row_id
        record.latency_ms = (record.ts_us - call.ts_us) / 1000
        if not is_error:
            self._check(record, call.action, "response", frame.payload)
        if self.live:
            state = CallState.ERROR if is_error else CallState.ANSWERED
            record.state = state.value
            self.store.record_response(record, state.value)
        else:
            record.state = OBSERVED
            self.store.record_response(record, None)

    def _check(self, record: FrameRecord, action: str, kind: str, payload: Any) -> None:
        """Schema check for the connection's version; unknown version: not checked."""
        if self.version is None:
            return
        if action not in schemas.known_actions(self.version):
            if kind == "request":
                record.problem = f"{action!r} is not an OCPP {self.version.label} action"
            return
        violations = schemas.validate(self.version, action, kind, payload)  # type: ignore[arg-type]
        record.valid = not violations
        record.violations = [v.as_dict() for v in violations]
        if violations:
            record.problem = describe_violations(action, violations)


def version_from_boot(action: str | None, payload: Any) -> OcppVersion | None:
    """The OCPP version a BootNotification's fields reveal (1.6 names the vendor at the top,
    2.0.1 in a chargingStation object); None for anything else."""
    if action != "BootNotification" or not isinstance(payload, dict):
        return None
    if "chargingStation" in payload:
        return OcppVersion.V201
    if "chargePointVendor" in payload:
        return OcppVersion.V16
    return None
