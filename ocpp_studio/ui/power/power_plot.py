"""The live power plot: pyqtgraph curves over the metering layer's series.

One curve per connector of one charger for power (W or kW, chosen by magnitude), and
optional panels below it (current per phase, voltage, SoC, energy) that share the time
axis. Gaps in the data (an interval more than 3 x the median interval) are drawn as
gaps. The limit the charger should obey is a dashed step line over the power.

DESIGN.md: a day of 1-second samples redraws in ~10 ms with peak downsampling and
clip-to-view; CSV export uses numpy/csv, not pyqtgraph's exporter.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from ..common import theme
from .curve_data import CurveData
from .peak_curve import PeakCurve
from .plot_data import (
    CONNECTOR_COLOURS, CURRENT, DEFAULT_WINDOW, DS_FACTOR, ENERGY, GAP_FACTOR, KILO_THRESHOLD,
    LIMIT_COLOUR, PANEL_TITLES, PANELS, PEN_WIDTH, PHASE_COLOURS, POWER, SOC, VOLTAGE, WINDOWS,
    Curve, format_value, iso_time, median_interval, phase_name, scale_for,
    step_arrays, unit_text, wanted_series, with_gaps, write_csv,
)
from .time_axis import TimeAxis

#: the plot's public names, wherever the part that defines them lives
__all__ = [
    "CONNECTOR_COLOURS", "CURRENT", "DEFAULT_WINDOW", "ENERGY", "GAP_FACTOR", "KILO_THRESHOLD",
    "LIMIT_COLOUR", "PANELS", "PANEL_TITLES", "PHASE_COLOURS", "POWER", "SOC", "VOLTAGE",
    "WINDOWS", "Curve", "PowerPlot", "format_value", "iso_time", "phase_name", "scale_for",
    "step_arrays", "with_gaps",
]

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
        self.view.setBackground(theme.PLOT_BACKGROUND)
        self.view.ci.setSpacing(4)
        self.readout = QLabel(" ")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setStyleSheet(theme.PLOT_READOUT_STYLE)
        self.readout.setMinimumHeight(self.readout.fontMetrics().height() + 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.view, 1)

        self.plots: dict[str, pg.PlotItem] = {}
        self.crosshairs: dict[str, pg.InfiniteLine] = {}
        for name in PANELS:
            # TimeAxis: DateAxisItem remembering what a 1-second scroll does not change
            plot = pg.PlotItem(axisItems={"bottom": TimeAxis(orientation="bottom")})
            # no plot-wide clipToView / autoDownsample: addItem would switch them on for
            # every curve, and PeakCurve already hands pyqtgraph only what is on screen
            plot.getViewBox().setMouseEnabled(x=True, y=False)
            plot.getViewBox().enableAutoRange(axis="y", enable=True)
            plot.getViewBox().setAutoVisible(y=True)
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setPen(pg.mkPen(theme.PLOT_AXIS))
                ax.setTextPen(pg.mkPen(theme.PLOT_AXIS_TEXT))
            plot.getAxis("left").setWidth(62)
            # a time axis has no SI prefix; with it on, every scroll re-set its (empty)
            # label's HTML
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen(theme.PLOT_CROSSHAIR, width=1,
                                               style=Qt.PenStyle.DotLine))
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self.crosshairs[name] = line
            plot.getViewBox().sigRangeChangedManually.connect(self._user_moved)
            self.plots[name] = plot
        power = self.plots["power"]
        self.legend = power.addLegend(offset=(8, 4), labelTextColor=theme.PLOT_AXIS_TEXT,
                                      brush=pg.mkBrush(*theme.PLOT_LEGEND_BACKGROUND))
        # current and voltage curves are per phase: without a legend nobody can tell
        # L1 (brown) from L2 (black) and L3 (grey)
        self.legends = {"power": self.legend}
        for name in ("current", "voltage"):
            self.legends[name] = self.plots[name].addLegend(
                offset=(8, 4), labelTextColor=theme.PLOT_AXIS_TEXT,
                brush=pg.mkBrush(*theme.PLOT_LEGEND_BACKGROUND))
        for legend in self.legends.values():
            # the curves scroll under the legend every tick: paint it once into a pixmap
            legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
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
        mine = [s for s in samples if getattr(s, "charger", None) == self.charger]
        if mine:
            self._mark_late(mine)
            self._dirty = True
            if not self._soon.isActive():
                self._soon.start()

    def _mark_late(self, samples: list[Any]) -> None:
        """A sample older than the last one drawn of its series (a value replaced or
        inserted): that curve reads its whole series again (curve_data.CurveData.sync)."""
        for curve in self.curves:
            key, t = curve.key, curve.raw_t
            if key is None or t is None or not len(t) or curve.resync:
                continue
            end_us = float(t[-1]) * 1e6
            curve.resync = any(
                getattr(s, "connector", None) == key.connector
                and getattr(s, "measurand", None) == key.measurand
                and getattr(s, "ts_us", end_us) < end_us for s in samples)

    def _tick(self) -> None:
        if self._dirty or self.following:
            self.refresh()

    def refresh(self) -> None:
        """Bring the curves up to date with the series and scroll when following."""
        self._dirty = False
        self._sync_curves()
        items = [c.item for c in self.curves]
        for item in items:
            item.hold()  # new data and the new range: one clip + downsample per curve
        try:
            for curve in self.curves:
                self._update_curve(curve)
            if self.following:
                self._apply_window()  # first: the axes fit the range that will be on screen
            self._update_axes()
        finally:
            for item in items:
                item.release()
        self._draw_limit()
        self.refreshed.emit()

    def has_data(self) -> bool:
        return any(c.raw_t is not None and len(c.raw_t) for c in self.curves)

    def _wanted(self) -> list[tuple[str, str, str, Callable[[], Any], str]]:
        """(panel, name, unit, fetch, colour) for every series to show."""
        return wanted_series(self.metering, self.charger, self.visible_panels)

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
            # clip to view and peak downsampling, done once per tick by the curve itself
            # (peak_curve.py); peak mode keeps each bin's min and max: ~2 bins per pixel
            # look the same as 5 (pyqtgraph's default) and draw in half the time
            item = PeakCurve(pen=pg.mkPen(colour, width=PEN_WIDTH), connect="finite",
                             name=name, ds_factor=DS_FACTOR)
            self.plots[panel].addItem(item)
            self.curves.append(Curve(panel, name, unit, item, fetch, data=CurveData()))
        if self.limit_steps:
            self.plots["power"].removeItem(self.limit_item)
            self.plots["power"].addItem(self.limit_item)
        self._place_panels()

    def _update_curve(self, curve: Curve) -> None:
        series = curve.fetch()
        if series is None or not len(series):
            if curve.stamp:
                curve.item.set_full(np.empty(0), np.empty(0))
                curve.stamp, curve.raw_t, curve.raw_v = (), None, None
                curve.data = CurveData()
            return
        stamp = (id(series), len(series), series.last())
        if stamp == curve.stamp and not curve.resync:
            return
        # only the samples after the last one drawn, unless the series changed otherwise
        curve.data.sync(series, reload=curve.resync)
        curve.resync = False
        curve.key = getattr(series, "key", None)
        curve.raw_t, curve.raw_v = curve.data.t, curve.data.v
        curve.unit = getattr(series, "unit", curve.unit) or curve.unit
        curve.stamp = stamp
        curve.divisor = -1.0  # force a setData in _update_axes

    def _shown_range(self, curve: Curve) -> tuple[int, int] | None:
        """The samples of the time range on screen, ``v[first:stop]`` (all of them for "All",
        or when none falls in the range): the axis must fit what is seen, not a peak from
        hours ago. None without samples."""
        t = curve.raw_t
        if t is None or not len(t):
            return None
        if self.window_name == "All":
            return 0, len(t)
        x0, x1 = self.x_range()
        first, last = np.searchsorted(t, [x0, x1], side="left")
        if last >= first and first < len(t):
            return int(first), min(int(last) + 1, len(t))
        return 0, len(t)

    def _update_axes(self) -> None:
        for panel, plot in self.plots.items():
            curves = [c for c in self.curves if c.panel == panel]
            unit = curves[0].unit if curves else {"power": "W", "energy": "Wh", "current": "A",
                                                  "voltage": "V", "soc": "%"}[panel]
            peak, low = 0.0, 0.0
            for c in curves:
                shown = self._shown_range(c)
                if shown is not None:  # nanmin/nanmax from per-block tables, not a scan
                    lowest, highest = c.data.extremes(*shown)
                    peak, low = max(peak, highest), min(low, lowest)
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
            label = f"{PANEL_TITLES[panel]} ({unit_text(shown)})"
            if self._labels.get(panel) != label:
                self._labels[panel] = label
                plot.getAxis("left").setLabel(label, color=theme.PLOT_AXIS_TEXT)
            for c in curves:
                if c.divisor != divisor and c.raw_t is not None:
                    c.item.set_source(c.data, divisor)
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
        self.limit_item.setData(x, y / self.power_divisor)

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
        shown = ["power"] + [p for p in PANELS[1:] if p in self.visible_panels]
        for name, plot in self.plots.items():
            if plot.scene() is not None and plot in ci.items:
                ci.removeItem(plot)
            if name != "power":
                # shown panels share the time axis; a hidden one would still follow every
                # scroll of it (one more view range to update per tick), so it lets go
                plot.setXLink(self.plots["power"] if name in shown else None)
        row = 0
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
            median = median_interval(curve.raw_t)
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
        return write_csv(self.visible_columns(), x0, x1, path)

    def export_png(self, path: str | Path) -> bool:
        return self.grab().save(str(path))
