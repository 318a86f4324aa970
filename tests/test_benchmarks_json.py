"""Every benchmark writes its figures as JSON with --json FILE (issue 17).

The figures are compared from run to run, so what matters here is that the file
is written, is one flat JSON object of measure -> value, and carries the stable
keys (never the values: the benchmarks are timing runs on a shared machine).
"""

from __future__ import annotations

import json
import math
import os
import shutil
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


def test_scale_benchmark_writes_its_figures(tmp_path: Path) -> None:
    target = tmp_path / "scale.json"

    # A tiny run: 4 chargers (over the real `serve` in its own process and two client
    # processes), one MeterValues each per second for 2 s; no 1,000-charger step, no bar.
    result = _run("benchmarks/scale.py", "--chargers", "4", "--duration", "2", "--interval",
                  "1", "--json", str(target))

    assert result.returncode == 0, result.stderr
    figures = json.loads(target.read_text())
    assert figures["benchmark"] == "scale"
    assert figures["scale_4_chargers_errors"] == 0
    assert figures["scale_4_chargers_calls"] >= 4  # every charger sent at least once
    for key in ("scale_4_chargers_p99_ms", "scale_4_chargers_p50_ms",
                "scale_4_chargers_rss_peak_mb", "scale_4_chargers_rss_connected_mb",
                "scale_4_chargers_connect_s"):
        assert isinstance(figures[key], float) and figures[key] > 0, key
    assert figures["bar_pass"] is False  # the bar is judged at 1,000 chargers only


def test_plot_benchmark_reports_cpu_time_per_tick(tmp_path: Path) -> None:
    target = tmp_path / "plot.json"

    result = _run("benchmarks/plot_redraw.py", "--json", str(target), timeout=300)

    assert result.returncode == 0, result.stderr
    figures = json.loads(target.read_text())
    for window in ("24h", "all"):
        for measure in ("mean", "p95", "cpu_mean"):
            assert isinstance(figures[f"plot_redraw_{window}_{measure}_ms"], float)


FAKE_APP = '''import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
window = QWidget()
window.setWindowTitle("OCPP Studio")
window.show()
QTimer.singleShot(1500, app.quit)
app.exec()
'''


@pytest.mark.skipif(not all(shutil.which(t) for t in ("Xvfb", "xwininfo", "du")),
                    reason="needs Xvfb and xwininfo")
def test_bundle_benchmark_writes_its_figures(tmp_path: Path) -> None:
    # A stand-in one-folder bundle: an executable that opens a window titled like ours.
    dist = tmp_path / "ocpp-studio"
    (dist / "_internal").mkdir(parents=True)
    (dist / "_internal" / "fake_app.py").write_text(FAKE_APP)
    executable = dist / "ocpp-studio"
    executable.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{dist}/_internal/fake_app.py"\n')
    executable.chmod(0o755)
    target = tmp_path / "bundle.json"

    result = _run("benchmarks/bundle.py", "--dist", str(dist), "--runs", "1", "--no-source",
                  "--json", str(target))

    assert result.returncode in (0, 1), result.stderr  # PASS/FAIL is the machine's business
    figures = json.loads(target.read_text())
    assert figures["benchmark"] == "bundle"
    assert 0 < figures["bundle_size_mb"] < 1
    assert isinstance(figures["bundle_start_to_window_s"], float)
    assert "bundle_from_source_start_to_window_s" not in figures
