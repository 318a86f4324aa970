"""The power plot's time axis: pyqtgraph's DateAxisItem drawing the same ticks and labels,
with the work that a 1-second scroll does not change remembered (issue 17).

While the plot follows, the time axis is laid out again every tick. DateAxisItem then
measures the example text of every zoom level with QFontMetrics, converts every tick time
between UTC and local time through QDateTime, and formats every label with strftime; for
a 24 h window that was ~1.7 ms of each redraw, for ticks that stay the same until one
scrolls off the edge. Here the text sizes are kept per font, and the local-time shift of
a set of ticks and the labels of a set of values are kept for the last few sets.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import ZoomLevel

#: how many tick sets / label sets are remembered (a scroll needs one or two)
REMEMBERED = 16


class _Remembered(OrderedDict):
    """A small least-recently-used dict."""

    def get_or(self, key: Any, make: Any) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > REMEMBERED:
            self.popitem(last=False)
        return value


class _Metrics:
    """QFontMetrics whose ``boundingRect(text)`` is measured once per text."""

    def __init__(self, metrics: Any) -> None:
        self._metrics = metrics
        self._rects: dict[str, Any] = {}

    def boundingRect(self, text: str) -> Any:  # noqa: N802 - Qt name
        rect = self._rects.get(text)
        if rect is None:
            rect = self._rects[text] = self._metrics.boundingRect(text)
        return rect

    def __getattr__(self, name: str) -> Any:
        return getattr(self._metrics, name)


class _ZoomLevel(ZoomLevel):
    """A zoom level that remembers the local-time shift of the last few tick sets (the
    same ticks come back every scroll until one leaves the range)."""

    def __init__(self, level: ZoomLevel) -> None:
        super().__init__(level.tickSpecs, level.exampleText)
        self._moved = _Remembered()

    def moveTicksToLocalTimeCoords(self, ticks: np.ndarray, spacing: int,  # noqa: N802
                                   skipFactor: int) -> np.ndarray:  # noqa: N803
        if len(ticks) == 0:
            return ticks
        key = (ticks.tobytes(), ticks.dtype.str, spacing, skipFactor, self.utcOffset)
        moved = self._moved.get_or(key, lambda: super(_ZoomLevel, self)
                                   .moveTicksToLocalTimeCoords(ticks.copy(), spacing,
                                                               skipFactor))
        return moved.copy()


class TimeAxis(pg.DateAxisItem):
    """DateAxisItem with the remembered work above; draws the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zoomLevels = OrderedDict(
            (spacing, _ZoomLevel(level)) for spacing, level in self.zoomLevels.items())
        self._metrics_key: tuple = ()
        self._metrics: _Metrics | None = None
        self._strings = _Remembered()

    def generateDrawSpecs(self, p: Any) -> Any:  # noqa: N802 - Qt name
        # as DateAxisItem.generateDrawSpecs, with the font's metrics kept while the font
        # and the painter's resolution stay
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        device = p.device()
        key = (p.font().key(), device.logicalDpiX() if device is not None else 0,
               device.logicalDpiY() if device is not None else 0)
        if key != self._metrics_key or self._metrics is None:
            self._metrics_key, self._metrics = key, _Metrics(p.fontMetrics())
        self.fontMetrics = self._metrics
        return pg.AxisItem.generateDrawSpecs(self, p)

    def tickStrings(self, values: list[float], scale: float,  # noqa: N802 - Qt name
                    spacing: float) -> list[str]:
        key = (tuple(values), scale, spacing, id(self.zoomLevel), self.utcOffset)
        return list(self._strings.get_or(
            key, lambda: super(TimeAxis, self).tickStrings(values, scale, spacing)))
