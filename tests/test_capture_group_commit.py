"""Group commit (issue 17): frames recorded in one event-loop turn share one transaction,
and nothing acting on a record (an answer) goes before its commit."""

import asyncio
import sqlite3

import pytest

from ocpp_studio.capture.store import CallStateChanged, CaptureStore
from ocpp_studio.core.records import Direction, FrameRecord


def _call(n: int) -> FrameRecord:
    return FrameRecord(charger="CP1", direction=Direction.TO_CSMS, raw=f'[2,"m{n}","Heartbeat",{{}}]',
                       message_type=2, unique_id=f"m{n}", action="Heartbeat", state="pending")


def _on_disk(path) -> int:
    with sqlite3.connect(path) as other:
        return other.execute("SELECT COUNT(*) FROM frames").fetchone()[0]


def test_rows_of_one_turn_are_committed_together_before_committed_returns(tmp_path):
    """The answer waiting for a commit resumes before the observers hear of the rows
    (announcer.py): an answer never waits for the live log or the meter parser."""
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
        assert heard == []  # durable; the observers come right after this task
        await store.announced()
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


def test_frames_staged_while_a_batch_commits_form_the_next_batch_in_order(tmp_path):
    """The writer thread commits one batch at a time; what is staged meanwhile waits
    and is committed next, so rows commit and are announced in id order."""
    import threading

    from ocpp_studio.capture import writer

    path = tmp_path / "c.db"
    store = CaptureStore(path)
    heard = []
    store.recorded.connect(heard.append)
    gate = threading.Event()
    real_commit = writer.BatchWriter._commit

    def held_commit(self, batch):  # the first batch waits for the test's go
        gate.wait(10)
        real_commit(self, batch)

    async def scenario():
        store._writer._commit = held_commit.__get__(store._writer)
        first = [store.record_frame_grouped(_call(n)) for n in range(2)]
        await asyncio.sleep(0.05)  # the turn ended: the first batch is in the thread
        assert store._writer.busy
        second = [store.record_frame_grouped(_call(n)) for n in range(2, 4)]
        await asyncio.sleep(0.05)
        assert _on_disk(path) == 0  # the thread holds the first; the second waits
        gate.set()
        await store.announced()  # the newest: both batches
        assert _on_disk(path) == 4
        assert [r.id for r in heard] == first + second

    asyncio.run(scenario())
    store.close()


def test_a_batch_that_cannot_be_committed_fails_its_waiters_not_the_next(tmp_path):
    from ocpp_studio.capture import writer

    store = CaptureStore(tmp_path / "c.db")
    real_commit = writer.BatchWriter._commit
    failures = iter([sqlite3.OperationalError("disk I/O error")])

    def failing_once(self, batch):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        real_commit(self, batch)

    async def scenario():
        store._writer._commit = failing_once.__get__(store._writer)
        store.record_frame_grouped(_call(1))
        with pytest.raises(sqlite3.OperationalError):
            await store.committed()  # the answer to that CALL never leaves
        later = store.record_frame_grouped(_call(2))
        await store.committed()
        return later

    later = asyncio.run(scenario())
    assert [f.id for f in store.frames()] == [later]  # the failed batch is not there
    store.close()


def test_a_plain_record_waits_for_the_batch_in_the_thread(tmp_path):
    """record_frame commits before it returns, after the writer's batch (id order)."""
    path = tmp_path / "c.db"
    store = CaptureStore(path)

    async def scenario():
        grouped = store.record_frame_grouped(_call(1))
        await asyncio.sleep(0)  # handed to the thread
        plain = store.record_frame(_call(2))
        assert _on_disk(path) == 2  # both, at once
        return grouped, plain

    grouped, plain = asyncio.run(scenario())
    assert [f.id for f in store.frames()] == [grouped, plain]
    store.close()


def test_an_answer_leaves_before_the_observers_of_its_commit_run(tmp_path):
    """What a charger waits for is the commit, not the live log: the CALLRESULT is sent
    before any observer of the capture hears of the CALL or the answer (announcer.py)."""
    from ocpp_studio.core.rpc import RpcEndpoint
    from ocpp_studio.core.versions import OcppVersion

    store = CaptureStore(tmp_path / "c.db")
    events = []
    store.recorded.connect(lambda record: events.append(f"heard {record.message_type}"))

    async def send(text):
        events.append(f"sent {text[:2]}")

    async def scenario():
        csms = RpcEndpoint(version=OcppVersion.V16, role="csms", charger_id="CP1", send=send,
                           recorder=store, handler=lambda a, p: {"currentTime": "2026-01-01T00:00:00Z"})
        await csms.receive('[2,"h1","Heartbeat",{}]')
        await store.announced()

    asyncio.run(scenario())
    assert events == ["sent [3", "heard 2", "heard 3"]
    assert [f.message_type for f in store.frames()] == [2, 3]
    store.close()


def test_rows_are_announced_once_in_commit_order_across_plain_records_and_observers(tmp_path):
    """A plain record_frame between a grouped commit and its announcement announces the
    grouped rows first; an observer that records (add_problem) does not reorder or repeat."""
    store = CaptureStore(tmp_path / "c.db")
    heard = []

    def observer(record):
        heard.append(record.id)
        if record.id == 1:  # e.g. the meter parser noting bad meter data
            store.add_problem(record.id, "meter data: no value")

    store.recorded.connect(observer)

    async def scenario():
        first = store.record_frame_grouped(_call(1))
        await store.committed()  # durable, not announced yet
        assert heard == []
        second = store.record_frame(_call(2))  # plain: returns announced
        assert heard == [first, second]
        third = store.record_frame_grouped(_call(3))
        await store.announced()
        assert heard == [first, second, third]

    asyncio.run(scenario())
    assert "no value" in store.frame(1).problem
    store.close()


def test_relayed_frames_are_committed_together_and_a_read_sees_them_at_once(tmp_path):
    """The proxy's frames are durable in the journal when recorded and committed with the
    others of the next ~50 ms (relaying.COMMIT_DELAY_S); a read on the recording thread
    meanwhile commits them first, so what was recorded is what is read."""
    path = tmp_path / "c.db"
    store = CaptureStore(path)
    heard = []
    store.recorded.connect(heard.append)

    async def scenario():
        recorder = store.relay_recorder()
        first = recorder.record_frame(_call(1))
        await asyncio.sleep(0)  # a later turn: the same batch still collects frames
        second = recorder.record_frame(_call(2))
        await asyncio.sleep(0.01)
        assert _on_disk(path) == 0 and heard == []  # in the journal, not committed yet
        assert [f.id for f in store.frames()] == [first, second]  # read your writes
        assert _on_disk(path) == 2 and [r.id for r in heard] == [first, second]
        third = recorder.record_frame(_call(3))
        await store.announced()  # without a read: committed after the delay
        assert _on_disk(path) == 3 and heard[-1].id == third

    asyncio.run(scenario())
    store.close()


def test_a_charger_answered_by_the_studio_does_not_wait_for_the_proxys_commit_delay(tmp_path):
    """The studio's own CSMS and its proxy can share one capture: a CALL recorded for an
    answer joins the proxy's pending batch, which then goes to the writer after this turn,
    not after relaying.COMMIT_DELAY_S."""
    path = tmp_path / "c.db"
    store = CaptureStore(path)

    async def scenario():
        store.relay_recorder().record_frame(_call(1))  # the proxy's: committed within 50 ms
        await asyncio.sleep(0)
        assert store._pending is not None  # noqa: SLF001 - still collecting relayed frames
        store.record_frame_grouped(_call(2))  # the CSMS's: an answer waits for it
        await asyncio.sleep(0)  # the end of this turn
        assert store._pending is None  # noqa: SLF001 - handed to the writer already
        await store.committed()

    asyncio.run(scenario())
    assert _on_disk(path) == 2
    store.close()
