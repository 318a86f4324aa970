"""Many chargers on one CSMS: round trip and server memory at 100, 1,000 and 3,000 chargers.

    python benchmarks/scale.py                       # 100, 1,000, 3,000 chargers, 60 s each
    python benchmarks/scale.py --chargers 1000 --duration 120
    python benchmarks/scale.py --json FILE           # also write the figures as JSON
    python benchmarks/scale.py --baseline            # each step also against a bare
                                                     # websockets server (the clients' floor)

For each number of chargers a fresh server runs as ``python -m ocpp_studio.cli serve``
(the real ``serve``: schema validation and SQLite capture on, a temporary capture file,
``--quiet``) on 127.0.0.1 with an ephemeral port. The chargers are light websockets
clients (not the demo charger, which runs a whole simulated station per charger), split
over ``--processes`` separate processes so they share neither the server's event loop nor
one CPU: each connects, sends a BootNotification, then one MeterValues (power, current,
energy) every ``--interval`` seconds, the chargers' first sends spread evenly over the
first interval. The round trip is what the charger sees, send to CALLRESULT (so on a
2-core machine it includes the client processes' own scheduling). The server's RSS is
read from /proc/<pid>/status: after all chargers booted (idle), and the peak while they
send; its CPU from /proc/<pid>/stat.

Bar (issue 17): 1,000 chargers: p99 < 5 ms, server RSS < 400 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _figures import Figures, add_json_argument  # benchmarks/ is sys.path[0] when run

ROOT = Path(__file__).resolve().parent.parent
BAR_CHARGERS, BAR_P99_MS, BAR_RSS_MB = 1000, 5.0, 400.0


# ================================================================== the chargers' side
def _meter_values(connector: int) -> dict[str, Any]:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4] + "Z"
    return {"connectorId": connector, "transactionId": 1, "meterValue": [{
        "timestamp": now, "sampledValue": [
            {"value": f"{random.uniform(0, 7400):.1f}", "measurand": "Power.Active.Import",
             "unit": "W", "context": "Sample.Periodic"},
            {"value": f"{random.uniform(0, 32):.2f}", "measurand": "Current.Import",
             "phase": "L1", "unit": "A", "context": "Sample.Periodic"},
            {"value": f"{random.uniform(0, 1e6):.0f}", "measurand":
             "Energy.Active.Import.Register", "unit": "Wh", "context": "Sample.Periodic"}]}]}


class Charger:
    """One websocket, one BootNotification, then MeterValues on a fixed beat."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self.ws: Any = None
        self.rtts: list[float] = []
        self.slow: list[tuple[float, float]] = []  # (wall time sent, ms) over 100 ms
        self.errors: list[str] = []

    async def connect(self) -> None:
        from websockets.asyncio.client import connect
        self.ws = await connect(f"{self.url}/{self.name}", subprotocols=["ocpp1.6"],
                                ping_interval=None, open_timeout=120, compression=None)
        await self.call("BootNotification", {"chargePointVendor": "bench",
                                             "chargePointModel": "scale"}, timed=False)

    async def call(self, action: str, payload: dict[str, Any], timed: bool = True) -> None:
        unique = f"{self.name}-{len(self.rtts)}-{action[:1]}"
        sent, wall = time.perf_counter(), time.time()
        await self.ws.send(json.dumps([2, unique, action, payload]))
        answer = await self.ws.recv()
        if timed:
            self.rtts.append((time.perf_counter() - sent) * 1000)
            if self.rtts[-1] > 100:
                self.slow.append((wall, self.rtts[-1]))
        if not str(answer).startswith(f'[3,"{unique}"'):
            self.errors.append(str(answer)[:200])

    async def beat(self, first_at: float, interval: float, until: float) -> None:
        """MeterValues at first_at, first_at + interval, ... (wall clock) until ``until``."""
        at = first_at
        while at < until:
            await asyncio.sleep(max(0.0, at - time.time()))
            await self.call("MeterValues", _meter_values(1))
            at += interval


async def _load(args: argparse.Namespace) -> None:
    names = [f"SCALE{i:05d}" for i in range(args.first, args.first + args.count)]
    chargers = [Charger(args.url, name) for name in names]
    began = time.perf_counter()
    gate = asyncio.Semaphore(50)  # connections being opened at once

    async def open_one(charger: Charger) -> None:
        async with gate:
            await charger.connect()

    await asyncio.gather(*(open_one(c) for c in chargers))
    print(json.dumps({"ready": len(chargers), "connect_s": time.perf_counter() - began}),
          flush=True)
    go = json.loads(await asyncio.to_thread(sys.stdin.readline))  # {"start": epoch}
    # The load generator is the instrument: its own garbage collections (gen-2 passes of
    # 30-40 ms over 500 connections' objects) would be timed as the server's round trips
    gc.collect()
    gc.freeze()
    gc.disable()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    start, until = go["start"], go["start"] + args.duration
    results = await asyncio.gather(*(
        c.beat(start + (args.first + i) / args.total * args.interval, args.interval, until)
        for i, c in enumerate(chargers)), return_exceptions=True)
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    # This process's chargers send their last MeterValues up to half an interval before
    # the others: closing their 500 connections now made the server handle 500 closes
    # while the other process's chargers were still being timed (a stall of ~0.2 s in
    # the last seconds of every run). A fleet's steady state is measured, not its exit.
    await asyncio.sleep(max(0.0, until - time.time()))
    await asyncio.gather(*(c.ws.close() for c in chargers), return_exceptions=True)
    print(json.dumps({"rtts": [r for c in chargers for r in c.rtts],
                      "slow": [s for c in chargers for s in c.slow],
                      "errors": [e for c in chargers for e in c.errors][:5],
                      "error_count": sum(len(c.errors) for c in chargers),
                      "failures": failures[:5], "failure_count": len(failures),
                      "cpu_pct": 100 * cpu / args.duration}), flush=True)


# ==================================================================== the server's side
def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def _echo_server() -> None:
    """The baseline: a bare websockets server answering every CALL at once with an empty
    CALLRESULT (no parsing beyond the id, no validation, no capture)."""
    from websockets.asyncio.server import serve

    async def answer(ws: Any) -> None:
        async for message in ws:
            await ws.send(json.dumps([3, json.loads(message)[1], {}], separators=(",", ":")))

    async with serve(answer, "127.0.0.1", 0, subprotocols=["ocpp1.6"], ping_interval=None,
                     compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"point chargers at ws://127.0.0.1:{port}/ocpp/<chargerId>", flush=True)
        await asyncio.Future()


def start_server(workdir: Path, echo: bool = False) -> tuple[subprocess.Popen[str], str]:
    """``serve`` (or, ``echo``, the bare websockets baseline) on an ephemeral port."""
    env = {**os.environ, "OCPP_STUDIO_LOG_DIR": str(workdir / "log"),
           "XDG_CONFIG_HOME": str(workdir / "config"), "XDG_DATA_HOME": str(workdir / "data"),
           "XDG_STATE_HOME": str(workdir / "state"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, __file__, "--echo-server"] if echo else [
        sys.executable, "-m", "ocpp_studio.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        "--capture", str(workdir / "scale.sqlite"), "--quiet"]
    with open(workdir / "server.err", "w", encoding="utf-8") as errors:  # never a full pipe
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                  env=env, cwd=workdir)
    assert server.stdout is not None
    for line in server.stdout:
        if "point chargers at " in line:
            return server, line.split("point chargers at ", 1)[1].split("/<chargerId>")[0]
    server.wait()
    raise RuntimeError("the server did not start: "
                       f"{(workdir / 'server.err').read_text(encoding='utf-8')[-2000:]}")


def server_latencies(capture: Path) -> list[float]:
    """The server's own time per MeterValues (receipt to answer built: latency_ms of its
    CALLRESULT rows in the capture), to tell its delays from the clients' (none if the
    capture's layout is not the expected one)."""
    import sqlite3
    try:
        with contextlib.closing(sqlite3.connect(f"file:{capture}?mode=ro", uri=True)) as db:
            return [r[0] for r in db.execute(
                "SELECT latency_ms FROM frames WHERE direction = 'to_charger' AND "
                "message_type = 3 AND action = 'MeterValues' AND latency_ms IS NOT NULL")]
    except sqlite3.Error:
        return []


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_step(chargers: int, args: argparse.Namespace, echo: bool = False) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="ocpp-scale-"))
    server, url = start_server(workdir, echo)
    try:
        rss_start = rss_mb(server.pid)
        shares = [chargers // args.processes + (1 if i < chargers % args.processes else 0)
                  for i in range(args.processes)]
        clients, first = [], 0
        for share in (s for s in shares if s):
            clients.append(subprocess.Popen(
                [sys.executable, __file__, "--load", "--url", url, "--first", str(first),
                 "--count", str(share), "--total", str(chargers), "--interval",
                 str(args.interval), "--duration", str(args.duration)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            first += share
        ready = [json.loads(c.stdout.readline()) for c in clients]  # type: ignore[union-attr]
        rss_idle = rss_mb(server.pid)
        start = time.time() + 0.5
        cpu_before = cpu_s(server.pid)
        for c in clients:
            c.stdin.write(json.dumps({"start": start}) + "\n")  # type: ignore[union-attr]
            c.stdin.flush()  # type: ignore[union-attr]
        peak = rss_idle
        while any(c.poll() is None for c in clients) and time.time() < start + args.duration:
            peak = max(peak, rss_mb(server.pid))
            time.sleep(0.5)
        cpu = cpu_s(server.pid) - cpu_before
        outputs = [json.loads(c.stdout.read().strip().splitlines()[-1])  # type: ignore
                   for c in clients]
        for c in clients:
            c.wait(timeout=60)
        peak = max(peak, rss_mb(server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    rtts = sorted(r for o in outputs for r in o["rtts"])
    server_ms = sorted(server_latencies(workdir / "scale.sqlite"))
    shutil.rmtree(workdir, ignore_errors=True)
    slow = sorted(s for o in outputs for s in o["slow"])
    return {"chargers": chargers, "connect_s": max(r["connect_s"] for r in ready),
            "calls": len(rtts), "p50": percentile(rtts, 0.50), "p99": percentile(rtts, 0.99),
            # the bar as a share: p99 < 5 ms means fewer than 1 % of the round trips over it
            "over_bar_pct": 100 * sum(r > BAR_P99_MS for r in rtts) / max(1, len(rtts)),
            "max": rtts[-1] if rtts else float("nan"), "rss_start": rss_start,
            "rss_idle": rss_idle, "rss_peak": peak, "cpu_pct": 100 * cpu / args.duration,
            "client_cpu_pct": [round(o["cpu_pct"]) for o in outputs],
            "server_p50": percentile(server_ms, 0.50), "server_p99": percentile(server_ms, 0.99),
            "slow_seconds": sorted({round(wall - start) for wall, _ in slow}),
            "errors": sum(o["error_count"] for o in outputs) + sum(
                o["failure_count"] for o in outputs),
            "error_samples": [e for o in outputs for e in o["errors"] + o["failures"]][:3]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", default="100,1000,3000",
                        help="numbers of chargers, comma separated (default 100,1000,3000)")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds of MeterValues per step (default 60)")
    parser.add_argument("--interval", type=float, default=10.0,
                        help="seconds between one charger's MeterValues (default 10)")
    parser.add_argument("--processes", type=int, default=2,
                        help="client processes the chargers are spread over (default 2)")
    add_json_argument(parser)
    load = parser.add_argument_group("internal: one client process")
    load.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    load.add_argument("--url", help=argparse.SUPPRESS)
    load.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    load.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    load.add_argument("--total", type=int, default=1, help=argparse.SUPPRESS)
    load.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true",
                        help="also run each step against a bare websockets server that answers "
                        "at once: what these clients measure on this machine with no server "
                        "work at all (the floor under the bar)")
    args = parser.parse_args()
    counts = [int(n) for n in args.chargers.split(",") if n.strip()]
    limit = raise_fd_limit(max(counts) * 2 + 256)  # a socket per charger, twice over
    if args.load:
        asyncio.run(_load(args))
        return 0
    if args.echo_server:
        asyncio.run(_echo_server())
        return 0
    figures = Figures("scale")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, open-file limit {limit}; "
          f"MeterValues every {args.interval:g} s for {args.duration:g} s; chargers in "
          f"{args.processes} client process(es)", flush=True)
    figures.add("scale_interval_s", args.interval)
    figures.add("scale_duration_s", args.duration)
    rows = []
    for n in counts:
        if args.baseline:
            echo = run_step(n, args, echo=True)
            print(f"{n:>6,} chargers, bare websockets server: round trip p50 {echo['p50']:.2f} "
                  f"ms, p99 {echo['p99']:.2f} ms, max {echo['max']:.1f} ms "
                  f"({echo['over_bar_pct']:.2f} % over {BAR_P99_MS:g} ms); errors "
                  f"{echo['errors']}", flush=True)
            for key in ("p50", "p99", "max"):
                figures.add(f"scale_{n}_chargers_echo_{key}_ms", echo[key])
            figures.add(f"scale_{n}_chargers_echo_over_5ms_pct", echo["over_bar_pct"])
        row = run_step(n, args)
        rows.append(row)
        print(f"{n:>6,} chargers: connected in {row['connect_s']:5.1f} s; {row['calls']:,} "
              f"MeterValues, round trip p50 {row['p50']:.2f} ms, p99 {row['p99']:.2f} ms, max "
              f"{row['max']:.1f} ms ({row['over_bar_pct']:.2f} % over {BAR_P99_MS:g} ms); server RSS {row['rss_start']:.0f} MB at start, "
              f"{row['rss_idle']:.0f} MB connected, peak {row['rss_peak']:.0f} MB; server CPU "
              f"{row['cpu_pct']:.0f} %; errors {row['errors']}", flush=True)
        print(f"        the server's own time (receipt to answer built): p50 "
              f"{row['server_p50']:.2f} ms, p99 {row['server_p99']:.2f} ms; client processes' "
              f"CPU {row['client_cpu_pct']} %; round trips over "
              f"100 ms in second(s) {row['slow_seconds'][:20]} of the run", flush=True)
        for sample in row["error_samples"]:
            print(f"    {sample}")
        for key, value in (("connect_s", row["connect_s"]), ("calls", row["calls"]),
                           ("p50_ms", row["p50"]), ("p99_ms", row["p99"]),
                           ("max_ms", row["max"]), ("over_5ms_pct", row["over_bar_pct"]),
                           ("rss_start_mb", row["rss_start"]),
                           ("rss_connected_mb", row["rss_idle"]),
                           ("rss_peak_mb", row["rss_peak"]),
                           ("server_cpu_pct", row["cpu_pct"]), ("errors", row["errors"]),
                           ("server_side_p50_ms", row["server_p50"]),
                           ("server_side_p99_ms", row["server_p99"])):
            figures.add(f"scale_{n}_chargers_{key}", value)
    if len(rows) > 1:
        low, high = rows[0], rows[-1]
        per = (high["rss_peak"] - low["rss_peak"]) / (high["chargers"] - low["chargers"])
        print(f"RSS grows {per * 1024:.0f} kB per charger from {low['chargers']:,} to "
              f"{high['chargers']:,}; p99 {low['p99']:.2f} -> {high['p99']:.2f} ms")
        figures.add("scale_rss_per_charger_kb", per * 1024)
    at_bar = [r for r in rows if r["chargers"] == BAR_CHARGERS]
    passed = bool(at_bar) and at_bar[0]["p99"] < BAR_P99_MS and \
        at_bar[0]["rss_peak"] < BAR_RSS_MB and at_bar[0]["errors"] == 0
    if at_bar:
        print(f"bar at {BAR_CHARGERS:,} chargers (p99 < {BAR_P99_MS:g} ms, RSS < "
              f"{BAR_RSS_MB:g} MB): {'PASS' if passed else 'FAIL'}")
    figures.add("bar_pass", passed)
    figures.write(args.json)
    return 0 if passed or not at_bar else 1


if __name__ == "__main__":
    sys.exit(main())
