"""Throughput and latency of the local CSMS, with validation and SQLite capture on.

    python benchmarks/throughput.py            # whole run, about 2 minutes
    python benchmarks/throughput.py --quick    # shorter phases, for a smoke run
    python benchmarks/throughput.py --json FILE  # also write the figures as JSON

The server (our CsmsServer, capture in a temporary SQLite *file*, schema
validation on, strict mode) runs in this process. The load generator runs in a
separate process (this script with ``--load``) so it does not share the
server's event loop or CPU. For comparison the same load runs against a bare
websockets echo server in this process (no parsing, no validation, no capture).

Throughput: 1, 10 and 100 charger connections, each sending Heartbeat /
StatusNotification / MeterValues CALLs back to back, the next as soon as the
previous is answered, for a fixed time, split in ``--rounds`` turns that
alternate with the echo's (the machine's load drifts; taking turns keeps the
ratio fair). The rtt p99 shown is the worst round's.

Latency: 100 chargers each sending one MeterValues CALL per second. Server
side, ``latency_ms`` of our CALLRESULT rows in the capture store is the time
from receiving the CALL to building the answer (it includes parsing,
validation, committing the CALL row and the handler; it is stamped before
the answer row is committed and sent). Client side, the round trip as the
charger sees it.

Bar: >= 3,000 frames/s sustained; p99 < 20 ms at 100 chargers x 1 frame/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _figures import Figures, add_json_argument  # benchmarks/ is sys.path[0] when run

TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# =============================================================================== load
def _now() -> str:
    return datetime.now(timezone.utc).strftime(TS_FORMAT)[:-4] + "Z"


def _payloads(connector: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("Heartbeat", {}),
        ("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                "status": "Charging", "timestamp": _now()}),
        ("MeterValues", _meter_values(connector)),
    ]


def _meter_values(connector: int) -> dict[str, Any]:
    return {"connectorId": connector, "transactionId": 1, "meterValue": [{
        "timestamp": _now(), "sampledValue": [
            {"value": f"{random.uniform(0, 7400):.1f}", "measurand": "Power.Active.Import",
             "unit": "W", "context": "Sample.Periodic"},
            {"value": f"{random.uniform(0, 32):.2f}", "measurand": "Current.Import",
             "phase": "L1", "unit": "A", "context": "Sample.Periodic"},
            {"value": f"{random.uniform(0, 1e6):.0f}", "measurand":
             "Energy.Active.Import.Register", "unit": "Wh", "context": "Sample.Periodic"},
        ]}]}


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"),
                "max": float("nan")}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {"n": len(ordered), "p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99),
            "max": ordered[-1]}


async def _charger(url: str, name: str, mode: str, ready: list[int], start: asyncio.Event,
                   stop_at: list[float], counts: list[int], rtts: list[float],
                   errors: list[str]) -> None:
    from websockets.asyncio.client import connect

    async with connect(f"{url}/{name}", subprotocols=["ocpp1.6"], max_size=None,
                       ping_interval=None, open_timeout=60) as ws:
        boot = json.dumps([2, f"{name}-boot", "BootNotification",
                           {"chargePointVendor": "bench", "chargePointModel": "load"}])
        await ws.send(boot)
        await ws.recv()
        ready[0] += 1
        await start.wait()
        sequence = 0
        if mode == "rate":
            # One MeterValues per second, phase spread over the first second.
            await asyncio.sleep(random.random())
            next_at = time.perf_counter()
        while time.perf_counter() < stop_at[0]:
            if mode == "rate":
                action, payload = "MeterValues", _meter_values(1)
            else:
                action, payload = _payloads(1)[sequence % 3]
            sequence += 1
            text = json.dumps([2, f"{name}-{sequence}", action, payload])
            sent = time.perf_counter()
            await ws.send(text)
            answer = await ws.recv()
            rtts.append((time.perf_counter() - sent) * 1000)
            counts[0] += 1
            if not str(answer).startswith("[3,") and answer != text:  # ours, or the echo
                errors.append(str(answer)[:200])
            if mode == "rate":
                next_at += 1.0
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)


async def _load(url: str, connections: int, duration: float, mode: str) -> dict[str, Any]:
    start = asyncio.Event()
    stop_at = [float("inf")]
    counts, ready = [0], [0]
    rtts: list[float] = []
    errors: list[str] = []
    tasks = [asyncio.create_task(_charger(url, f"BENCH{i:03d}", mode, ready, start,
                                          stop_at, counts, rtts, errors))
             for i in range(connections)]
    # Wait until every charger has connected and booted (then they wait on start).
    deadline = time.perf_counter() + 60
    while ready[0] < connections and not any(t.done() for t in tasks):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {ready[0]} of {connections} chargers booted")
        await asyncio.sleep(0.01)
    began = time.perf_counter()
    stop_at[0] = began + duration
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - began
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    return {"connections": connections, "calls": counts[0], "elapsed": elapsed,
            "rtt": _percentiles(rtts), "errors": errors[:5], "error_count": len(errors),
            "failures": failures[:5]}


def load_main(args: argparse.Namespace) -> None:
    result = asyncio.run(_load(args.url, args.connections, args.duration, args.mode))
    print(json.dumps(result))


# ============================================================================= server
async def _run_load(url: str, connections: int, duration: float, mode: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--load", "--url", url, "--connections", str(connections),
        "--duration", str(duration), "--mode", mode,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed: {err.decode()[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def _echo_server():
    from websockets.asyncio.server import serve

    async def echo(ws) -> None:
        async for message in ws:
            await ws.send(message)

    return await serve(echo, "127.0.0.1", 0, subprotocols=["ocpp1.6"], compression=None,
                       max_size=1 << 20)


def _merged(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one load as one: calls and time add up; the percentiles are the
    mean p50 and the worst p99 of the rounds."""
    rtts = [r["rtt"] for r in results]
    return {"calls": sum(r["calls"] for r in results),
            "elapsed": sum(r["elapsed"] for r in results),
            "rtt": {"p50": sum(p["p50"] for p in rtts) / len(rtts),
                    "p99": max(p["p99"] for p in rtts)},
            "errors": [e for r in results for e in r["errors"]][:5],
            "error_count": sum(r["error_count"] for r in results),
            "failures": [f for r in results for f in r["failures"]][:5]}


def _fmt(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"


async def server_main(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.transports.websocket_server import CsmsServer

    duration = 3.0 if args.quick else args.seconds
    latency_seconds = 8.0 if args.quick else args.latency_seconds
    rows: list[dict[str, Any]] = []
    workdir = Path(tempfile.mkdtemp(prefix="ocpp-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; capture database in "
          f"{workdir}; {duration:g} s per throughput phase", flush=True)

    echo = await _echo_server()
    echo_url = f"ws://127.0.0.1:{echo.sockets[0].getsockname()[1]}/ocpp"
    rounds = max(1, args.rounds)
    for connections in (1, 10, 100):
        path = workdir / f"throughput-{connections}.db"
        store = CaptureStore(path)
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        ours_rounds, echo_rounds = [], []
        async with CsmsServer(central) as server:
            url = f"ws://127.0.0.1:{server.port}/ocpp"
            # ours and the echo take turns, so a change in the machine's load (other
            # processes) weighs on both alike
            for _ in range(rounds):
                ours_rounds.append(await _run_load(url, connections, duration / rounds, "max"))
                echo_rounds.append(await _run_load(echo_url, connections, duration / rounds,
                                                   "max"))
        ours, bare = _merged(ours_rounds), _merged(echo_rounds)
        recorded = store.count_frames()
        invalid = store._db.execute(  # noqa: SLF001 - a benchmark may peek
            "SELECT COUNT(*) FROM frames WHERE valid = 0 OR message_type = 4").fetchone()[0]
        raw_bytes = store._db.execute(  # noqa: SLF001
            "SELECT COALESCE(SUM(LENGTH(CAST(raw AS BLOB))), 0) FROM frames").fetchone()[0]
        store.close()
        size = sum(f.stat().st_size for f in workdir.glob(f"{path.name}*"))
        rows.append({"connections": connections, "ours": ours, "echo": bare,
                     "recorded": recorded, "invalid": invalid,
                     "growth": size / raw_bytes if raw_bytes else float("nan")})
        print(f"  {connections:>3} connections: ours {ours['calls'] / ours['elapsed']:,.0f} "
              f"calls/s, echo {bare['calls'] / bare['elapsed']:,.0f} msgs/s", flush=True)
    echo.close()
    await echo.wait_closed()

    # Latency: 100 chargers x 1 MeterValues per second.
    store = CaptureStore(workdir / "latency.db")
    central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
    async with CsmsServer(central) as server:
        url = f"ws://127.0.0.1:{server.port}/ocpp"
        latency = await _run_load(url, 100, latency_seconds, "rate")
    server_ms = [r[0] for r in store._db.execute(  # noqa: SLF001
        "SELECT latency_ms FROM frames WHERE direction = 'to_charger' AND message_type = 3 "
        "AND action = 'MeterValues'").fetchall()]
    latency_invalid = store._db.execute(  # noqa: SLF001
        "SELECT COUNT(*) FROM frames WHERE valid = 0 OR message_type = 4").fetchone()[0]
    store.close()
    server_p = _percentiles(server_ms)
    client_p = latency["rtt"]

    # ------------------------------------------------------------------ report
    print()
    print("Throughput: each charger sends Heartbeat/StatusNotification/MeterValues back to back")
    print("(a call = 1 CALL in + 1 CALLRESULT out; both validated and committed to SQLite).")
    header = (f"{'chargers':>8} | {'calls/s':>9} | {'frames/s':>9} | {'rtt p50':>8} | "
              f"{'rtt p99':>8} | {'echo msg/s':>10} | {'ours/echo':>9} | {'recorded':>9} | "
              f"{'bad':>4}")
    print(header)
    print("-" * len(header))
    sustained = []
    figures = Figures("throughput")
    figures.add("throughput_phase_s", duration)
    for row in rows:
        ours, bare = row["ours"], row["echo"]
        calls = ours["calls"] / ours["elapsed"]
        echo_rate = bare["calls"] / bare["elapsed"]
        sustained.append(calls)
        _add_throughput_figures(figures, row, calls, echo_rate)
        print(f"{row['connections']:>8} | {calls:>9,.0f} | {2 * calls:>9,.0f} | "
              f"{_fmt(ours['rtt']['p50'], 2):>8} | {_fmt(ours['rtt']['p99'], 2):>8} | "
              f"{echo_rate:>10,.0f} | {calls / echo_rate:>8.0%} | {row['recorded']:>9,} | "
              f"{row['invalid'] + ours['error_count'] + len(ours['failures']):>4}")
    print("capture file / frames' bytes: " + ", ".join(
        f"{row['connections']} chargers {row['growth']:.2f}x" for row in rows))
    print()
    print(f"Latency: 100 chargers x 1 MeterValues/s for {latency_seconds:g} s "
          f"({latency['calls']:,} calls, {latency['calls'] / latency['elapsed']:.0f} calls/s)")
    header = f"{'measured':<44} | {'n':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'max ms':>7}"
    print(header)
    print("-" * len(header))
    for label, p in (("server: receipt -> answer built (latency_ms)", server_p),
                     ("client: round trip (send -> answer read)", client_p)):
        print(f"{label:<44} | {p['n']:>6,} | {_fmt(p['p50'], 2):>7} | {_fmt(p['p95'], 2):>7} | "
              f"{_fmt(p['p99'], 2):>7} | {_fmt(p['max'], 2):>7}")
    print()
    best = max(sustained)
    frames_ok = 2 * min(sustained[1:]) >= 3000
    p99_ok = client_p["p99"] < 20 and server_p["p99"] < 20
    problems = latency_invalid + latency["error_count"] + len(latency["failures"])
    print(f"bar >= 3,000 frames/s (in+out, 10 and 100 chargers): "
          f"{'PASS' if frames_ok else 'FAIL'} (lowest {2 * min(sustained[1:]):,.0f} frames/s, "
          f"best {2 * best:,.0f}); counted as CALLs answered: lowest "
          f"{min(sustained[1:]):,.0f}/s, best {best:,.0f}/s")
    print(f"bar p99 < 20 ms at 100 x 1/s (server and client): {'PASS' if p99_ok else 'FAIL'}")
    figures.add("latency_phase_s", latency_seconds)
    figures.add("latency_100_chargers_calls", latency["calls"])
    for side, p in (("server", server_p), ("client", client_p)):
        for q in ("p50", "p95", "p99", "max"):
            figures.add(f"latency_100_chargers_{side}_{q}_ms", p[q])
    figures.add("latency_100_chargers_problems", problems)
    figures.add("bar_frames_per_s_pass", frames_ok)
    figures.add("bar_p99_pass", p99_ok)
    figures.write(args.json)
    if problems:
        print(f"WARNING: {problems} invalid/error frames or failures in the latency run: "
              f"{latency['errors']} {latency['failures']}")
    for row in rows:
        if row["ours"]["failures"] or row["ours"]["errors"]:
            print(f"WARNING {row['connections']} chargers: {row['ours']['failures']} "
                  f"{row['ours']['errors']}")
    sizes = sum(p.stat().st_size for p in workdir.iterdir())
    print(f"capture files: {sizes / 1e6:.1f} MB in {workdir} (deleted)")
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    return 0 if frames_ok and p99_ok else 1


def _add_throughput_figures(figures: Figures, row: dict[str, Any], calls: float,
                            echo_rate: float) -> None:
    """One phase's figures, keyed by its number of chargers (1, 10, 100)."""
    n, ours = row["connections"], row["ours"]
    figures.add(f"throughput_{n}_chargers_calls_per_s", calls)
    # A call is one CALL in and one CALLRESULT out: the bar counts both frames.
    figures.add(f"throughput_{n}_chargers_frames_per_s", 2 * calls)
    figures.add(f"throughput_{n}_chargers_rtt_p50_ms", ours["rtt"]["p50"])
    figures.add(f"throughput_{n}_chargers_rtt_p99_ms", ours["rtt"]["p99"])
    figures.add(f"echo_{n}_clients_msgs_per_s", echo_rate)
    figures.add(f"throughput_to_echo_ratio_{n}", calls / echo_rate if echo_rate else None)
    figures.add(f"throughput_{n}_chargers_recorded_frames", row["recorded"])
    # the capture file (database, WAL) against the bytes of the frames it holds
    figures.add(f"throughput_{n}_capture_to_frames_ratio", row["growth"])
    figures.add(f"throughput_{n}_chargers_problems",
                row["invalid"] + ours["error_count"] + len(ours["failures"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short phases (smoke run)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="seconds per throughput phase (default 10)")
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2,
                        help="turns ours and the echo take within a phase (default 2)")
    add_json_argument(parser)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--connections", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="max", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args)
        return 0
    return asyncio.run(server_main(args))


if __name__ == "__main__":
    sys.exit(main())
