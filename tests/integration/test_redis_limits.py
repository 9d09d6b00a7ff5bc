"""Rate limits in the real Redis hold across workers (two limiters = two processes' view)."""

from __future__ import annotations

import uuid

import pytest

from autofill.errors import RateLimited
from autofill.trust import KeyPrincipal
from autofill.trust.limits import RateLimiter
from tests.aio import run
from tests.conftest import service_url

pytestmark = pytest.mark.redis


def _key(limit: int | None = None) -> KeyPrincipal:
    return KeyPrincipal(uuid.uuid4().hex[:12], "portal", frozenset({"prefill"}), None, limit)


async def _admitted(limiter: RateLimiter, principal: KeyPrincipal, n: int) -> int:
    admitted = 0
    for _ in range(n):
        try:
            await limiter.admit(principal)
            admitted += 1
        except RateLimited:
            pass
    return admitted


def test_two_workers_share_one_budget() -> None:
    url = service_url("AUTOFILL_TEST_REDIS_URL")

    async def scenario() -> tuple[int, int, str]:
        a = RateLimiter(default_per_minute=10, flagged_per_minute=1, redis_url=url)
        b = RateLimiter(default_per_minute=10, flagged_per_minute=1, redis_url=url)
        key = _key()
        try:
            first = await _admitted(a, key, 6)
            second = await _admitted(b, key, 10)
            return first, second, a.backend
        finally:
            await a.close()
            await b.close()

    first, second, backend = run(scenario())
    assert backend == "redis"
    # One shared window: 10 in all (20 if a minute boundary fell inside the test).
    assert first == 6
    assert first + second in {10, 16}


def test_a_flag_set_by_one_worker_holds_in_the_other() -> None:
    url = service_url("AUTOFILL_TEST_REDIS_URL")

    async def scenario() -> int:
        a = RateLimiter(default_per_minute=100, flagged_per_minute=2, redis_url=url)
        b = RateLimiter(default_per_minute=100, flagged_per_minute=2, redis_url=url)
        key = _key()
        try:
            await a.flag(key.key_id, 30)
            return await _admitted(b, key, 10)
        finally:
            await a.close()
            await b.close()

    assert run(scenario()) in {2, 4}


def test_the_window_expires_in_redis() -> None:
    url = service_url("AUTOFILL_TEST_REDIS_URL")

    async def scenario() -> int:
        from redis.asyncio import Redis

        limiter = RateLimiter(default_per_minute=5, flagged_per_minute=1, redis_url=url)
        key = _key()
        redis = Redis.from_url(url)
        try:
            await limiter.admit(key)
            ttls = [
                await redis.ttl(k) async for k in redis.scan_iter(f"autofill:rl:{key.key_id}:*")
            ]
            return max(ttls)
        finally:
            await redis.aclose()
            await limiter.close()

    assert 0 < run(scenario()) <= 60
