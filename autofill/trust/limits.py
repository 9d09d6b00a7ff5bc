"""Rate limits per key: a fixed one-minute window, in Redis when configured.

With Redis every worker counts in the same key through one Lua script (INCR, EXPIRE on
the first hit, and whether the key is flagged for enumeration) — one round trip, atomic,
so limits hold across workers. Without Redis, or while Redis is unreachable, each worker
counts in process (degrade, don't fail): a limit then holds per worker, and Redis is tried
again after a short pause.

Reads are counted in records released, not requests (`charge`): a listing page of 500
records uses 500 of a key's budget, so a key limited to 30 a minute cannot page out the
registry.

A key flagged for enumeration (see `autofill.trust.enumeration`) gets the much smaller
`enumeration_rate_per_minute` budget until the flag expires.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from autofill.errors import RateLimited
from autofill.metrics import Metrics
from autofill.trust.access import Principal

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
RETRY_REDIS_AFTER = 5.0

# KEYS: counter of this window, enumeration flag. ARGV: window length in seconds, cost.
# Returns {count so far, seconds left in the window, 1 if flagged}.
COUNT_SCRIPT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl, redis.call('EXISTS', KEYS[2])}
"""


class MemoryWindows:
    """Fixed-window counters and flags private to this process."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._flags: dict[str, float] = {}

    def count(self, key_id: str, now: float, cost: int = 1) -> tuple[int, int, bool]:
        """Count `cost` units: (count in window, seconds left, flagged)."""
        window = int(now // WINDOW_SECONDS)
        current, count = self._counts.get(key_id, (window, 0))
        count = count + cost if current == window else cost
        self._counts[key_id] = (window, count)
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        left = math.ceil((window + 1) * WINDOW_SECONDS - now)
        return count, left, self.flagged(key_id, now)

    def flag(self, key_id: str, seconds: int, now: float) -> None:
        """Flag a key for `seconds`."""
        self._flags[key_id] = now + seconds

    def flagged(self, key_id: str, now: float) -> bool:
        """Whether a key is flagged now."""
        until = self._flags.get(key_id)
        if until is None:
            return False
        if until <= now:
            self._flags.pop(key_id, None)
            return False
        return True


class RateLimiter:
    """Admits or refuses a key's request; Redis-backed when a URL is given."""

    def __init__(
        self,
        *,
        default_per_minute: int,
        flagged_per_minute: int,
        redis_url: str | None = None,
        prefix: str = "autofill:rl:",
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.default_per_minute = default_per_minute
        self.flagged_per_minute = flagged_per_minute
        self._memory = MemoryWindows()
        self._prefix = prefix
        self._redis: Any = None
        self._script: Any = None
        self._redis_down_until = 0.0
        if redis_url:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(
                url=redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            self._script = self._redis.register_script(COUNT_SCRIPT)

    @property
    def backend(self) -> str:
        """Where counts live right now: "redis" or "memory"."""
        if self._redis is not None and time.monotonic() >= self._redis_down_until:
            return "redis"
        return "memory"

    async def admit(self, principal: Principal) -> None:
        """Count a request of this key; `RateLimited` when over its budget."""
        now = time.time()
        count, left, flagged = await self._count(principal.key_id, now)
        limit = principal.rate_limit_per_minute or self.default_per_minute
        if flagged:
            limit = min(limit, self.flagged_per_minute)
        if count > limit:
            self.metrics.observe_refusal(flagged)
            why = "flagged for identifier enumeration; " if flagged else ""
            raise RateLimited(
                f"{why}this key may make {limit} requests a minute; retry in {left} s",
                retry_after=left,
            )

    async def charge(self, principal: Principal, units: int) -> None:
        """Count `units` more against the key's budget (records released beyond the one
        request `admit` counted); the next request over budget is refused."""
        if units > 0:
            await self._count(principal.key_id, time.time(), units)

    async def flag(self, key_id: str, seconds: int) -> None:
        """Put a key on the enumeration budget for `seconds`, in every worker."""
        self._memory.flag(key_id, seconds, time.time())
        if self.backend == "redis":
            try:
                await self._redis.set(f"{self._prefix}flag:{key_id}", b"1", ex=seconds)
            except Exception as exc:
                self._redis_failed(exc)

    async def _count(self, key_id: str, now: float, cost: int = 1) -> tuple[int, int, bool]:
        if self.backend == "redis":
            window = int(now // WINDOW_SECONDS)
            keys = [f"{self._prefix}{key_id}:{window}", f"{self._prefix}flag:{key_id}"]
            try:
                count, left, flagged = await self._script(keys=keys, args=[WINDOW_SECONDS, cost])
                return int(count), int(left), bool(flagged) or self._memory.flagged(key_id, now)
            except Exception as exc:
                self._redis_failed(exc)
        return self._memory.count(key_id, now, cost)

    def _redis_failed(self, exc: Exception) -> None:
        log.warning(
            "rate limits fall back to in-process counting for %.0f s: redis %s",
            RETRY_REDIS_AFTER,
            type(exc).__name__,
        )
        self._redis_down_until = time.monotonic() + RETRY_REDIS_AFTER

    async def close(self) -> None:
        """Release the Redis connection."""
        if self._redis is not None:
            await self._redis.aclose()
