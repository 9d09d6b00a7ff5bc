"""Rate limits in process, the enumeration budget, and falling back when Redis is away."""

from __future__ import annotations

import pytest

from autofill.errors import RateLimited
from autofill.trust import KeyPrincipal
from autofill.trust.limits import MemoryWindows, RateLimiter
from tests.aio import run

KEY = KeyPrincipal("k1", "portal", frozenset({"prefill"}))


async def _admitted(limiter: RateLimiter, principal: KeyPrincipal, n: int) -> int:
    admitted = 0
    for _ in range(n):
        try:
            await limiter.admit(principal)
            admitted += 1
        except RateLimited:
            pass
    return admitted


class TestMemoryWindows:
    def test_counts_reset_with_the_window(self) -> None:
        windows = MemoryWindows()
        assert windows.count("k", 120.0)[0] == 1
        assert windows.count("k", 150.0) == (2, 30, False)
        assert windows.count("k", 180.0)[0] == 1

    def test_flags_expire(self) -> None:
        windows = MemoryWindows()
        windows.flag("k", 10, now=100.0)
        assert windows.flagged("k", 105.0)
        assert not windows.flagged("k", 111.0)


class TestRateLimiter:
    def test_over_budget_is_refused_with_retry_after(self) -> None:
        limiter = RateLimiter(default_per_minute=5, flagged_per_minute=1)
        assert run(_admitted(limiter, KEY, 8)) == 5
        with pytest.raises(RateLimited) as caught:
            run(limiter.admit(KEY))
        assert 1 <= caught.value.retry_after <= 60
        assert caught.value.headers["Retry-After"] == str(caught.value.retry_after)

    def test_a_key_may_carry_its_own_budget(self) -> None:
        limiter = RateLimiter(default_per_minute=100, flagged_per_minute=1)
        small = KeyPrincipal("k2", "small", frozenset({"prefill"}), rate_limit_per_minute=2)
        assert run(_admitted(limiter, small, 5)) == 2
        assert run(_admitted(limiter, KEY, 5)) == 5

    def test_a_flagged_key_gets_the_enumeration_budget(self) -> None:
        limiter = RateLimiter(default_per_minute=100, flagged_per_minute=3)

        async def scenario() -> int:
            await limiter.flag(KEY.key_id, 60)
            return await _admitted(limiter, KEY, 10)

        assert run(scenario()) == 3

    def test_unreachable_redis_degrades_to_in_process_counting(self) -> None:
        limiter = RateLimiter(
            default_per_minute=4, flagged_per_minute=1, redis_url="redis://127.0.0.1:1/0"
        )
        assert limiter.backend == "redis"
        assert run(_admitted(limiter, KEY, 6)) == 4
        assert limiter.backend == "memory"


class TestChargedRecords:
    def test_records_released_count_against_the_budget(self) -> None:
        small = KeyPrincipal("k9", "reader", frozenset({"registry:read"}), rate_limit_per_minute=30)

        async def scenario() -> int:
            limiter = RateLimiter(default_per_minute=1000, flagged_per_minute=5)
            await limiter.admit(small)  # a listing request...
            await limiter.charge(small, 99)  # ...that released 100 records
            return await _admitted(limiter, small, 3)

        assert run(scenario()) == 0

    def test_nothing_to_charge_costs_nothing(self) -> None:
        async def scenario() -> int:
            limiter = RateLimiter(default_per_minute=3, flagged_per_minute=1)
            await limiter.charge(KEY, 0)
            return await _admitted(limiter, KEY, 5)

        assert run(scenario()) == 3
