"""Samples -> bounded time series per charger, connector/EVSE, measurand and phase."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.events import Signal
from ..core.lazy import import_soon, lazy_module
from ..core.records import FrameRecord
from .samples import METER_ACTIONS, MeterSample, meter_frames, samples_from_frame

if TYPE_CHECKING:
    import numpy as np

    from ..capture.store import CaptureStore
else:  # numpy is imported on first use: ~0.1 s of every start (issue 17)
    np = lazy_module("numpy")

log = logging.getLogger(__name__)

POWER = "Power.Active.Import"
ENERGY = "Energy.Active.Import.Register"
CURRENT = "Current.Import"
VOLTAGE = "Voltage"
SOC = "SoC"
CURRENT_OFFERED = "Current.Offered"
POWER_OFFERED = "Power.Offered"

DEFAULT_CAPACITY = 172_800  # a day of 1-second samples, twice over
INITIAL_SIZE = 32  # slots allocated for a new series; doubled as it fills

#: Phases whose power adds up to the total (1.6 §7.34 Phase; L-N is the same line's power).
_LINE_OF_PHASE = {"L1": "L1", "L2": "L2", "L3": "L3", "L1-N": "L1", "L2-N": "L2", "L3-N": "L3"}


@dataclass(frozen=True)
class SeriesKey:
    charger: str
    connector: str
    measurand: str
    phase: str | None


@dataclass(frozen=True)
class Cadence:
    samples: int
    mean_interval_s: float | None
    jitter_s: float | None  # standard deviation of the intervals
    p95_interval_s: float | None
    last_ts_us: int | None


class SampleSeries:
    """A bounded ring buffer (numpy float64 ts seconds since epoch + float64 values) of one
    series; default capacity 86_400*2.

    Stored as one contiguous time-ordered run ``[start:end)`` inside arrays that grow on
    demand up to twice the capacity, then slide (amortised O(1) append, views without copies).
    """

    def __init__(self, key: SeriesKey, unit: str, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.key = key
        self.unit = unit
        self.capacity = capacity
        # small at first: a CSMS with 3,000 chargers keeps ~10,000 series, most of them a
        # sample every 10-60 s; 1,024 slots each were 150 MB of RSS (benchmarks/scale.py)
        size = min(INITIAL_SIZE, 2 * capacity)
        self._ts = np.empty(size, dtype=np.float64)
        self._values = np.empty(size, dtype=np.float64)
        self._start = 0
        self._end = 0

    def __len__(self) -> int:
        return self._end - self._start

    def __repr__(self) -> str:
        return f"SampleSeries({self.key!r}, {self.unit!r}, {len(self)} samples)"

    def _room_for_one(self) -> None:
        """Make sure _end < len(buffer), dropping the oldest sample when at capacity."""
        if len(self) >= self.capacity:
            self._start += len(self) - self.capacity + 1
        if self._end < len(self._ts):
            return
        count = len(self)
        size = len(self._ts)
        if size < 2 * self.capacity and count * 2 >= size:
            new_size = min(2 * size, 2 * self.capacity)
            ts = np.empty(new_size, dtype=np.float64)
            values = np.empty(new_size, dtype=np.float64)
        else:
            ts, values = self._ts, self._values
        ts[:count] = self._ts[self._start:self._end]
        values[:count] = self._values[self._start:self._end]
        self._ts, self._values = ts, values
        self._start, self._end = 0, count

    def append(self, ts_s: float, value: float) -> None:
        """Add a sample. In order: appended. Same time as an existing sample: replaces it.
        Older than the last: inserted in order, unless older than everything in a full buffer
        (then dropped)."""
        n = len(self)
        if n == 0 or ts_s > self._ts[self._end - 1]:
            self._room_for_one()
            self._ts[self._end] = ts_s
            self._values[self._end] = value
            self._end += 1
            return
        ts = self._ts[self._start:self._end]
        index = int(np.searchsorted(ts, ts_s))
        if index < n and ts[index] == ts_s:
            self._values[self._start + index] = value
            return
        if index == 0 and n >= self.capacity:
            return  # older than the whole (full) window
        self._room_for_one()
        # _room_for_one may have dropped the oldest and moved the run: recompute.
        ts = self._ts[self._start:self._end]
        index = int(np.searchsorted(ts, ts_s))
        at = self._start + index
        self._ts[at + 1:self._end + 1] = self._ts[at:self._end].copy()
        self._values[at + 1:self._end + 1] = self._values[at:self._end].copy()
        self._ts[at] = ts_s
        self._values[at] = value
        self._end += 1

    def arrays(self, since_s: float | None = None,
               until_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Time-ordered copies of (ts seconds, values), optionally limited to
        since_s <= ts <= until_s."""
        ts = self._ts[self._start:self._end]
        lo = 0 if since_s is None else int(np.searchsorted(ts, since_s, side="left"))
        hi = len(ts) if until_s is None else int(np.searchsorted(ts, until_s, side="right"))
        return (self._ts[self._start + lo:self._start + hi].copy(),
                self._values[self._start + lo:self._start + hi].copy())

    def last(self) -> tuple[float, float] | None:
        if not len(self):
            return None
        return float(self._ts[self._end - 1]), float(self._values[self._end - 1])

    def cadence(self, last_n: int = 120) -> Cadence:
        """Reporting cadence over the last ``last_n`` intervals between samples."""
        n = len(self)
        last_us = int(round(self._ts[self._end - 1] * 1e6)) if n else None
        if n < 2:
            return Cadence(n, None, None, None, last_us)
        ts = self._ts[max(self._start, self._end - last_n - 1):self._end]
        intervals = np.diff(ts)
        return Cadence(samples=n, mean_interval_s=float(intervals.mean()),
                       jitter_s=float(intervals.std()),
                       p95_interval_s=float(np.percentile(intervals, 95)),
                       last_ts_us=last_us)


def _connector_order(label: str) -> tuple[int, int | str]:
    return (0, int(label)) if label.isdigit() else (1, label)


class MeteringService:
    """All series of all chargers, fed from a live capture store or a replayed capture."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._series: dict[SeriesKey, SampleSeries] = {}
        self._derived_power: dict[tuple[str, str], SampleSeries] = {}
        #: The samples of each live frame, after they are in their series (not those
        #: replayed by ``load``).
        self.samples_added: Signal[list[MeterSample]] = Signal("meter samples")
        self._store: CaptureStore | None = None
        self._tx_connectors: dict[str, dict[str, str]] = {}  # charger -> tx id -> connector
        #: (frame id, problem) found by load(); a replay does not write to the capture.
        self.load_problems: list[tuple[int | None, str]] = []

    # ------------------------------------------------------------ feeding
    def attach(self, store: CaptureStore) -> None:
        """Parse every new CALL frame recorded in ``store``; problems are written to the
        frame with ``store.add_problem``."""
        self.detach()
        self._store = store
        store.recorded.connect(self._on_record)
        import_soon("numpy")  # live meter values will come: not on the loop at the first

    def detach(self) -> None:
        if self._store is not None:
            self._store.recorded.disconnect(self._on_record)
            self._store = None

    def _on_record(self, record: object) -> None:
        # called for every committed frame: keep the common case (not meter data) cheap
        if not isinstance(record, FrameRecord) or record.message_type != 2:
            return
        if record.action not in METER_ACTIONS:
            return
        samples, problems = self._parse(record)
        if problems and record.id is not None and self._store is not None:
            text = "meter data: " + "; ".join(problems)
            try:
                self._store.add_problem(record.id, text)
            except Exception:  # noqa: BLE001 - the store may be closing
                log.exception("could not record a meter data problem")
            record.problem = f"{record.problem}; {text}" if record.problem else text
        if samples:
            self._ingest(samples)

    def _parse(self, record: FrameRecord) -> tuple[list[MeterSample], list[str]]:
        tx_map = self._tx_connectors.setdefault(record.charger, {})
        return samples_from_frame(record, tx_map)

    def load(self, store: CaptureStore, charger: str | None = None) -> int:
        """Replay the meter data of a capture; returns the number of samples added."""
        records = meter_frames(store, charger)
        added = 0
        for record in records:
            samples, problems = self._parse(record)
            self.load_problems.extend((record.id, p) for p in problems)
            if samples:
                added += self._ingest(samples, notify=False)
        return added

    def _ingest(self, samples: list[MeterSample], notify: bool = True) -> int:
        added = 0
        phase_power: dict[tuple[str, str, int], dict[str, float]] = {}
        totals: set[tuple[str, str, int]] = set()
        for sample in samples:
            if math.isnan(sample.value):
                continue
            key = SeriesKey(sample.charger, sample.connector, sample.measurand, sample.phase)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = SampleSeries(key, sample.unit, self.capacity)
            series.append(sample.ts_us / 1e6, sample.value)
            added += 1
            if sample.measurand == POWER:
                group = (sample.charger, sample.connector, sample.ts_us)
                if sample.phase is None:
                    totals.add(group)
                elif sample.phase in _LINE_OF_PHASE:
                    phase_power.setdefault(group, {})[_LINE_OF_PHASE[sample.phase]] = sample.value
        for group, lines in phase_power.items():
            if group in totals:
                continue
            charger, connector, ts_us = group
            derived = self._derived_power.get((charger, connector))
            if derived is None:
                derived = self._derived_power[(charger, connector)] = SampleSeries(
                    SeriesKey(charger, connector, POWER, None), "W", self.capacity)
            derived.append(ts_us / 1e6, sum(lines.values()))
        if notify and samples:
            self.samples_added.emit(samples)
        return added

    # ------------------------------------------------------------ reading
    def series(self, key: SeriesKey) -> SampleSeries | None:
        return self._series.get(key)

    def keys(self, charger: str | None = None) -> list[SeriesKey]:
        keys = [k for k in self._series if charger is None or k.charger == charger]
        return sorted(keys, key=lambda k: (k.charger, _connector_order(k.connector),
                                           k.measurand, k.phase or ""))

    def connectors(self, charger: str) -> list[str]:
        return sorted({k.connector for k in self._series if k.charger == charger},
                      key=_connector_order)

    def chargers(self) -> list[str]:
        return sorted({k.charger for k in self._series})

    def power(self, charger: str, connector: str) -> SampleSeries | None:
        """Total active import power in W: the charger's own total when it sends one;
        when it sends only per-phase power, the sum of the phases at each timestamp."""
        total = self._series.get(SeriesKey(charger, connector, POWER, None))
        if total is not None and len(total):
            return total
        return self._derived_power.get((charger, connector))

    def clear(self, charger: str | None = None) -> None:
        for key in [k for k in self._series if charger is None or k.charger == charger]:
            del self._series[key]
        for pair in [p for p in self._derived_power if charger is None or p[0] == charger]:
            del self._derived_power[pair]
