"""When the newest frames go into the free-text index (text_tail.py, issue 17): between
the writer's batches, not inside the commit an answer waits for; inline only as a
backstop, and on the caller's thread as before."""

import sqlite3

from ocpp_studio.capture import text_index, text_tail
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.capture.text_tail import TailIndexer
from ocpp_studio.core.records import Direction, FrameRecord


def _capture(tmp_path, frames: int) -> sqlite3.Connection:
    """A capture file with ``frames`` frames, none of them in the text index yet."""
    store = CaptureStore(tmp_path / "c.db")
    store.close()
    db = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    db.executemany("INSERT INTO frames (id, ts_us, connection_id, charger, direction, raw) "
                   "VALUES (?, 0, 1, 'CP1', 'to_csms', ?)",
                   [(n, f'[2,"m{n}","Heartbeat",{{}}]') for n in range(1, frames + 1)])
    return db


def test_a_batch_in_the_writer_thread_leaves_a_short_tail_to_the_steps(tmp_path):
    db = _capture(tmp_path, text_index.BATCH + 10)
    tail = TailIndexer(0)
    db.execute("BEGIN")
    tail.in_batch(db, text_index.BATCH + 10, force=False, background=True)
    db.execute("COMMIT")
    assert tail.indexed_to == 0 == text_index.indexed_to(db)  # not in the answers' commit
    gap = text_tail.GAP_S
    assert tail.step(db, quiet_for=gap) == gap  # one step, and more to do after a gap
    assert tail.indexed_to == text_tail.STEP == text_index.indexed_to(db)
    while (again := tail.step(db, quiet_for=gap)) == gap:
        pass
    assert again == text_tail.QUIET_S  # a tail shorter than a step waits for a quiet writer
    assert tail.indexed_to == (text_index.BATCH + 10) // text_tail.STEP * text_tail.STEP
    assert tail.step(db, quiet_for=text_tail.QUIET_S) is None  # quiet: the rest, and nothing left
    assert tail.indexed_to == text_index.BATCH + 10 == text_index.indexed_to(db)
    assert tail.step(db, quiet_for=text_tail.QUIET_S) is None


def test_a_tail_at_the_backstop_is_indexed_inside_the_batch(tmp_path):
    db = _capture(tmp_path, text_tail.BACKSTOP)
    tail = TailIndexer(0)
    db.execute("BEGIN")
    tail.in_batch(db, text_tail.BACKSTOP, force=False, background=True)
    db.execute("COMMIT")
    assert tail.indexed_to == text_tail.BACKSTOP == text_index.indexed_to(db)


def test_commits_on_the_callers_thread_index_every_batch_of_frames(tmp_path):
    db = _capture(tmp_path, text_index.BATCH)
    tail = TailIndexer(0)
    tail.in_batch(db, text_index.BATCH - 1, force=False, background=False)
    assert tail.indexed_to == 0
    tail.in_batch(db, text_index.BATCH, force=False, background=False)
    assert tail.indexed_to == text_index.BATCH


def test_a_step_past_ids_that_were_never_written_stops(tmp_path):
    db = _capture(tmp_path, 5)
    tail = TailIndexer(0)
    tail.in_batch(db, 500, force=False, background=True)  # a batch that then failed
    while tail.step(db, quiet_for=text_tail.QUIET_S) == text_tail.GAP_S:
        pass
    assert tail.indexed_to == 5 and tail.step(db, quiet_for=text_tail.QUIET_S) is None


def test_the_live_writer_indexes_the_tail_once_traffic_stops(tmp_path):
    """Through the real store and writer thread: frames recorded in groups (as answers
    are) end up in the index without a close."""
    import asyncio
    import time
    store = CaptureStore(tmp_path / "c.db")

    async def traffic():
        for n in range(100):
            store.record_frame_grouped(FrameRecord(charger="CP1", direction=Direction.TO_CSMS,
                                                   raw=f'[2,"t{n}","Heartbeat",{{}}]'))
            if n % 10 == 9:
                await store.committed()

    asyncio.run(traffic())
    deadline = time.monotonic() + 20
    while text_index.indexed_to(store._db) < 100:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert store._db.execute("SELECT COUNT(*) FROM frames_text WHERE frames_text MATCH "
                             "'\"Hea\"'").fetchone()[0] == 100  # in the index itself
    store.close()
