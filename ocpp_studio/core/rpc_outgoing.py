"""The outgoing side of the OCPP-J RPC endpoint: our CALLs and 2.1 SENDs.

Split out of rpc.py (one job per module); ``RpcEndpoint`` takes these methods as a
mixin and keeps the state they use. Each outgoing frame is recorded (committed)
before it leaves, as every frame in rpc.py is.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Awaitable, Callable

from . import schemas
from .errors import Fault
from .frames import MessageType, call_text, send_text
from .pairing import CallBook, ConnectionClosed, InvalidPayload, OpenCall, Reply
from .records import CallState, Direction, FrameRecord, FrameRecorder
from .versions import OcppVersion


class OutgoingCalls:
    """``call``, ``call_detailed`` and ``send_unconfirmed`` of ``RpcEndpoint``."""

    # set by RpcEndpoint.__init__ / defined there
    version: OcppVersion
    charger_id: str
    call_timeout: float
    outgoing: Direction
    _send: Callable[[str], Awaitable[None]]
    _recorder: FrameRecorder
    _slots: asyncio.Semaphore
    _calls: CallBook[str]
    _closed_reason: str | None
    _record: Callable[..., FrameRecord]
    _transmit: Callable[[str], Awaitable[None]]

    async def send_unconfirmed(self, action: str, payload: Any) -> int:
        """Send an OCPP 2.1 SEND (e.g. NotifyPeriodicEventStream): recorded, never answered
        (OCPP-J 2.1 Part 4 §4.2.5). Returns its record id; InvalidPayload as for ``call``."""
        if action not in schemas.send_actions(self.version):
            raise InvalidPayload(action, [schemas.Violation(
                "$", f"{action!r} is not an OCPP {self.version.label} SEND message", "enum",
                None, Fault.NOT_IMPLEMENTED)])
        violations = schemas.validate(self.version, action, "send", payload)
        if violations:
            raise InvalidPayload(action, violations)
        unique_id = str(uuid.uuid4())
        text = send_text(unique_id, action, payload)
        record = self._record(direction=self.outgoing, raw=text, message_type=int(MessageType.SEND),
                              unique_id=unique_id, action=action, valid=True)
        row_id = self._recorder.record_frame(record)
        await self._transmit(text)
        return row_id

    async def call(self, action: str, payload: Any, timeout: float | None = None,
                   *, allow_invalid: bool = False) -> Any:
        """Send a CALL and return the answer's payload.

        Raises CallError when answered with a CALLERROR, CallTimeout, ConnectionClosed,
        or InvalidPayload when the payload breaks the schema (unless allow_invalid).
        """
        reply = await self.call_detailed(action, payload, timeout, allow_invalid=allow_invalid)
        return reply.payload

    async def call_detailed(self, action: str, payload: Any, timeout: float | None = None,
                            *, allow_invalid: bool = False) -> Reply:
        known = action in schemas.known_actions(self.version)
        violations = schemas.validate(self.version, action, "request", payload) if known else []
        if violations and not allow_invalid:
            raise InvalidPayload(action, violations)
        if not known and not allow_invalid:
            raise InvalidPayload(action, [schemas.Violation(
                "$", f"{action!r} is not an OCPP {self.version.label} action", "enum", None,
                Fault.NOT_IMPLEMENTED)])
        async with self._slots:
            if self._closed_reason is not None:
                raise ConnectionClosed(
                    f"{self.charger_id} is not connected ({self._closed_reason})")
            unique_id = str(uuid.uuid4())
            text = call_text(unique_id, action, payload)
            record = self._record(
                direction=self.outgoing, raw=text, message_type=int(MessageType.CALL),
                unique_id=unique_id, action=action, valid=not violations,
                violations=[v.as_dict() for v in violations], state=CallState.PENDING.value)
            row_id = self._recorder.record_frame(record)
            limit = self.call_timeout if timeout is None else timeout
            return await self._calls.wait_answer(
                unique_id, OpenCall(action, row_id, record.ts_us), text, self._send, limit,
                self._recorder, self.charger_id)
