"""Big frames (issue 17): a user-set size limit answered per OCPP-J, violations stored
per frame capped, big frames parsed and validated off the event loop."""

import asyncio
import json
import os
from decimal import Decimal

import pytest

from conftest import BOOT_16, exchange, raw_charger, running_csms
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.cli.common import add_server_options, settings_from
from ocpp_studio.core import schemas
from ocpp_studio.core.frames import FrameError, loads
from ocpp_studio.core.oversize import OFF_LOOP_CHARS, over_limit, read_head
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.settings import AppSettings

V16 = OcppVersion.V16


def _bad_meter_values(entries: int) -> str:
    """MeterValues whose every sampledValue breaks the schema twice (type, enum)."""
    bad = {"value": 12, "measurand": "Bogus", "unit": "W"}
    meter = [{"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [bad] * 10}] * entries
    return json.dumps([2, "big-1", "MeterValues", {"connectorId": 1, "meterValue": meter}])


def test_a_call_over_the_limit_is_recorded_whole_and_refused_with_generic_error():
    store = CaptureStore(":memory:")
    big = '[2,"too-big","DataTransfer",{"vendorId":"x","data":"' + "a" * 5000 + '"}]'

    async def scenario():
        async with running_csms(store, max_frame_bytes=4096) as csms:
            async with raw_charger(csms.url("CP1")) as ws:
                await exchange(ws, BOOT_16)
                answer = await exchange(ws, big)
                assert answer[:3] == [4, "too-big", "GenericError"]
                assert answer[4] == {"size": len(big), "limit": 4096}
                # the connection stays up and the next frame is read as usual
                assert (await exchange(ws, '[2,"h1","Heartbeat",{}]'))[0] == 3

    asyncio.run(scenario())
    refused = store.frames(charger="CP1", action="DataTransfer")[0]
    assert refused.raw == big and refused.unique_id == "too-big" and refused.valid is False
    assert "over the size limit of 4,096 bytes" in refused.problem
    answer = store.frames(charger="CP1", direction="to_charger")[1]
    assert answer.pair_id == refused.id and answer.error_code == "GenericError"


def test_an_answer_over_the_limit_is_recorded_and_never_answered():
    store = CaptureStore(":memory:")
    big = '[3,"nobody-asked",{"data":"' + "b" * 5000 + '"}]'

    async def scenario():
        async with running_csms(store, max_frame_bytes=4096) as csms:
            async with raw_charger(csms.url("CP1")) as ws:
                await ws.send(big)
                # the next answer is the Heartbeat's: nothing was sent for the big frame
                assert (await exchange(ws, '[2,"h1","Heartbeat",{}]'))[:2] == [3, "h1"]

    asyncio.run(scenario())
    recorded = store.frames(charger="CP1")[0]
    assert recorded.raw == big and recorded.message_type == 3 and "size limit" in recorded.problem


def test_a_big_invalid_frame_stores_capped_violations_with_a_count_of_the_rest():
    store = CaptureStore(":memory:")
    big = _bad_meter_values(400)  # 8,000 violations
    assert len(big) > OFF_LOOP_CHARS  # parsed and validated in a worker process

    async def scenario():
        async with running_csms(store) as csms:
            async with raw_charger(csms.url("CP1"), max_size=None) as ws:
                await exchange(ws, BOOT_16)
                answer = await exchange(ws, big)
                assert answer[:2] == [4, "big-1"] and answer[2] == "TypeConstraintViolation"
                assert (await exchange(ws, '[2,"h1","Heartbeat",{}]'))[0] == 3

    asyncio.run(scenario())
    frame = store.frames(charger="CP1", action="MeterValues")[0]
    assert len(frame.violations) == schemas.MAX_VIOLATIONS + 1
    summary = frame.violations[-1]
    assert summary["keyword"] == "truncated"
    assert summary["rule"] == schemas.COUNT_BEYOND_LIMIT  # 7,950 more, counted up to 1,000
    assert "at least 1,000 more" in summary["message"]
    assert "more)" in frame.problem


def test_violations_under_the_cap_are_all_listed_without_a_summary():
    payload = loads(_bad_meter_values(1))[3]  # 20 violations
    violations = schemas.validate(V16, "MeterValues", "request", payload)
    assert len(violations) == 20 and all(v.keyword != "truncated" for v in violations)
    capped = schemas.validate(V16, "MeterValues", "request", payload, limit=5)
    assert len(capped) == 6 and capped[-1].rule == 15 and "15 more" in capped[-1].message


def test_the_fast_check_agrees_with_jsonschema_on_decimals_and_dates():
    # multipleOf 0.1 on a Decimal (SetChargingProfile limit), as jsonschema reads it
    profile = {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {
            "chargingRateUnit": "A", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": Decimal("0.3")}]}}}
    assert schemas.validate(V16, "SetChargingProfile", "request", profile) == []
    profile["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = \
        Decimal("0.35")
    assert [v.keyword for v in schemas.validate(V16, "SetChargingProfile", "request", profile)] \
        == ["multipleOf"]
    # a date jsonschema refuses is refused by the fast check too
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Available",
              "timestamp": "2026-13-01T00:00:00Z"}
    assert [v.keyword for v in schemas.validate(V16, "StatusNotification", "request", status)] \
        == ["format"]


def test_head_and_size_are_read_without_parsing():
    assert read_head('[2, "abc", "Heartbeat", {"x": 1') .action == "Heartbeat"
    assert read_head('[3,"abc",{') .message_type == 3
    assert read_head("garbage").message_type is None
    assert over_limit("é" * 600, 1000) == 1200  # bytes, not characters
    assert over_limit("a" * 1000, 1000) is None and over_limit("a" * 5, None) is None


def test_serve_takes_the_frame_limit_from_the_command_line():
    import argparse
    parser = argparse.ArgumentParser()
    add_server_options(parser)
    settings = settings_from(parser.parse_args(["--max-frame-bytes", "65536"]), AppSettings())
    assert settings.csms.max_frame_bytes == 65536


def test_the_worker_is_another_process_and_reads_a_frame_as_the_loop_does():
    """The big frame's parsing and checking hold the GIL: they run in a separate process
    (core/off_loop.py), with the same capped violations as a check on the loop."""
    from ocpp_studio.core import off_loop

    big = _bad_meter_values(400)

    async def scenario():
        pool_pid = await asyncio.get_running_loop().run_in_executor(
            off_loop._executor(), os.getpid)
        return pool_pid, await off_loop.read_off_loop(big, V16)

    try:
        pid, checked = asyncio.run(scenario())
    finally:
        off_loop.shutdown()
    assert pid != os.getpid()
    on_loop = schemas.validate(V16, "MeterValues", "request", loads(big)[3])
    assert list(checked.violations) == on_loop and len(on_loop) == schemas.MAX_VIOLATIONS + 1
    # a refused CALL's payload stays in the worker; what the answer needs comes back
    assert checked.frame.raw == big and checked.frame.unique_id == "big-1"
    assert checked.frame.payload is None and checked.payload_is_object
    # the text does not cross back either (the loop has it): a few KB, not a megabyte
    import pickle
    crossing = off_loop.read_big_frame(big, V16)
    assert crossing.frame.raw == "" and len(pickle.dumps(crossing)) < len(big) / 10


def test_the_worker_process_is_started_by_a_thread_not_the_event_loop(monkeypatch):
    """Spawning the worker held the event loop (every other charger) on the first big
    frame; a thread starts it, and the frame is read by it as usual."""
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from ocpp_studio.core import off_loop

    submitted_on = []

    class Recording(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            submitted_on.append(threading.get_ident())
            return super().submit(*args, **kwargs)

    off_loop.shutdown()
    monkeypatch.setattr(off_loop, "ProcessPoolExecutor", Recording)

    async def scenario():
        checked = await off_loop.read_off_loop(_bad_meter_values(400), V16)
        return threading.get_ident(), checked

    try:
        loop_thread, checked = asyncio.run(scenario())
    finally:
        off_loop.shutdown()
    assert submitted_on[0] != loop_thread  # the submit that spawns the process
    assert len(checked.violations) == schemas.MAX_VIOLATIONS + 1


def test_without_processes_big_frames_are_read_in_a_thread(monkeypatch, caplog):
    """A sandbox or bundle that cannot start a process: the same result, from a thread,
    and the log says so."""
    from ocpp_studio.core import off_loop

    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    off_loop.shutdown()
    monkeypatch.setattr(off_loop, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(off_loop, "_no_processes", False)
    with caplog.at_level("WARNING", logger=off_loop.__name__):
        checked = asyncio.run(off_loop.read_off_loop(_bad_meter_values(400), V16))
    assert len(checked.violations) == schemas.MAX_VIOLATIONS + 1
    assert "parsed in a thread, not a separate process" in caplog.text
    with pytest.raises(FrameError):
        asyncio.run(off_loop.read_off_loop("[" * 70_000, V16))


def test_tolerant_mode_hands_a_big_invalid_payload_to_the_handler():
    """The worker keeps an invalid CALL's payload; tolerant mode still processes it."""
    store = CaptureStore(":memory:")
    big = _bad_meter_values(400)

    async def scenario():
        async with running_csms(store, tolerant=True) as csms:
            async with raw_charger(csms.url("CP1"), max_size=None) as ws:
                await exchange(ws, BOOT_16)
                assert (await exchange(ws, big))[:2] == [3, "big-1"]

    asyncio.run(scenario())
    frame = store.frames(charger="CP1", action="MeterValues")[0]
    assert frame.valid is False and len(frame.violations) == schemas.MAX_VIOLATIONS + 1


def test_a_big_call_answered_in_its_group_is_written_once_and_stored_whole(tmp_path):
    """A big CALL refused in the same loop turn: its row is written once, not rewritten
    by the state change (SQLite rewrites the whole row on UPDATE: 1 MB re-read and
    written again, 2.5x the frame in the WAL, several ms of the event loop)."""
    from ocpp_studio.core.records import Direction, FrameRecord

    path = tmp_path / "c.db"
    store = CaptureStore(path)
    big = _bad_meter_values(600)
    assert len(big) > 64 * 1024
    heard = []
    store.recorded.connect(heard.append)

    async def scenario():
        call = FrameRecord(charger="CP1", direction=Direction.TO_CSMS, raw=big, message_type=2,
                           unique_id="big-1", action="MeterValues", valid=False,
                           state="pending")
        call_id = store.record_frame_grouped(call)
        store.record_response_grouped(FrameRecord(
            charger="CP1", direction=Direction.TO_CHARGER, raw='[4,"big-1","x","",{}]',
            message_type=4, unique_id="big-1", pair_id=call_id, state="error"), "error")
        await store.committed()
        return call_id

    call_id = asyncio.run(scenario())
    wal = os.path.getsize(f"{path}-wal")
    import sqlite3
    with sqlite3.connect(path) as other:  # what another reader sees once committed
        raw, state = other.execute("SELECT raw, state FROM frames WHERE id = ?",
                                   (call_id,)).fetchone()
    assert raw == big and state == "error"
    assert heard[0].raw == big  # observers hear the record as it was received
    assert wal < 1.5 * len(big)  # the big row went to the WAL once
    store.close()


def test_a_big_frame_that_cannot_be_stored_fails_alone_not_its_group(tmp_path):
    """A lone surrogate fails the INSERT of its own frame, as before, not the commit
    that the other chargers' frames of the same turn wait for."""
    from ocpp_studio.core.records import Direction, FrameRecord

    store = CaptureStore(tmp_path / "c.db")
    bad = '[2,"s","DataTransfer",{"vendorId":"x","data":"\ud800' + "a" * 70_000 + '"}]'

    async def scenario():
        store.record_frame_grouped(FrameRecord(charger="CP1", direction=Direction.TO_CSMS,
                                               raw='[2,"h","Heartbeat",{}]'))
        with pytest.raises(UnicodeEncodeError):
            store.record_frame_grouped(FrameRecord(charger="CP2", direction=Direction.TO_CSMS,
                                                   raw=bad))
        await store.committed()

    asyncio.run(scenario())
    assert [f.charger for f in store.frames()] == ["CP1"]
    store.close()
