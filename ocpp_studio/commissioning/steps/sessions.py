"""Charging sessions the steps start, watch and stop (metering and the test charge)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ...core.lazy import lazy_module
from ..model import CommissioningContext, StepFailed
from .base import TEST_ID_TAG

if TYPE_CHECKING:
    import numpy as np
else:  # numpy is imported on first use: ~0.1 s of every start (issue 17)
    np = lazy_module("numpy")


def _power_series(ctx: CommissioningContext) -> list[Any]:
    metering = ctx.studio.metering
    return [s for c in metering.connectors(ctx.charger_id)
            if c not in ("0",) and (s := metering.power(ctx.charger_id, c)) is not None]


async def start_charge(ctx: CommissioningContext, timeout: float = 20.0) -> Any:
    """Remote start on connector/EVSE 1; returns the studio's Transaction."""
    station = ctx.station
    before = set(station.transactions)
    answer = await ctx.adapter.start_charge(TEST_ID_TAG, connector=1,
                                            remote_start_id=int(time.time()) % 1_000_000)
    if answer.get("status") != "Accepted":
        raise StepFailed(f"The charger refused to start charging remotely "
                         f"({answer.get('status')}). Check that a car is plugged in, the "
                         "charger is available, and remote start is allowed.")
    deadline = time.monotonic() + timeout
    while True:
        new = [t for k, t in station.transactions.items() if k not in before]
        if new:
            return new[-1]
        if time.monotonic() > deadline:
            raise StepFailed("The charger accepted the remote start but no charging session "
                             f"began within {timeout:.0f} s (is a car plugged in?).")
        await asyncio.sleep(0.05)


async def stop_charge(ctx: CommissioningContext, tx: Any, timeout: float = 20.0) -> Any:
    answer = await ctx.adapter.stop_charge(tx.transaction_id)
    if answer.get("status") != "Accepted":
        raise StepFailed(f"The charger refused to stop the session ({answer.get('status')}); "
                         "stop it on the charger or unplug the car.")
    deadline = time.monotonic() + timeout
    station = ctx.station
    while tx.transaction_id in station.transactions:
        if time.monotonic() > deadline:
            raise StepFailed("The charger accepted the stop but the session did not end within "
                             f"{timeout:.0f} s.")
        await asyncio.sleep(0.05)
    for done in reversed(station.finished_transactions):
        if done.transaction_id == tx.transaction_id:
            return done
    return tx


def running_session(ctx: CommissioningContext) -> Any | None:
    """The session already running on connector (1.6) or EVSE (2.0.1) 1, if any."""
    for tx in ctx.station.transactions.values():
        if str(tx.connector).split("/")[0] == "1":
            return tx
    return None


def _samples_since(ctx: CommissioningContext, since_s: float) -> tuple[np.ndarray, np.ndarray]:
    best = (np.array([]), np.array([]))
    for series in _power_series(ctx):
        ts, values = series.arrays(since_s=since_s)
        if len(ts) > len(best[0]):
            best = (np.asarray(ts), np.asarray(values))
    return best
