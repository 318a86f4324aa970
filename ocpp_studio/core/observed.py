"""The passive endpoint: traffic the studio watches but does not answer (the logging
proxy's relayed frames, the frames found in a charger's serial debug console).

Transports only move bytes and hand each frame here. Each frame is parsed, checked
against the OCPP schema of the connection's version, paired with the CALL it answers
(``core.pairing``, as the central system's own endpoint does) and recorded with the
time between the two. What cannot be understood is recorded with the reason as its
problem: the frame itself is never dropped. On a live link (the proxy) the studio may
also send CALLs of its own to the charger; their answers are consumed here.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol, runtime_checkable

from . import schemas
from .frames import Frame, FrameError, MessageType, call_text, parse_frame
from .pairing import (
    CallBook, OpenCall, Reply, Sender, mark_late, mark_unmatched,
    note_violations, pair, result_error_problem,
)
from .records import CallState, Direction, FrameRecord, FrameRecorder, now_us
from .versions import OcppVersion

log = logging.getLogger(__name__)

#: The state of every frame read after the fact (a console): nothing was waited for.
OBSERVED = "observed"
#: Calls remembered while waiting for their answer (a console that drops lines must not
#: make this grow without end).
MAX_OPEN_CALLS = 1024
#: Message ids of the studio's own CALLs on a watched link start with this, so they never
#: collide with the real central system's.
STUDIO_ID_PREFIX = "studio-"


def new_studio_id() -> str:
    """``studio-`` + 20 hex digits: 27 characters, within the 36 allowed
    (OCPP-J 1.6 §4.1.4: a unique id is at most 36 characters)."""
    return STUDIO_ID_PREFIX + uuid.uuid4().hex[:20]


@runtime_checkable
class AmendingRecorder(Protocol):
    """A recorder whose records may get their schema verdict after they are recorded
    (``capture.store.RelayRecorder``: durable in the relay journal at once)."""

    def amend(self, record: FrameRecord) -> None: ...


class ObservedCards(Protocol):
    """Where what a watched charger says about itself goes: its card in the charger
    list (``station.observed.ObservedStations`` is one)."""

    def set_connected(self, charger_id: str, source: str, connected: bool,
                      version: OcppVersion | None = None) -> object: ...

    def note_call(self, charger_id: str, source: str, version: OcppVersion | None,
                  action: str, payload: Any) -> None: ...

    def is_connected(self, charger_id: str) -> bool | None:
        """Whether the charger's card shows it connected; None when it has no card."""
        ...


class ObservedEndpoint:
    """Records one charger's watched traffic.

    ``live`` (the proxy): CALLs are recorded as pending and become answered, error or
    lost, like the calls the studio makes itself. Otherwise (a console read after the
    fact) every frame keeps the state ``observed``; answers are still paired.
    """

    def __init__(self, recorder: FrameRecorder, charger_id: str,
                 version: OcppVersion | None = None, *, connection_id: int | None = None,
                 live: bool = True, cards: ObservedCards | None = None,
                 source: str = "") -> None:
        self.recorder = recorder
        self.charger_id = charger_id
        self.version = version
        self.connection_id = connection_id
        self.live = live
        self.cards = cards
        self.source = source
        #: watched CALLs waiting for an answer, keyed by (direction of the CALL, message id)
        self._watched: CallBook[tuple[Direction, str]] = CallBook(MAX_OPEN_CALLS)
        #: the studio's own CALLs to the charger, by message id
        self._own: CallBook[str] = CallBook()
        #: a recorder that can amend a record (the proxy's relay journal) lets the schema
        #: check wait until the frame is passed on (``check_relayed``): recorded first,
        #: relayed next, checked after. Frames waiting for their check:
        self._unchecked: list[tuple[FrameRecord, str, Any, schemas.Kind]] | None = (
            [] if live and isinstance(recorder, AmendingRecorder) else None)

    # ------------------------------------------------------------ watched frames
    def relay(self, raw: str, direction: Direction, ts_us: int | None = None) -> bool:
        """Record one frame passing through; return whether it is to be passed on
        (answers to the studio's own calls, late ones included, are not)."""
        received_us = ts_us or now_us()
        try:
            frame: Frame | None = parse_frame(raw, self.version)
        except FrameError:
            frame = None  # recorded with the reason by ``record``
        if frame is not None and direction is Direction.TO_CSMS \
                and frame.message_type in (MessageType.CALLRESULT, MessageType.CALLERROR):
            if frame.unique_id in self._own:
                self._own_answer(frame, received_us)
                return False
            if self._own.given_up(frame.unique_id) \
                    and (Direction.TO_CHARGER, frame.unique_id) not in self._watched:
                self._own_late_answer(frame, received_us)
                return False
        self.record(raw, direction, received_us, frame)
        return True

    def check_relayed(self) -> None:
        """Check the frames recorded by ``relay`` since the last call against the schema
        and add the verdict to their records (the proxy calls it once it has passed
        them on)."""
        unchecked = self._unchecked
        if not unchecked:
            return
        self._unchecked = []
        recorder = self.recorder
        assert isinstance(recorder, AmendingRecorder)
        for record, action, payload, kind in unchecked:
            if self._check_now(record, action, payload, kind):
                recorder.amend(record)

    def record(self, raw: str, direction: Direction, ts_us: int | None = None,
               frame: Frame | None = None) -> FrameRecord:
        """Record one frame (``frame`` when the caller parsed it already)."""
        record = FrameRecord(self.charger_id, direction, raw, ts_us=ts_us or now_us(),
                             connection_id=self.connection_id)
        if frame is None:
            try:
                frame = parse_frame(raw, self.version)
            except FrameError as exc:
                record.message_type = exc.message_type
                record.unique_id = exc.unique_id
                record.problem = str(exc)
                record.state = None if self.live else OBSERVED
                self.recorder.record_frame(record)
                return record
        record.message_type = int(frame.message_type)
        record.unique_id = frame.unique_id
        kind = frame.message_type
        if kind is MessageType.CALL:
            self._record_call(record, frame, direction)
        elif kind is MessageType.CALLRESULT or kind is MessageType.CALLERROR:
            self._record_answer(record, frame, direction)
        else:
            self._record_unconfirmed(record, frame)
        return record

    def close(self) -> None:
        """The connection ended: live calls still waiting will never be answered."""
        calls = self._watched.drain()
        if self.live:
            for call in calls:
                self.recorder.set_call_state(call.record_id, CallState.LOST.value)
        self._own.fail_all(self.recorder, self.charger_id, "charger disconnected")

    def _record_call(self, record: FrameRecord, frame: Frame, direction: Direction) -> None:
        action = frame.action or ""
        if self.version is None:  # a console opened without it: the boot tells it
            self.version = version_from_boot(action, frame.payload)
        record.action = action
        record.state = CallState.PENDING.value if self.live else OBSERVED
        self._check(record, action, frame.payload)
        row_id = self.recorder.record_frame(record)
        self._watched.add((direction, frame.unique_id), OpenCall(action, row_id, record.ts_us))
        if self.cards is not None and direction is Direction.TO_CSMS:
            self.cards.note_call(self.charger_id, self.source, self.version, action,
                                 frame.payload)

    def _record_answer(self, record: FrameRecord, frame: Frame, direction: Direction) -> None:
        record.error_code = frame.error_code
        call = self._watched.take((direction.opposite, frame.unique_id))
        if call is None:
            mark_unmatched(record, frame.unique_id, "seen")
            self.recorder.record_frame(record)
            return
        is_error = frame.message_type is MessageType.CALLERROR
        state = (CallState.ERROR if is_error else CallState.ANSWERED).value
        pair(record, call, state if self.live else OBSERVED)
        if not is_error:
            self._check(record, call.action, frame.payload, "response")
        self.recorder.record_response(record, state if self.live else None)

    def _record_unconfirmed(self, record: FrameRecord, frame: Frame) -> None:
        """OCPP 2.1 only (``parse_frame`` refuses types 5 and 6 on 1.6 and 2.0.1): a SEND
        is checked against its schema and answers nothing; a CALLRESULTERROR says the
        other side could not take an answer (OCPP-J 2.1 Part 4 §4.2.4, §4.2.5)."""
        record.state = None if self.live else OBSERVED
        if frame.message_type is MessageType.SEND:
            record.action = frame.action
            self._check(record, frame.action or "", frame.payload, "send")
        else:
            record.error_code = frame.error_code
            record.problem = result_error_problem(frame)
        self.recorder.record_frame(record)

    def _check(self, record: FrameRecord, action: str, payload: Any,
               kind: schemas.Kind = "request") -> None:
        """Schema check for the connection's version (unknown version: not checked),
        now or, on a relay, once the frame is passed on (``check_relayed``)."""
        if self._unchecked is not None and self.version is not None:
            self._unchecked.append((record, action, payload, kind))
            return
        self._check_now(record, action, payload, kind)

    def _check_now(self, record: FrameRecord, action: str, payload: Any,
                   kind: schemas.Kind) -> bool:
        """Put the schema check's verdict on the record; False when there is none."""
        if self.version is None:
            return False
        known = schemas.send_actions(self.version) if kind == "send" \
            else schemas.known_actions(self.version)
        if action not in known:
            if kind != "response":
                record.problem = f"{action!r} is not an OCPP {self.version.label} {kind_word(kind)}"
                return True
            return False
        note_violations(record, action, schemas.validate(self.version, action, kind, payload))
        return True

    # --------------------------------------------------------- the studio's calls
    async def call_detailed(self, action: str, payload: Any, send: Sender,
                            timeout: float = 30) -> Reply:
        """Send a CALL of the studio's own to the watched charger (``send`` puts the text
        on the charger's link) and return its answer, schema-checked for the charger's
        version. Raises CallError, CallTimeout, or ConnectionClosed."""
        unique_id = new_studio_id()
        text = call_text(unique_id, action, payload)
        record = FrameRecord(self.charger_id, Direction.TO_CHARGER, text,
                             connection_id=self.connection_id,
                             message_type=int(MessageType.CALL), unique_id=unique_id,
                             action=action, state=CallState.PENDING.value)
        row_id = self.recorder.record_frame(record)
        return await self._own.wait_answer(unique_id, OpenCall(action, row_id, record.ts_us),
                                           text, send, timeout, self.recorder, self.charger_id)

    def _own_answer(self, frame: Frame, received_us: int) -> None:
        call = self._own.take(frame.unique_id)
        assert call is not None
        record = self._answer_record(frame, received_us)
        is_error = frame.message_type is MessageType.CALLERROR
        state = (CallState.ERROR if is_error else CallState.ANSWERED).value
        pair(record, call, state)
        violations: list[schemas.Violation] = []
        if not is_error and self.version is not None \
                and call.action in schemas.known_actions(self.version):
            violations = schemas.validate(self.version, call.action, "response", frame.payload)
            note_violations(record, call.action, violations)
        row_id = self.recorder.record_response(record, state)
        self._own.settle(call, frame, violations, record.latency_ms or 0.0, row_id)

    def _own_late_answer(self, frame: Frame, received_us: int) -> None:
        late = self._own.take_late(frame.unique_id)
        assert late is not None
        record = self._answer_record(frame, received_us)
        mark_late(record, late)
        self.recorder.record_frame(record)  # the call stays recorded as timed out

    def _answer_record(self, frame: Frame, received_us: int) -> FrameRecord:
        return FrameRecord(self.charger_id, Direction.TO_CSMS, frame.raw, ts_us=received_us,
                           connection_id=self.connection_id,
                           message_type=int(frame.message_type), unique_id=frame.unique_id,
                           error_code=frame.error_code)


def kind_word(kind: schemas.Kind) -> str:
    return "SEND message" if kind == "send" else "action"


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


__all__ = ["OBSERVED", "AmendingRecorder", "ObservedCards", "ObservedEndpoint", "STUDIO_ID_PREFIX",
           "new_studio_id", "version_from_boot"]
