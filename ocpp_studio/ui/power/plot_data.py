"""The numbers behind the power plot: window presets, measurand panels, gaps, limit steps,
kW/kWh scaling, readout words, the plotted-curve record and the CSV export (numpy/csv, not
pyqtgraph's exporter: DESIGN.md). No widgets here."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pyqtgraph as pg

from ..common import theme

# measurand names (the metering layer's constants; repeated here so the plot does not
# depend on import order while that layer is optional)
POWER = "Power.Active.Import"
ENERGY = "Energy.Active.Import.Register"
CURRENT = "Current.Import"
VOLTAGE = "Voltage"
SOC = "SoC"

#: window presets: label -> seconds (None = all data)
WINDOWS: dict[str, float | None] = {
    "1 min": 60.0, "10 min": 600.0, "1 h": 3600.0, "24 h": 86_400.0, "All": None,
}
DEFAULT_WINDOW = "10 min"
GAP_FACTOR = 3.0
# Measured with benchmarks/plot_redraw.py (4 x 86,400 points, offscreen): 1-px pens draw
# ~4x faster than 2-px ones (Qt draws wide pens segment by segment), and pyqtgraph's
# grid costs ~10 ms per repaint, so there is no grid; ~2 peak bins per pixel.
PEN_WIDTH = 1.0
DS_FACTOR = 2.0
KILO_THRESHOLD = 1_000.0  # W (or Wh): from this the axis shows kW (kWh), as the readout does

CONNECTOR_COLOURS = theme.CONNECTOR_COLOURS
PHASE_COLOURS = theme.PHASE_COLOURS
LIMIT_COLOUR = theme.LIMIT_COLOUR

PANELS = ("power", "current", "voltage", "soc", "energy")
PANEL_TITLES = {"power": "Power", "current": "Current", "voltage": "Voltage", "soc": "SoC",
                "energy": "Energy"}


# ------------------------------------------------------------------ helpers
def with_gaps(t: np.ndarray, v: np.ndarray,
              factor: float = GAP_FACTOR) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN point between samples further apart than ``factor`` x the median
    interval, so a curve drawn with ``connect="finite"`` shows the gap."""
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    if len(t) < 3:
        return t, v
    d = np.diff(t)
    median = float(np.median(d))
    if not median > 0:
        return t, v
    idx = np.flatnonzero(d > factor * median)
    if not len(idx):
        return t, v
    gap_t = (t[idx] + t[idx + 1]) / 2.0
    return np.insert(t, idx + 1, gap_t), np.insert(v, idx + 1, np.nan)


def step_arrays(steps: Sequence[Any], end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """LimitStep list -> x/y arrays of a step line (each limit held until the next start;
    the last until ``end_s``). A step without a limit (None) is a gap."""
    xs: list[float] = []
    ys: list[float] = []
    ordered = sorted(steps, key=lambda s: s.start_s)
    for i, step in enumerate(ordered):
        stop = ordered[i + 1].start_s if i + 1 < len(ordered) else max(end_s, step.start_s)
        y = float("nan") if step.limit_w is None else float(step.limit_w)
        xs += [step.start_s, stop]
        ys += [y, y]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def scale_for(max_abs: float, unit: str) -> tuple[float, str]:
    """(divisor, display unit): W -> kW and Wh -> kWh above KILO_THRESHOLD."""
    if unit in ("W", "Wh") and max_abs >= KILO_THRESHOLD:
        return 1000.0, "k" + unit
    return 1.0, unit


def format_value(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if unit in ("W", "Wh") and abs(value) >= 1000:
        return f"{value / 1000:.2f} k{unit}"
    if unit == "Percent" or unit == "%":
        return f"{value:.0f} %"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f} {unit}"


def iso_time(ts_s: float) -> str:
    return datetime.fromtimestamp(ts_s).astimezone().isoformat(timespec="milliseconds")


def phase_name(phase: str | None) -> str:
    return (phase or "").split("-")[0]


@dataclass
class Curve:
    """One plotted series: where it comes from and the item that draws it."""

    panel: str
    name: str          # column / legend name, e.g. "Connector 1" or "L1"
    unit: str          # the series' unit (W, Wh, A, V, Percent)
    item: pg.PlotDataItem
    fetch: Callable[[], Any]  # -> SampleSeries | None
    stamp: tuple = ()  # (len, last) when last drawn: skip unchanged series
    divisor: float = 1.0
    raw_t: np.ndarray | None = None
    raw_v: np.ndarray | None = None
    data: Any = None   # curve_data.CurveData: the samples, gaps and tables drawn
    key: Any = None    # the series' key (connector, measurand): to notice late samples
    resync: bool = False  # a sample older than the last came: read the whole series again



def wanted_series(m: Any, charger: str | None, visible_panels: set[str]
                  ) -> list[tuple[str, str, str, Callable[[], Any], str]]:
    """(panel, name, unit, fetch, colour) for every series of ``charger`` to show: power per
    connector, then the visible panels' series (per phase where the charger reports phases)."""
    if m is None or charger is None:
        return []
    wanted = []
    connectors = sorted(m.connectors(charger), key=natural_key)
    single = len(connectors) <= 1
    for i, connector in enumerate(connectors):
        series = m.power(charger, connector)
        if series is not None:
            wanted.append(("power", f"Connector {connector}", "W",
                           lambda c=connector: m.power(charger, c),
                           CONNECTOR_COLOURS[i % len(CONNECTOR_COLOURS)]))
    keys = m.keys(charger)
    measurand_panel = {CURRENT: "current", VOLTAGE: "voltage", SOC: "soc",
                       ENERGY: "energy"}
    for key in sorted(keys, key=lambda k: (natural_key(k.connector), k.measurand,
                                           k.phase or "")):
        panel = measurand_panel.get(key.measurand)
        if panel is None or panel not in visible_panels:
            continue
        if panel in ("current", "voltage") and key.phase is None and any(
                k.measurand == key.measurand and k.connector == key.connector
                and k.phase is not None for k in keys):
            continue  # per-phase curves are shown; skip the total
        phase = phase_name(key.phase)
        name = phase or "Total"
        if not single or panel in ("soc", "energy"):
            name = f"Connector {key.connector}" + (f" {phase}" if phase else "")
        colour = PHASE_COLOURS.get(phase) or CONNECTOR_COLOURS[
            connectors.index(key.connector) % len(CONNECTOR_COLOURS)
            if key.connector in connectors else 0]
        series = m.series(key)
        unit = getattr(series, "unit", "") or ""
        wanted.append((panel, name, unit, lambda k=key: m.series(k), colour))
    return wanted


def write_csv(curves: Sequence[Curve], x0: float, x1: float, path: str | Path) -> int:
    """The samples of ``curves`` between ``x0`` and ``x1``: ISO time, then one column per
    curve in its own unit (W, Wh, A, V, %); blank where a series has no sample. Returns
    the number of rows."""
    rows: dict[float, list[str]] = {}
    for n, curve in enumerate(curves):
        if curve.raw_t is None:
            continue
        lo, hi = np.searchsorted(curve.raw_t, [x0, x1], side="left")
        hi = np.searchsorted(curve.raw_t, x1, side="right")
        for t, v in zip(curve.raw_t[lo:hi].tolist(), curve.raw_v[lo:hi].tolist()):
            row = rows.setdefault(round(t, 3), [""] * len(curves))
            row[n] = f"{v:g}"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["time"] + [
            f"{PANEL_TITLES[c.panel]} {c.name} ({unit_text(c.unit)})"
            if c.panel != "power" else f"Power {c.name} ({unit_text(c.unit)})"
            for c in curves])
        for t in sorted(rows):
            writer.writerow([iso_time(t)] + rows[t])
    return len(rows)


def unit_text(unit: str) -> str:
    return "%" if unit == "Percent" else unit


def median_interval(t: np.ndarray) -> float:
    tail = t[-121:]
    return float(np.median(np.diff(tail))) if len(tail) > 2 else 1.0


def natural_key(text: str) -> tuple:
    """'2' before '10', '1.2' after '1': connector labels in the order people count."""
    return tuple(int(p) if p.isdigit() else 0 for p in str(text).split(".")) + (str(text),)
