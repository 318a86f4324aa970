"""Step 3: the charger's clock and its heartbeat."""

from __future__ import annotations

import asyncio
import json

from ...core.records import Direction
from ...core.rpc import CallError, CallTimeout
from ..model import CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep, _parse_time


class ClockStep(BaseStep):
    step_id = "clock"
    title = "Clock and heartbeat"
    description = ("Compares the charger's clock with the laptop's and sets how often the "
                   "charger sends a heartbeat.")
    max_offset_s = 60.0

    def _charger_clock(self, ctx: CommissioningContext) -> tuple[float, float] | None:
        """(charger time, laptop time) of the newest charger frame carrying a timestamp."""
        frames = ctx.studio.store.frames(charger=ctx.charger_id, direction=Direction.TO_CSMS,
                                         newest_first=True, limit=200)
        for frame in frames:
            try:
                msg = json.loads(frame.raw)
            except ValueError:
                continue
            if not isinstance(msg, list) or len(msg) < 4 or not isinstance(msg[3], dict):
                continue
            payload = msg[3]
            stamp = payload.get("timestamp")
            if stamp is None and payload.get("meterValue"):
                stamp = (payload["meterValue"][-1] or {}).get("timestamp")
            charger_s = _parse_time(stamp)
            if charger_s is not None:
                return charger_s, frame.ts_us / 1e6
        return None

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        evidence: list[Evidence] = []
        seen = self._charger_clock(ctx)
        if seen is None:
            try:  # a StatusNotification carries the charger's time
                await ctx.central.adapter(ctx.charger_id, timeout=10).trigger(
                    "StatusNotification", evse=1, connector=1)
                await asyncio.sleep(0.5)
            except (CallError, CallTimeout):
                pass
            seen = self._charger_clock(ctx)
        notes = []
        # what the report's clock item reads: measured or not, never assumed right
        ctx.data["clock"] = {"offset_s": None, "max_offset_s": self.max_offset_s,
                             "measured": seen is not None}
        if seen is None:
            # "not measured" is said as such: it is never a clock that was checked
            evidence.append(Evidence("Clock", "not measured",
                                     "The charger sent no message with its time, even when "
                                     "asked for a StatusNotification."))
            evidence.append(Evidence("Clock offset", "not measurable",
                                     "The charger sent no message with its time."))
            clock_ok = True  # not known to be wrong: the step goes on, the report says "not verified"
        else:
            offset = seen[0] - seen[1]
            ctx.data["clock_offset_s"] = round(offset, 1)
            ctx.data["clock"]["offset_s"] = round(offset, 1)
            clock_ok = abs(offset) <= self.max_offset_s
            evidence.append(Evidence("Clock", "measured",
                                     "from the newest message carrying the charger's time"))
            evidence.append(Evidence("Clock offset", f"{offset:+.1f} s",
                                     "charger time minus laptop time"))
            if not clock_ok:
                notes.append(f"The charger's clock is {offset:+.0f} s off. Off-peak hours depend "
                             "on it: set its time source (NTP) or check the time zone.")
        key = ctx.adapter.heartbeat_setting
        value = str(ctx.profile.heartbeat_interval_s)
        [result] = await ctx.write_settings({key: value})
        evidence.append(Evidence(key, value, result.status))
        if not result.ok:
            raise StepFailed(f"The charger refused {key}={value} ({result.status}"
                             f"{': ' + result.detail if result.detail else ''}). Check the "
                             "value is allowed by the charger, or set it on the charger's own "
                             "web page.", evidence)
        after = await ctx.studio.configuration.refresh(ctx.charger_id, [key])
        readback = after.value(key)
        if readback is not None and readback != value:
            # A charger that just booted applies the interval of our BootNotification answer,
            # possibly after our write: write once more.
            await asyncio.sleep(1.0)
            await ctx.studio.configuration.write(ctx.charger_id, {key: value})
            readback = (await ctx.studio.configuration.refresh(ctx.charger_id, [key])).value(key)
        evidence.append(Evidence("Read back", str(readback)))
        if readback is not None and readback != value and result.status == "Accepted":
            raise StepFailed(f"The charger accepted {key}={value} but reports {readback}.",
                             evidence)
        if not clock_ok:
            return self.failed(" ".join(notes), evidence)
        if seen is None:
            return self.passed(f"Clock not checked: the charger sent no message carrying its "
                               f"time. Heartbeat every {value} s.", evidence)
        return self.passed(f"Clock checked ({ctx.data['clock']['offset_s']:+.1f} s from the "
                           f"laptop's); heartbeat every {value} s.", evidence)
