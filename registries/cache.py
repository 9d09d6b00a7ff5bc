"""Record cache, cache-aside, with pluggable backends: in-process (default), Redis, none.

Values are the stored JSON bytes of a record. Keys are `"<registry>:<identifier>"`.
A backend that fails (Redis gone) must not fail the request: `get` answers None and
`set`/`delete` are best effort, while `healthy` tells readiness the truth.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

log = logging.getLogger(__name__)


class Cache(Protocol):
    """What the lookup service needs of a cache."""

    name: str

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

    async def close(self) -> None:
        """Release connections."""
        ...


class NullCache:
    """No caching: every read goes to the database."""

    name = "none"

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

    async def close(self) -> None:
        """Nothing to close."""


class MemoryCache:
    """A bounded LRU with a time-to-live, private to one process."""

    name = "memory"

    def __init__(self, max_items: int = 100_000, ttl_seconds: float = 300.0) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_items
        self._ttl = ttl_seconds

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
        for key in keys:
            self._items.pop(key, None)

    async def clear(self) -> None:
        """Drop everything."""
        self._items.clear()

    async def healthy(self) -> bool:
        """Always healthy."""
        return True

    async def close(self) -> None:
        """Nothing to close."""

    def __len__(self) -> int:
        return len(self._items)


class RedisCache:
    """A cache shared by every worker, in Redis; failures degrade to misses."""

    name = "redis"

    def __init__(self, url: str, *, ttl_seconds: int = 300, prefix: str = "autofill:rec:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=5
        )
        self._ttl = ttl_seconds
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        """The cached value, or None when absent or Redis is unreachable."""
        try:
            value = await self._redis.get(self._prefix + key)
            return value if value is None or isinstance(value, bytes) else value.encode()
        except Exception as exc:
            log.warning("redis get failed: %s", type(exc).__name__)
            return None

    async def set(self, key: str, value: bytes) -> None:
        """Store with the TTL (best effort)."""
        try:
            await self._redis.set(self._prefix + key, value, ex=self._ttl)
        except Exception as exc:
            log.warning("redis set failed: %s", type(exc).__name__)

    async def delete(self, *keys: str) -> None:
        """Invalidate keys (best effort; the TTL bounds staleness if Redis is down)."""
        if not keys:
            return
        try:
            await self._redis.delete(*(self._prefix + k for k in keys))
        except Exception as exc:
            log.warning("redis delete failed: %s", type(exc).__name__)

    async def clear(self) -> None:
        """Drop every record key of this service."""
        try:
            async for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
                await self._redis.delete(key)
        except Exception as exc:
            log.warning("redis clear failed: %s", type(exc).__name__)

    async def healthy(self) -> bool:
        """Whether Redis answers a PING."""
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def make_cache(
    redis_url: str | None, *, max_items: int, ttl_seconds: int, namespace: str = ""
) -> Cache:
    """The cache for these settings: Redis when a URL is given, else in-process.

    `namespace` keeps the entries of different databases apart in a shared Redis.
    """
    if redis_url:
        prefix = f"autofill:rec:{namespace}:" if namespace else "autofill:rec:"
        return RedisCache(redis_url, ttl_seconds=ttl_seconds, prefix=prefix)
    if max_items <= 0:
        return NullCache()
    return MemoryCache(max_items=max_items, ttl_seconds=ttl_seconds)
