"""A plot curve that keeps a whole day of samples but hands pyqtgraph only what is on screen.

pyqtgraph's own clip-to-view and peak downsampling give the picture we want, but with
86,400 points per curve it redoes the work on the full arrays several times per tick
(``setData`` scans them for bounds and finiteness, and every range change clips and
downsamples them again). :class:`PeakCurve` does the same clip and peak downsampling
itself, once per change of data, range or width, and gives pyqtgraph the ~2 points per
pixel that result, so what is drawn is the same as before (benchmarks/plot_redraw.py:
4 x 86,400 samples).

:func:`peak_decimate` follows pyqtgraph 0.14's ``PlotDataItem._getDisplayDataset``
(``autoDownsample`` + ``clipToView`` + ``downsampleMethod="peak"``) step by step.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

import numpy as np
import pyqtgraph as pg


def view_bins(x: np.ndarray, view: tuple[float, float] | None, width_px: float,
              factor: float, last_ds: int = 1, clip: bool = True) -> tuple[int, int, int]:
    """(ds, lo, hi): the bin size for about ``factor`` bins per pixel of ``width_px`` and
    the part of ``x`` drawn, ``x[lo:hi]`` (the view and one bin more on each side)."""
    ds = 1
    if view is not None and len(x) > 1 and width_px:
        finite_x = x if np.isfinite(x[0]) and np.isfinite(x[-1]) else x[np.isfinite(x)]
        if len(finite_x) > 1:
            dx = float(finite_x[-1] - finite_x[0]) / (len(finite_x) - 1)
            if dx != 0.0:
                ds_float = max(1.0, abs((view[1] - view[0]) / dx / (width_px * factor)))
                if math.isfinite(ds_float):
                    ds = int(ds_float)
    if math.isclose(ds, last_ds, rel_tol=0.01):  # pyqtgraph's guard against flicker
        ds = last_ds
    lo, hi = 0, len(x)
    if clip and view is not None and len(x) > 1:
        lo = min(max(bisect.bisect_left(x, view[0]) - ds, 0), len(x))
        hi = min(max(bisect.bisect_left(x, view[1]) + ds, lo), len(x))
    return ds, lo, hi


def peak_decimate(x: np.ndarray, y: np.ndarray, view: tuple[float, float] | None,
                  width_px: float, factor: float, last_ds: int = 1,
                  clip: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """(x, y, ds): the part of ``x``/``y`` in ``view`` (one bin more on each side), each
    bin of ``ds`` samples drawn as its max then its min at the bin's middle x, with ``ds``
    chosen so there are about ``factor`` bins per pixel of ``width_px``."""
    ds, lo, hi = view_bins(x, view, width_px, factor, last_ds, clip)
    x, y = x[lo:hi], y[lo:hi]
    if ds > 1:
        n = len(x) // ds
        stx = ds // 2
        xs = np.empty((n, 2))
        xs[:] = x[stx:stx + n * ds:ds, np.newaxis]
        ys = np.empty((n, 2))
        starts = np.arange(0, n * ds, ds)  # reduceat: the same max/min as reshape(n, ds)
        ys[:, 0] = np.maximum.reduceat(y[:n * ds], starts)  # .max(axis=1), in 2/3 the time
        ys[:, 1] = np.minimum.reduceat(y[:n * ds], starts)
        x, y = xs.reshape(n * 2), ys.reshape(n * 2)
    return x, y, ds


class Arrays:
    """Fixed arrays as the data of a PeakCurve (``set_full``)."""

    _versions = itertools.count(1)

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self.version = next(self._versions)

    def decimate(self, view: tuple[float, float] | None, width_px: float, factor: float,
                 last_ds: int = 1, clip: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
        return peak_decimate(self.x, self.y, view, width_px, factor, last_ds, clip)


class PeakCurve(pg.PlotCurveItem):
    """A curve over the full (gapped, scaled) data of a series that draws only the peak-
    downsampled visible part. ``getOriginalDataset()`` returns the full data.

    The data is a :class:`curve_data.CurveData` (``set_source``: kept up to date by new
    samples) or fixed arrays (``set_full``). A PlotCurveItem, not a PlotDataItem: that one
    would copy, check and re-send the few thousand points through a second item per tick.
    ``hold()`` / ``release()`` batch several changes (new data, new range) into one
    decimation, as PowerPlot.refresh does once per tick.
    """

    def __init__(self, *args: Any, ds_factor: float = 2.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ds_factor = ds_factor
        self.source: Any = Arrays(np.empty(0), np.empty(0))
        self.divisor = 1.0
        self._ds = 1
        self._held = False
        self._stale = False
        self._drawing = False
        self._drawn_key: tuple = ()
        self._bounds: tuple | None = None  # full-range data bounds of the drawn points
        self._scale: tuple | None = None  # the device transform's scale of the bounding rect
        self._pixel: tuple = (None, (0.0, 0.0))  # (scale, a pixel's size in data units)

    def set_source(self, source: Any, divisor: float = 1.0) -> None:
        """Draw ``source`` (``x``, ``y``, ``version``, ``decimate(...)``) as ``y / divisor``.
        Dividing after downsampling gives the same points (x / d is monotonic for d > 0,
        so the max of the quotients is the quotient of the max) for a few thousand
        divisions instead of 86,400."""
        if not divisor > 0:
            raise ValueError("divisor must be positive")
        self.source, self.divisor = source, divisor
        self._drawn_key = ()
        self._redraw()

    def set_full(self, x: np.ndarray, y: np.ndarray, divisor: float = 1.0) -> None:
        """The whole curve: ``y / divisor`` over ``x``."""
        self.set_source(Arrays(np.asarray(x, float), np.asarray(y, float)), divisor)

    def getOriginalDataset(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802 - Qt name
        return self.source.x, self.source.y / self.divisor

    def hold(self) -> None:
        self._held = True

    def release(self) -> None:
        self._held = False
        if self._stale:
            self._redraw()

    def viewRangeChanged(self, *args: Any) -> None:  # noqa: N802 - Qt name
        self._redraw()

    def viewTransformChanged(self) -> None:  # noqa: N802 - a resize changes the width
        # The bounding rect is the data bounds padded by a pixel's size in data units: it
        # changes with the transform's scale, not with a scroll (a translation), and the
        # data bounds never do (PlotCurveItem would scan the points again each time).
        dt = self.deviceTransform_()
        scale = None if dt is None else (dt.m11(), dt.m12(), dt.m21(), dt.m22())
        if scale is None or scale != self._scale:
            self._scale = scale
            self._boundingRect = None
            self.prepareGeometryChange()
        self._redraw()

    def _redraw(self) -> None:
        if self._held or self._drawing:
            self._stale = self._held
            return
        self._stale = False
        box = self.getViewBox()
        view = width = None
        clip = True
        if isinstance(box, pg.ViewBox):  # (a GraphicsView while being added to the scene)
            (x0, x1), _ = box.viewRange()
            view, width = (float(x0), float(x1)), float(box.width())
            clip = not box.autoRangeEnabled()[0]  # as pyqtgraph: no clip while x autoscales
        key = (id(self.source), self.source.version, view, width, clip)
        if key == self._drawn_key:
            return
        self._drawn_key = key
        x, y, self._ds = self.source.decimate(view, width or 0.0, self.ds_factor, self._ds,
                                            clip)
        if self.divisor != 1.0:
            y = y / self.divisor
        self._drawing = True  # setData can move an autoscaling axis: no recursion
        try:
            self._bounds = None
            self.setData(x, y)
            self._bounds = self._plain_bounds(x, y)
        finally:
            self._drawing = False

    def _plain_bounds(self, x: np.ndarray, y: np.ndarray) -> tuple | None:
        """((xmin, xmax), (ymin, ymax)) as PlotCurveItem.dataBounds computes them for the
        whole range, in one pass after each setData instead of a nanmin/nanmax with warning
        filters each time a scroll asks; None where that method has more to do (no points,
        infinities, a pen whose width counts, a fill level)."""
        pen = self.opts["pen"]
        if not len(x) or self.opts["fillLevel"] is not None or self.opts["shadowPen"] is not None \
                or (pen is not None and not pen.isCosmetic()):
            return None
        with np.errstate(invalid="ignore"):
            bounds = ((float(np.fmin.reduce(x)), float(np.fmax.reduce(x))),
                      (float(np.fmin.reduce(y)), float(np.fmax.reduce(y))))
        if not all(math.isfinite(b) for pair in bounds for b in pair):
            return None
        return bounds

    def invalidateBounds(self) -> None:  # noqa: N802 - new data or a new pen
        super().invalidateBounds()
        self._bounds = None

    def boundingRect(self) -> Any:  # noqa: N802 - Qt name
        # PlotCurveItem.boundingRect, with the pixel's size (pixelVectors, ~50 us) kept
        # while the scale stays: it is asked again after every setData
        if self._boundingRect is None and self._bounds is not None and self._scale is not None:
            if self._pixel[0] != self._scale:
                self._pixel = (self._scale, self._pixel_size())
            pad = self.pixelPadding()
            px, py = self._pixel[1][0] * pad, self._pixel[1][1] * pad
            (xmn, xmx), (ymn, ymx) = self._bounds
            self._boundingRect = pg.QtCore.QRectF(xmn - px, ymn - py, 2 * px + xmx - xmn,
                                                  2 * py + ymx - ymn)
        return super().boundingRect()

    def _pixel_size(self) -> tuple[float, float]:
        sizes = []
        for vector in self.pixelVectors():
            try:
                sizes.append(0.0 if vector is None else vector.length())
            except OverflowError:
                sizes.append(0.0)
        return sizes[0], sizes[1]

    def dataBounds(self, ax: int, frac: float = 1.0,  # noqa: N802 - Qt name
                   orthoRange: Any = None) -> tuple:  # noqa: N803
        if self._bounds is not None and frac >= 1.0 and orthoRange is None and ax in (0, 1):
            return self._bounds[ax]
        return super().dataBounds(ax, frac, orthoRange)
