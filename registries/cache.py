"""The record cache: one small protocol, four implementations, chosen per deployment.

`Cache.fetch(key, load)` answers a record from the cache or else from `load()` (one
read of the database) and keeps it; `invalidate(*keys)` and `clear()` forget records once
an edit or a reseed has committed; `start()` and `close()` bracket its life in the
service. Keys are `"<registry>:<identifier>"`; values are `Record`s: the stored JSON
bytes, which a lookup returns as they are, and the document parsed from them at most
once, which prefill reads. A parsed document is shared by every request that reads it:
callers must not change it.

* `NoCache`: every read goes to the database (several workers on PostgreSQL without
  Redis: nothing could tell the other workers about an edit).
* `MemoryCache`: a bounded LRU with a time-to-live in one process (PostgreSQL, one worker,
  no Redis; and the memory tier of the two below).
* `registries.tiered.TieredCache`: a memory tier in each worker in front of a shared
  Redis tier, kept correct across workers by acknowledged invalidation (PostgreSQL +
  Redis).
* `registries.changes.ChangeCounterCache`: the embedded SQLite file, which other workers
  and the CLI write too: a memory tier trusted only while the registry's change counter
  stands still.

How each is chosen, and why, is in docs/caching.md. A backend that fails (Redis gone)
must not fail the request: reads fall through to the database, invalidation is retried
when the backend returns, `healthy` tells readiness.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import orjson

Loader = Callable[[], Awaitable[bytes | None]]

# A parsed citizen takes ~9.3 KB of memory for its 2.4 KB of JSON (`tracemalloc`), ~10.8 KB
# with the cache's own entry and the allocator's slack: a kept record is counted at five
# times its JSON, parsed or not, so the memory bound holds once prefill has parsed it.
PARSED_PER_BYTE = 5


class Record:
    """A record's stored JSON bytes, and the document parsed from them on first use."""

    __slots__ = ("_doc", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._doc: dict[str, Any] | None = None

    @property
    def doc(self) -> dict[str, Any]:
        """The parsed document (shared: never change it)."""
        doc = self._doc
        if doc is None:
            doc = self._doc = orjson.loads(self.raw)
        return doc


class Cache(Protocol):
    """What the registry service needs of a record cache."""

    name: str  # what readiness reports as the cache backend

    @property
    def hits(self) -> int:
        """Reads answered from the cache (for metrics)."""
        ...

    @property
    def misses(self) -> int:
        """Reads that went to the loader (for metrics)."""
        ...

    async def fetch(self, key: str, load: Loader) -> Record | None:
        """The record for `key`, from the cache or else from `load()` (then kept)."""
        ...

    async def invalidate(self, *keys: str, lsn: int | None = None) -> None:
        """Forget these records wherever this cache is shared (after a committed edit at
        the primary's WAL position `lsn`, told to every worker when there are replicas)."""
        ...

    async def clear(self, *, lsn: int | None = None) -> None:
        """Forget every record (after a reseed)."""
        ...

    async def healthy(self) -> bool:
        """Whether the backend is reachable."""
        ...

    async def start(self) -> None:
        """Start background work (invalidation listener); called once the loop runs."""
        ...

    async def close(self) -> None:
        """Stop background work and release connections."""
        ...


class NoCache:
    """No caching: every read goes to the database."""

    name = "none"
    hits = 0

    def __init__(self) -> None:
        self.misses = 0

    async def fetch(self, key: str, load: Loader) -> Record | None:
        """Always the loader's answer."""
        self.misses += 1
        raw = await load()
        return None if raw is None else Record(raw)

    async def invalidate(self, *keys: str, lsn: int | None = None) -> None:
        """Nothing to forget."""

    async def clear(self, *, lsn: int | None = None) -> None:
        """Nothing to forget."""

    async def healthy(self) -> bool:
        """Always healthy."""
        return True

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to close."""


class MemoryCache:
    """A bounded LRU of records with a time-to-live, private to one process.

    Bounded twice: by a number of records and by an estimate of the memory they take
    (`PARSED_PER_BYTE`). `ttl_seconds=None` keeps records until evicted or invalidated.
    """

    name = "memory"

    def __init__(
        self,
        max_items: int = 100_000,
        ttl_seconds: float | None = 300.0,
        *,
        max_bytes: int = 512 << 20,
    ) -> None:
        self._items: OrderedDict[str, tuple[float, Record, int]] = OrderedDict()
        self._max_items = max_items
        self._max_bytes = max_bytes
        self._ttl = math.inf if ttl_seconds is None else ttl_seconds
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0
        # Bumped by every eviction: a fill whose read began before it is refused, so a
        # read racing an edit cannot put the old value back after the edit evicted it.
        self.generation = 0

    async def fetch(self, key: str, load: Loader) -> Record | None:
        """Cache-aside read with a generation-guarded fill."""
        record = self.get_now(key)
        if record is not None:
            return record
        generation = self.generation
        raw = await load()
        if raw is None:
            return None
        record = Record(raw)
        if generation == self.generation:
            self.put_now(key, record)
        return record

    def get_now(self, key: str) -> Record | None:
        """The kept record if present and fresh (synchronous, for layered caches)."""
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        expires, record, _ = item
        if expires < time.monotonic():
            self._drop(key)
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return record

    def put_now(self, key: str, record: Record) -> None:
        """Keep a record, evicting the least recently used beyond either bound."""
        cost = len(record.raw) * PARSED_PER_BYTE
        if cost > self._max_bytes or self._max_items <= 0:
            return
        self._drop(key)
        self._items[key] = (time.monotonic() + self._ttl, record, cost)
        self.size_bytes += cost
        while len(self._items) > self._max_items or self.size_bytes > self._max_bytes:
            _, (_, _, freed) = self._items.popitem(last=False)
            self.size_bytes -= freed

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self.size_bytes -= item[2]

    def invalidate_now(self, *keys: str) -> None:
        """Forget keys (synchronous)."""
        self.generation += 1
        for key in keys:
            self._drop(key)

    def clear_now(self) -> None:
        """Forget everything (synchronous)."""
        self.generation += 1
        self._items.clear()
        self.size_bytes = 0

    async def invalidate(self, *keys: str, lsn: int | None = None) -> None:
        """Forget keys."""
        self.invalidate_now(*keys)

    async def clear(self, *, lsn: int | None = None) -> None:
        """Forget everything."""
        self.clear_now()

    async def healthy(self) -> bool:
        """Always healthy."""
        return True

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to close."""

    def peek(self, key: str) -> Record | None:
        """The kept record, touching neither its place nor the counts (for tests)."""
        item = self._items.get(key)
        return None if item is None else item[1]

    def __len__(self) -> int:
        return len(self._items)


def make_cache(
    redis_url: str | None,
    *,
    changes: Callable[[], int] | None,
    shared_database: bool,
    workers: int,
    max_items: int,
    max_bytes: int,
    ttl_seconds: int,
    namespace: str = "",
    shared_tier: bool = True,
    replicas: bool = False,
    wal_position: Callable[[], Awaitable[int]] | None = None,
) -> Cache:
    """The cache for a deployment (docs/caching.md says why each choice).

    `changes` reads the embedded registry's change counter (SQLite; None elsewhere);
    `shared_database` is False for SQLite; `namespace` keeps the entries of different
    databases apart in a shared Redis; `replicas`: reads may go to replicas, whose
    read-your-writes needs the Redis listener (`TieredCache.wal_floor`) even with no tier,
    and `wal_position` reads the primary's WAL position (`registries.replicas.WalFloor`).
    """
    if (max_items <= 0 or max_bytes <= 0) and not (replicas and redis_url):
        return NoCache()
    if changes is not None:
        from registries.changes import ChangeCounterCache

        return ChangeCounterCache(changes, max_items=max_items, max_bytes=max_bytes)
    if not shared_database:
        return NoCache()
    if redis_url:
        from registries.tiered import TieredCache

        return TieredCache(
            redis_url,
            namespace=namespace,
            ttl_seconds=ttl_seconds,
            local_items=max_items,
            local_bytes=max_bytes,
            shared_tier=shared_tier,
            wal_position=wal_position if replicas else None,
        )
    if workers > 1:
        return NoCache()
    return MemoryCache(max_items=max_items, ttl_seconds=ttl_seconds, max_bytes=max_bytes)
