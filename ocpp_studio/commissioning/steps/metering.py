"""Steps 5 and 8: 1-second metering measured, and the test charge."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from ..model import CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep
from .sessions import _samples_since, running_session, start_charge, stop_charge


class MeteringStep(BaseStep):
    step_id = "metering"
    title = "Metering"
    description = ("Checks that the charger reports power, switches it to 1-second reporting, "
                   "measures the actual cadence over about ten samples, then restores the chosen "
                   "interval.")
    samples = 10

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        evidence: list[Evidence] = []
        result = await ctx.studio.one_second.enable(ctx.charger_id)
        for change in result.changes:
            ctx.settings_changed.append((change.key, change.before, change.after, change.status))
        evidence.append(Evidence("1-second mode", "on" if result.ok else "refused",
                                 result.explanation))
        if not result.ok:
            raise StepFailed("The charger cannot report every second: " + result.explanation,
                             evidence)
        station = ctx.station
        tx = None
        if not station.transactions:
            tx = await start_charge(ctx)
            evidence.append(Evidence("Measurement session", tx.transaction_id,
                                     "started remotely to make the charger send meter values"))
        since = ctx.clock.now().timestamp()
        deadline = time.monotonic() + self.samples * 3 + 15
        try:
            while True:
                ts, values = _samples_since(ctx, since)
                if len(ts) >= self.samples:
                    break
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
        finally:
            if tx is not None:
                await stop_charge(ctx, tx)
            restore = await self._restore(ctx)
            evidence.extend(restore)
        if len(ts) < 2:
            raise StepFailed("The charger did not report power during the measurement: check "
                             "MeterValuesSampledData / TxUpdatedMeasurands include "
                             "Power.Active.Import.", evidence)
        intervals = np.diff(ts)
        mean, jitter = float(intervals.mean()), float(intervals.std())
        ctx.data["cadence"] = {"mean_s": round(mean, 3), "jitter_s": round(jitter, 3),
                               "samples": int(len(ts))}
        evidence += [Evidence("Samples measured", str(len(ts))),
                     Evidence("Mean interval", f"{mean:.2f} s"),
                     Evidence("Jitter", f"{jitter:.2f} s", "standard deviation of the intervals"),
                     Evidence("Power reported", f"{float(np.max(values)):.0f} W peak")]
        if mean > 1.5:
            raise StepFailed(f"Asked for 1-second reporting but the charger reports every "
                             f"{mean:.1f} s.", evidence)
        return self.passed(f"The charger reports power every {mean:.2f} s "
                           f"(jitter {jitter:.2f} s) in 1-second mode; reporting interval "
                           f"restored to {ctx.profile.meter_interval_s} s.", evidence)

    async def _restore(self, ctx: CommissioningContext) -> list[Evidence]:
        result = await ctx.studio.one_second.disable(ctx.charger_id)
        out = [Evidence("1-second mode off", "restored" if result.ok else "not restored",
                        result.explanation)]
        key = ctx.adapter.interval_setting
        value = str(ctx.profile.meter_interval_s)
        [write] = await ctx.write_settings({key: value})
        out.append(Evidence(key, value, write.status))
        return out



class TestChargeStep(BaseStep):
    __test__ = False  # not a pytest class
    step_id = "test_charge"
    title = "Test charge"
    description = ("Starts charging remotely, watches the power, stops after the test time and "
                   "records the energy and duration.")
    power_timeout_s = 30.0

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        seconds = float(ctx.choices.get("test_charge_seconds", ctx.profile.test_charge_seconds))
        # watch power every second during the test; the chosen interval is restored after
        fast = await ctx.studio.one_second.enable(ctx.charger_id)
        try:
            return await self._charge(ctx, seconds)
        finally:
            if fast.ok:
                await ctx.studio.one_second.disable(ctx.charger_id)

    async def _charge(self, ctx: CommissioningContext, seconds: float) -> StepRecord:
        # A car plugged in on a free-vend charger starts by itself: a remote start would be
        # refused, so the running session is the test (it is stopped remotely at the end).
        running = running_session(ctx)
        tx = running or await start_charge(ctx)
        started = ctx.clock.now().timestamp()
        started_mono = time.monotonic()  # the duration must not depend on a set clock
        evidence = [Evidence("Session", tx.transaction_id,
                             "already running; used for the test" if running
                             else "started remotely")]
        override = await ctx.studio.smart_charging.override(ctx.charger_id, True)
        evidence.append(Evidence("Charging hours override", "on" if override.ok else "not set",
                                 "so the test charges during peak hours too"))
        peak = 0.0
        try:
            deadline = time.monotonic() + self.power_timeout_s
            while True:
                ts, values = _samples_since(ctx, started)
                if len(values) and float(values.max()) > 0:
                    break
                if time.monotonic() > deadline:
                    raise StepFailed(f"The session started but the charger reported no power "
                                     f"within {self.power_timeout_s:.0f} s: check the car "
                                     "accepts charge and the maximum current is not 0.",
                                     evidence)
                await asyncio.sleep(0.1)
            await asyncio.sleep(seconds)
        finally:
            done = await stop_charge(ctx, tx)
        duration = time.monotonic() - started_mono
        ts, values = _samples_since(ctx, started)
        peak = float(values.max()) if len(values) else 0.0
        energy = None
        if not running and done.meter_start_wh is not None and done.meter_stop_wh is not None:
            energy = float(done.meter_stop_wh) - float(done.meter_start_wh)
        elif len(ts) > 1:
            energy = float(np.trapezoid(values, ts) / 3600.0) if hasattr(np, "trapezoid") \
                else float(np.trapz(values, ts) / 3600.0)
        ctx.data["test_charge"] = {"energy_wh": None if energy is None else round(energy, 1),
                                   "duration_s": round(duration, 1), "peak_w": round(peak, 1),
                                   "transaction_id": tx.transaction_id}
        evidence += [Evidence("Duration", f"{duration:.0f} s"),
                     Evidence("Energy", "not reported" if energy is None else f"{energy:.1f} Wh"),
                     Evidence("Peak power", f"{peak:.0f} W")]
        return self.passed(f"Charged for {duration:.0f} s at up to {peak:.0f} W"
                           f"{'' if energy is None else f', {energy:.1f} Wh'}.", evidence)
