"""Group commit (issue 17): frames recorded in one event-loop turn share one transaction,
and nothing acting on a record (an answer) goes before its commit."""

import asyncio
import sqlite3

from ocpp_studio.capture.store import CallStateChanged, CaptureStore
from ocpp_studio.core.records import Direction, FrameRecord


def _call(n: int) -> FrameRecord:
    return FrameRecord(charger="CP1", direction=Direction.TO_CSMS, raw=f'[2,"m{n}","Heartbeat",{{}}]',
                       message_type=2, unique_id=f"m{n}", action="Heartbeat", state="pending")


def _on_disk(path) -> int:
    with sqlite3.connect(path) as other:
        return other.execute("SELECT COUNT(*) FROM frames").fetchone()[0]


def test_rows_of_one_turn_are_committed_together_before_committed_returns(tmp_path):
    path = tmp_path / "c.db"
    store = CaptureStore(path)
    heard = []
    store.recorded.connect(heard.append)

    async def scenario():
        ids = [store.record_frame_grouped(_call(n)) for n in range(3)]
        assert ids == sorted(ids) and None not in ids  # ids known at once
        assert _on_disk(path) == 0 and heard == []  # not committed, not announced yet
        await store.committed()
        assert _on_disk(path) == 3
        assert [r.id for r in heard] == ids  # announced after the commit, in order

    asyncio.run(scenario())
    store.close()


def test_a_plain_record_commits_the_open_group_with_it(tmp_path):
    path = tmp_path / "c.db"
    store = CaptureStore(path)
    changes = []
    store.call_state_changed.connect(changes.append)

    async def scenario():
        call_id = store.record_frame_grouped(_call(1))
        answer = FrameRecord(charger="CP1", direction=Direction.TO_CHARGER, raw='[3,"m1",{}]',
                             message_type=3, unique_id="m1", pair_id=call_id, state="answered")
        store.record_response_grouped(answer, "answered")
        store.record_frame(_call(2))  # commits at once, and the group with it
        assert _on_disk(path) == 3
        assert changes == [CallStateChanged(call_id, "answered")]
        await store.committed()  # nothing left open: returns at once

    asyncio.run(scenario())
    assert store.frame(1).state == "answered"
    store.close()


def test_close_commits_what_the_last_turn_recorded(tmp_path):
    path = tmp_path / "c.db"
    store = CaptureStore(path)

    async def scenario():
        store.record_frame_grouped(_call(1))
        store.close()  # e.g. the app quitting inside a callback

    asyncio.run(scenario())
    assert _on_disk(path) == 1
