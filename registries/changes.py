"""The record cache of the embedded (SQLite) registry: trusted while nothing changed.

Other workers and the CLI write the same file, and nothing tells this worker when they
do. Triggers move the registry's change counter (migration 0008) on every update or delete
of a record, whoever makes it, so one read of the counter tells whether anything kept may
be stale; any move empties the memory tier (edits are rare next to reads).

The counter is read once per pass of the event loop for all the requests of that pass.
Every request whose code runs in a pass had arrived before the pass began: new requests
are read from their sockets between passes. So a counter read during the pass is newer
than each of those requests, and answering them all from it is as if each had read it
itself at that moment: none misses an edit committed before it was sent. The value is
dropped by a callback that runs at the start of the next pass, before anything read from
the sockets in between, and by an edit through this worker (`invalidate`, `clear`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from registries.cache import Loader, MemoryCache, Record


class ChangeCounterCache:
    """A memory tier of records, emptied whenever the registry's change counter moves."""

    name = "memory+change-counter"

    def __init__(self, changes: Callable[[], int], *, max_items: int, max_bytes: int) -> None:
        self._changes = changes
        # No time-to-live: the counter, not the clock, says when a record may be stale.
        self.memory = MemoryCache(max_items=max_items, ttl_seconds=None, max_bytes=max_bytes)
        self.seen: int | None = None  # the counter the kept records were read under
        self._this_pass: tuple[asyncio.AbstractEventLoop, int] | None = None
        self.counter_reads = 0

    async def fetch(self, key: str, load: Loader) -> Record | None:
        """The kept record unless the counter moved; else `load()`, kept (guarded)."""
        changes = self._changes_this_pass()  # before the read: what it finds is as new
        if changes != self.seen:
            self.memory.clear_now()
            self.seen = changes
        return await self.memory.fetch(key, load)

    @property
    def hits(self) -> int:
        """Reads answered from memory."""
        return self.memory.hits

    @property
    def misses(self) -> int:
        """Reads that went to the file."""
        return self.memory.misses

    def _changes_this_pass(self) -> int:
        loop = asyncio.get_running_loop()
        this_pass = self._this_pass
        if this_pass is not None and this_pass[0] is loop:
            return this_pass[1]
        value = self._changes()
        self.counter_reads += 1
        self._this_pass = (loop, value)
        loop.call_soon(self._end_pass)
        return value

    def _end_pass(self) -> None:
        self._this_pass = None

    async def invalidate(self, *keys: str, lsn: int | None = None) -> None:
        """After an edit through this worker: it sees it at once, even in this pass."""
        self._this_pass = None
        self.memory.invalidate_now(*keys)

    async def clear(self, *, lsn: int | None = None) -> None:
        """Forget everything (after a reseed)."""
        self._this_pass = None
        self.memory.clear_now()

    async def healthy(self) -> bool:
        """Always healthy: the counter is read from the registry file itself."""
        return True

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to close."""
