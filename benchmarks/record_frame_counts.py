"""What keeping the frame counts of capture schema 4 costs each recorded frame.

    python benchmarks/record_frame_counts.py                # 20,000 frames per round
    python benchmarks/record_frame_counts.py --json FILE    # also write the figures as JSON

Two captures in one process, recorded in alternating rounds (A B A B ...) so the
machine's noise falls on both alike: one as the studio makes it, one that does
not keep ``frame_counts`` (its ``counts_to`` mark removed: ``counts.advance``
then does nothing). Each round records the same frames
(50 chargers, a realistic mix of actions and sizes) with ``record_frame`` (a
commit per frame) and with ``record_frame_grouped`` (100 frames per event-loop
turn); the figure is the CPU time of this thread per frame (the store may
commit in a thread of its own: its CPU is counted with process time too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _figures import Figures, add_json_argument  # noqa: E402  (benchmarks/ is sys.path[0])
from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.core.records import Direction, FrameRecord  # noqa: E402

ACTIONS = ("Heartbeat", "StatusNotification", "MeterValues", "Authorize")


def _frames(count: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        action = rng.choice(ACTIONS)
        payload = {"connectorId": 1, "status": "Charging", "n": n} if action != "MeterValues" \
            else {"connectorId": 1, "meterValue": [{"sampledValue": [
                {"value": f"{rng.uniform(0, 7400):.1f}", "measurand": "Power.Active.Import"}
                for _ in range(3)]}]}
        out.append((f"CP{rng.randrange(50):03d}", action, json.dumps([2, f"u{n}", action,
                                                                       payload])))
    return out


def _record(frame: tuple) -> FrameRecord:
    charger, action, raw = frame
    return FrameRecord(charger, Direction.TO_CSMS, raw, message_type=2, action=action,
                       unique_id="u", state="pending")


def _round_plain(store: CaptureStore, frames: list[tuple]) -> tuple[float, float]:
    cpu, proc = time.thread_time(), time.process_time()
    for frame in frames:
        store.record_frame(_record(frame))
    return ((time.thread_time() - cpu) / len(frames), (time.process_time() - proc) / len(frames))


def _round_grouped(store: CaptureStore, frames: list[tuple]) -> tuple[float, float]:
    async def run() -> None:
        for start in range(0, len(frames), 100):
            for frame in frames[start:start + 100]:
                store.record_frame_grouped(_record(frame))
            await store.committed()

    cpu, proc = time.thread_time(), time.process_time()
    asyncio.run(run())
    return ((time.thread_time() - cpu) / len(frames), (time.process_time() - proc) / len(frames))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    add_json_argument(parser)
    args = parser.parse_args()
    figures = Figures("record_frame_counts")
    workdir = Path(tempfile.mkdtemp(prefix="ocpp-counts-"))
    stores = {"with": CaptureStore(workdir / "with.db"), "without": CaptureStore(workdir / "without.db")}
    stores["without"]._db.execute(  # noqa: SLF001 - the benchmark's own capture
        "DELETE FROM meta WHERE key = 'counts_to'")
    results: dict[str, list[tuple[float, float]]] = {}
    for n in range(args.rounds):
        frames = _frames(args.frames, seed=n)
        for kind, run in (("plain", _round_plain), ("grouped", _round_grouped)):
            for which in (("with", "without") if n % 2 == 0 else ("without", "with")):
                results.setdefault(f"{kind}_{which}", []).append(run(stores[which], frames))
    for store in stores.values():
        store.close()
    sizes = {which: sum(p.stat().st_size for p in workdir.glob(f"{which}.db*"))
             for which in stores}
    print(f"{args.rounds} rounds of {args.frames:,} frames, alternating; median per frame:")
    for kind in ("plain", "grouped"):
        for which in ("without", "with"):
            thread = statistics.median(r[0] for r in results[f"{kind}_{which}"]) * 1e6
            process = statistics.median(r[1] for r in results[f"{kind}_{which}"]) * 1e6
            print(f"  {kind:<8} {which:<8} counts: {thread:7.1f} us CPU (this thread), "
                  f"{process:7.1f} us CPU (process)")
            figures.add(f"record_{kind}_{which}_counts_thread_us", thread)
            figures.add(f"record_{kind}_{which}_counts_process_us", process)
    for which in ("without", "with"):
        print(f"  file {which} counts: {sizes[which] / (args.rounds * 2 * args.frames):.1f} "
              f"bytes per frame")
        figures.add(f"file_bytes_per_frame_{which}_counts", sizes[which] /
                    (args.rounds * 2 * args.frames))
    for item in workdir.iterdir():
        item.unlink()
    workdir.rmdir()
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
