"""Every benchmark writes its figures as JSON with --json FILE (issue 17).

The figures are compared from run to run, so what matters here is that the file
is written, is one flat JSON object of measure -> value, and carries the stable
keys (never the values: the benchmarks are timing runs on a shared machine).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _figures import Figures  # noqa: E402

SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=BENCHMARKS.parent)


def test_figures_are_written_as_one_json_object(tmp_path: Path) -> None:
    figures = Figures("example")
    figures.add("example_latency_ms", 1.25)
    figures.add("example_count", 3)
    figures.add("example_nothing_measured_ms", math.nan)
    target = tmp_path / "runs" / "figures.json"

    figures.write(target)

    assert json.loads(target.read_text()) == {
        "benchmark": "example", "example_latency_ms": 1.25, "example_count": 3,
        "example_nothing_measured_ms": None}  # JSON has no NaN
    assert [p.name for p in target.parent.iterdir()] == ["figures.json"]  # no temp file left


def test_a_second_run_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "figures.json"
    target.write_text('{"old": 1, "half written')
    figures = Figures("example")
    figures.add("example_latency_ms", 2.0)

    figures.write(target)

    assert json.loads(target.read_text()) == {"benchmark": "example", "example_latency_ms": 2.0}


@pytest.mark.parametrize("key", ["Throughput", "p99 ms", "latency-ms", "_ms", ""])
def test_keys_must_be_snake_case(key: str) -> None:
    with pytest.raises(ValueError):
        Figures("example").add(key, 1.0)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_benchmark_offers_json(script: Path) -> None:
    result = _run(str(script), "--help")

    assert result.returncode == 0, result.stderr
    assert "--json FILE" in result.stdout


def test_proxy_benchmark_writes_its_figures(tmp_path: Path) -> None:
    target = tmp_path / "proxy.json"

    # A tiny run (20 CALLs per leg); its PASS/FAIL depends on the machine's load.
    result = _run("benchmarks/proxy_latency.py", "--count", "20", "--json", str(target))

    assert result.returncode in (0, 1), result.stderr
    figures = json.loads(target.read_text())
    assert figures["benchmark"] == "proxy_latency"
    assert figures["proxy_calls_per_leg"] == 20
    for key in ("proxy_direct_rtt_median_ms", "proxy_proxied_rtt_median_ms",
                "proxy_added_latency_median_ms", "proxy_added_latency_p99_ms",
                "proxy_to_direct_median_ratio"):
        assert isinstance(figures[key], float), key
    assert isinstance(figures["bar_pass"], bool)
