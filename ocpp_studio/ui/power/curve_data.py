"""One plotted series kept up to date by its new samples only (issue 17, redraw per tick).

A day of 1-second samples is 86,400 points per curve; per tick only one is new. Copying,
gap-marking, scanning for the axis range and peak-downsampling all 86,400 every second
was most of the plot's redraw. :class:`CurveData` keeps its own copy of the series and
takes only the samples after the last one it has (``SampleSeries.arrays(since_s=...)``),
with the gaps marked as :func:`plot_data.with_gaps` marks them, the minimum/maximum per
block of samples for the axis range, and a van Herk/Gil-Werman table per downsampling
factor from which the peak (max/min) of every bin on screen is two lookups. The points it
gives are the ones :func:`peak_curve.peak_decimate` computes from the whole arrays.

Anything but new samples at the end (a value replaced or inserted before the last one, a
new series object, the oldest samples dropped from a full ring buffer in another pattern
than expected) makes it read the whole series again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .peak_curve import peak_decimate, view_bins
from .plot_data import GAP_FACTOR

#: samples per block of the axis-range table (min/max of a time range on screen)
BLOCK = 512


class Run:
    """A growable float64 buffer holding ``buf[start:end]``; appends write past ``end``
    (never over data handed out as views) and a full buffer moves to a new array."""

    def __init__(self, size: int = 1024) -> None:
        self.buf = np.empty(size)
        self.start = self.end = 0

    def __len__(self) -> int:
        return self.end - self.start

    def view(self) -> np.ndarray:
        return self.buf[self.start:self.end]

    def append(self, values: np.ndarray) -> bool:
        """Add ``values``; True when the run moved to a new array (indexes changed)."""
        moved = False
        if self.end + len(values) > len(self.buf):
            n = len(self)
            new = np.empty(max((n + len(values)) * 3 // 2, 1024))
            new[:n] = self.view()
            self.buf, self.start, self.end, moved = new, 0, n, True
        self.buf[self.end:self.end + len(values)] = values
        self.end += len(values)
        return moved


class PeakTable:
    """van Herk/Gil-Werman table of a Run for one bin size ``ds``: the max (min) of any ds
    consecutive samples from ``i`` is ``max(suffix[i], prefix[i + ds - 1])``, the suffix and
    prefix taken within blocks of ``ds`` aligned at buffer index 0. NaN (a gap) propagates
    as in ``np.maximum.reduceat``. Appends recompute only the last blocks."""

    def __init__(self, ds: int, size: int, old: PeakTable | None = None) -> None:
        self.ds = ds
        if old is not None and len(old.pre_max) == size:  # a new bin size: same memory
            self.pre_max, self.suf_max = old.pre_max, old.suf_max
            self.pre_min, self.suf_min = old.pre_min, old.suf_min
        else:
            self.pre_max, self.suf_max = np.empty(size), np.empty(size)
            self.pre_min, self.suf_min = np.empty(size), np.empty(size)
        self.valid = 0  # buffer index up to which the table is filled

    def fill(self, buf: np.ndarray, end: int) -> None:
        ds = self.ds
        if self.valid == end:
            return
        lo = self.valid // ds * ds  # the last block may have been partial: again from its start
        y = buf[lo:end]
        full = len(y) // ds * ds
        if full:  # whole blocks: accumulated straight into the tables (no temporaries)
            blocks = y[:full].reshape(-1, ds)
            for acc, pre, suf in ((np.maximum, self.pre_max, self.suf_max),
                                  (np.minimum, self.pre_min, self.suf_min)):
                acc.accumulate(blocks, axis=1, out=pre[lo:lo + full].reshape(-1, ds))
                acc.accumulate(blocks[:, ::-1], axis=1,
                               out=suf[lo:lo + full].reshape(-1, ds)[:, ::-1])
        rest = y[full:]
        if len(rest):
            a, b = lo + full, end
            for acc, pre, suf in ((np.maximum, self.pre_max, self.suf_max),
                                  (np.minimum, self.pre_min, self.suf_min)):
                acc.accumulate(rest, out=pre[a:b])
                acc.accumulate(rest[::-1], out=suf[a:b][::-1])
        self.valid = end

    def bins(self, first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(max, min) of the ``n`` bins of ``ds`` samples from buffer index ``first``."""
        ds = self.ds
        starts = slice(first, first + n * ds, ds)  # strided views, no index arrays
        ends = slice(first + ds - 1, first + ds - 1 + n * ds, ds)
        return (np.maximum(self.suf_max[starts], self.pre_max[ends]),
                np.minimum(self.suf_min[starts], self.pre_min[ends]))


class CurveData:
    """The raw samples of one series, the same with gap points (NaN) for drawing, and the
    tables that make the axis range and peak downsampling cost per bin, not per sample."""

    def __init__(self, factor: float = GAP_FACTOR) -> None:
        self.factor = factor
        self.version = 0  # changes whenever x/y change
        # the median interval for gaps, computed again when the number of samples changed
        # by more than 1 % since (86,400 intervals cost ~0.5 ms; one more sample cannot
        # move it noticeably), kept across reloads
        self._median, self._count = 0.0, -1
        self._last_ds = 0
        self._clear()

    def _clear(self) -> None:
        self.raw_t, self.raw_v = Run(), Run()
        self.gap_x, self.gap_y = Run(), Run()
        self._block_max = np.empty(0)
        self._block_min = np.empty(0)
        self._blocks_valid = 0
        self._table: PeakTable | None = None
        self._series: Any = None  # held, so its id cannot be reused by a new series
        self.version += 1

    # ------------------------------------------------------------------ data
    @property
    def t(self) -> np.ndarray:
        return self.raw_t.view()

    @property
    def v(self) -> np.ndarray:
        return self.raw_v.view()

    @property
    def x(self) -> np.ndarray:
        return self.gap_x.view()

    @property
    def y(self) -> np.ndarray:
        return self.gap_y.view()

    def __len__(self) -> int:
        return len(self.raw_t)

    def sync(self, series: Any, reload: bool = False) -> None:
        """Bring the copy up to date with ``series`` (a SampleSeries-like object:
        ``len``, ``arrays(since_s, until_s)``), reading only what came after the last
        sample unless ``reload`` or the series changed otherwise."""
        n = len(self)
        if not reload and n >= 3 and series is self._series and self._take_tail(series):
            return
        t, v = series.arrays()
        self._clear()
        self._series = series
        self._append(np.asarray(t, float), np.asarray(v, float))

    def _take_tail(self, series: Any) -> bool:
        """Append what came after our last sample; False if the series changed otherwise
        (then the caller reads it all)."""
        t, v = self.t, self.v
        last_t, last_v = float(t[-1]), float(v[-1])
        tail_t, tail_v = series.arrays(since_s=last_t)
        tail_t, tail_v = np.asarray(tail_t, float), np.asarray(tail_v, float)
        if not len(tail_t) or tail_t[0] != last_t:
            return False
        dropped = len(t) - 1 + len(tail_t) - len(series)
        if dropped < 0 or dropped >= len(t) - 2:
            return False
        if tail_v[0] != last_v and not (math.isnan(last_v) and math.isnan(tail_v[0])):
            return False  # the last value was replaced
        if dropped:
            # a full ring buffer dropped its oldest: the series must now start where we
            # think it does (one sample up to that time, the same one)
            first_t, first_v = series.arrays(until_s=float(t[dropped]))
            if len(first_t) != 1 or first_t[0] != t[dropped] or not (
                    first_v[0] == v[dropped] or (math.isnan(first_v[0])
                                                 and math.isnan(v[dropped]))):
                return False
            self._drop_front(dropped)
        if len(tail_t) > 1:
            self._append(tail_t[1:], tail_v[1:])
        return True

    def _drop_front(self, count: int) -> None:
        self.raw_t.start += count
        self.raw_v.start += count
        keep_from = int(np.searchsorted(self.x, self.t[0], side="left"))
        self.gap_x.start += keep_from
        self.gap_y.start += keep_from
        self.version += 1

    def _append(self, t: np.ndarray, v: np.ndarray) -> None:
        if not len(t):
            return
        prev_t = self.t[-1:]  # the sample before the new ones (if any)
        n_before = len(self)
        moved = self.raw_t.append(t)
        self.raw_v.append(v)
        if moved:
            self._blocks_valid = 0
        n = len(self)
        self.version += 1
        recount = abs(n - self._count) * 100 > self._count
        if n < 3 or n_before < 3 or recount:
            old_median = self._median
            if n >= 3 and recount:
                self._median, self._count = float(np.median(np.diff(self.t))), n
            if n_before < 3 or self._median != old_median or n < 3:
                self._regap()
                return
        self._add_gapped(np.concatenate([prev_t, t]), v)

    def _regap(self) -> None:
        """Mark every gap again (after a new median interval)."""
        self.gap_x, self.gap_y = Run(), Run()
        self._table = None
        t, v = self.t, self.v
        if len(t) < 3 or not self._median > 0:
            self.gap_x.append(t)
            self.gap_y.append(v)
            return
        self._add_gapped(t, v[1:], first=(t[:1], v[:1]))

    def _add_gapped(self, t: np.ndarray, v: np.ndarray,
                    first: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Append ``t[1:]``/``v`` to the gapped run, with a NaN point in the middle of each
        interval (from ``t[0]``) longer than factor x the median (plot_data.with_gaps)."""
        if first is not None:
            self.gap_x.append(first[0])
            self.gap_y.append(first[1])
        new_t = t[1:]
        if len(t) >= 2 and self._median > 0:
            d = np.diff(t)
            idx = np.flatnonzero(d > self.factor * self._median)
        else:
            idx = np.empty(0, dtype=np.intp)
        if len(idx):
            gap_t = (t[idx] + t[idx + 1]) / 2.0
            new_t = np.insert(new_t, idx, gap_t)
            v = np.insert(v, idx, np.nan)
        moved = self.gap_x.append(new_t)
        self.gap_y.append(v)
        if moved:
            self._table = None

    # ------------------------------------------------------------ axis range
    def extremes(self, first: int, stop: int) -> tuple[float, float]:
        """(nanmin, nanmax) of the raw values ``v[first:stop]`` (NaN when all are NaN)."""
        self._fill_blocks()
        start = self.raw_v.start
        a, b = start + first, start + stop
        buf = self.raw_v.buf
        parts_max, parts_min = [], []
        ba, bb = -(-a // BLOCK), b // BLOCK  # whole blocks [ba, bb)
        if ba >= bb:
            seg = buf[a:b]
            return float(np.fmin.reduce(seg)), float(np.fmax.reduce(seg))
        for seg in (buf[a:ba * BLOCK], buf[bb * BLOCK:b]):
            if len(seg):
                parts_max.append(np.fmax.reduce(seg))
                parts_min.append(np.fmin.reduce(seg))
        parts_max.append(np.fmax.reduce(self._block_max[ba:bb]))
        parts_min.append(np.fmin.reduce(self._block_min[ba:bb]))
        return float(np.fmin.reduce(parts_min)), float(np.fmax.reduce(parts_max))

    def _fill_blocks(self) -> None:
        buf, end = self.raw_v.buf, self.raw_v.end
        if len(self._block_max) * BLOCK < len(buf):
            size = len(buf) // BLOCK + 1
            self._block_max, self._block_min = np.empty(size), np.empty(size)
            self._blocks_valid = 0
        lo = self._blocks_valid // BLOCK  # first block that may have changed
        full_end = end // BLOCK * BLOCK
        if full_end > lo * BLOCK:
            blocks = buf[lo * BLOCK:full_end].reshape(-1, BLOCK)
            self._block_max[lo:end // BLOCK] = np.fmax.reduce(blocks, axis=1)
            self._block_min[lo:end // BLOCK] = np.fmin.reduce(blocks, axis=1)
        self._blocks_valid = full_end

    # ----------------------------------------------------------- downsampling
    def decimate(self, view: tuple[float, float] | None, width_px: float, factor: float,
                 last_ds: int = 1, clip: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
        """What ``peak_decimate(self.x, self.y, ...)`` returns, from the table of the bin
        size once the same bin size was asked for twice in a row (a steady view)."""
        x, y = self.x, self.y
        ds, lo, hi = view_bins(x, view, width_px, factor, last_ds, clip)
        steady, self._last_ds = ds == self._last_ds, ds
        have = self._table is not None and self._table.ds == ds
        if ds <= 1 or not (steady or have):  # a zoom step: only the part on screen, directly
            return peak_decimate(x, y, view, width_px, factor, last_ds, clip)
        buf = self.gap_y.buf
        if self._table is None or self._table.ds != ds or len(self._table.pre_max) != len(buf):
            self._table = PeakTable(ds, len(buf), self._table)
        self._table.fill(buf, self.gap_y.end)
        n = (hi - lo) // ds
        base = self.gap_y.start + lo
        xs = np.empty((n, 2))
        xs[:] = x[lo + ds // 2:lo + ds // 2 + n * ds:ds, np.newaxis]
        ys = np.empty((n, 2))
        ys[:, 0], ys[:, 1] = self._table.bins(base, n)
        return xs.reshape(n * 2), ys.reshape(n * 2), ds
