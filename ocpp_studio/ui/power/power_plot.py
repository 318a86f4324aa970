"""The live power plot: pyqtgraph curves over the metering layer's series.

One curve per connector of one charger for power (W or kW, chosen by magnitude), and
optional panels below it (current per phase, voltage, SoC, energy) that share the time
axis. Gaps in the data (an interval more than 3 x the median interval) are drawn as
gaps. The limit the charger should obey is a dashed step line over the power.

DESIGN.md: a day of 1-second samples redraws in ~10 ms with peak downsampling and
clip-to-view; CSV export uses numpy/csv, not pyqtgraph's exporter.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

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

CONNECTOR_COLOURS = ["#1f6fd1", "#2a9d3a", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"]
# the UK/EU cable colours installers know: L1 brown, L2 black, L3 grey, N blue
PHASE_COLOURS = {"L1": "#8b4a1c", "L2": "#202020", "L3": "#8a8a8a", "N": "#2060c0"}
LIMIT_COLOUR = "#e07b00"

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


# ------------------------------------------------------------------ the widget
class PowerPlot(QWidget):
    """Plots one charger's series from a MeteringService-like source.

    ``set_metering(metering)`` then ``set_charger(id)``; ``refresh()`` redraws (a 1 Hz
    timer and new samples for this charger call it, coalesced).
    """

    follow_changed = Signal(bool)  # False when the user zooms/pans or presses Pause
    refreshed = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.clock = clock
        self.metering: Any = None
        self.charger: str | None = None
        self.window_name = DEFAULT_WINDOW
        self.following = True
        self.limit_steps: list[Any] = []
        self.visible_panels: set[str] = {"power"}
        self.curves: list[Curve] = []
        self._layout_key: tuple = ()
        self._setting_range = False
        self._dirty = True
        self._labels: dict[str, str] = {}
        self._y_ranges: dict[str, tuple[float, float]] = {}
        self.power_divisor, self.power_unit = 1.0, "W"

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.view.ci.setSpacing(4)
        self.readout = QLabel(" ")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setStyleSheet("QLabel { color: #333; padding: 2px 4px; }")
        self.readout.setMinimumHeight(self.readout.fontMetrics().height() + 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.view, 1)

        self.plots: dict[str, pg.PlotItem] = {}
        self.crosshairs: dict[str, pg.InfiniteLine] = {}
        for name in PANELS:
            plot = pg.PlotItem(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.getViewBox().setMouseEnabled(x=True, y=False)
            plot.getViewBox().enableAutoRange(axis="y", enable=True)
            plot.getViewBox().setAutoVisible(y=True)
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setPen(pg.mkPen("#666"))
                ax.setTextPen(pg.mkPen("#222"))
            plot.getAxis("left").setWidth(62)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen("#999", width=1, style=Qt.PenStyle.DotLine))
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self.crosshairs[name] = line
            if name != "power":
                plot.setXLink(self.plots["power"])
            plot.getViewBox().sigRangeChangedManually.connect(self._user_moved)
            self.plots[name] = plot
        power = self.plots["power"]
        self.legend = power.addLegend(offset=(8, 4), labelTextColor="#222",
                                      brush=pg.mkBrush(255, 255, 255, 200))
        # current and voltage curves are per phase: without a legend nobody can tell
        # L1 (brown) from L2 (black) and L3 (grey)
        self.legends = {"power": self.legend}
        for name in ("current", "voltage"):
            self.legends[name] = self.plots[name].addLegend(
                offset=(8, 4), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 200))
        self.limit_item = pg.PlotDataItem(
            pen=pg.mkPen(LIMIT_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            connect="finite", name="Limit")
        self.limit_item.setZValue(5)
        self._place_panels()
        self._mouse_proxy = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._mouse_moved)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(150)
        self._soon.timeout.connect(self.refresh)

    # ---------------------------------------------------------- configuration
    def set_metering(self, metering: Any) -> None:
        if self.metering is not None:
            self.metering.samples_added.disconnect(self._on_samples)
        self.metering = metering
        if metering is not None:
            metering.samples_added.connect(self._on_samples)
        self._layout_key = ()
        self.refresh()

    def detach(self) -> None:
        self.timer.stop()
        self._soon.stop()
        if self.metering is not None:
            self.metering.samples_added.disconnect(self._on_samples)

    def set_charger(self, charger: str | None) -> None:
        if charger == self.charger:
            return
        self.charger = charger
        self.limit_steps = []
        self._layout_key = ()
        self.set_following(True)
        self.refresh()

    def set_window(self, name: str) -> None:
        if name not in WINDOWS:
            raise ValueError(f"unknown window {name!r}")
        self.window_name = name
        self.set_following(True)
        self.refresh()

    def set_following(self, on: bool) -> None:
        if on != self.following:
            self.following = on
            self.follow_changed.emit(on)
        if on:
            self._apply_window()

    def set_panel_visible(self, panel: str, visible: bool) -> None:
        if panel == "power":
            return
        (self.visible_panels.add if visible else self.visible_panels.discard)(panel)
        self._layout_key = ()
        self._place_panels()
        self.refresh()

    def set_limit(self, steps: Iterable[Any]) -> None:
        self.limit_steps = list(steps)
        self._draw_limit()
        self._apply_window()

    # -------------------------------------------------------------- updating
    def _on_samples(self, samples: list[Any]) -> None:
        if self.charger is None:
            if samples:
                self._dirty = True
                self._soon.isActive() or self._soon.start()
            return
        if any(getattr(s, "charger", None) == self.charger for s in samples):
            self._dirty = True
            if not self._soon.isActive():
                self._soon.start()

    def _tick(self) -> None:
        if self._dirty or self.following:
            self.refresh()

    def refresh(self) -> None:
        """Bring the curves up to date with the series and scroll when following."""
        self._dirty = False
        self._sync_curves()
        for curve in self.curves:
            self._update_curve(curve)
        if self.following:
            self._apply_window()  # first: the axes fit the range that will be on screen
        self._update_axes()
        self._draw_limit()
        self.refreshed.emit()

    def has_data(self) -> bool:
        return any(c.raw_t is not None and len(c.raw_t) for c in self.curves)

    def _wanted(self) -> list[tuple[str, str, str, Callable[[], Any], str]]:
        """(panel, name, unit, fetch, colour) for every series to show."""
        m, charger = self.metering, self.charger
        if m is None or charger is None:
            return []
        wanted = []
        connectors = sorted(m.connectors(charger), key=_natural)
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
        for key in sorted(keys, key=lambda k: (_natural(k.connector), k.measurand,
                                               k.phase or "")):
            panel = measurand_panel.get(key.measurand)
            if panel is None or panel not in self.visible_panels:
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

    def _sync_curves(self) -> None:
        wanted = self._wanted()
        key = tuple((p, n) for p, n, *_ in wanted) + (tuple(sorted(self.visible_panels)),)
        if key == self._layout_key:
            return
        self._layout_key = key
        for curve in self.curves:
            self.plots[curve.panel].removeItem(curve.item)
        for legend in self.legends.values():
            legend.clear()
        self.curves = []
        for panel, name, unit, fetch, colour in wanted:
            item = pg.PlotDataItem(pen=pg.mkPen(colour, width=PEN_WIDTH), connect="finite",
                                   name=name)
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            # peak mode keeps each bin's min and max: ~2 bins per pixel look the same as
            # 5 (the default) and draw in half the time
            item.opts["autoDownsampleFactor"] = DS_FACTOR
            self.plots[panel].addItem(item)
            self.curves.append(Curve(panel, name, unit, item, fetch))
        if self.limit_steps:
            self.plots["power"].removeItem(self.limit_item)
            self.plots["power"].addItem(self.limit_item)
        self._place_panels()

    def _update_curve(self, curve: Curve) -> None:
        series = curve.fetch()
        if series is None or not len(series):
            if curve.stamp:
                curve.item.setData([], [])
                curve.stamp, curve.raw_t, curve.raw_v = (), None, None
            return
        stamp = (len(series), series.last())
        if stamp == curve.stamp:
            return
        t, v = series.arrays()
        curve.raw_t, curve.raw_v = np.asarray(t, float), np.asarray(v, float)
        curve.unit = getattr(series, "unit", curve.unit) or curve.unit
        curve.stamp = stamp
        curve.divisor = -1.0  # force a setData in _update_axes

    def _shown_values(self, curve: Curve) -> np.ndarray:
        """The values of the time range on screen (all of them for "All", or when none falls
        in the range): the axis must fit what is seen, not a peak from hours ago."""
        t, v = curve.raw_t, curve.raw_v
        if self.window_name == "All" or t is None or v is None:
            return v if v is not None else np.empty(0)
        x0, x1 = self.x_range()
        first, last = np.searchsorted(t, [x0, x1], side="left")
        return v[first:last + 1] if last >= first and first < len(v) else v

    def _update_axes(self) -> None:
        for panel, plot in self.plots.items():
            curves = [c for c in self.curves if c.panel == panel]
            unit = curves[0].unit if curves else {"power": "W", "energy": "Wh", "current": "A",
                                                  "voltage": "V", "soc": "%"}[panel]
            peak, low = 0.0, 0.0
            for c in curves:
                shown = self._shown_values(c)
                if len(shown):
                    with np.errstate(invalid="ignore"):
                        peak = max(peak, float(np.nanmax(shown)))
                        low = min(low, float(np.nanmin(shown)))
            if panel == "power":
                for step in self.limit_steps:
                    if step.limit_w is not None:
                        peak = max(peak, step.limit_w)
            divisor, shown = scale_for(max(peak, -low), unit)
            if panel in ("power", "current", "energy") and (peak or low):
                # from zero: a steady 7.2 kW must look steady, not like noise at 7.1-7.3 kW
                y_range = (low / divisor * 1.08, peak / divisor * 1.08)
                if self._y_ranges.get(panel) != y_range:
                    self._y_ranges[panel] = y_range
                    plot.getViewBox().enableAutoRange(axis="y", enable=False)
                    plot.setYRange(*y_range, padding=0)
            if panel == "power":
                self.power_divisor, self.power_unit = divisor, shown
            label = f"{PANEL_TITLES[panel]} ({_unit_text(shown)})"
            if self._labels.get(panel) != label:
                self._labels[panel] = label
                plot.getAxis("left").setLabel(label, color="#222")
            for c in curves:
                if c.divisor != divisor and c.raw_t is not None:
                    t, v = with_gaps(c.raw_t, c.raw_v)
                    c.item.setData(t, v / divisor)
                    c.divisor = divisor

    def _draw_limit(self) -> None:
        plot = self.plots["power"]
        if not self.limit_steps:
            if self.limit_item.scene() is not None:
                plot.removeItem(self.limit_item)
            return
        if self.limit_item.scene() is None:
            plot.addItem(self.limit_item)
        end = max(self.clock(), self._data_end() or 0.0)
        end = max(end, max(s.start_s for s in self.limit_steps) + 3600)
        x, y = step_arrays(self.limit_steps, end)
        self.limit_item.setData(x, y / getattr(self, "power_divisor", 1.0))

    # ---------------------------------------------------------------- range
    def _data_end(self) -> float | None:
        ends = [float(c.raw_t[-1]) for c in self.curves if c.raw_t is not None and len(c.raw_t)]
        return max(ends) if ends else None

    def _data_start(self) -> float | None:
        starts = [float(c.raw_t[0]) for c in self.curves if c.raw_t is not None and len(c.raw_t)]
        return min(starts) if starts else None

    def _apply_window(self) -> None:
        end = max(self.clock(), self._data_end() or 0.0)
        span = WINDOWS[self.window_name]
        if span is None:
            start = self._data_start()
            if start is None or start >= end:
                start = end - 60.0
            padding = 0.01
        else:
            start, padding = end - span, 0.0
        self._setting_range = True
        try:
            self.plots["power"].setXRange(start, end, padding=padding)
        finally:
            self._setting_range = False

    def _user_moved(self, *args: Any) -> None:
        if not self._setting_range:
            self.set_following(False)
            self._soon.start()  # fit the axes to what was panned or zoomed to

    def x_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.plots["power"].getViewBox().viewRange()
        return float(x0), float(x1)

    def _place_panels(self) -> None:
        ci = self.view.ci
        for plot in self.plots.values():
            if plot.scene() is not None and plot in ci.items:
                ci.removeItem(plot)
        row = 0
        shown = ["power"] + [p for p in PANELS[1:] if p in self.visible_panels]
        for name in shown:
            ci.addItem(self.plots[name], row=row, col=0)
            ci.layout.setRowStretchFactor(row, 3 if name == "power" else 2)
            row += 1
        for name in shown:
            # only the lowest panel shows the clock times
            self.plots[name].getAxis("bottom").setStyle(showValues=name == shown[-1])

    # ------------------------------------------------------------- crosshair
    def _mouse_moved(self, event: tuple) -> None:
        pos = event[0]
        for name, plot in self.plots.items():
            if plot.scene() is not None and plot.sceneBoundingRect().contains(pos):
                x = plot.getViewBox().mapSceneToView(pos).x()
                self.show_readout(x)
                return
        self.hide_readout()

    def show_readout(self, x: float) -> str:
        parts = [f"<b>{datetime.fromtimestamp(x).strftime('%H:%M:%S')}</b>"]
        for curve in self.curves:
            if curve.panel != "power" and curve.panel not in self.visible_panels:
                continue
            if curve.raw_t is None or not len(curve.raw_t):
                continue
            i = int(np.searchsorted(curve.raw_t, x))
            candidates = [j for j in (i - 1, i) if 0 <= j < len(curve.raw_t)]
            j = min(candidates, key=lambda k: abs(curve.raw_t[k] - x))
            median = _median_interval(curve.raw_t)
            if abs(curve.raw_t[j] - x) > max(GAP_FACTOR * median, 2.0):
                text = "—"
            else:
                text = format_value(float(curve.raw_v[j]), curve.unit)
            colour = curve.item.opts["pen"].color().name()
            label = curve.name if curve.panel == "power" or curve.name.startswith("Conn") \
                else f"{PANEL_TITLES[curve.panel]} {curve.name}"
            parts.append(f"<span style='color:{colour};'>■</span> {label}: {text}")
        if self.limit_steps:
            before = [s for s in self.limit_steps if s.start_s <= x]
            if before:
                limit = max(before, key=lambda s: s.start_s).limit_w
                parts.append(f"<span style='color:{LIMIT_COLOUR};'>┅</span> Limit: "
                             + ("none" if limit is None else format_value(limit, "W")))
        for line in self.crosshairs.values():
            line.setPos(x)
            line.show()
        text = " &nbsp; ".join(parts)
        self.readout.setText(text)
        return text

    def hide_readout(self) -> None:
        for line in self.crosshairs.values():
            line.hide()
        self.readout.setText(" ")

    # --------------------------------------------------------------- export
    def visible_columns(self) -> list[Curve]:
        return [c for c in self.curves
                if c.panel == "power" or c.panel in self.visible_panels]

    def export_csv(self, path: str | Path) -> int:
        """The samples inside the visible time range: ISO time, then one column per
        curve in its own unit (W, Wh, A, V, %); blank where a series has no sample."""
        x0, x1 = self.x_range()
        curves = self.visible_columns()
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
                f"{PANEL_TITLES[c.panel]} {c.name} ({_unit_text(c.unit)})"
                if c.panel != "power" else f"Power {c.name} ({_unit_text(c.unit)})"
                for c in curves])
            for t in sorted(rows):
                writer.writerow([iso_time(t)] + rows[t])
        return len(rows)

    def export_png(self, path: str | Path) -> bool:
        return self.grab().save(str(path))


def _unit_text(unit: str) -> str:
    return "%" if unit == "Percent" else unit


def _median_interval(t: np.ndarray) -> float:
    tail = t[-121:]
    return float(np.median(np.diff(tail))) if len(tail) > 2 else 1.0


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in str(text).split(".")) + (str(text),)
