import asyncio
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import BOOT_16, exchange, raw_charger, running_csms
from ocpp_studio.capture.jsonl import export_jsonl, import_jsonl
from ocpp_studio.capture.store import CaptureStore, FrameQuery
from ocpp_studio.core.records import Direction, FrameRecord

SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "capture-line.schema.json").read_text())


def _capture_some_traffic(store: CaptureStore) -> None:
    async def scenario():
        async with running_csms(store) as csms:
            async with raw_charger(csms.url("CP1")) as ws:
                await exchange(ws, BOOT_16)
                await exchange(ws, '[2,"h1","Heartbeat",{}]')
                await exchange(ws, "this is not json")
                await exchange(ws, '[2,"x1","StatusNotification",{"connectorId":"one"}]')
            async with raw_charger(csms.url("CP2")) as ws:
                await exchange(ws, BOOT_16)
    asyncio.run(scenario())


def test_every_frame_has_time_charger_direction_and_pairing(tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    _capture_some_traffic(store)
    frames = store.frames(charger="CP1")
    assert len(frames) == 8
    boot_call, boot_result = frames[0], frames[1]
    assert boot_call.direction.value == "to_csms" and boot_result.direction.value == "to_charger"
    assert boot_result.pair_id == boot_call.id and boot_result.latency_ms >= 0
    assert boot_call.timestamp.endswith("Z") and len(boot_call.timestamp) == 27  # µs precision
    unreadable = frames[4]
    assert unreadable.raw == "this is not json" and unreadable.message_type is None
    assert "not JSON" in unreadable.problem
    assert frames[5].unique_id == "-1" and frames[5].error_code == "FormationViolation"
    paths = {v["path"]: v["keyword"] for v in frames[6].violations}
    assert frames[6].valid is False
    assert paths["$.connectorId"] == "type" and paths["$.errorCode"] == "required"


def test_queries_filter_and_combine(tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    _capture_some_traffic(store)
    assert {f.charger for f in store.frames(action="BootNotification")} == {"CP1", "CP2"}
    assert len(store.frames(FrameQuery(charger="CP2", direction="to_charger"))) == 1
    problems = store.frames(problems_only=True)
    assert {f.charger for f in problems} == {"CP1"} and len(problems) == 4
    assert [f.unique_id for f in store.frames(text='"h1"')] == ["h1", "h1"]
    newest = store.frames(limit=1, newest_first=True)[0]
    assert newest.id == store.count_frames()


def test_capture_survives_reopening(tmp_path):
    path = tmp_path / "c.db"
    store = CaptureStore(path)
    _capture_some_traffic(store)
    count = store.count_frames()
    store.close()
    reopened = CaptureStore(path)
    assert reopened.count_frames() == count
    # new connections get new ids, not ones already used
    assert reopened.new_connection_id() > max(e.connection_id or 0 for e in reopened.events())


def test_jsonl_export_matches_schema_and_round_trips(tmp_path):
    store = CaptureStore(tmp_path / "a.db")
    _capture_some_traffic(store)
    out = tmp_path / "capture.jsonl"
    lines = export_jsonl(store, out)
    parsed = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert parsed[0]["type"] == "header" and len(parsed) == lines + 1
    for line in parsed:
        jsonschema.validate(line, SCHEMA)
    assert [p["type"] for p in parsed[1:3]] == ["event", "frame"]  # connect comes first

    target = CaptureStore(tmp_path / "b.db")
    _capture_some_traffic(target)  # merging into a database that already has frames
    before = target.count_frames()
    result = import_jsonl(target, out)
    assert result.errors == [] and result.frames == store.count_frames()
    imported = target.frames(after_id=before, limit=10_000)
    assert [f.raw for f in imported] == [f.raw for f in store.frames(limit=10_000)]
    by_id = {f.id: f for f in imported}
    results = [f for f in imported if f.pair_id is not None]
    assert results and all(f.pair_id in by_id for f in results)  # pairs re-linked


def test_import_reports_bad_lines_and_keeps_the_good_ones(tmp_path):
    good = {"type": "frame", "id": 1, "ts": "2026-01-01T00:00:00.000000Z", "ts_us": 1767225600000000,
            "charger": "CP", "direction": "to_csms", "raw": "[2,\"a\",\"Heartbeat\",{}]"}
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([json.dumps(good), "{broken", json.dumps({**good, "direction": "up"})]))
    store = CaptureStore(":memory:")
    result = import_jsonl(store, path)
    assert result.frames == 1
    assert result.errors[0].startswith("line 2: not JSON")
    assert result.errors[1].startswith("line 3:")


def test_import_tells_its_progress_and_can_be_stopped(tmp_path, monkeypatch):
    from ocpp_studio.capture import jsonl  # noqa: PLC0415
    line = {"type": "frame", "id": 1, "ts": "2026-01-01T00:00:00.000000Z",
            "ts_us": 1767225600000000, "charger": "CP", "direction": "to_csms",
            "raw": "[2,\"a\",\"Heartbeat\",{}]"}
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(json.dumps({**line, "id": n}).encode() for n in range(1, 251))
                     + b"\n\xff\xfe not utf-8\n")
    monkeypatch.setattr(jsonl, "IMPORT_CHUNK_LINES", 100)
    seen: list[tuple[int, int]] = []
    store = CaptureStore(":memory:")
    result = import_jsonl(store, path, lambda done, total: seen.append((done, total)) or True)
    assert result.frames == 250 and result.errors == ["line 251: not UTF-8 text"]
    size = path.stat().st_size
    assert [total for _, total in seen] == [size] * 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == size  # the last chunk ends at the end of the file
    # stopped after the first chunk: what was read so far stays, and the caller knows
    stopped = CaptureStore(":memory:")
    with pytest.raises(jsonl.ImportCancelled):
        import_jsonl(stopped, path, lambda done, total: False)
    assert stopped.count_frames() == 100


def test_export_from_a_worker_thread_while_the_live_capture_keeps_writing(tmp_path):
    import threading

    from ocpp_studio.capture.jsonl import export_jsonl_file
    from ocpp_studio.core.records import Direction, FrameRecord

    live = CaptureStore(tmp_path / "live.db")
    _capture_some_traffic(live)
    before = live.frames(limit=10_000)
    wanted = [f.id for f in before if f.charger == "CP2"]
    out_all, out_some = tmp_path / "all.jsonl", tmp_path / "some.jsonl"
    counts = {}

    def export():
        counts["all"] = export_jsonl_file(live.path, out_all)
        counts["some"] = export_jsonl_file(live.path, out_some, wanted, events=[])

    worker = threading.Thread(target=export)
    worker.start()
    for n in range(200):  # the live side keeps committing meanwhile
        live.record_frame(FrameRecord("CP3", Direction.TO_CSMS, f'[2,"w{n}","Heartbeat",{{}}]'))
    worker.join(30)
    assert not worker.is_alive()
    some = [json.loads(line) for line in out_some.read_text().splitlines()[1:]]
    assert [line["id"] for line in some] == wanted
    exported = [json.loads(line) for line in out_all.read_text().splitlines()[1:]]
    frames = [line for line in exported if line["type"] == "frame"]
    # a consistent snapshot: everything recorded before the export, in order
    assert [f["raw"] for f in frames[:len(before)]] == [f.raw for f in before]
    assert live.count_frames() == len(before) + 200


def test_a_long_capture_keeps_its_write_ahead_log_small(tmp_path):
    """Checkpoints run in a thread of their own (not inside a frame's commit, where they
    stalled the event loop): the -wal file must still be folded into the database, or a
    day of traffic would pile up in it. 4,000 frames uncheckpointed make a WAL of tens
    of MB; with the checkpointer the file is reused and stays at what is written between
    two of its rounds (here 500 frames)."""
    import time  # noqa: PLC0415
    path = tmp_path / "long.db"
    store = CaptureStore(path)
    checkpointer = store._checkpointer  # noqa: SLF001
    assert checkpointer is not None
    checkpointer.interval_s = 0.05  # rounds come quicker; the test waits for them anyway
    wal = Path(f"{path}-wal")
    sizes = []
    try:
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0  # noqa: SLF001
        for n in range(4000):
            store.record_frame(FrameRecord("CP-1", Direction.TO_CSMS,
                                           f'[2,"{n}","Heartbeat",{{"pad":"{"x" * 500}"}}]',
                                           message_type=2, unique_id=str(n), action="Heartbeat"))
            if n % 500 == 499:  # let a round of the checkpointer pass, whatever the machine
                seen = checkpointer.checkpoints
                deadline = time.monotonic() + 10
                while checkpointer.checkpoints < seen + 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
                sizes.append(wal.stat().st_size)
    finally:
        store.close()
    assert max(sizes) < 1.5 * sizes[0], sizes  # reused, not growing with every frame
    reopened = CaptureStore(path)
    try:
        assert reopened.count_frames() == 4000
    finally:
        reopened.close()
