"""Pairing answers with the CALLs they answer, shared by every endpoint.

A response answers the CALL with the same message id that went the other way
(OCPP-J 1.6 §4.1.3, 2.0.1 Part 4 §4.1.3). Both the central system's own endpoint
(``core.rpc.RpcEndpoint``) and the passive one for watched traffic
(``core.observed.ObservedEndpoint``) keep their unanswered CALLs in a ``CallBook``,
fill a response's record from the CALL it pairs with (action, pair, latency,
state), recognise late answers to calls given up on, flag answers that match
nothing, and wait for the answer to a CALL of their own the same way.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Generic, Hashable, TypeVar

from . import schemas
from .errors import ERROR_CODES, Fault, error_code
from .frames import Frame, MessageType
from .records import CallState, FrameRecord, FrameRecorder
from .versions import OcppVersion

K = TypeVar("K", bound=Hashable)
Sender = Callable[[str], Awaitable[None]]

#: How many ids of given-up calls are remembered, to recognise their late answers.
ABANDONED_MEMORY = 256


# ------------------------------------------------------------------ outcomes
class CallError(Exception):
    """A CALLERROR: raised by a handler to answer with one, and by ``call`` when
    the other side answered with one."""

    def __init__(self, code: str | Fault, description: str = "",
                 details: dict[str, Any] | None = None) -> None:
        self.code = code
        self.description = description
        self.details = details or {}
        code_text = code.value if isinstance(code, Fault) else code
        super().__init__(f"{code_text}: {description}" if description else code_text)

    def code_for(self, version: OcppVersion) -> str:
        return error_code(self.code, version) if isinstance(self.code, Fault) else self.code


class CallTimeout(Exception):
    """The other side did not answer a CALL in time."""


class ConnectionClosed(Exception):
    """The connection closed before a CALL could be sent or answered."""


class AnswerLost(ConnectionClosed):
    """The CALL was sent, then the connection closed before its answer: whether the charger
    acted on it is unknown (a setting may or may not have changed)."""


class InvalidPayload(ValueError):
    """An outgoing CALL payload breaks the schema and was not sent."""

    def __init__(self, action: str, violations: list[schemas.Violation]) -> None:
        self.action = action
        self.violations = violations
        listed = "; ".join(f"{v.path}: {v.message}" for v in violations[:5])
        super().__init__(f"{action} payload is not valid: {listed}")


@dataclass(slots=True)
class Reply:
    """The answer to a CALL we sent."""

    payload: Any
    violations: list[schemas.Violation]
    latency_ms: float
    record_id: int


@dataclass(slots=True)
class OpenCall:
    """A CALL waiting for its answer (or given up on: ``gave_up`` says why)."""

    action: str
    record_id: int
    sent_us: int
    future: asyncio.Future | None = field(default=None, repr=False)  # our own calls only
    gave_up: str = ""  # "timed out" or "was cancelled"


# ----------------------------------------------------------- filling records
def describe_violations(action: str, violations: list[schemas.Violation]) -> str:
    listed = "; ".join(f"{v.path}: {v.message}" for v in violations[:3])
    total = len(violations)
    if violations and violations[-1].keyword == "truncated":  # schemas.validate's cap
        total += int(violations[-1].rule) - 1
    more = f" (+{total - 3:,} more)" if total > 3 else ""
    return f"{action} payload does not match the schema: {listed}{more}"


def note_violations(record: FrameRecord, action: str,
                    violations: list[schemas.Violation]) -> None:
    """Put a schema check's outcome on a record."""
    record.valid = not violations
    record.violations = [v.as_dict() for v in violations]
    if violations:
        record.problem = describe_violations(action, violations)


def pair(record: FrameRecord, call: OpenCall, state: str | None) -> None:
    """A response's record takes its CALL's action, row and the time between the two."""
    record.action = call.action
    record.pair_id = call.record_id
    record.latency_ms = (record.ts_us - call.sent_us) / 1000
    record.state = state


def mark_late(record: FrameRecord, call: OpenCall) -> None:
    """An answer to a CALL given up on: kept, paired, flagged. The CALL keeps the state
    it ended with (timed out), so this record goes in with ``record_frame``."""
    pair(record, call, CallState.LATE.value)
    record.problem = (f"Late answer to {call.action}: arrived "
                      f"{(record.latency_ms or 0) / 1000:.1f} s after it was sent, after the "
                      f"call {call.gave_up or 'timed out'}")


def mark_unmatched(record: FrameRecord, unique_id: str, calls: str = "we sent") -> None:
    record.state = CallState.UNMATCHED.value
    record.problem = f"Answer with id {unique_id!r} matches no call {calls}"


def result_error_problem(frame: Frame) -> str:
    """A CALLRESULTERROR in words: the sender could not take our answer to its CALL."""
    what = f": {frame.error_description}" if frame.error_description else ""
    return (f"The other side reports an error about the answer to message {frame.unique_id!r} "
            f"({frame.error_code}{what})")


def check_answer(version: OcppVersion, frame: Frame, action: str) -> list[schemas.Violation]:
    """A CALLRESULT against the action's response schema; a CALLERROR's code against
    the version's codes (OCPP-J 1.6 §4.2.3 table 7, 2.0.1 Part 4 §4.3)."""
    if frame.message_type is MessageType.CALLRESULT:
        return schemas.validate(version, action, "response", frame.payload)
    if frame.error_code not in ERROR_CODES[version]:
        return [schemas.Violation("$.errorCode", f"{frame.error_code!r} is not an OCPP "
                                  f"{version.label} error code", "enum",
                                  sorted(ERROR_CODES[version]), Fault.PROPERTY_CONSTRAINT)]
    return []


def reply_or_raise(answer: tuple[Frame, list[schemas.Violation], float, int | None]) -> Reply:
    """What the caller of a CALL gets: the Reply, or CallError for a CALLERROR."""
    frame, violations, latency_ms, row_id = answer
    if frame.message_type is MessageType.CALLERROR:
        raise CallError(frame.error_code or "GenericError", frame.error_description or "",
                        frame.payload if isinstance(frame.payload, dict) else {})
    return Reply(frame.payload, violations, latency_ms, row_id)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the book
class CallBook(Generic[K]):
    """CALLs waiting for their answer by key (a message id, or direction and id), and
    the ones given up on, remembered to recognise a late answer.

    ``open_limit`` bounds the open calls (a console that drops lines must not make
    the book grow without end): the oldest are let go first.
    """

    __slots__ = ("open", "_abandoned", "_open_limit")

    def __init__(self, open_limit: int | None = None) -> None:
        self.open: OrderedDict[K, OpenCall] = OrderedDict()
        self._abandoned: OrderedDict[K, OpenCall] = OrderedDict()
        self._open_limit = open_limit

    def __len__(self) -> int:
        return len(self.open)

    def __contains__(self, key: object) -> bool:
        return key in self.open

    def add(self, key: K, call: OpenCall) -> None:
        self.open[key] = call
        if self._open_limit is not None:
            while len(self.open) > self._open_limit:
                self.open.popitem(last=False)

    def take(self, key: K) -> OpenCall | None:
        """The open call an answer with this key answers, now closed; None if none."""
        return self.open.pop(key, None)

    def abandon(self, key: K, call: OpenCall, why: str) -> None:
        """OCPP-J 1.6 §4.1.1: a call not answered in time is given up; remember it so
        an answer that still comes is recognised as late, not unknown."""
        if self.open.get(key) is call:
            del self.open[key]
        call.gave_up = why
        self._abandoned[key] = call
        while len(self._abandoned) > ABANDONED_MEMORY:
            self._abandoned.popitem(last=False)

    def given_up(self, key: K) -> bool:
        return key in self._abandoned

    def take_late(self, key: K) -> OpenCall | None:
        return self._abandoned.pop(key, None)

    def drain(self) -> list[OpenCall]:
        """Every open call, now closed (the connection ended)."""
        calls = list(self.open.values())
        self.open.clear()
        return calls

    def settle(self, call: OpenCall, frame: Frame, violations: list[schemas.Violation],
               latency_ms: float, row_id: int | None) -> None:
        """Hand the answer to whoever waits for it (our own calls)."""
        if call.future is not None and not call.future.done():
            call.future.set_result((frame, violations, latency_ms, row_id))

    async def wait_answer(self, key: K, call: OpenCall, text: str, send: Sender,
                          limit: float, recorder: FrameRecorder, who: str) -> Reply:
        """Send our CALL ``text`` (already recorded as ``call.record_id``) and wait for
        its answer: the Reply, or CallError, CallTimeout, ConnectionClosed. The call's
        recorded state follows: timed out, lost (not sent, or the caller gave up)."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        # Whoever waited may be cancelled in the same loop turn as close() fails the
        # future: mark its exception as seen so asyncio does not log it as lost.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        call.future = future
        self.add(key, call)
        try:
            try:
                await send(text)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                recorder.set_call_state(call.record_id, CallState.LOST.value)
                raise ConnectionClosed(
                    f"{call.action} could not be sent to {who}: {exc}") from exc
            try:
                async with asyncio.timeout(limit):
                    answer = await future
            except TimeoutError:
                self.abandon(key, call, "timed out")
                recorder.set_call_state(call.record_id, CallState.TIMEOUT.value)
                raise CallTimeout(f"{who} did not answer {call.action} within {limit:g} s"
                                  ) from None
        except asyncio.CancelledError:
            # The caller gave up (e.g. the app is closing): no answer will be awaited.
            if self.open.get(key) is call:
                recorder.set_call_state(call.record_id, CallState.LOST.value)
                self.abandon(key, call, "was cancelled")
            raise
        finally:
            if self.open.get(key) is call:
                del self.open[key]
        return reply_or_raise(answer)

    def fail_all(self, recorder: FrameRecorder, who: str, reason: str) -> None:
        """The connection is gone: every open call is lost, and its caller hears so."""
        for call in self.drain():
            recorder.set_call_state(call.record_id, CallState.LOST.value)
            if call.future is not None and not call.future.done():
                call.future.set_exception(AnswerLost(
                    f"{who} disconnected before answering {call.action} ({reason})"))
