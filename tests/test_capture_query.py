"""Inspector queries over a real SQLite capture: filters, paging, pairing, problems, migration."""

from __future__ import annotations

import itertools
import json
import random
import sqlite3

import pytest

from ocpp_studio.capture.query import (FrameCache, FrameFilter, FrameIndex, counterpart,
                                       distinct_actions, distinct_chargers, next_problem_row,
                                       time_bounds)
from ocpp_studio.capture.store import SCHEMA_VERSION, CallStateChanged, CaptureStore
from ocpp_studio.core.records import ConnectionEvent, Direction, FrameRecord

T0 = 1_780_000_000_000_000
ACTIONS = ["Heartbeat", "StatusNotification", "MeterValues", "BootNotification", "Authorize"]
CHARGERS = ["CP1", "CP2", "Wall_Box%3"]


def _records(count: int = 400, seed: int = 3) -> list[FrameRecord]:
    """CALLs with answers, plus CALLERRORs, violations, timeouts, late answers, junk."""
    rng = random.Random(seed)
    out: list[FrameRecord] = []
    ts = T0
    while len(out) < count:
        ts += rng.randint(1, 5_000_000)
        charger = rng.choice(CHARGERS)
        action = rng.choice(ACTIONS)
        uid = f"u{len(out)}"
        word = rng.choice(["Charging", "charging", "Available", "50% off", "x_y"])
        call = FrameRecord(charger, Direction.TO_CSMS,
                           json.dumps([2, uid, action, {"status": word}]), ts_us=ts,
                           connection_id=1, message_type=2, unique_id=uid, action=action,
                           valid=True, state="pending")
        kind = rng.random()
        if kind < 0.05:  # unreadable frame
            out.append(FrameRecord(charger, Direction.TO_CSMS, "not json " + word, ts_us=ts,
                                   problem="Not JSON"))
            continue
        if kind < 0.1:
            call.valid, call.problem = False, "status must be one of ..."
            call.violations = [{"path": "$.status", "message": "bad", "rule": "enum"}]
        out.append(call)
        if kind > 0.93:  # timed out, perhaps with a late answer
            call.state = "timeout"
            if kind > 0.96:
                out.append(FrameRecord(charger, Direction.TO_CHARGER, json.dumps([3, uid, {}]),
                                       ts_us=ts + 40_000_000, message_type=3, unique_id=uid,
                                       action=action, pair_id=-1, state="late",
                                       problem="Late answer"))
            continue
        if kind > 0.88:
            call.state = "error"
            out.append(FrameRecord(charger, Direction.TO_CHARGER,
                                   json.dumps([4, uid, "NotSupported", "no", {}]),
                                   ts_us=ts + 1000, message_type=4, unique_id=uid, action=action,
                                   error_code="NotSupported", pair_id=-1, state="error"))
            continue
        call.state = "answered"
        out.append(FrameRecord(charger, Direction.TO_CHARGER, json.dumps([3, uid, {}]),
                               ts_us=ts + 2000, message_type=3, unique_id=uid, action=action,
                               pair_id=-1, latency_ms=2.0, state="answered"))
    return out


def _fill(store: CaptureStore, records: list[FrameRecord]) -> list[FrameRecord]:
    calls: dict[str, int] = {}
    for record in records:
        if record.pair_id == -1:
            record.pair_id = calls[record.unique_id or ""]
        store.record_frame(record)
        if record.message_type == 2:
            calls[record.unique_id or ""] = record.id or 0
    return records


@pytest.fixture
def filled(tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    records = _fill(store, _records())
    yield store, records
    store.close()


def _expected(records: list[FrameRecord], f: FrameFilter) -> list[int]:
    """Independent of query.py: the filter's meaning spelled out on the records."""
    out = []
    for r in records:
        if f.chargers and r.charger not in f.chargers:
            continue
        if f.actions and r.action not in f.actions:
            continue
        if f.direction and r.direction is not f.direction:
            continue
        if f.message_types and r.message_type not in f.message_types:
            continue
        if f.problems_only and not (r.problem or r.message_type == 4 or
                                    r.state in {"timeout", "lost", "late", "unmatched"}):
            continue
        if f.text and f.text.lower() not in r.raw.lower():
            continue
        if f.since_us is not None and r.ts_us < f.since_us:
            continue
        if f.until_us is not None and r.ts_us > f.until_us:
            continue
        out.append(r.id)
    return out


def _filters(records: list[FrameRecord]) -> list[FrameFilter]:
    mid = records[len(records) // 2].ts_us
    late = records[3 * len(records) // 4].ts_us
    return [
        FrameFilter(),
        FrameFilter(chargers=frozenset({"CP1"})),
        FrameFilter(chargers=frozenset({"CP1", "Wall_Box%3"})),
        FrameFilter(actions=frozenset({"Heartbeat"})),
        FrameFilter(actions=frozenset({"Heartbeat", "BootNotification"})),
        FrameFilter(direction=Direction.TO_CHARGER),
        FrameFilter(direction=Direction.TO_CSMS),
        FrameFilter(message_types=frozenset({4})),
        FrameFilter(message_types=frozenset({2, 3})),
        FrameFilter(problems_only=True),
        FrameFilter(text="CHARGING"),
        FrameFilter(text="50%"),  # LIKE wildcards are literal
        FrameFilter(text="x_y"),
        FrameFilter(text="nowhere at all"),
        FrameFilter(since_us=mid),
        FrameFilter(until_us=mid),
        FrameFilter(since_us=mid, until_us=late),
        FrameFilter(chargers=frozenset({"CP2"}), actions=frozenset({"StatusNotification"}),
                    direction=Direction.TO_CSMS),
        FrameFilter(problems_only=True, direction=Direction.TO_CHARGER),
        FrameFilter(problems_only=True, chargers=frozenset({"CP1"}), text="u"),
        FrameFilter(message_types=frozenset({3}), text="u1", since_us=mid),
        FrameFilter(chargers=frozenset({"CP1", "CP2"}), actions=frozenset({"Authorize"}),
                    message_types=frozenset({2, 4}), problems_only=True, text="charging",
                    since_us=records[5].ts_us, until_us=late, direction=Direction.TO_CSMS),
    ]


def test_every_filter_alone_and_combined(filled):
    store, records = filled
    for f in _filters(records):
        index = FrameIndex(store, f)
        expected = _expected(records, f)
        assert [index.id_at(row) for row in range(len(index))] == expected, f
        assert all(index.matches(r) == (r.id in set(expected)) for r in records), f
        if expected:
            assert index.row_of(expected[-1]) == len(expected) - 1
    assert FrameFilter().is_empty() and not FrameFilter(text="x").is_empty()


def test_large_results_are_read_a_block_at_a_time(filled, monkeypatch):
    """A broad filter is counted and only the blocks of rows needed are read (issue 17);
    every answer stays that of the whole query."""
    store, records = filled
    monkeypatch.setattr(FrameIndex, "BLOCK", 4)
    monkeypatch.setattr(FrameIndex, "EAGER", 16)
    broad = FrameFilter(direction=Direction.TO_CHARGER)
    expected = _expected(records, broad)
    assert len(expected) > 60
    index = FrameIndex(store, broad)
    blocks = index._blocks
    assert blocks is not None and len(index) == len(expected)
    assert blocks.known[0] and blocks.known[-1] and not blocks.known[1:-2].any()
    assert [index.id_at(r) for r in (0, 3, len(expected) - 5, len(expected) - 1)] == \
        [expected[0], expected[3], expected[-5], expected[-1]]
    assert index.row_of(expected[2]) == 2 and index.row_of(expected[-2]) == len(expected) - 2
    assert index.row_of(expected[0] - 1) is None
    assert index.id_at(21) == expected[21] and blocks.known[5] and not blocks.known[6]
    # a frame in rows not read yet: its row is counted, its block read
    assert index.row_of(expected[41]) == 41 and blocks.known[10] and not blocks.known[9]
    others = [r.id for r in records if r.id not in set(expected)]
    assert all(index.row_of(i) is None for i in others)
    assert index.id_at(38) == expected[38]  # read backwards from the block after
    assert index.ids().tolist() == expected and index._blocks is None  # all read
    for f in _filters(records):  # every filter, the lazy ones and the others
        index = FrameIndex(store, f)
        want = _expected(records, f)
        for probe in range(0, len(want), 7):
            assert index.row_of(want[probe]) == probe, f
        assert [index.id_at(row) for row in range(len(index))] == want, f


def test_large_result_live_rows_and_exports_before_the_middle_is_read(filled, monkeypatch):
    store, records = filled
    monkeypatch.setattr(FrameIndex, "BLOCK", 4)
    monkeypatch.setattr(FrameIndex, "EAGER", 16)
    f = FrameFilter(direction=Direction.TO_CSMS)
    index = FrameIndex(store, f)
    assert index._blocks is not None
    live = FrameRecord("CP1", Direction.TO_CSMS, '[2,"z","Heartbeat",{}]', message_type=2,
                       unique_id="z", action="Heartbeat", state="pending")
    store.record_frame(live)
    index.append_id(live.id)
    assert index.row_of(live.id) == len(index) - 1 and index._blocks is not None
    _fill(store, [FrameRecord("CP2", Direction.TO_CSMS, "junk", problem="Not JSON")])
    assert index.refresh() == 1 and index._blocks is not None
    everything = records + [live, *store.frames(charger="CP2", newest_first=True, limit=1)]
    assert index.ids().tolist() == _expected(everything, f)
    # frames deleted under a lazy index (the studio never does): read again, no wrong rows
    lazy = FrameIndex(store, f)
    gone = int(store._db.execute(
        "SELECT id FROM frames WHERE direction = 'to_csms' ORDER BY id "
        "LIMIT 1 OFFSET 9").fetchone()[0])
    store._db.execute("DELETE FROM frames WHERE id = ?", (gone,))
    assert lazy.id_at(9) != gone and lazy.row_of(gone) is None
    assert lazy.ids().tolist() == [i for i in _expected(everything, f) if i != gone]


def test_a_large_result_not_in_id_order_is_read_at_once(filled, monkeypatch):
    """Several chargers come from their index in charger order: every block would sort
    them all, so the ids are read in one go."""
    store, records = filled
    monkeypatch.setattr(FrameIndex, "BLOCK", 4)
    monkeypatch.setattr(FrameIndex, "EAGER", 16)
    f = FrameFilter(chargers=frozenset({"CP1", "CP2"}))
    index = FrameIndex(store, f)
    assert index._blocks is None
    assert [index.id_at(row) for row in range(len(index))] == _expected(records, f)


def test_problems_drive_a_filter_they_are_part_of(filled):
    """Problems-only with a charger, action or type reads the problems' partial index,
    not every frame of that action or type (issue 17: CALLs + problems took 440 ms on
    1M frames)."""
    store, _ = filled
    for f in (FrameFilter(problems_only=True, actions=frozenset({"Heartbeat"})),
              FrameFilter(problems_only=True, message_types=frozenset({2})),
              FrameFilter(problems_only=True, chargers=frozenset({"CP1", "CP2"}),
                          direction=Direction.TO_CSMS)):
        where, params = f.where(store._db)
        plan = " ".join(str(r) for r in store._db.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM frames WHERE {where}", params))
        assert "frames_problems" in plan, (f, plan)


def test_unreadable_frames_have_no_type_and_no_action(filled):
    store, records = filled
    junk = [r.id for r in records if r.message_type is None]
    assert junk
    everything = FrameIndex(store)
    typed = FrameIndex(store, FrameFilter(message_types=frozenset({2, 3, 4})))
    assert len(everything) == len(records) == len(typed) + len(junk)
    assert typed.row_of(junk[0]) is None
    assert distinct_actions(store) == sorted(ACTIONS)
    assert distinct_chargers(store) == sorted(CHARGERS)
    assert time_bounds(store) == (min(r.ts_us for r in records), max(r.ts_us for r in records))


def test_empty_store(tmp_path):
    store = CaptureStore(tmp_path / "e.db")
    index = FrameIndex(store)
    assert len(index) == 0 and index.row_of(1) is None
    assert time_bounds(store) is None and distinct_chargers(store) == []
    assert next_problem_row(index, FrameCache(store), -1) is None
    with pytest.raises(IndexError):
        index.id_at(0)
    store.record_frame(FrameRecord("CP", Direction.TO_CSMS, "junk", problem="Not JSON"))
    assert index.refresh() == 1 and index.id_at(0) == 1


def test_index_with_gaps_in_ids(tmp_path):
    store = CaptureStore(tmp_path / "g.db")
    _fill(store, _records(50))
    store._db.execute("DELETE FROM frames WHERE id % 7 = 0")
    remaining = [r[0] for r in store._db.execute("SELECT id FROM frames ORDER BY id")]
    index = FrameIndex(store)
    assert [index.id_at(i) for i in range(len(index))] == remaining
    assert index.row_of(7) is None


def test_live_refresh_and_append(filled):
    store, records = filled
    f = FrameFilter(actions=frozenset({"Heartbeat"}))
    index = FrameIndex(store, f)
    before = len(index)
    assert index.refresh() == 0
    more = _records(60, seed=9)
    for r in more:
        r.pair_id = None
    _fill(store, more)
    added = index.refresh()
    assert added == len([r for r in more if r.action == "Heartbeat"])
    assert len(index) == before + added
    assert [index.id_at(i) for i in range(len(index))] == _expected(records + more, f)

    # live rows without a query: append what matches, then a refresh adds nothing twice
    live = FrameRecord("CP1", Direction.TO_CSMS, '[2,"z","Heartbeat",{}]', message_type=2,
                       unique_id="z", action="Heartbeat", state="pending")
    other = FrameRecord("CP1", Direction.TO_CSMS, '[2,"y","Authorize",{}]', message_type=2,
                        unique_id="y", action="Authorize", state="pending")
    for record in (live, other):
        store.record_frame(record)
        if index.matches(record):
            index.append_id(record.id)
    assert index.id_at(len(index) - 1) == live.id and not index.matches(other)
    assert index.refresh() == 0
    assert index.row_of(live.id) == len(index) - 1
    with pytest.raises(ValueError):
        index.append_id(live.id)
    with store.bulk_import():  # one transaction for speed
        for _ in range(3000):  # growth past the initial capacity
            r = FrameRecord("CP9", Direction.TO_CSMS, '[2,"h","Heartbeat",{}]',
                            message_type=2, action="Heartbeat")
            store.record_frame(r)
            index.append_id(r.id)
    assert len(index) == len(_expected(records + more + [live], f)) + 3000
    assert index.refresh() == 0


def test_insert_id_when_a_call_becomes_a_problem(filled):
    store, records = filled
    index = FrameIndex(store, FrameFilter(problems_only=True))
    call = next(r for r in records if r.message_type == 2 and r.state == "answered")
    seen: list = []
    store.call_state_changed.connect(seen.append)
    store.set_call_state(call.id, "timeout")
    assert seen == [CallStateChanged(call.id, "timeout")]
    row = index.insert_id(call.id)
    assert row is not None and index.id_at(row) == call.id
    assert index.insert_id(call.id) is None
    assert [index.id_at(i) for i in range(len(index))] == \
        [r[0] for r in store._db.execute(
            "SELECT id FROM frames WHERE problem IS NOT NULL OR message_type = 4 OR state IN "
            "('timeout', 'lost', 'late', 'unmatched') ORDER BY id")]


def test_call_states_come_on_their_own_signal(tmp_path):
    store = CaptureStore(tmp_path / "l.db")
    plain, states = [], []
    store.recorded.connect(plain.append)
    store.recorded.connect(states.append)
    store.call_state_changed.connect(states.append)
    call = FrameRecord("CP", Direction.TO_CHARGER, '[2,"a","Reset",{}]', message_type=2,
                       unique_id="a", action="Reset", state="pending")
    store.record_frame(call)
    answer = FrameRecord("CP", Direction.TO_CSMS, '[3,"a",{}]', message_type=3, unique_id="a",
                         action="Reset", pair_id=call.id, state="answered")
    store.record_response(answer, "answered")
    store.set_call_state(call.id, "lost")
    store.record_event(ConnectionEvent("CP", "connected"))
    assert [type(r).__name__ for r in plain] == ["FrameRecord", "FrameRecord",
                                                 "ConnectionEvent"]
    assert states[:3] == [call, answer, CallStateChanged(call.id, "answered")]
    assert states[3] == CallStateChanged(call.id, "lost")
    store.recorded.disconnect(states.append)
    store.call_state_changed.disconnect(states.append)
    store.set_call_state(call.id, "timeout")
    assert len(states) == 5
    store.close()


def test_frame_cache_pages_and_invalidate(filled):
    store, records = filled
    cache = FrameCache(store, page_size=16, max_pages=3)
    first = cache.get(records[0].id)
    assert first is not None and first.raw == records[0].raw and cache.fetches == 1
    assert first.violations == records[0].violations
    for r in records[:16]:
        got = cache.get(r.id)
        assert got is not None and (got.id, got.raw, got.state) == (r.id, r.raw, r.state)
    assert cache.fetches == 2  # ids 1..15 are page 0, id 16 page 1
    for r in records[16:200]:
        assert cache.get(r.id).raw == r.raw
    assert len(cache) == 3  # bounded
    assert cache.get(10_000_000) is None
    call = next(r for r in records if r.message_type == 2 and r.state == "answered")
    before = cache.get(call.id)
    assert before.state == "answered"
    store.set_call_state(call.id, "lost")
    assert cache.get(call.id).state == "answered"  # cached until told
    cache.invalidate(call.id)
    assert cache.get(call.id).state == "lost"
    cache.invalidate()
    assert len(cache) == 0


def test_frame_cache_sees_live_rows_on_a_partial_page(tmp_path):
    store = CaptureStore(tmp_path / "p.db")
    cache = FrameCache(store, page_size=256)
    store.record_frame(FrameRecord("CP", Direction.TO_CSMS, "one"))
    assert cache.get(1).raw == "one" and cache.get(2) is None
    store.record_frame(FrameRecord("CP", Direction.TO_CSMS, "two"))
    assert cache.get(2).raw == "two"


def test_counterpart_both_ways_and_late_answers(filled):
    store, records = filled
    by_id = {r.id: r for r in records}
    for r in records:
        if r.message_type == 2:
            answers = [a for a in records if a.pair_id == r.id]
            other = counterpart(store, r)
            if not answers:
                assert other is None
            else:
                assert other is not None and other.id == answers[0].id
        elif r.pair_id is not None:
            assert counterpart(store, r).id == by_id[r.pair_id].id
        else:
            assert counterpart(store, r) is None
    # A call answered late and then again in time: the in-time answer wins.
    call = next(r for r in records if r.state == "timeout" and
                any(a.pair_id == r.id for a in records))
    late = counterpart(store, call)
    assert late.state == "late" and counterpart(store, late).id == call.id
    store.record_frame(FrameRecord(call.charger, Direction.TO_CHARGER, "[3,\"again\",{}]",
                                   message_type=3, action=call.action, pair_id=call.id,
                                   state="answered"))
    assert counterpart(store, call).state == "answered"


def test_next_problem_row(filled):
    store, records = filled
    cache = FrameCache(store)
    for f in (FrameFilter(), FrameFilter(chargers=frozenset({"CP2"})),
              FrameFilter(direction=Direction.TO_CHARGER), FrameFilter(problems_only=True)):
        index = FrameIndex(store, f)
        ids = [index.id_at(i) for i in range(len(index))]
        problem_rows = [i for i, fid in enumerate(ids)
                        if _expected([r for r in records if r.id == fid],
                                     FrameFilter(problems_only=True))]
        assert problem_rows
        assert next_problem_row(index, cache, -1) == problem_rows[0]
        assert next_problem_row(index, cache, len(index), forward=False) == problem_rows[-1]
        for row in (0, problem_rows[0], len(index) // 2):
            after = [p for p in problem_rows if p > row]
            before = [p for p in problem_rows if p < row]
            assert next_problem_row(index, cache, row) == (after[0] if after else None)
            assert next_problem_row(index, cache, row, forward=False) == \
                (before[-1] if before else None)
        assert next_problem_row(index, cache, problem_rows[-1]) is None
        assert next_problem_row(index, cache, problem_rows[0], forward=False) is None
    # a problem in the database that the index does not hold yet is stepped over
    index = FrameIndex(store, FrameFilter(problems_only=True))
    first_rows = [index.id_at(0), index.id_at(1)]
    calm = next(r for r in records if r.state == "answered" and first_rows[0] < r.id < first_rows[1]) \
        if any(r.state == "answered" and first_rows[0] < r.id < first_rows[1] for r in records) \
        else None
    if calm is not None:
        store.set_call_state(calm.id, "timeout")
        assert next_problem_row(index, cache, 0) == 1


# ------------------------------------------------------------------ migration
# The DDL of schema version 1, exactly as store.py had it before version 2.
V1_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frames (
    id INTEGER PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    charger TEXT NOT NULL,
    connection_id INTEGER,
    direction TEXT NOT NULL,
    message_type INTEGER,
    unique_id TEXT,
    action TEXT,
    valid INTEGER,
    violations TEXT,
    problem TEXT,
    error_code TEXT,
    pair_id INTEGER,
    latency_ms REAL,
    state TEXT,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS frames_charger ON frames (charger, id);
CREATE INDEX IF NOT EXISTS frames_action ON frames (action, id);
CREATE INDEX IF NOT EXISTS frames_ts ON frames (ts_us);
CREATE INDEX IF NOT EXISTS frames_pair ON frames (pair_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    charger TEXT NOT NULL,
    connection_id INTEGER,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_charger ON events (charger, id);
"""


def test_migration_from_schema_1(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(V1_DDL)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.executemany(
        "INSERT INTO frames (ts_us, charger, connection_id, direction, message_type, unique_id, "
        "action, valid, violations, problem, error_code, pair_id, latency_ms, state, raw) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(T0, "OLD1", 1, "to_csms", 2, "a", "Heartbeat", 1, None, None, None, None, None,
          "timeout", '[2,"a","Heartbeat",{}]'),
         (T0 + 1, "OLD1", 1, "to_csms", None, None, None, None, None, "Not JSON", None, None,
          None, None, "garbage")])
    db.execute("INSERT INTO events (ts_us, charger, connection_id, kind, detail) "
               "VALUES (?, 'OLD1', 1, 'connected', '{}')", (T0 - 5,))
    db.commit()
    db.close()

    store = CaptureStore(path)
    assert store.schema_version == SCHEMA_VERSION == 4  # 4: frame counts (issue 17)
    indexes = {r[0] for r in store._db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"frames_type", "frames_direction", "frames_problems", "frames_charger"} <= indexes
    assert [f.raw for f in store.frames()] == ['[2,"a","Heartbeat",{}]', "garbage"]
    assert len(store.events()) == 1
    assert len(FrameIndex(store, FrameFilter(problems_only=True))) == 2
    plan = " ".join(str(r) for r in store._db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM frames WHERE "
        + FrameFilter(problems_only=True).where()[0]))
    assert "frames_problems" in plan
    store.record_frame(FrameRecord("OLD1", Direction.TO_CSMS, "new"))
    store.close()
    again = CaptureStore(path)  # opening again changes nothing
    assert again.schema_version == 4 and again.count_frames() == 3
    again.close()


def test_store_frames_query_unchanged(filled):
    """The control API's FrameQuery keeps its meaning on the new schema."""
    store, records = filled
    got = store.frames(charger="CP1", problems_only=True, limit=10_000)
    assert [r.id for r in got] == _expected(records, FrameFilter(chargers=frozenset({"CP1"}),
                                                                  problems_only=True))
    newest = store.frames(direction=Direction.TO_CHARGER, newest_first=True, limit=3)
    assert [r.id for r in newest] == list(itertools.islice(
        reversed(_expected(records, FrameFilter(direction=Direction.TO_CHARGER))), 3))
