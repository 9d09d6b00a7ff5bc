"""Single flight: callers that need the same read at the same moment share one.

Under load a cached entry expires while dozens of requests are in flight, and each would
read it again (the form store's heads, the API key store). With a `SingleFlight` the
first caller starts the read and the others await it. The read is shielded: a caller
that goes away (client disconnect) does not cancel it for the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable


class SingleFlight[K: Hashable, V]:
    """At most one running read per key."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, read: Callable[[], Awaitable[V]]) -> V:
        """The result of `read()`, started now unless a read of `key` is running."""
        pending = self._running.get(key)
        if pending is None:
            pending = asyncio.ensure_future(read())
            self._running[key] = pending
            pending.add_done_callback(lambda done: self._drop(key, done))
        return await asyncio.shield(pending)

    def _drop(self, key: K, done: asyncio.Future[V]) -> None:
        if self._running.get(key) is done:
            del self._running[key]

    def forget(self) -> None:
        """Let the next callers start new reads (running ones may predate a change)."""
        self._running.clear()
