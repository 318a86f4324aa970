"""The free-text index (capture schema 3, issue 17): same results as the scan it
replaces, kept up to date on insert, and built for an older capture without losing
a frame."""

import sqlite3

from ocpp_studio.capture import text_index
from ocpp_studio.capture.query import FrameFilter, FrameIndex
from ocpp_studio.capture.store import _DDL, _DDL_V2, SCHEMA_VERSION, CaptureStore, FrameQuery
from ocpp_studio.core.records import Direction, FrameRecord

RAWS = [
    '[2,"a1","Heartbeat",{}]',
    '[2,"a2","StatusNotification",{"connectorId":1,"status":"SuspendedEVSE"}]',
    '[3,"a2",{}]',
    '[2,"a3","Authorize",{"idTag":"DEADBEEF4242"}]',
    '[2,"a4","DataTransfer",{"vendorId":"x","data":"say \\"hi\\" 100%_done ÉTÉ"}]',
    '[2,"a5","DataTransfer",{"vendorId":"x","data":"' + "suspendedevse " * 6000 + '"}]',  # long
]
NEEDLES = ["Heartbeat", "heartbeat", "SUSPENDEDevse", "SuspendedEVSE", "DEADBEEF4242", "4242",
           "EF42", '"hi"', "100%_", "%_d", "été", "ÉTÉ", "a", "a2", "nothing-like-this",
           '"a', "\\"]


def _fill(store: CaptureStore, raws=RAWS) -> None:
    for raw in raws:
        store.record_frame(FrameRecord(charger="CP1", direction=Direction.TO_CSMS, raw=raw))


def _scan_instr(store: CaptureStore, text: str) -> list[int]:
    return [r[0] for r in store._db.execute(
        "SELECT id FROM frames WHERE instr(raw, ?) > 0 ORDER BY id", (text,))]


def _scan_like(store: CaptureStore, text: str) -> list[int]:
    where, params = FrameFilter(text=text).where()  # without the db: the plain scan
    return [r[0] for r in store._db.execute(f"SELECT id FROM frames WHERE {where} ORDER BY id",
                                            params)]


def _check_same_as_scan(store: CaptureStore) -> None:
    for text in NEEDLES:
        assert [f.id for f in store.frames(FrameQuery(text=text, limit=10**6))] == _scan_instr(store, text), text
        assert FrameIndex(store, FrameFilter(text=text)).ids().tolist() == \
            _scan_like(store, text), text


def _in_index(store: CaptureStore) -> int:
    return store._db.execute("SELECT COUNT(*) FROM frames_text WHERE frames_text MATCH "
                             "'\"Hea\"'").fetchone()[0]


def test_a_new_capture_is_indexed_as_frames_arrive_and_finds_what_the_scan_finds(tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    assert store.schema_version == SCHEMA_VERSION and text_index.available(store._db)
    assert store.text_backfill is None and text_index.pending_to(store._db) == 0
    _fill(store)
    assert _in_index(store) == 0  # the newest frames wait for a batch and are scanned
    _check_same_as_scan(store)
    _fill(store, ['[2,"b","Heartbeat",{}]'] * text_index.BATCH)  # a batch is indexed
    assert text_index.indexed_to(store._db) == text_index.BATCH  # at the 256th frame
    assert _in_index(store) == 1 + text_index.BATCH - len(RAWS)  # the rest in the tail
    _check_same_as_scan(store)
    # the index is really used for 3+ characters, and the exact test still decides
    where, params = FrameFilter(text="SuspendedEVSE").where(store._db)
    assert "frames_text MATCH" in where
    assert "frames_text" not in FrameFilter(text="a2").where(store._db)[0]
    _fill(store)
    store.close()  # the last partial batch is indexed at close
    reopened = CaptureStore(tmp_path / "c.db")
    assert text_index.indexed_to(reopened._db) == reopened.count_frames()
    _check_same_as_scan(reopened)
    reopened.close()


def test_grouped_and_bulk_frames_are_indexed_too(tmp_path):
    import asyncio
    store = CaptureStore(tmp_path / "c.db")

    async def scenario():
        for n in range(text_index.BATCH + 3):
            store.record_frame_grouped(FrameRecord(charger="CP1", direction=Direction.TO_CSMS,
                                                   raw=f'[2,"g{n}","Heartbeat",{{}}]'))
        await store.committed()

    asyncio.run(scenario())
    assert _in_index(store) == text_index.BATCH + 3  # indexed with the commit of the group
    with store.bulk_import():
        _fill(store)
    assert text_index.indexed_to(store._db) == store.count_frames()
    _check_same_as_scan(store)
    store.close()


def test_an_older_capture_gets_the_index_built_without_losing_a_frame(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # a schema-2 file, as the previous version wrote it
        db.executescript(_DDL + _DDL_V2)
        db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        for n, raw in enumerate(RAWS * 300):
            db.execute("INSERT INTO frames (ts_us, charger, direction, raw) VALUES (?, ?, ?, ?)",
                       (n, f"CP{n % 7}", "to_csms", raw))
    store = CaptureStore(path)
    assert store.schema_version == SCHEMA_VERSION and store.count_frames() == len(RAWS) * 300
    assert store.text_backfill is not None
    _check_same_as_scan(store)  # correct while the backfill runs (the rest is scanned)
    assert store.text_backfill.done.wait(60)
    assert text_index.pending_to(store._db) == 0
    _fill(store, ['[2,"new","Heartbeat",{}]'])
    _check_same_as_scan(store)
    store.close()
    reopened = CaptureStore(path)
    assert reopened.text_backfill is None and reopened.count_frames() == len(RAWS) * 300 + 1
    reopened.close()


def test_results_are_right_half_way_through_the_backfill(tmp_path):
    path = tmp_path / "half.db"
    with sqlite3.connect(path) as db:
        db.executescript(_DDL + _DDL_V2)
        db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        for n, raw in enumerate(RAWS * 10):
            db.execute("INSERT INTO frames (ts_us, charger, direction, raw) VALUES (?, ?, ?, ?)",
                       (n, "CP1", "to_csms", raw))
        assert text_index.create(db, existing_frames=True)
        step = text_index.TextBackfill(str(path), chunk=25)
        db.commit()
        assert step._step(db)  # the newest 25 indexed, 35 still pending
        assert text_index.pending_to(db) == 35
    store = CaptureStore(path)
    store.text_backfill.stop()  # freeze it half way (it may have gone on a little)
    assert text_index.pending_to(store._db) < len(RAWS) * 10
    _check_same_as_scan(store)
    store.close()


def test_long_frames_are_listed_not_indexed_and_still_found(tmp_path):
    long_raw = '[2,"L","DataTransfer",{"vendorId":"x","data":"' + "q" * 70000 + 'NEEDLE"}]'
    store = CaptureStore(tmp_path / "c.db")
    _fill(store, [long_raw] + ['[2,"b","Heartbeat",{}]'] * text_index.BATCH)
    assert store._db.execute("SELECT id FROM frames_text_long").fetchall() == [(1,)]
    assert store._db.execute("SELECT COUNT(*) FROM frames_text WHERE frames_text MATCH "
                             "'\"EED\"'").fetchone()[0] == 0
    assert [f.id for f in store.frames(FrameQuery(text="NEEDLE"))] == [1]
    assert FrameIndex(store, FrameFilter(text="needle")).ids().tolist() == [1]
    store.close()
