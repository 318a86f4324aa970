"""SampleSeries ring buffer, cadence, and schedule limits of both versions."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ocpp_studio.metering import (LimitStep, SampleSeries, SeriesKey,
                                  limit_from_composite_schedule)
from ocpp_studio.metering.samples import parse_timestamp_us

KEY = SeriesKey("CP1", "1", "Power.Active.Import", None)


def test_ring_buffer_is_bounded_and_ordered():
    series = SampleSeries(KEY, "W", capacity=1000)
    for i in range(5500):
        series.append(1000.0 + i, float(i))
    assert len(series) == 1000
    ts, values = series.arrays()
    assert ts[0] == 1000.0 + 4500 and ts[-1] == 1000.0 + 5499
    assert np.all(np.diff(ts) > 0) and np.array_equal(values, ts - 1000.0)
    assert series.last() == (6499.0, 5499.0)
    assert len(series._ts) <= 2 * series.capacity  # memory bounded too
    ts, values = series.arrays(since_s=6400.0, until_s=6409.0)
    assert list(ts) == [6400.0 + i for i in range(10)]
    ts[0] = -1  # a copy: the series is not changed
    assert series.arrays(since_s=6400.0)[0][0] == 6400.0


def test_out_of_order_and_duplicates():
    series = SampleSeries(KEY, "W", capacity=5)
    for t in (10.0, 12.0, 14.0):
        series.append(t, t)
    series.append(11.0, 11.0)  # late sample: inserted in order
    series.append(12.0, 99.0)  # same time: replaces
    assert series.arrays()[0].tolist() == [10.0, 11.0, 12.0, 14.0]
    assert series.arrays()[1].tolist() == [10.0, 11.0, 99.0, 14.0]
    series.append(15.0, 15.0)
    series.append(13.0, 13.0)  # full: oldest dropped, 13 inserted
    assert series.arrays()[0].tolist() == [11.0, 12.0, 13.0, 14.0, 15.0]
    series.append(1.0, 1.0)  # older than the whole full window: dropped
    assert series.arrays()[0].tolist() == [11.0, 12.0, 13.0, 14.0, 15.0]
    assert len(series) == 5


def test_random_order_matches_sorted_reference():
    rng = random.Random(3)
    series = SampleSeries(KEY, "W", capacity=300)
    reference: dict[float, float] = {}
    for i in range(3000):
        t = float(i + rng.randint(-5, 5))
        series.append(t, float(i))
        reference[t] = float(i)
    ts, values = series.arrays()
    assert len(ts) == 300 and np.all(np.diff(ts) > 0)
    # Every kept sample holds the latest value written at its time.
    for t, v in zip(ts[-250:], values[-250:]):
        assert reference[t] == v


def test_cadence_of_a_one_second_series_with_jitter():
    rng = random.Random(1)
    series = SampleSeries(KEY, "W")
    t = 1_763_700_000.0
    for _ in range(500):
        t += 1.0 + rng.uniform(-0.05, 0.05)
        series.append(t, 7000.0)
    cadence = series.cadence()
    assert cadence.samples == 500
    assert cadence.mean_interval_s == pytest.approx(1.0, abs=0.02)
    assert 0.01 < cadence.jitter_s < 0.05
    assert 1.0 < cadence.p95_interval_s <= 1.05
    assert cadence.last_ts_us == round(t * 1e6)
    empty = SampleSeries(KEY, "W").cadence()
    assert empty.samples == 0 and empty.mean_interval_s is None and empty.last_ts_us is None


def test_limit_from_16_composite_schedule_in_amps():
    start = "2026-11-21T10:00:00Z"
    start_s = parse_timestamp_us(start) / 1e6
    payload = {"status": "Accepted", "connectorId": 1, "scheduleStart": start,
               "chargingSchedule": {"duration": 3600, "startSchedule": start,
                                    "chargingRateUnit": "A", "chargingSchedulePeriod": [
                                        {"startPeriod": 0, "limit": 16.0},
                                        {"startPeriod": 1800, "limit": 6.0, "numberPhases": 1},
                                    ]}}
    steps = limit_from_composite_schedule(payload, received_s=0.0)
    assert steps == [LimitStep(start_s, 16 * 230 * 3), LimitStep(start_s + 1800, 6 * 230),
                     LimitStep(start_s + 3600, None)]
    one_phase = limit_from_composite_schedule(payload, 0.0, voltage_v=240.0, phases=1)
    assert one_phase[0].limit_w == 16 * 240
    assert limit_from_composite_schedule({"status": "Rejected"}, 0.0) == []


def test_limit_from_201_composite_schedule_in_watts():
    payload = {"status": "Accepted", "schedule": {
        "evseId": 1, "duration": 600, "scheduleStart": "2026-11-21T10:00:00.000Z",
        "chargingRateUnit": "W", "chargingSchedulePeriod": [
            {"startPeriod": 300, "limit": 0.0}, {"startPeriod": 0, "limit": 11000.0}]}}
    start_s = parse_timestamp_us("2026-11-21T10:00:00Z") / 1e6
    assert limit_from_composite_schedule(payload, received_s=1.0) == [
        LimitStep(start_s, 11000.0), LimitStep(start_s + 300, 0.0),
        LimitStep(start_s + 600, None)]
    # No start time in the answer: the time it was received.
    del payload["schedule"]["scheduleStart"]
    assert limit_from_composite_schedule(payload, received_s=5.0)[0].start_s == 5.0


def test_a_new_series_starts_small_and_grows_as_it_fills():
    # issue 17 (scale): thousands of chargers keep thousands of series; each must not
    # reserve a day of samples up front
    from ocpp_studio.metering.series import INITIAL_SIZE
    series = SampleSeries(SeriesKey("CP", "1", "Power.Active.Import", None), "W")
    assert len(series._ts) == INITIAL_SIZE <= 64
    for i in range(5_000):
        series.append(1_000.0 + i, float(i))
    assert len(series) == 5_000 and len(series._ts) < 2 * 5_000 + INITIAL_SIZE
    t, v = series.arrays()
    assert t[0] == 1_000.0 and t[-1] == 5_999.0 and v[-1] == 4_999.0
