"""Record cache, cache-aside, chosen by measurement (BENCHMARKS.md, "Resilience"):

* SQLite: no cache of bytes; a lookup returns the stored bytes of one primary-key read.
  Prefill, which also parses them, reads through `registries.memo.RecordMemo`: parsed
  records, trusted only while the registry's change counter stands still (other workers
  and the CLI write the same file).
* PostgreSQL + Redis: `registries.tiered.TieredCache`, an in-process tier in each worker
  in front of a shared Redis tier, kept correct across workers by acknowledged
  invalidation (a read costs ~1 µs in memory, ~55 µs in Redis, ~430 µs in PostgreSQL).
* PostgreSQL, one worker, no Redis: the in-process tier alone; several workers without
  Redis: none (nothing could tell the other workers about an edit).

Values are the stored JSON bytes of a record. Keys are `"<registry>:<identifier>"`.
A backend that fails (Redis gone) must not fail the request: reads fall through to the
database, invalidation is retried when the backend returns, `healthy` tells readiness.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

Loader = Callable[[], Awaitable[bytes | None]]

log = logging.getLogger(__name__)


class Cache(Protocol):
    """What the lookup service needs of a cache."""

    name: str

    async def fetch(self, key: str, load: Loader) -> bytes | None:
        """The value for `key`, from the cache or else from `load()` (then cached)."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The cached value, or None (also when the backend is down)."""
        ...

    async def set(self, key: str, value: bytes) -> None:
        """Store a value (best effort)."""
        ...

    async def delete(self, *keys: str) -> None:
        """Invalidate keys everywhere this cache is shared."""
        ...

    async def clear(self) -> None:
        """Invalidate everything (after a reseed)."""
        ...

    async def healthy(self) -> bool:
        """Whether the backend is reachable."""
        ...

    async def start(self) -> None:
        """Start background work (invalidation listener); called once the loop runs."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class NullCache:
    """No caching: every read goes to the database."""

    name = "none"

    async def fetch(self, key: str, load: Loader) -> bytes | None:
        """Always the loader's answer."""
        return await load()

    async def get(self, key: str) -> bytes | None:
        """Always a miss."""
        return None

    async def set(self, key: str, value: bytes) -> None:
        """Nothing to store."""

    async def delete(self, *keys: str) -> None:
        """Nothing to invalidate."""

    async def clear(self) -> None:
        """Nothing to clear."""

    async def healthy(self) -> bool:
        """Always healthy."""
        return True

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to close."""


class MemoryCache:
    """A bounded LRU with a time-to-live, private to one process."""

    name = "memory"

    def __init__(self, max_items: int = 100_000, ttl_seconds: float = 300.0) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_items
        self._ttl = ttl_seconds
        # Bumped by every eviction: a fill whose read began before it is refused, so a
        # read racing an edit cannot put the old value back after the edit evicted it.
        self.generation = 0

    async def fetch(self, key: str, load: Loader) -> bytes | None:
        """Cache-aside read with a generation-guarded fill."""
        value = self.get_now(key)
        if value is not None:
            return value
        generation = self.generation
        value = await load()
        if value is not None and generation == self.generation:
            self.set_now(key, value)
        return value

    async def get(self, key: str) -> bytes | None:
        """The value if present and fresh."""
        return self.get_now(key)

    def get_now(self, key: str) -> bytes | None:
        """Synchronous `get`, for callers that layer caches."""
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            self._items.pop(key, None)
            return None
        self._items.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes) -> None:
        """Store, evicting the least recently used beyond the bound."""
        self.set_now(key, value)

    def set_now(self, key: str, value: bytes) -> None:
        """Synchronous `set`."""
        if self._max <= 0:
            return
        self._items[key] = (time.monotonic() + self._ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        """Drop keys."""
        self.delete_now(*keys)

    def delete_now(self, *keys: str) -> None:
        """Synchronous `delete`."""
        self.generation += 1
        for key in keys:
            self._items.pop(key, None)

    async def clear(self) -> None:
        """Drop everything."""
        self.clear_now()

    def clear_now(self) -> None:
        """Synchronous `clear`."""
        self.generation += 1
        self._items.clear()

    async def healthy(self) -> bool:
        """Always healthy."""
        return True

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to close."""

    def __len__(self) -> int:
        return len(self._items)


def make_cache(
    redis_url: str | None,
    *,
    shared_database: bool,
    workers: int,
    max_items: int,
    ttl_seconds: int,
    namespace: str = "",
    shared_tier: bool = True,
) -> Cache:
    """The cache for a deployment (see the module docstring for why each choice).

    `shared_database` is False for SQLite; `namespace` keeps the entries of different
    databases apart in a shared Redis.
    """
    if not shared_database or max_items <= 0:
        return NullCache()
    if redis_url:
        from registries.tiered import TieredCache

        return TieredCache(
            redis_url,
            namespace=namespace,
            ttl_seconds=ttl_seconds,
            local_items=max_items,
            shared_tier=shared_tier,
        )
    if workers > 1:
        return NullCache()
    return MemoryCache(max_items=max_items, ttl_seconds=ttl_seconds)
