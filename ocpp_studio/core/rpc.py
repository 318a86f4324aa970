"""The OCPP-J RPC endpoint: one per connection, used by both roles.

Every frame in and out is recorded (through a FrameRecorder, which commits
before returning) before anything else happens to it: before a handler sees an
incoming CALL, before a reply is sent, before an outgoing CALL leaves. With a
recorder that groups commits (``GroupRecorder``: the capture store), an incoming
CALL and its answer are inserted at once and committed with everything else
recorded in the same event-loop turn; the answer leaves only after that commit,
so "recorded before answered" still holds (tests/test_sigkill.py). Frames
that cannot be read, that break the schema, name an unknown action, or answer
nothing we asked are recorded with the reason and, where OCPP-J asks for it,
answered with a CALLERROR (OCPP-J 1.6 §4.2.3, 2.0.1 Part 4 §4.3).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Awaitable, Callable, Literal, Protocol, runtime_checkable

from . import schemas
from .actions import initiated_by_charger
from .errors import ERROR_CODES, Fault, error_code, fault_for_frame_problem
from .frames import (
    UNANSWERED, UNKNOWN_MESSAGE_ID, Frame, FrameError, FrameProblem, MessageType, error_text,
    parse_frame, result_text,
)
from .pairing import (  # the call outcomes are imported from here by the layers above
    AnswerLost, CallBook, CallError, CallTimeout, ConnectionClosed, InvalidPayload, Reply,
    check_answer, describe_violations, mark_late, mark_unmatched, note_violations, pair,
    result_error_problem,
)
from .off_loop import Checked, read_off_loop
from .oversize import OFF_LOOP_CHARS, over_limit, oversize_problem, read_head
from .records import CallState, Direction, FrameRecord, FrameRecorder, now_us
from .rpc_outgoing import OutgoingCalls
from .versions import OcppVersion

log = logging.getLogger(__name__)

Role = Literal["csms", "charger"]
Handler = Callable[[str, Any], Any]  # (action, payload) -> payload or awaitable payload
Sender = Callable[[str], Awaitable[None]]

#: How many message ids of received CALLs we remember per connection, to flag a
#: sender that reuses one. Bounded so a long session cannot grow without limit.
_SEEN_CALL_IDS = 1024


@runtime_checkable
class GroupRecorder(Protocol):
    """A recorder that inserts at once and commits per event-loop turn (group commit)."""

    def record_frame_grouped(self, record: FrameRecord) -> int: ...

    def record_response_grouped(self, record: FrameRecord, call_state: str | None) -> int: ...

    async def committed(self) -> None: ...


@dataclass(slots=True)
class _Receipt:
    """One incoming frame's handling: when it arrived and whether it is recorded yet."""

    received_us: int
    recorded: bool = False
    answerable: bool = True  # False for a 2.1 SEND or CALLRESULTERROR: never answered
    #: a big frame as the worker process read it (core/off_loop.py), else None
    checked: "Checked | None" = None


def _joined(*problems: str | None) -> str | None:
    """Several reasons a frame is a problem, as one text (None when there are none)."""
    present = [p for p in problems if p]
    return "; ".join(present) if present else None


class RpcEndpoint(OutgoingCalls):
    """Parses, validates, records, pairs and answers frames on one connection.

    Our own CALLs and SENDs (``call``, ``call_detailed``, ``send_unconfirmed``) are the
    ``OutgoingCalls`` mixin (rpc_outgoing.py); the state they use lives here."""

    def __init__(
        self,
        *,
        version: OcppVersion,
        role: Role,
        charger_id: str,
        send: Sender,
        recorder: FrameRecorder,
        handler: Handler,
        connection_id: int | None = None,
        tolerant: bool = False,
        call_timeout: float = 30.0,
        max_calls_in_flight: int = 1,
        max_frame_bytes: int | None = None,
    ) -> None:
        self.version = version
        self.role = role
        self.charger_id = charger_id
        self.connection_id = connection_id
        self.tolerant = tolerant
        self.call_timeout = call_timeout
        #: frames over this many bytes are recorded and refused unread (core/oversize.py);
        #: None = only the transport's own message limit applies
        self.max_frame_bytes = max_frame_bytes
        self._send = send
        self._recorder = recorder
        self._group = recorder if isinstance(recorder, GroupRecorder) else None
        self._handler = handler
        # OCPP-J 1.6 §4.1.1: a side SHOULD NOT send a CALL while another is
        # unanswered; 1 keeps to that, more is allowed for chargers that cope.
        self._slots = asyncio.Semaphore(max_calls_in_flight)
        self._calls: CallBook[str] = CallBook()  # our CALLs waiting for an answer
        self._handling: set[str] = set()
        self._seen_call_ids: OrderedDict[str, str] = OrderedDict()  # id -> its first action
        self._tasks: set[asyncio.Task] = set()
        self._closed_reason: str | None = None
        self.incoming = Direction.TO_CSMS if role == "csms" else Direction.TO_CHARGER
        self.outgoing = Direction.TO_CHARGER if role == "csms" else Direction.TO_CSMS

    # ------------------------------------------------------------------ state
    @property
    def closed(self) -> bool:
        return self._closed_reason is not None

    @property
    def calls_in_flight(self) -> int:
        return len(self._calls)

    def _record(self, **fields: Any) -> FrameRecord:
        return FrameRecord(charger=self.charger_id, connection_id=self.connection_id, **fields)

    # --------------------------------------------------------------- incoming
    async def receive(self, raw: str) -> None:
        """Handle one text message from the websocket. Never raises for bad input."""
        receipt = _Receipt(now_us())
        try:
            size = over_limit(raw, self.max_frame_bytes)
            if size is not None:
                await self._on_oversized(raw, size, receipt)
                return
            try:
                # a big frame is read in another process: the loop keeps serving the others
                if len(raw) > OFF_LOOP_CHARS:
                    receipt.checked = await read_off_loop(raw, self.version)
                    frame = receipt.checked.frame
                else:
                    frame = parse_frame(raw, self.version)
            except FrameError as exc:
                await self._on_unreadable(raw, exc, receipt)
                return
            kind = frame.message_type
            if kind is MessageType.CALL:
                await self._on_call(frame, receipt)
            elif kind is MessageType.CALLRESULT or kind is MessageType.CALLERROR:
                self._on_response(frame, receipt)
            else:
                receipt.answerable = False
                self._on_unconfirmed(frame, receipt)
        except Exception as exc:  # noqa: BLE001 - the safety net: keep the frame, keep the link
            log.exception("frame from %s could not be processed", self.charger_id)
            await self._on_internal_failure(raw, receipt, exc)

    async def _on_internal_failure(self, raw: str, receipt: "_Receipt", exc: Exception) -> None:
        if receipt.recorded:
            return  # it is in the capture; what went wrong after is in the application log
        # Lone surrogates (from \ud800 escapes) cannot be stored as UTF-8.
        safe = raw.encode("utf-8", "backslashreplace").decode("utf-8")
        record = self._record(direction=self.incoming, raw=safe, ts_us=receipt.received_us,
                              valid=False, problem=f"could not be processed: {exc!r}")
        try:
            row_id: int | None = self._recorder.record_frame(record)
        except Exception:  # noqa: BLE001
            log.exception("could not record a frame from %s", self.charger_id)
            row_id = None
        if not receipt.answerable:
            return
        await self._send_error(UNKNOWN_MESSAGE_ID, Fault.INTERNAL,
                               "The frame could not be processed", {}, row_id, receipt.received_us)

    def _record_incoming(self, record: FrameRecord, receipt: "_Receipt") -> int:
        # grouped: committed by the end of this loop turn, before any answer leaves
        row_id = (self._group.record_frame_grouped(record) if self._group is not None
                  else self._recorder.record_frame(record))
        receipt.recorded = True
        return row_id

    async def _on_unreadable(self, raw: str, exc: FrameError, receipt: "_Receipt") -> None:
        received_us = receipt.received_us
        record = self._record(direction=self.incoming, raw=raw, ts_us=received_us,
                              message_type=exc.message_type, unique_id=exc.unique_id,
                              valid=False, problem=str(exc))
        row_id = self._record_incoming(record, receipt)
        if exc.message_type in UNANSWERED and exc.problem is not FrameProblem.BAD_MESSAGE_TYPE:
            # Never answer a response, even a broken one, nor a 2.1 SEND or CALLRESULTERROR
            # (OCPP-J 2.1 Part 4 §4.2.4, §4.2.5); recording it is all we can do. A 5 or 6 on
            # 1.6/2.0.1 is an unknown message type and answered as such, below.
            return
        fault = fault_for_frame_problem(exc.problem)
        await self._send_error(exc.unique_id or UNKNOWN_MESSAGE_ID, fault,
                               f"Frame rejected: {exc}", {}, row_id, received_us)

    async def _on_oversized(self, raw: str, size: int, receipt: "_Receipt") -> None:
        """Over the user's frame size limit: recorded whole, refused unread (oversize.py)."""
        head = read_head(raw)
        limit = self.max_frame_bytes or 0
        problem = oversize_problem(size, limit)
        row_id = self._record_incoming(self._record(
            direction=self.incoming, raw=raw, ts_us=receipt.received_us,
            message_type=head.message_type, unique_id=head.unique_id, action=head.action,
            valid=False, problem=problem), receipt)
        if head.message_type is not None and head.message_type != MessageType.CALL:
            receipt.answerable = False  # a response or a SEND is never answered
            return
        unique_id = head.unique_id if head.message_type == MessageType.CALL else None
        await self._send_error(unique_id or UNKNOWN_MESSAGE_ID, Fault.GENERIC,
                               f"Frame of {size:,} bytes refused: the limit is {limit:,} bytes",
                               {"size": size, "limit": limit}, row_id, receipt.received_us,
                               head.action)

    @staticmethod
    def _payload(frame: Frame, receipt: "_Receipt") -> Frame:
        """The frame with its payload (a big invalid CALL's stayed in the worker)."""
        checked = receipt.checked
        if checked is None or checked.payload_sent:
            return frame
        return replace(frame, payload=parse_frame(frame.raw).payload)

    def _check(self, action: str, frame: Frame, receipt: "_Receipt") -> list[schemas.Violation]:
        """Schema violations (capped, see schemas.validate); a big frame's were collected
        by the worker process (core/off_loop.py)."""
        checked = receipt.checked
        if checked is not None and checked.violations is not None:
            return list(checked.violations)
        return schemas.validate(self.version, action, "request", frame.payload)

    async def _on_call(self, frame: Frame, receipt: "_Receipt") -> None:
        received_us = receipt.received_us
        action = frame.action or ""
        base = dict(direction=self.incoming, raw=frame.raw, ts_us=received_us,
                    message_type=int(MessageType.CALL), unique_id=frame.unique_id,
                    action=action, state=CallState.PENDING.value)
        reused = self._reused_id_problem(frame)
        refusal = self._refuse_call(frame)
        if refusal is not None:
            fault, problem = refusal
            row_id = self._record_incoming(
                self._record(**base, problem=_joined(problem, reused)), receipt)
            await self._send_error(frame.unique_id, fault, problem, {}, row_id, received_us,
                                   action)
            return
        violations = self._check(action, frame, receipt)
        problem = describe_violations(action, violations) if violations else None
        row_id = self._record_incoming(self._record(
            **base, valid=not violations, violations=[v.as_dict() for v in violations],
            problem=_joined(problem, reused)), receipt)
        # A payload that is not a JSON object is not the action's PDU at all (OCPP-J §4.2.3
        # FormationViolation / 2.0.1 FormatViolation): even tolerant mode has nothing to process.
        shapeless = (not receipt.checked.payload_is_object if receipt.checked is not None
                     else not isinstance(frame.payload, dict))
        if violations and (not self.tolerant or shapeless):
            details = {"violations": [v.as_dict() for v in violations[:10]]}
            fault = Fault.FORMAT if shapeless else schemas.first_fault(violations)
            await self._send_error(frame.unique_id, fault, problem or "",
                                   details, row_id, received_us, action)
            return
        frame = self._payload(frame, receipt)  # tolerant mode: the handler needs it
        self._handling.add(frame.unique_id)
        try:
            outcome = self._handler(action, frame.payload)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a CALLERROR
            self._handling.discard(frame.unique_id)
            await self._answer_failure(frame, exc, row_id, received_us)
            return
        if inspect.isawaitable(outcome):
            task = asyncio.create_task(self._finish_call(frame, outcome, row_id, received_us))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._handling.discard(frame.unique_id)
            await self._send_result(frame, outcome, row_id, received_us)

    def _reused_id_problem(self, frame: Frame) -> str | None:
        """Why this CALL's message id is a problem, when the sender used it before.

        OCPP-J 1.6 §4.1.4 (errata 2025-04) and 2.0.1 Part 4 §4.1.4: a CALL's id MUST
        differ from every id the sender used before on the connection. One endpoint is
        one connection, so we remember the last ``_SEEN_CALL_IDS`` ids received here and
        flag a reuse, whether the earlier CALL is answered or not. The frame is still
        handled and answered as usual: the flag is for the log, not a refusal.
        """
        earlier = self._seen_call_ids.pop(frame.unique_id, None)
        self._seen_call_ids[frame.unique_id] = earlier if earlier is not None else (
            frame.action or "")
        while len(self._seen_call_ids) > _SEEN_CALL_IDS:
            self._seen_call_ids.popitem(last=False)
        if earlier is None:
            return None
        earlier_call = f"{earlier} CALL" if earlier else "CALL"
        return (f"Duplicate message id {frame.unique_id!r}: already used by an earlier "
                f"{earlier_call} on this connection (OCPP-J §4.1.4: every CALL needs a new id)")

    def _refuse_call(self, frame: Frame) -> tuple[Fault, str] | None:
        action = frame.action or ""
        if frame.unique_id in self._handling:
            return Fault.RPC_FRAMEWORK, (f"A CALL with id {frame.unique_id!r} is already being "
                                         "handled; message ids must be unique")
        if action not in schemas.known_actions(self.version):
            return Fault.NOT_IMPLEMENTED, f"Unknown action {action!r} in OCPP {self.version.label}"
        from_charger = initiated_by_charger(self.version, action)
        if (self.role == "csms") != from_charger and action != "DataTransfer":
            sender = "the central system" if from_charger is False else "a charger"
            return Fault.NOT_SUPPORTED, f"{action} is sent by {sender}, not received by it"
        return None

    async def _finish_call(self, frame: Frame, outcome: Awaitable[Any], row_id: int,
                           received_us: int) -> None:
        try:
            payload = await outcome
        except Exception as exc:  # noqa: BLE001
            await self._answer_failure(frame, exc, row_id, received_us)
            return
        finally:
            self._handling.discard(frame.unique_id)
        await self._send_result(frame, payload, row_id, received_us)

    async def _answer_failure(self, frame: Frame, exc: Exception, row_id: int,
                              received_us: int) -> None:
        if isinstance(exc, CallError):
            await self._send_error(frame.unique_id, exc.code, exc.description, exc.details,
                                   row_id, received_us, frame.action)
            return
        log.exception("handler for %s from %s failed", frame.action, self.charger_id)
        await self._send_error(frame.unique_id, Fault.INTERNAL,
                               f"{frame.action} could not be processed: {exc}", {}, row_id,
                               received_us, frame.action)

    async def _send_result(self, frame: Frame, payload: Any, call_row_id: int,
                           received_us: int) -> None:
        text = result_text(frame.unique_id, payload)
        violations = schemas.validate(self.version, frame.action or "", "response", payload)
        if violations:
            log.warning("our own %s response breaks the schema: %s", frame.action, violations)
        record = self._record(
            direction=self.outgoing, raw=text, message_type=int(MessageType.CALLRESULT),
            unique_id=frame.unique_id, action=frame.action, valid=not violations,
            violations=[v.as_dict() for v in violations],
            problem=describe_violations(frame.action or "", violations) if violations else None,
            pair_id=call_row_id, state=CallState.ANSWERED.value)
        record.latency_ms = (record.ts_us - received_us) / 1000
        await self._record_answer(record, CallState.ANSWERED.value)
        await self._transmit(text)

    async def _send_error(self, unique_id: str, code: str | Fault, description: str,
                          details: dict[str, Any], call_row_id: int | None,
                          received_us: int, action: str | None = None) -> None:
        code_text = error_code(code, self.version) if isinstance(code, Fault) else code
        text = error_text(unique_id, code_text, description, details)
        record = self._record(
            direction=self.outgoing, raw=text, message_type=int(MessageType.CALLERROR),
            unique_id=unique_id, action=action, error_code=code_text, valid=True,
            pair_id=call_row_id, state=CallState.ERROR.value)
        record.latency_ms = (record.ts_us - received_us) / 1000
        await self._record_answer(record, CallState.ERROR.value)
        await self._transmit(text)

    async def _record_answer(self, record: FrameRecord, call_state: str) -> None:
        """Record our answer and its CALL's new state; return once both are committed."""
        if self._group is None:
            self._recorder.record_response(record, call_state)
            return
        self._group.record_response_grouped(record, call_state)
        await self._group.committed()

    async def _transmit(self, text: str) -> None:
        try:
            await self._send(text)
        except Exception as exc:  # noqa: BLE001 - the peer is gone; the record stays
            log.info("could not send to %s: %s", self.charger_id, exc)

    def _on_response(self, frame: Frame, receipt: "_Receipt") -> None:
        record = self._record(direction=self.incoming, raw=frame.raw, ts_us=receipt.received_us,
                              message_type=int(frame.message_type), unique_id=frame.unique_id,
                              error_code=frame.error_code)
        call = self._calls.take(frame.unique_id)
        if call is None:
            late = self._calls.take_late(frame.unique_id)
            if late is not None:
                mark_late(record, late)
                violations = check_answer(self.version, frame, late.action)
                record.valid = not violations  # the problem stays "late"
                record.violations = [v.as_dict() for v in violations]
            else:
                mark_unmatched(record, frame.unique_id)
            # A late answer does not change the call's recorded state (it timed out).
            self._recorder.record_frame(record)
            receipt.recorded = True
            return
        state = CallState.ERROR if frame.message_type is MessageType.CALLERROR \
            else CallState.ANSWERED
        pair(record, call, state.value)
        violations = check_answer(self.version, frame, call.action)
        note_violations(record, call.action, violations)
        row_id = None
        try:
            row_id = self._recorder.record_response(record, state.value)
            receipt.recorded = True
        finally:
            # The charger did answer: the caller hears it even if recording failed.
            self._calls.settle(call, frame, violations, record.latency_ms or 0.0, row_id)

    def _on_unconfirmed(self, frame: Frame, receipt: "_Receipt") -> None:
        """OCPP 2.1 only: a SEND is checked against its schema and recorded, and answers
        nothing; a CALLRESULTERROR (the other side could not take our answer to its CALL)
        is recorded with its code. Neither is ever answered (OCPP-J 2.1 Part 4 §4.2.4-5)."""
        record = self._record(direction=self.incoming, raw=frame.raw, ts_us=receipt.received_us,
                              message_type=int(frame.message_type), unique_id=frame.unique_id,
                              action=frame.action, error_code=frame.error_code)
        if frame.message_type is MessageType.SEND:
            action = frame.action or ""
            if action in schemas.send_actions(self.version):
                note_violations(record, action, schemas.validate(
                    self.version, action, "send", frame.payload))
            else:
                record.problem = f"{action!r} is not an OCPP {self.version.label} SEND message"
        else:
            record.action = self._seen_call_ids.get(frame.unique_id) or None
            record.valid = frame.error_code in ERROR_CODES[self.version]
            record.problem = result_error_problem(frame)
        self._record_incoming(record, receipt)
        if record.valid and frame.message_type is MessageType.SEND:
            self._hand_over_send(record.action or "", frame.payload)

    def _hand_over_send(self, action: str, payload: Any) -> None:
        """The handler learns from a valid SEND (e.g. a periodic event stream); whatever it
        returns is dropped, and a failure is only logged: nothing may answer a SEND."""
        try:
            outcome = self._handler(action, payload)
        except Exception:  # noqa: BLE001
            log.exception("handler for the SEND %s from %s failed", action, self.charger_id)
            return
        if inspect.isawaitable(outcome):
            task = asyncio.ensure_future(outcome)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(
                lambda done: done.cancelled() or not done.exception() or log.error(
                    "handler for the SEND %s from %s failed: %r", action, self.charger_id,
                    done.exception()))

    # --------------------------------------------------------------- outgoing
    # call, call_detailed and send_unconfirmed: OutgoingCalls (rpc_outgoing.py)

    # ---------------------------------------------------------------- closing
    def close(self, reason: str = "connection closed") -> None:
        """Fail every unanswered call: the connection is gone."""
        if self._closed_reason is not None:
            return
        self._closed_reason = reason
        self._calls.fail_all(self._recorder, self.charger_id, reason)
        for task in list(self._tasks):
            task.cancel()


__all__ = ["AnswerLost", "CallError", "CallTimeout", "ConnectionClosed", "InvalidPayload",
           "Reply", "RpcEndpoint", "describe_violations"]
