"""Meter data -> typed samples -> bounded series; 1-second mode; schedule limits (Qt-free)."""

from .limits import LimitStep, limit_from_composite_schedule, read_limit
from .one_second import OneSecondMode, OneSecondResult, SettingChange
from .samples import MeterSample, samples_from_frame
from .series import (CURRENT, CURRENT_OFFERED, ENERGY, POWER, POWER_OFFERED, SOC, VOLTAGE,
                     Cadence, MeteringService, SampleSeries, SeriesKey)

__all__ = ["LimitStep", "limit_from_composite_schedule", "read_limit", "OneSecondMode",
           "OneSecondResult", "SettingChange", "MeterSample", "samples_from_frame", "CURRENT",
           "CURRENT_OFFERED", "ENERGY", "POWER", "POWER_OFFERED", "SOC", "VOLTAGE", "Cadence",
           "MeteringService", "SampleSeries", "SeriesKey"]
