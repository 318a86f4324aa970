"""Frame counts (schema 4, issue 17): the inspector's count of a filter on chargers,
actions, direction and message types is a sum over them plus the newest frames not yet
counted, always equal to a count of the frames themselves, whichever way they were written."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3

from ocpp_studio.capture import counts, text_index
from ocpp_studio.capture.query import FrameFilter, FrameIndex
from ocpp_studio.capture.schema import SCHEMA_VERSION
from ocpp_studio.capture.store import _DDL, _DDL_V2, CaptureStore
from ocpp_studio.core.records import Direction, FrameRecord

CHARGERS = ("CP1", "CP'2", "NULL")
ACTIONS = ("Heartbeat", "", None, "NULL")


def _frames(n: int) -> list[FrameRecord]:
    out = []
    for i in range(n):
        action = ACTIONS[i % len(ACTIONS)]
        kind = (2, 3, 4, None)[i % 4]
        out.append(FrameRecord(CHARGERS[i % 3], (Direction.TO_CSMS, Direction.TO_CHARGER)[i % 2],
                               f'[{kind or 9},"u{i}"]', message_type=kind, unique_id=f"u{i}",
                               action=action))
    return out


def _by_scan(db: sqlite3.Connection) -> dict:
    """The frames up to the counted mark, counted one by one."""
    return {tuple(r[:4]): r[4] for r in db.execute(
        "SELECT charger, direction, action, message_type, COUNT(*) FROM frames "
        "WHERE id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?) "
        "GROUP BY charger, direction, action, message_type", (counts.COUNTED_KEY,))}


def _by_table(db: sqlite3.Connection) -> dict:
    return {tuple(r[:4]): r[4] for r in db.execute(
        "SELECT charger, direction, action, message_type, frames FROM frame_counts "
        "WHERE frames > 0")}


def _filters() -> list[FrameFilter]:
    out = [FrameFilter()]
    for chargers, actions, direction, types in itertools.product(
            (frozenset(), frozenset({"CP1"}), frozenset({"CP'2", "NULL"})),
            (frozenset(), frozenset({""}), frozenset({"NULL", "Heartbeat"})),
            (None, Direction.TO_CHARGER),
            (frozenset(), frozenset({4}), frozenset({2, 3}))):
        out.append(FrameFilter(chargers=chargers, actions=actions, direction=direction,
                               message_types=types))
    return out


def _check(store: CaptureStore, monkeypatch) -> None:
    db = store._db
    assert _by_table(db) == _by_scan(db)
    monkeypatch.setattr(FrameIndex, "BLOCK", 2)
    monkeypatch.setattr(FrameIndex, "EAGER", 6)
    for f in _filters():
        where, params = f.where(db)
        expected = [r[0] for r in db.execute(f"SELECT id FROM frames WHERE {where} "
                                             "ORDER BY id", params)]
        index = FrameIndex(store, f)
        assert len(index) == len(expected), f
        assert [index.id_at(row) for row in range(len(index))] == expected, f


def test_counts_follow_every_way_of_recording(tmp_path, monkeypatch):
    store = CaptureStore(tmp_path / "c.db")
    assert store.schema_version == SCHEMA_VERSION == 4 and counts.available(store._db)
    frames = _frames(120)
    for record in frames[:40]:
        store.record_frame(record)
    with store.bulk_import():
        for record in frames[40:80]:
            store.record_frame(record)

    async def grouped():
        for record in frames[80:]:
            store.record_frame_grouped(record)
        await store.committed()

    asyncio.run(grouped())
    assert store.count_frames() == 120
    assert _counted_to(store) < 120  # the newest are counted at query time
    _check(store, monkeypatch)
    monkeypatch.setattr(counts, "BATCH", 100)
    for record in _frames(text_index.BATCH + 5):  # counted with the text index's batch
        store.record_frame(record)
    assert 120 < _counted_to(store) < store.count_frames()
    _check(store, monkeypatch)
    store.set_call_state(frames[0].id, "timeout")  # a state change is not a new frame
    _check(store, monkeypatch)
    store.close()
    again = CaptureStore(tmp_path / "c.db")
    _check(again, monkeypatch)
    again.close()


def _counted_to(store: CaptureStore) -> int:
    return int(store._db.execute("SELECT value FROM meta WHERE key = ?",
                                 (counts.COUNTED_KEY,)).fetchone()[0])


def test_an_older_capture_is_counted_when_opened(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # schema 2, as written before the text index
        db.executescript(_DDL + _DDL_V2)
        db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        db.executemany(
            "INSERT INTO frames (ts_us, charger, direction, message_type, action, raw) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(n, r.charger, r.direction.value, r.message_type, r.action, r.raw)
             for n, r in enumerate(_frames(90))])
    store = CaptureStore(path)
    assert store.schema_version == SCHEMA_VERSION and counts.available(store._db)
    _check(store, monkeypatch)
    for record in _frames(7):
        store.record_frame(record)
    _check(store, monkeypatch)
    store.close()
    again = CaptureStore(path)  # counted once, not again; the 7 newest at query time
    assert sum(_by_table(again._db).values()) == 90 and _counted_to(again) == 90
    _check(again, monkeypatch)
    again.close()


def test_a_file_of_schema_3_read_only_is_counted_through_its_indexes(tmp_path, monkeypatch):
    """A read-only reader cannot upgrade a file: the count falls back to the indexes."""
    path = tmp_path / "v3.db"
    store = CaptureStore(path)
    for record in _frames(60):
        store.record_frame(record)
    store._db.executescript("DROP TABLE frame_counts; DELETE FROM meta WHERE key = 'counts_to';"
                            "UPDATE meta SET value = '3' WHERE key = 'schema_version';")
    store.close()
    reader = CaptureStore(path, read_only=True)
    assert not counts.available(reader._db)
    monkeypatch.setattr(FrameIndex, "BLOCK", 2)
    monkeypatch.setattr(FrameIndex, "EAGER", 6)
    for f in _filters():
        where, params = f.where(reader._db)
        expected = [r[0] for r in reader._db.execute(
            f"SELECT id FROM frames WHERE {where} ORDER BY id", params)]
        index = FrameIndex(reader, f)
        assert [index.id_at(row) for row in range(len(index))] == expected, f
    reader.close()


def test_a_file_counted_by_triggers_goes_over_to_batches(tmp_path, monkeypatch):
    """Files written by commit ab5e810 kept the counts with triggers, exact, without a mark."""
    path = tmp_path / "t.db"
    store = CaptureStore(path)
    store._db.executescript(
        "DELETE FROM meta WHERE key = 'counts_to';"
        "CREATE TRIGGER frame_counts_insert AFTER INSERT ON frames BEGIN INSERT INTO "
        "frame_counts VALUES (quote(new.charger) || ',' || quote(new.direction) || ',' || "
        "quote(new.action) || ',' || quote(new.message_type), new.charger, new.direction, "
        "new.action, new.message_type, 1) ON CONFLICT (key) DO UPDATE SET frames = frames + 1;"
        "END; CREATE TRIGGER frame_counts_delete AFTER DELETE ON frames BEGIN SELECT 1; END;")
    store._db.executemany(
        "INSERT INTO frames (ts_us, charger, direction, message_type, action, raw) "
        "VALUES (0, ?, ?, ?, ?, ?)",
        [(r.charger, r.direction.value, r.message_type, r.action, r.raw) for r in _frames(30)])
    store._text_indexed_to = None  # as that version's store: nothing indexed at close
    store.close()
    again = CaptureStore(path)
    assert again._db.execute("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger' "
                             "AND name LIKE 'frame_counts%'").fetchone()[0] == 0
    assert _counted_to(again) == 30
    _check(again, monkeypatch)
    again.record_frame(_frames(1)[0])
    _check(again, monkeypatch)
    again.close()
