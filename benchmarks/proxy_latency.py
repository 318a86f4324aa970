"""Latency the logging proxy adds to a charger's round trips.

    .venv/bin/python benchmarks/proxy_latency.py               # 1,500 CALLs per leg, ~30 s
    .venv/bin/python benchmarks/proxy_latency.py --count 3000
    .venv/bin/python benchmarks/proxy_latency.py --json FILE   # also the figures as JSON

A charger client sends Heartbeat CALLs at a steady 100 frames/s to an upstream
CSMS (a bare websockets server that answers each CALL at once), first directly,
then through the LoggingProxy recording both legs into a capture *file* (SQLite
in a temporary directory; each frame durable in the relay journal before it is passed
on and committed with the others of the next 50 ms, as live: capture/relaying.py). The
round trip is measured at the charger, from just before ``send`` to the receipt
of the matching CALLRESULT. Everything runs on 127.0.0.1 in this process.

Bar (issue 17): added latency (proxied minus direct) median < 0.25 ms and p99 < 1 ms
(the first version's bar was < 1 ms and < 5 ms).

The capture store checkpoints its WAL in a thread of its own (capture/checkpoint.py);
before that, SQLite's automatic checkpoint inside a commit stalled the loop 3-5 ms every
~140 frames and the added p99 was 3.5-8.2 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

from _figures import Figures, add_json_argument  # noqa: E402  (benchmarks/ is sys.path[0])
from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.transports.proxy import LoggingProxy  # noqa: E402

RATE = 100.0  # CALLs per second
BAR_MEDIAN_MS = 0.25
BAR_P99_MS = 1.0


async def upstream_csms(websocket) -> None:
    """Answer every CALL at once (OCPP-J 1.6 §4.2.2: same unique id, a payload)."""
    async for text in websocket:
        message = json.loads(text)
        if message[0] == 2:
            await websocket.send(json.dumps(
                [3, message[1], {"currentTime": "2026-01-01T00:00:00.000Z"}]))


async def charger_round_trips(url: str, count: int, warmup: int = 50) -> list[float]:
    """RTTs in ms of ``count`` Heartbeats sent at RATE per second (after a warm-up)."""
    rtts: list[float] = []
    sent_at: dict[str, int] = {}
    async with connect(url, subprotocols=["ocpp1.6"], compression=None) as ws:
        done = asyncio.get_running_loop().create_future()

        async def reader() -> None:
            async for text in ws:
                received = time.perf_counter_ns()
                unique_id = json.loads(text)[1]
                started = sent_at.pop(unique_id, None)
                if started is not None and not unique_id.startswith("w"):
                    rtts.append((received - started) / 1e6)
                if len(rtts) == count and not done.done():
                    done.set_result(None)

        task = asyncio.create_task(reader())
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(warmup + count):
            await asyncio.sleep(max(0.0, start + i / RATE - loop.time()))
            unique_id = f"w{i}" if i < warmup else f"m{i}"
            text = f'[2,"{unique_id}","Heartbeat",{{}}]'
            sent_at[unique_id] = time.perf_counter_ns()
            await ws.send(text)
        await asyncio.wait_for(done, 30)
        task.cancel()
    return rtts


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99), "max": max(values)}


async def main(count: int, json_path: Path | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="ocpp-proxy-bench-") as folder:
        capture = Path(folder) / "capture.db"
        async with serve(upstream_csms, "127.0.0.1", 0, subprotocols=["ocpp1.6"],
                         compression=None) as upstream:
            upstream_url = f"ws://127.0.0.1:{upstream.sockets[0].getsockname()[1]}"
            direct = await charger_round_trips(f"{upstream_url}/ocpp/BENCH", count)
            store = CaptureStore(capture)
            async with LoggingProxy(store, upstream_url) as proxy:
                proxied = await charger_round_trips(f"ws://127.0.0.1:{proxy.port}/ocpp/BENCH", count)
            frames = store.count_frames()
            store.close()
    a, b = summary(direct), summary(proxied)
    print(f"{count} Heartbeat CALLs per leg at {RATE:.0f}/s; capture file on disk "
          f"({frames} frames recorded through the proxy)")
    print(f"{'':10} {'median':>8} {'p95':>8} {'p99':>8} {'max':>8}   (ms)")
    for name, row in (("direct", a), ("proxied", b)):
        print(f"{name:10} " + " ".join(f"{row[k]:8.3f}" for k in ("median", "p95", "p99", "max")))
    added_median, added_p99 = b["median"] - a["median"], b["p99"] - a["p99"]
    ok = added_median < BAR_MEDIAN_MS and added_p99 < BAR_P99_MS
    print(f"added by the proxy: median {added_median:.3f} ms (bar < {BAR_MEDIAN_MS:g}), "
          f"p99 {added_p99:.3f} ms (bar < {BAR_P99_MS:g}) -> {'PASS' if ok else 'FAIL'}")
    figures = Figures("proxy_latency")
    figures.add("proxy_calls_per_leg", count)
    figures.add("proxy_recorded_frames", frames)
    # The direct leg is the baseline (a bare websockets CSMS, no proxy, no capture).
    for name, row in (("direct", a), ("proxied", b)):
        for key in ("median", "p95", "p99", "max"):
            figures.add(f"proxy_{name}_rtt_{key}_ms", row[key])
    figures.add("proxy_added_latency_median_ms", added_median)
    figures.add("proxy_added_latency_p99_ms", added_p99)
    figures.add("proxy_to_direct_median_ratio", b["median"] / a["median"])
    figures.add("bar_pass", ok)
    figures.write(json_path)
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1500, help="CALLs per leg (default 1500)")
    add_json_argument(parser)
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.count, options.json)))
