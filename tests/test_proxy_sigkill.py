"""Killing the logging proxy loses no frame it had passed on (issue 17: relayed frames are
made durable in the relay journal, capture/journal.py, and committed a moment later)."""

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys

from websockets.asyncio.server import serve

from conftest import BOOT_16, exchange, raw_charger
from ocpp_studio.capture.journal import RECOVERED, journal_paths
from ocpp_studio.capture.store import CaptureStore

FRAMES = 300


async def _upstream(websocket) -> None:
    """A central system that answers every CALL at once."""
    async for text in websocket:
        message = json.loads(text)
        if message[0] == 2:
            await websocket.send(json.dumps([3, message[1], {"currentTime": "2026-11-26T00:00:00Z"}]))


def test_sigkill_loses_no_relayed_frame(tmp_path):
    db = tmp_path / "capture.db"
    sent = []

    async def scenario():
        upstream = await serve(_upstream, "127.0.0.1", 0, subprotocols=["ocpp1.6"])
        upstream_port = upstream.sockets[0].getsockname()[1]
        proxy = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ocpp_studio.cli", "proxy", "--host", "127.0.0.1",
            "--listen", "0", "--upstream", f"ws://127.0.0.1:{upstream_port}/ocpp",
            "--capture", str(db), "--quiet",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            port = None
            while port is None:
                line = (await asyncio.wait_for(proxy.stdout.readline(), 60)).decode()
                assert line, "proxy did not start"
                found = re.search(r"proxy on port (\d+)", line)
                port = int(found.group(1)) if found else None
            async with raw_charger(f"ws://127.0.0.1:{port}/ocpp/KILLME") as ws:
                await exchange(ws, BOOT_16)
                sent.append(BOOT_16)
                for n in range(FRAMES):
                    frame = f'[2,"m{n}","Heartbeat",{{}}]'
                    answer = await exchange(ws, frame)
                    assert answer[1] == f"m{n}"
                    sent.append(frame)
                os.kill(proxy.pid, signal.SIGKILL)  # while the charger is still connected
            assert await asyncio.wait_for(proxy.wait(), 30) == -signal.SIGKILL
        finally:
            if proxy.returncode is None:
                proxy.kill()
            upstream.close()

    asyncio.run(scenario())
    store = CaptureStore(db)  # opening puts the journal's frames back
    received = [f.raw for f in store.frames(direction="to_csms", limit=10_000)]
    answers = store.frames(direction="to_charger", limit=10_000)
    calls = store.frames(direction="to_csms", limit=10_000)
    store.close()
    assert received == sent  # every frame the charger sent, in order, exactly as sent
    assert len(answers) == FRAMES + 1  # and every answer the proxy passed back
    assert {c.state for c in calls} == {"answered"}
    with sqlite3.connect(db) as plain:  # now in the database itself
        assert plain.execute("SELECT COUNT(*) FROM frames").fetchone()[0] == 2 * (FRAMES + 1)
    assert not any(path.exists() and path.stat().st_size for path in journal_paths(str(db)))


def test_a_relayed_frame_left_only_in_the_journal_is_put_back(tmp_path):
    """The journal alone (the writer thread killed before its commit) is enough."""
    db = tmp_path / "capture.db"
    _journal_only_capture(db)
    with sqlite3.connect(db) as plain:
        assert plain.execute("SELECT COUNT(*) FROM frames").fetchone()[0] == 0
    store = CaptureStore(db)
    frames = store.frames()
    store.close()
    assert [f.raw for f in frames] == ['[2,"a","Heartbeat",{}]', '[3,"a",{}]']
    assert frames[0].state == "answered" and frames[1].pair_id == frames[0].id
    assert all(RECOVERED in (f.problem or "") and f.valid is None for f in frames)


def test_the_journal_empties_once_committed_and_takes_turns(tmp_path, monkeypatch):
    from ocpp_studio.capture import journal
    from ocpp_studio.core.records import Direction, FrameRecord

    monkeypatch.setattr(journal, "SWITCH_BYTES", 200)
    db = tmp_path / "c.db"
    first, second = journal_paths(str(db))
    store = CaptureStore(db)
    recorder = store.relay_recorder()

    async def scenario():
        for n in range(5):
            recorder.record_frame(FrameRecord("CP1", Direction.TO_CSMS,
                                              f'[2,"m{n}","DataTransfer",{{"vendorId":"{"x" * 150}"}}]'))
        # the first file went over the limit after one line: the others are in its twin
        assert len(first.read_bytes().splitlines()) == 1
        assert len(second.read_bytes().splitlines()) == 4
        await store.committed()
        assert first.stat().st_size == 0 and second.stat().st_size == 0

    asyncio.run(scenario())
    assert store.count_frames() == 5
    store.close()
    assert not first.exists() and not second.exists()


def _journal_only_capture(db) -> None:
    """A capture whose proxy was killed before its writer committed: two frames in the
    relay journal only."""
    code = f"""
import asyncio, os, signal
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.capture import writer
from ocpp_studio.core.records import Direction, FrameRecord
writer.BatchWriter.submit = lambda self, batch, notify: None  # the commit never happens
store = CaptureStore({str(db)!r})
async def main():
    recorder = store.relay_recorder()
    call = FrameRecord("CP1", Direction.TO_CSMS, '[2,"a","Heartbeat",{{}}]', message_type=2,
                       unique_id="a", action="Heartbeat", state="pending")
    call_id = recorder.record_frame(call)
    answer = FrameRecord("CP1", Direction.TO_CHARGER, '[3,"a",{{}}]', message_type=3,
                         unique_id="a", action="Heartbeat", pair_id=call_id, state="answered")
    recorder.record_response(answer, "answered")
    await asyncio.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr


def test_exporting_a_killed_proxys_capture_includes_the_frames_left_in_its_journal(tmp_path):
    """The support engineer's next step after a crash: ocpp-studio export. The last frames
    before the crash are the ones that matter, and they were only in the journal."""
    db = tmp_path / "capture.db"
    _journal_only_capture(db)
    out = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, "-m", "ocpp_studio.cli", "export", "--capture",
                             str(db), str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    raws = [line["raw"] for line in lines if "raw" in line]
    assert raws == ['[2,"a","Heartbeat",{}]', '[3,"a",{}]']
    assert "2 frames put back from the relay journal" in result.stdout + result.stderr
    with sqlite3.connect(db) as plain:  # in the database itself from now on
        assert plain.execute("SELECT COUNT(*) FROM frames").fetchone()[0] == 2


def test_a_reader_leaves_the_journal_to_the_studio_that_holds_the_capture(tmp_path):
    """A running studio commits its own journal: a reader must not replay it under it."""
    from ocpp_studio.capture.existing import put_back_journal

    db = tmp_path / "capture.db"
    _journal_only_capture(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom ocpp_studio.capture.lock import CaptureLock\n"
         f"CaptureLock.acquire({str(db)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert put_back_journal(db) is None
        with sqlite3.connect(db) as plain:
            assert plain.execute("SELECT COUNT(*) FROM frames").fetchone()[0] == 0
        assert any(path.stat().st_size for path in journal_paths(str(db)) if path.exists())
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert "2 frames put back" in put_back_journal(db)  # the holder is gone: now it is
