"""Only the composition root touches the garbage collector: it moves what outlived the
young collections (cached records, mostly) out of the full collections' way."""

from __future__ import annotations

import asyncio
import gc

from main import freeze_survivors
from tests.aio import run


def test_survivors_leave_the_collectors_view_and_the_loop_stops_on_cancel() -> None:
    gc.unfreeze()  # an app started by an earlier test froze its start-up objects
    kept = [{"n": i, "rows": [{"i": i}]} for i in range(1000)]  # as cached records are

    async def a_few_rounds() -> bool:
        task = asyncio.create_task(freeze_survivors(every=0))
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return task.cancelled()

    try:
        assert run(a_few_rounds())
        assert gc.get_freeze_count() > 0
        tracked = {id(o) for o in gc.get_objects()}  # the generations it still scans
        assert not any(id(doc) in tracked for doc in kept)
    finally:
        gc.unfreeze()
