"""gc_pacing: long-lived objects are frozen out of full collections, and cycles that die
after being frozen are still freed at the next full collection (issue 17)."""

import asyncio
import gc
import weakref

from ocpp_studio.gc_pacing import pace_collections


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_frozen_cycles_are_freed_at_the_next_full_collection_and_a_stop_unfreezes():
    async def scenario():
        ticks: asyncio.Queue[None] = asyncio.Queue()
        slept = []

        async def sleep(seconds: float) -> None:  # the test's clock: one tick per put
            slept.append(seconds)
            await ticks.get()

        async def tick() -> None:
            ticks.put_nowait(None)
            while ticks.qsize():  # the pacer took it and went round
                await asyncio.sleep(0)
            await asyncio.sleep(0)

        node = _Node()
        alive = weakref.ref(node)
        pacer = asyncio.create_task(pace_collections(freeze_every_s=2, collect_every_s=6,
                                                     sleep=sleep))
        await asyncio.sleep(0)
        assert gc.get_freeze_count() > 0  # frozen at start, the node with the rest
        del node
        gc.collect()
        assert alive() is not None  # frozen: a full collection does not walk it
        await tick()  # 2 s: a freeze
        await tick()  # 4 s: a freeze
        assert alive() is not None
        await tick()  # 6 s: the full collection of everything
        assert alive() is None
        assert gc.get_freeze_count() > 0  # and frozen again
        pacer.cancel()
        await asyncio.gather(pacer, return_exceptions=True)
        assert gc.get_freeze_count() == 0  # a stopped studio leaves the collector as it was
        assert slept[:3] == [2, 2, 2]

    gc.unfreeze()
    try:
        asyncio.run(scenario())
    finally:
        gc.unfreeze()
