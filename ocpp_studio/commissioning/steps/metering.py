"""Steps 5 and 8: 1-second metering measured, and the test charge."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from ...core.lazy import lazy_module
from ...station.adapters import CALL_FAILURES
from ...station.model import Transaction
from ..model import CommissioningContext, Evidence, StepFailed, StepRecord
from .base import TEST_ID_TAG, BaseStep
from .sessions import _samples_since, running_session, start_charge, stop_charge

if TYPE_CHECKING:
    import numpy as np
else:  # numpy is imported on first use: ~0.1 s of every start (issue 17)
    np = lazy_module("numpy")

log = logging.getLogger(__name__)

#: how long to wait for the message carrying a running session's id, asked with TriggerMessage
FIND_SESSION_S = 5.0


def test_charge_allowed(ctx: CommissioningContext) -> bool:
    """The installer allowed a test charge (a test time above 0 s)."""
    return float(ctx.choices.get("test_charge_seconds", ctx.profile.test_charge_seconds)) > 0


async def session_for_test(ctx: CommissioningContext) -> tuple[Any, str, bool]:
    """(session, how it was found, started by the step) on connector/EVSE 1.

    A session already running is used: a charger refuses a remote start while one runs
    (1.6 §5.11 Rejected; 2.0.1 F01), as the README promises. A session the studio does not
    know (the charger was charging before the studio started) is found from the message the
    charger sends on TriggerMessage (1.6 MeterValues with transactionId §5.17; 2.x
    TransactionEvent F06)."""
    running = running_session(ctx)
    if running is not None:
        return running, "already running; used for the test", False
    before = set(ctx.station.transactions)
    try:
        answer = await ctx.adapter.start_charge(TEST_ID_TAG, connector=1,
                                                remote_start_id=int(time.time()) % 1_000_000)
        status = str((answer or {}).get("status"))
    except CALL_FAILURES as exc:
        status = f"{type(exc).__name__}: {exc}"
    if status == "Accepted":
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline:
            new = [t for k, t in ctx.station.transactions.items() if k not in before]
            if new:
                return new[-1], "started remotely", True
            await asyncio.sleep(0.05)
        raise StepFailed("The charger accepted the remote start but no charging session "
                         "began within 20 s (is a car plugged in?).")
    found = await _find_unknown_session(ctx)
    if found is not None:
        return found, (f"already running (the charger answered {status} to a remote start); "
                       f"found with TriggerMessage {ctx.adapter.session_trigger_message}"), False
    raise StepFailed(f"The charger refused to start charging remotely ({status}) and "
                     "reported no running session when asked. Check that a car is plugged in, "
                     "the charger is available, and remote start is allowed.")


async def _find_unknown_session(ctx: CommissioningContext) -> Any | None:
    store, cid = ctx.studio.store, ctx.charger_id
    newest = store.frames(charger=cid, newest_first=True, limit=1)
    after = newest[0].id if newest else 0
    message = ctx.adapter.session_trigger_message
    try:
        answer = await ctx.adapter.trigger(message, evse=1, connector=1)
    except CALL_FAILURES as exc:
        log.info("%s: TriggerMessage %s failed: %s", cid, message, exc)
        return None
    if str((answer or {}).get("status")) != "Accepted":
        return None
    deadline = time.monotonic() + FIND_SESSION_S
    while time.monotonic() < deadline:
        for frame in store.frames(charger=cid, action=message, after_id=after):
            tx_id = _transaction_id(frame.raw)
            if tx_id is not None:
                known = ctx.station.transactions.get(tx_id)
                if known is None:
                    return Transaction(tx_id, "1")
                if str(known.connector).startswith("?"):
                    # learnt from a TransactionEvent without its optional evse (2.0.1 E02):
                    # it answered the trigger for EVSE 1, so that is where it runs
                    known.connector = "1" + str(known.connector)[1:]
                return known
        await asyncio.sleep(0.05)
    return None


def _transaction_id(raw: str) -> str | None:
    try:
        msg = json.loads(raw)
    except ValueError:
        return None
    if not (isinstance(msg, list) and len(msg) >= 4 and msg[0] == 2 and isinstance(msg[3], dict)):
        return None
    payload = msg[3]
    tx_id = payload.get("transactionId", (payload.get("transactionInfo") or {}).get(
        "transactionId"))
    return None if tx_id is None else str(tx_id)


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
        # enabled: the charger took the interval (whether its meter values follow is measured)
        evidence.append(Evidence("1-second mode", "accepted" if result.enabled else "refused",
                                 result.explanation))
        tx, ours, ts, values = None, False, np.array([]), np.array([])
        try:  # whatever happens, the reporting settings the step changed are put back
            if not result.enabled:
                raise StepFailed("The charger cannot report every second: " + result.explanation,
                                 evidence)
            tx, how, ours = await session_for_test(ctx)
            evidence.append(Evidence("Measurement session", tx.transaction_id, how))
            if result.restart_suggested and not ours:
                tx, ours = await self._restart(ctx, result, evidence)
            since = ctx.clock.now().timestamp()
            deadline = time.monotonic() + self.samples * 3 + 15
            while True:
                ts, values = _samples_since(ctx, since)
                if len(ts) >= self.samples or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
        except StepFailed as exc:
            failure: StepFailed | None = exc
        else:
            failure = None
        finally:
            if tx is not None and ours:
                await stop_charge(ctx, tx)
            evidence.extend(await self._restore(ctx))
        if failure is not None:  # the record shows the restore too
            raise StepFailed(str(failure), evidence + [e for e in failure.evidence
                                                       if e not in evidence])
        if len(ts) < 2:
            raise StepFailed("The charger did not report power during the measurement: check "
                             "MeterValuesSampledData / TxUpdatedMeasurands include "
                             "Power.Active.Import.", evidence)
        intervals = np.diff(ts)
        mean, jitter = float(intervals.mean()), float(intervals.std())
        ctx.data["cadence"] = {"mean_s": round(mean, 3), "jitter_s": round(jitter, 3),
                               "samples": int(len(ts))}
        evidence += [Evidence("Samples measured", str(len(ts)),
                              "meter values that arrived after the change"),
                     Evidence("Mean interval", f"{mean:.2f} s"),
                     Evidence("Jitter", f"{jitter:.2f} s", "standard deviation of the intervals"),
                     Evidence("Power reported", f"{float(np.max(values)):.0f} W peak")]
        if mean > 1.5:
            raise StepFailed(f"The charger accepted the 1-second interval but its meter values "
                             f"arrived every {mean:.1f} s (measured over {len(ts)} samples).",
                             evidence)
        restarted = any(e.label == "New measurement session" for e in evidence)
        return self.passed(f"Measured: the charger reports power every {mean:.2f} s "
                           f"(jitter {jitter:.2f} s, {len(ts)} samples) in 1-second mode"
                           + ("; it applies the interval from the next session, so the running "
                              "session was stopped and started again" if restarted else "")
                           + f"; reporting interval restored to {ctx.profile.meter_interval_s} s.",
                           evidence)

    async def _restart(self, ctx: CommissioningContext, result: Any,
                       evidence: list[Evidence]) -> tuple[Any, bool]:
        """The session ran before the change and the charger keeps its old cadence until the
        next session (seen on a 2.0.1 charger, issue 14): restart it when the installer
        allowed a test charge, else say how to go on."""
        every = f"every {result.cadence_s:g} s" if result.cadence_s else "at its old interval"
        evidence.append(Evidence("Cadence after the change", every,
                                 "the charger applies the interval from the next session"))
        if not test_charge_allowed(ctx):
            raise StepFailed(f"The charger accepted the 1-second interval but still reports "
                             f"{every}: it applies the interval from the next charging session. "
                             "Allow a test charge (the step then stops and starts the session) "
                             "or stop and start the session on the charger, then run this step "
                             "again.", evidence)
        restarted = await ctx.studio.one_second.restart_session(ctx.charger_id)
        evidence.append(Evidence("Session restarted", "yes" if restarted.ok else "no",
                                 restarted.explanation))
        tx = running_session(ctx)
        if tx is None:
            raise StepFailed("The charger applies the 1-second interval from the next session, "
                             "but the session could not be restarted: " + restarted.explanation,
                             evidence)
        evidence.append(Evidence("New measurement session", tx.transaction_id,
                                 "started after stopping the running one"))
        return tx, False  # the car's session goes on, as it was before the step

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
        # watch power every second during the test; the chosen interval is restored after,
        # also when the test fails
        fast = await ctx.studio.one_second.enable(ctx.charger_id)
        try:
            return await self._charge(ctx, seconds, fast)
        finally:
            # also after a refusal or a cadence not yet applied: whatever enable changed
            # (it remembers each value it changed) is put back; nothing changed, nothing written
            await ctx.studio.one_second.disable(ctx.charger_id)

    async def _charge(self, ctx: CommissioningContext, seconds: float,
                      fast: Any = None) -> StepRecord:
        # A car plugged in on a free-vend charger starts by itself: a remote start would be
        # refused, so the running session is the test (it is stopped remotely at the end).
        tx, how, ours = await session_for_test(ctx)
        running = not ours
        evidence = [Evidence("Session", tx.transaction_id, how)]
        if (running and fast is not None and getattr(fast, "restart_suggested", False)
                and test_charge_allowed(ctx)):
            # the session ran before the 1-second change and the charger keeps its old
            # cadence until the next session: the test charge restarts it (stop + start)
            restarted = await ctx.studio.one_second.restart_session(ctx.charger_id)
            evidence.append(Evidence("Session restarted", "yes" if restarted.ok else "no",
                                     "the charger applies the 1-second interval from the next "
                                     "session; " + restarted.explanation))
            tx = running_session(ctx) or tx
            evidence.append(Evidence("Test session", tx.transaction_id,
                                     "the new session, started after stopping the running one"))
        started = ctx.clock.now().timestamp()
        started_mono = time.monotonic()  # the duration must not depend on a set clock
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
