"""The logging proxy's frames: durable in the relay journal at once, committed a moment
later by the capture's writer (journal.py says why the proxy does not wait for the
commit). ``RelayedFrames`` is the part of ``CaptureStore`` that records them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import journal
from .announcer import CallStateChanged
from .schema import FRAME_COLUMNS
from ..core.records import FrameRecord

if TYPE_CHECKING:
    from .store import CaptureStore

_VALID_AT = 1 + FRAME_COLUMNS.index("valid")  # in an INSERT's values (id first)
assert FRAME_COLUMNS[_VALID_AT - 1:_VALID_AT + 2] == ("valid", "violations", "problem")
_SET_VERDICT = "UPDATE frames SET valid = ?, violations = ?, problem = ? WHERE id = ?"
#: A relayed frame is durable in the journal when recorded: its row is committed with the
#: others of the next 50 ms, not with those of its event-loop turn. A commit per turn
#: meant one per frame at 100 Heartbeats/s, and each one's work in the writer thread
#: (and its hand-back to the loop) fell on the next frame's way through: the proxy added
#: 1.06-1.62 ms at the median, 0.56-0.85 ms with this (benchmarks/proxy_latency.py, six
#: alternating runs). The live log hears of relayed frames up to 50 ms later; a read on
#: the recording thread commits them first (CaptureStore._up_to_date).
COMMIT_DELAY_S = 0.05


class RelayedFrames:
    """``CaptureStore``'s recording of relayed frames (a mixin: it stages into the
    store's batches, ``_stage_frame`` and ``_batch_of_this_turn``)."""

    def relay_recorder(self: "CaptureStore") -> "RelayRecorder":
        """The recorder of the logging proxy's relayed frames (journal.py): durable in
        the relay journal when it returns, committed by the writer a moment later."""
        return RelayRecorder(self)

    def _journaled(self: "CaptureStore") -> "journal.RelayJournal | None":
        if self._journal is None and self.path != ":memory:":
            self._journal = journal.RelayJournal(self.path)
        return self._journal

    def record_relayed(self: "CaptureStore", record: FrameRecord,
                       call_state: str | None = None) -> int:
        """Stage a relayed frame (and its CALL's new state) and write it to the journal."""
        row_id = self._stage_frame(record)
        batch = self._batch_of_this_turn(COMMIT_DELAY_S)
        answered = call_state if record.pair_id is not None else None
        sink = self._journaled()
        if sink is not None:
            sink.frame(batch.statements[batch.rows[row_id]][1], answered)
        if answered:
            self._stage_state(record.pair_id, answered)  # type: ignore[arg-type]
        batch.emits.extend(self._response_emits(record, answered))
        return row_id

    def set_relayed_call_state(self: "CaptureStore", call_id: int, state: str) -> None:
        self._stage_state(call_id, state)
        batch = self._batch_of_this_turn(COMMIT_DELAY_S)
        sink = self._journaled()
        if sink is not None:
            sink.call_state(call_id, state)
        batch.emits.append(CallStateChanged(call_id, state))

    def amend_checked(self: "CaptureStore", record: FrameRecord) -> None:
        """A relayed frame was checked after it was passed on: its verdict (valid,
        violations, problem) goes into its row, staged or committed."""
        verdict = (None if record.valid is None else int(record.valid),
                   json.dumps(record.violations) if record.violations else None,
                   record.problem)
        batch = self._batch_of_this_turn(COMMIT_DELAY_S)
        at = batch.rows.get(record.id or 0)
        if at is None:
            batch.statements.append((_SET_VERDICT, (*verdict, record.id)))
            return
        sql, values = batch.statements[at]
        batch.statements[at] = (sql, (*values[:_VALID_AT], *verdict, *values[_VALID_AT + 3:]))


class RelayRecorder:
    """The logging proxy's FrameRecorder (``CaptureStore.relay_recorder``): each record
    is in the relay journal when the call returns, so the frame may be passed on at once;
    ``amend`` adds the schema check made after it was passed on."""

    def __init__(self, store: "CaptureStore") -> None:
        self._store = store

    def record_frame(self, record: FrameRecord) -> int:
        return self._store.record_relayed(record)

    def record_response(self, record: FrameRecord, call_state: str | None) -> int:
        return self._store.record_relayed(record, call_state)

    def set_call_state(self, call_id: int, state: str) -> None:
        self._store.set_relayed_call_state(call_id, state)

    def amend(self, record: FrameRecord) -> None:
        self._store.amend_checked(record)
