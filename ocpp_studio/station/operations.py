"""Charger operations, typed (issue 16 §1): the catalogue and ``run_operation``.

Qt-free, shared by the CLI (``ocpp-studio op``), the control API and, later, the Operations
panel. Each :class:`Operation` lists its fields for the charger's version, says which field
values are dangerous and what they do, builds its request with the version's builders
(``adapters/operations.py``, plus the adapters' own start/stop/schedule builders), and says
which messages the charger sends afterwards. ``run_operation`` sends the request (the RPC
layer checks it against the schema first), reads the answer in words, and links the frames
that follow (the reboot's BootNotification, the StatusNotification, the new session) by
listening to ``CaptureStore.recorded`` until the message that completes the operation
arrives or the operation's window closes: it waits on events, never sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from ..capture.redaction import redact_value
from ..core.clock import Clock, SystemClock
from ..core.frames import loads
from ..core.records import Direction, FrameRecord
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..core.versions import OcppVersion
from .adapters import adapter_for
from .adapters.base import OcppRequest, Payload, status_info_text
from .adapters.operations import OperationRequests, operation_requests
from .central import CentralSystem
from .operations_catalogue import CATALOGUE as CORE_OPERATIONS
from .operations_catalogue import Field, Follow, Operation, OperationError
from .operations_2x import OPERATIONS_2X
from .operations_certificates import CERTIFICATE_OPERATIONS
from .operations_transfers import TRANSFER_OPERATIONS
from .operations_words import error_words, status_words

log = logging.getLogger(__name__)

#: every operation: the core ones, the smaller 2.x ones, certificates (issue 15), log and
#: firmware transfers (16)
CATALOGUE: tuple[Operation, ...] = (CORE_OPERATIONS + OPERATIONS_2X + CERTIFICATE_OPERATIONS
                                    + TRANSFER_OPERATIONS)

__all__ = ["CATALOGUE", "Field", "Follow", "Operation", "OperationError", "OperationResult",
           "LinkedFrame", "operations_for", "find_operation", "coerce_fields", "run_operation"]


@dataclass
class LinkedFrame:
    """A message the charger sent after the answer, linked to the operation."""

    id: int | None
    action: str
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "summary": self.summary}


@dataclass
class OperationResult:
    operation: str
    charger: str
    ok: bool
    words: str
    status: str | None = None
    action: str | None = None
    request: Payload | None = None
    answer: Any = None
    request_frame_id: int | None = None
    answer_frame_id: int | None = None
    error_code: str | None = None
    needs_confirmation: bool = False
    followed: list[LinkedFrame] = field(default_factory=list)
    waited_for: str | None = None  # what completes the operation, when it did not arrive
    started_at: str = ""

    def to_json(self) -> dict[str, Any]:
        """For the API and ``op --json``: passwords masked as in every display (e.g. the
        login in a ``log-to-url`` location); the capture keeps the frames as sent."""
        return {"operation": self.operation, "charger": self.charger, "ok": self.ok,
                "words": self.words, "status": self.status, "action": self.action,
                "request": redact_value(self.request), "answer": redact_value(self.answer),
                "request_frame_id": self.request_frame_id,
                "answer_frame_id": self.answer_frame_id, "error_code": self.error_code,
                "needs_confirmation": self.needs_confirmation,
                "followed": [f.to_json() for f in self.followed],
                "waited_for": self.waited_for, "started_at": self.started_at}

    def lines(self) -> list[str]:
        """The result as the CLI prints it."""
        out = [self.words]
        for linked in self.followed:
            out.append(f"  then #{linked.id} {linked.action}"
                       + (f": {linked.summary}" if linked.summary else ""))
        if self.waited_for:
            out.append(f"  (no {self.waited_for} followed within the operation's window)")
        return out


def operations_for(version: OcppVersion | str) -> list[Operation]:
    if not isinstance(version, OcppVersion):
        version = OcppVersion.parse(str(version))
    return [op for op in CATALOGUE if version in op.versions]


def find_operation(name: str, version: OcppVersion) -> Operation:
    for op in CATALOGUE:
        if op.name == name:
            if version not in op.versions:
                raise OperationError(f"{op.title} does not exist in OCPP {version.label}")
            return op
    known = ", ".join(op.name for op in operations_for(version))
    raise OperationError(f"No operation {name!r}; OCPP {version.label} has: {known}")


def coerce_fields(op: Operation, builders: OperationRequests,
                  given: dict[str, Any]) -> dict[str, Any]:
    """The operation's field values: defaults filled in, text from the command line turned
    into the field's type, unknown names and bad choices refused in words."""
    fields = {f.name: f for f in op.fields(builders)}
    unknown = set(given) - set(fields)
    if unknown:
        raise OperationError(f"{op.title} has no field {', '.join(sorted(unknown))}; "
                             f"its fields: {', '.join(fields) or 'none'}")
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        value = given.get(name, spec.default)
        if value is None or value == "":
            if spec.required:
                raise OperationError(f"{op.title} needs {name} ({spec.help})")
            out[name] = None
            continue
        try:
            out[name] = spec.coerce(value)
        except ValueError as exc:
            raise OperationError(f"{op.title}: {exc}") from None
    return out


def _summary(action: str, payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    if action == "StatusNotification":
        where = payload.get("connectorId")
        if "evseId" in payload:
            where = f"{payload['evseId']}/{payload.get('connectorId')}"
        return f"connector {where}: {payload.get('status') or payload.get('connectorStatus')}"
    if action == "BootNotification":
        station = payload.get("chargingStation") or {}
        firmware = station.get("firmwareVersion") or payload.get("firmwareVersion")
        reason = payload.get("reason")
        return ", ".join(p for p in (f"reason {reason}" if reason else "",
                                     f"firmware {firmware}" if firmware else "") if p)
    if action == "TransactionEvent":
        tx = payload.get("transactionInfo") or {}
        return f"{payload.get('eventType')} transaction {tx.get('transactionId')}"
    if action == "StartTransaction":
        return f"connector {payload.get('connectorId')}, idTag {payload.get('idTag')}"
    if action == "StopTransaction":
        return f"transaction {payload.get('transactionId')}, reason {payload.get('reason')}"
    return ""


class _Watcher:
    """Listens to the capture while an operation runs: its CALL, the answer, what follows."""

    def __init__(self, charger: str, action: str, follow: Follow | None) -> None:
        self.charger, self.action, self.follow = charger, action, follow
        self.request: FrameRecord | None = None
        self.answer: FrameRecord | None = None
        self.followed: list[tuple[FrameRecord, Any]] = []
        self.changed = asyncio.Event()

    def __call__(self, record: Any) -> None:
        if not isinstance(record, FrameRecord) or record.charger != self.charger:
            return
        if record.direction == Direction.TO_CHARGER:
            if record.message_type == 2 and record.action == self.action \
                    and self.request is None:
                self.request = record
            return
        if self.request is None:
            return
        if record.message_type in (3, 4) and record.pair_id == self.request.id:
            self.answer = record
        elif record.message_type == 2 and self.follow is not None \
                and self.answer is not None and record.action in self.follow.actions:
            # only what the charger sends after its answer: a message crossing the request
            # (a late boot StatusNotification) is not the operation's consequence
            try:
                payload = loads(record.raw)[3]
            except (ValueError, IndexError, TypeError):
                payload = None
            self.followed.append((record, payload))
            self.changed.set()

    def complete(self) -> bool:
        assert self.follow is not None
        return self.follow.done([(r.action or "", p) for r, p in self.followed])

    async def wait(self) -> bool:
        """Until the follow-up completes or its window closes; True when it completed."""
        assert self.follow is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.follow.window_s
        while not self.complete():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return self.complete()
        return True


async def run_operation(central: CentralSystem, charger_id: str, name: str,
                        fields: dict[str, Any] | None = None, *, confirm: bool = False,
                        clock: Clock | None = None, timeout: float | None = None,
                        follow_window_s: float | None = None) -> OperationResult:
    """Run operation ``name`` on a connected charger; never raises for what the charger
    answers (the result says it), raises :class:`OperationError` for unusable input and the
    RPC layer's ConnectionClosed for a charger that is not connected."""
    clock = clock or SystemClock()
    version = central.version_of(charger_id)
    central.session(charger_id)  # not connected: ConnectionClosed before anything else
    op = find_operation(name, version)
    adapter = adapter_for(version)
    builders = operation_requests(adapter)
    values = coerce_fields(op, builders, fields or {})
    started = clock.now()
    context = _Context(central, charger_id, version, clock)
    request = op.build(adapter, builders, values, context)
    result = OperationResult(op.name, charger_id, False, "", action=request.action,
                             request=request.payload,
                             started_at=started.isoformat(timespec="seconds"))
    danger = op.danger(values)
    if danger and not confirm:
        result.needs_confirmation = True
        result.words = f"Not sent: {danger}. Confirm to go ahead."
        return result
    follow = op.follows(version, values, context)
    if follow is not None and follow_window_s is not None:
        follow = follow.with_window(follow_window_s)
    watcher = _Watcher(charger_id, request.action, follow)
    central.store.recorded.connect(watcher)
    try:
        await _send(central, charger_id, op, request, result, timeout)
        answer = central.store.frame(result.answer_frame_id) \
            if result.answer_frame_id is not None else watcher.answer
        if answer is not None:  # the RPC layer's pairing is the truth; else what we saw
            result.answer_frame_id = answer.id
            result.request_frame_id = answer.pair_id
        elif watcher.request is not None:
            result.request_frame_id = watcher.request.id
        waits = follow is not None and result.ok and result.status in op.follow_statuses
        if waits and not await watcher.wait():
            result.waited_for = follow.what if follow is not None else None
    finally:
        central.store.recorded.disconnect(watcher)
    # a refused or failed operation has no consequence to link: what crossed it is unrelated
    result.followed = [LinkedFrame(r.id, r.action or "", _summary(r.action or "", p))
                       for r, p in watcher.followed] if waits else []
    return result


async def _send(central: CentralSystem, charger_id: str, op: Operation, request: OcppRequest,
                result: OperationResult, timeout: float | None) -> None:
    try:
        reply = await central.call_detailed(charger_id, request.action, request.payload,
                                            timeout)
    except CallError as exc:
        code = exc.code.value if hasattr(exc.code, "value") else str(exc.code)
        result.error_code = code
        result.words = error_words(request.action, code, exc.description)
        return
    except CallTimeout:
        result.words = f"No answer to {request.action} in time (the charger may be busy or " \
                       "its connection lost)"
        return
    except InvalidPayload as exc:
        result.words = "Not sent: the request breaks the schema: " + "; ".join(
            f"{v.path} {v.message}" for v in exc.violations)
        return
    except ConnectionClosed as exc:
        result.words = f"The connection closed before the answer: {exc}"
        return
    result.answer = reply.payload
    result.answer_frame_id = reply.record_id
    status = op.status_of(reply.payload)
    result.status = status
    result.ok = status in op.ok_statuses if status is not None else True
    result.words = op.words_of(reply.payload) if op.words_of else status_words(
        op.name, op.title, str(status))
    # 2.x answers may say why (StatusInfoType): the charger's own reason after ours
    info = status_info_text(reply.payload.get("statusInfo")) \
        if isinstance(reply.payload, dict) else ""
    if info:
        result.words += f" (the charger says: {info})"


@dataclass
class _Context:
    """What a builder may need besides the fields: the charger's known state and the time."""

    central: CentralSystem
    charger_id: str
    version: OcppVersion
    clock: Clock

    def running_transactions(self) -> list[str]:
        station = self.central.stations.get(self.charger_id)
        return list(station.transactions) if station is not None else []

    def connector_count(self) -> int:
        station = self.central.stations.get(self.charger_id)
        if station is None:
            return 1
        return max(1, len([c for c in station.connectors if c not in ("0", "")]))

    def in_minutes(self, minutes: float) -> Any:
        return self.clock.now() + timedelta(minutes=minutes)


Builder = Callable[..., OcppRequest]
