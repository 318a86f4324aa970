"""Keep CPython's full garbage collections off the chargers' round trips (issue 17).

A connected charger keeps about 150 objects alive that the cyclic garbage collector
tracks (its websocket, transport, tasks, futures, session, station model, meter series),
and every full (generation 2) collection walks all of them while the event loop waits.
With 3,000 chargers (~440,000 objects) full collections held the loop 73-325 ms, each
one finding nothing to free, and every charger's answer in that time waited with it
(benchmarks/scale.py with a slow-callback hook on serve).

``gc.freeze()`` moves every object alive now into a permanent generation that the
collector does not walk: a few seconds after chargers connect, their long-lived objects
stop costing anything. Objects still die by reference counting as usual; only cycles
that became garbage after being frozen wait, until the next ``collect_every_s`` round
unfreezes, collects once (the one full pass this costs), and freezes again.

Measured with ``serve`` (benchmarks/scale.py, six alternating pairs against the commit
before, four of them freezing every 10 s, two every 2 s): at 3,000 chargers the slowest
round trip fell from 243-359 ms to 58-224 ms and the p99 from 36-81 to 24-39 ms. Seconds
with round trips over 100 ms came in every run without (seconds 16-18; a hooked run showed
a full collection of 325 ms there) and in three runs with (seconds 1-4). The share over
5 ms did not improve (4-24 % against 5-14 %, this machine's noise), nor did anything at
1,000 chargers, whose full collections are a third of the size.

The window paces its collections too, from its first paint on (``ui/app.py``), and holds
them off until then (``StartPause``): its start builds ~650 enum classes, the Qt wrappers and
the studio's modules, and the collector ran 137 times over their import alone, for 412 objects
freed in all (58 ms of a 2-core machine's start, measured with ``gc.callbacks``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

#: seconds between freezes (a freeze is a list splice, O(1)): a charger's objects leave the
#: full collections within this long of its connecting
FREEZE_EVERY_S = 2.0
#: seconds between full collections of everything (frozen cycles included)
COLLECT_EVERY_S = 600.0


class StartPause:
    """No automatic collections while the program starts; then everything the start built is
    frozen (the long-lived part of a program: modules, classes, the window) and automatic
    collections go on without it. Reference counting frees as usual meanwhile; only cycles
    that die during the start wait for the next full collection."""

    def __init__(self) -> None:
        self.paused = False

    def pause(self) -> None:
        if gc.isenabled():
            gc.disable()
            self.paused = True

    def started(self) -> None:
        """The start is over: freeze what it built and collect automatically again."""
        if self.paused:
            self.paused = False
            gc.freeze()
            gc.enable()


async def pace_collections(freeze_every_s: float = FREEZE_EVERY_S,
                           collect_every_s: float = COLLECT_EVERY_S,
                           sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Run until cancelled (then everything is unfrozen again)."""
    rounds_per_collect = max(1, round(collect_every_s / freeze_every_s))
    try:
        gc.freeze()  # what the start built: settings, schemas, the window
        rounds = 0
        while True:
            await sleep(freeze_every_s)
            rounds += 1
            if rounds % rounds_per_collect == 0:
                collect_frozen()
            gc.freeze()
    finally:
        gc.unfreeze()


def collect_frozen() -> int:
    """One full collection of everything, frozen objects included; what it freed."""
    started = time.perf_counter()
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    freed = gc.collect()
    log.debug("full collection of %d frozen objects: %d freed in %.0f ms", frozen, freed,
              (time.perf_counter() - started) * 1000)
    return freed
