"""Redraw time of the power plot per 1-second tick with 24 h of data in 4 series.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/plot_redraw.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/plot_redraw.py --json FILE

Builds 4 series (4 connectors' power) of 86,400 one-second samples each in the real
SampleSeries ring buffers, shows them in the PowerPlot, then simulates 60 ticks: one new
sample per series, refresh() and processEvents() (which paints). Prints mean / median /
p95 / max per tick (wall clock) and the mean CPU time of the thread (steadier on a busy
machine) for the "24 h" and "All" windows (bar: under 16 ms) and the process's RSS.

It also runs on a tree from before issue 17 (PYTHONPATH=that tree, this script's path), so
the before and after can be measured alternately in one run with the same figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from _figures import Figures, add_json_argument  # noqa: E402  (benchmarks/ is sys.path[0])

from ocpp_studio.metering.series import POWER, SampleSeries, SeriesKey  # noqa: E402

try:
    from ocpp_studio.core.events import Signal  # noqa: E402
    from ocpp_studio.ui.power.power_plot import PowerPlot  # noqa: E402
except ImportError:  # a tree from before ui/power/ and signals: measured the same way
    from ocpp_studio.ui.power_plot import PowerPlot  # type: ignore # noqa: E402
    Signal = None  # type: ignore[assignment,misc]

DAY = 86_400
SERIES = 4
TICKS = 60


class Source:
    """The MeteringService interface the plot uses, over real SampleSeries."""

    def __init__(self, charger: str, series: dict[str, SampleSeries]) -> None:
        self.charger, self._series = charger, series
        if Signal is not None:
            self.samples_added = Signal("meter samples")  # never emitted here

    def add_listener(self, callback: object) -> None:  # the older trees' interface
        pass

    def remove_listener(self, callback: object) -> None:
        pass

    def connectors(self, charger: str) -> list[str]:
        return list(self._series)

    def power(self, charger: str, connector: str) -> SampleSeries | None:
        return self._series.get(connector)

    def keys(self, charger: str | None = None) -> list[SeriesKey]:
        return [s.key for s in self._series.values()]

    def series(self, key: SeriesKey) -> SampleSeries | None:
        return self._series.get(key.connector) if key.measurand == POWER else None


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=TICKS,
                        help=f"ticks per window (default {TICKS})")
    add_json_argument(parser)
    options = parser.parse_args()
    figures = Figures("plot_redraw")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rss_start = rss_mb()
    now = time.time()
    start = now - DAY
    rng = np.random.default_rng(1)
    series: dict[str, SampleSeries] = {}
    build = time.perf_counter()
    for n in range(SERIES):
        s = SampleSeries(SeriesKey("BENCH", str(n + 1), POWER, None), "W")
        values = 7000 + 400 * np.sin(np.arange(DAY) / 900 + n) + rng.normal(0, 30, DAY)
        for i in range(DAY):
            s.append(start + i, float(values[i]))
        series[str(n + 1)] = s
    build = time.perf_counter() - build
    rss_data = rss_mb()

    clock = [now]
    plot = PowerPlot(clock=lambda: clock[0])
    plot.resize(1200, 500)
    plot.show()
    plot.timer.stop()  # ticks are driven here
    plot.set_metering(Source("BENCH", series))
    t = time.perf_counter()
    plot.set_charger("BENCH")
    app.processEvents()
    first = time.perf_counter() - t
    print(f"{SERIES} series x {DAY:,} samples (1 s, 24 h); filled in {build:.1f} s; "
          f"first draw {first * 1000:.0f} ms")
    figures.add("plot_fill_s", build)
    figures.add("plot_first_draw_ms", first * 1000)

    all_ok = True
    for window in ("24 h", "All"):
        plot.set_window(window)
        app.processEvents()
        times, cpu = [], []
        for _ in range(options.ticks):
            clock[0] += 1.0
            for s in series.values():
                s.append(clock[0], 7000.0 + float(rng.normal(0, 30)))
            t, c = time.perf_counter(), time.thread_time()
            plot.refresh()
            app.processEvents()
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        median = statistics.median(times)
        verdict = "OK" if p95 < 16 else "OVER the 16 ms bar"
        all_ok = all_ok and p95 < 16
        print(f"window {window:>5}: redraw per tick mean {statistics.mean(times):5.1f} ms, "
              f"median {median:5.1f} ms, p95 {p95:5.1f} ms, max {times[-1]:5.1f} ms  "
              f"[{verdict}]; CPU mean {statistics.mean(cpu):5.1f} ms")
        name = "24h" if window == "24 h" else window.lower()
        figures.add(f"plot_redraw_{name}_mean_ms", statistics.mean(times))
        figures.add(f"plot_redraw_{name}_median_ms", median)
        figures.add(f"plot_redraw_{name}_p95_ms", p95)
        figures.add(f"plot_redraw_{name}_max_ms", times[-1])
        # the main thread's CPU time: what a busy machine's other processes do not inflate
        figures.add(f"plot_redraw_{name}_cpu_mean_ms", statistics.mean(cpu))
    rss_plot = rss_mb()
    print(f"RSS: {rss_start:.0f} MB at start, {rss_data:.0f} MB with the series, "
          f"{rss_plot:.0f} MB with the plot")
    figures.add("plot_rss_start_mb", rss_start)
    figures.add("plot_rss_with_series_mb", rss_data)
    figures.add("plot_rss_with_plot_mb", rss_plot)
    figures.add("bar_pass", all_ok)
    figures.write(options.json)


if __name__ == "__main__":
    main()
