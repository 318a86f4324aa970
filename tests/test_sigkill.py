"""Killing the process loses no frame that was already answered."""

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys

from conftest import BOOT_16, exchange, raw_charger

FRAMES = 300


def test_sigkill_loses_no_answered_frame(tmp_path):
    db = tmp_path / "capture.db"
    server = subprocess.Popen(
        [sys.executable, "-m", "ocpp_studio.cli", "serve", "--host", "127.0.0.1", "--port", "0",
         "--capture", str(db), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        for line in server.stdout:
            found = re.search(r"CSMS on port (\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "server did not start"
        sent = []

        async def charger():
            async with raw_charger(f"ws://127.0.0.1:{port}/ocpp/KILLME") as ws:
                await exchange(ws, BOOT_16)
                sent.append(BOOT_16)
                for n in range(FRAMES):
                    frame = f'[2,"m{n}","Heartbeat",{{}}]'
                    answer = await exchange(ws, frame)
                    assert answer[1] == f"m{n}"
                    sent.append(frame)
                os.kill(server.pid, signal.SIGKILL)  # while the connection is still open

        asyncio.run(charger())
        server.wait(timeout=30)
        assert server.returncode == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
    with sqlite3.connect(db) as conn:
        received = [r[0] for r in conn.execute(
            "SELECT raw FROM frames WHERE direction='to_csms' ORDER BY id")]
        answered = conn.execute(
            "SELECT COUNT(*) FROM frames WHERE direction='to_charger' AND message_type=3").fetchone()[0]
        states = {r[0] for r in conn.execute("SELECT state FROM frames WHERE direction='to_csms'")}
    assert received == sent  # every frame, in order, exactly as sent
    assert answered == FRAMES + 1
    assert states == {"answered"}
