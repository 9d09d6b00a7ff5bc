"""The two-tier cache against the real Redis: two caches stand for two worker processes."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable

from registries.cache import MemoryCache, NoCache, Record, make_cache
from registries.changes import ChangeCounterCache
from registries.tiered import TieredCache
from tests.conftest import service_url
from tests.integration.servers import run_async


async def until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    """Wait for a condition, failing after `seconds`."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def loader(value: bytes | None) -> Callable[[], Awaitable[bytes | None]]:
    """A loader answering `value`, counting its calls in `.calls`."""

    async def load() -> bytes | None:
        load.calls += 1  # type: ignore[attr-defined]
        return value

    load.calls = 0  # type: ignore[attr-defined]
    return load


def raw(record: Record | None) -> bytes | None:
    """The bytes a cache answered with."""
    return None if record is None else record.raw


def run(test: Callable[[TieredCache, TieredCache], Awaitable[None]]) -> None:
    """Run `test` with two started caches sharing a fresh namespace on the real Redis."""
    url = service_url("AUTOFILL_TEST_REDIS_URL")

    async def main() -> None:
        namespace = uuid.uuid4().hex[:10]
        a = TieredCache(url, namespace=namespace, ttl_seconds=60)
        b = TieredCache(url, namespace=namespace, ttl_seconds=60)
        try:
            await a.start()
            await b.start()
            await until(lambda: a.live and b.live)
            await test(a, b)
        finally:
            await a.close()
            await b.close()

    run_async(main())


class TestAcrossWorkers:
    def test_an_edit_in_one_worker_evicts_the_other_before_returning(self) -> None:
        async def test(a: TieredCache, b: TieredCache) -> None:
            assert raw(await b.fetch("citizen:1", loader(b"old"))) == b"old"
            assert raw(b.local.get_now("citizen:1")) == b"old"
            await a.invalidate("citizen:1")  # the database was written just before
            assert b.local.get_now("citizen:1") is None  # no waiting: delete waited for acks
            load = loader(b"new")
            assert raw(await b.fetch("citizen:1", load)) == b"new"
            assert load.calls == 1

        run(test)

    def test_second_read_comes_from_memory_third_worker_from_redis(self) -> None:
        async def test(a: TieredCache, b: TieredCache) -> None:
            load = loader(b"v")
            await a.fetch("k", load)
            await a.fetch("k", load)
            await b.fetch("k", load)
            assert load.calls == 1
            assert a.counts["memory_hits"] == 1
            assert b.counts["redis_hits"] == 1

        run(test)

    def test_a_read_racing_an_edit_cannot_put_the_old_value_back(self) -> None:
        async def test(a: TieredCache, b: TieredCache) -> None:
            release = asyncio.Event()

            async def slow_old_read() -> bytes:
                await release.wait()  # read the old row, then stall
                return b"old"

            reader = asyncio.create_task(b.fetch("k", slow_old_read))
            await asyncio.sleep(0.05)
            await a.invalidate("k")  # the edit commits and invalidates meanwhile
            release.set()
            assert raw(await reader) == b"old"  # that request saw the old value ...
            load = loader(b"new")
            assert raw(await b.fetch("k", load)) == b"new"  # ... but nothing cached it
            assert raw(await a.fetch("k", load)) == b"new"
            assert load.calls == 1  # b's read filled Redis with the new value

        run(test)

    def test_clear_empties_every_tier_of_every_worker(self) -> None:
        async def test(a: TieredCache, b: TieredCache) -> None:
            await a.fetch("k", loader(b"old"))
            await b.fetch("k", loader(b"old"))
            await a.clear()
            assert b.local.get_now("k") is None
            load = loader(b"new")
            assert raw(await b.fetch("k", load)) == b"new"
            assert load.calls == 1

        run(test)

    def test_absent_records_are_not_cached(self) -> None:
        async def test(a: TieredCache, b: TieredCache) -> None:
            assert await a.fetch("k", loader(None)) is None
            assert raw(await a.fetch("k", loader(b"created"))) == b"created"

        run(test)


class TestWithoutRedis:
    def test_unreachable_redis_reads_through_and_reports_unhealthy(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # nothing listens here once closed

        async def main() -> None:
            cache = TieredCache(f"redis://127.0.0.1:{port}/0", namespace="x")
            await cache.start()
            try:
                load = loader(b"row")
                assert raw(await cache.fetch("k", load)) == b"row"
                assert raw(await cache.fetch("k", load)) == b"row"
                assert load.calls == 2  # no tier serves while Redis is away
                await cache.invalidate("k")  # deferred, not raised
                assert not cache.live
                assert await cache.healthy() is False
            finally:
                await cache.close()

        run_async(main())


def choose(redis_url: str | None, **kwargs: object) -> object:
    """`make_cache` with small bounds and the given choices."""
    options: dict[str, object] = {"changes": None, "shared_database": True, "workers": 1}
    options |= {"max_items": 10, "max_bytes": 1 << 20, "ttl_seconds": 1, **kwargs}
    return make_cache(redis_url, **options)  # type: ignore[arg-type]


class TestChoice:
    def test_the_embedded_file_gets_the_change_counter_cache(self) -> None:
        cache = choose("redis://x", changes=lambda: 0, shared_database=False)
        assert isinstance(cache, ChangeCounterCache)

    def test_sqlite_without_its_counter_gets_no_cache(self) -> None:
        assert isinstance(choose("redis://x", shared_database=False), NoCache)

    def test_several_workers_without_redis_get_no_cache(self) -> None:
        assert isinstance(choose(None, workers=2), NoCache)

    def test_one_worker_without_redis_gets_memory(self) -> None:
        assert isinstance(choose(None), MemoryCache)

    def test_no_room_gets_no_cache(self) -> None:
        assert isinstance(choose(None, max_bytes=0), NoCache)


class TestMemoryFillGuard:
    def test_an_eviction_during_a_read_refuses_the_fill(self) -> None:
        async def main() -> None:
            cache = MemoryCache(max_items=10)
            release = asyncio.Event()

            async def slow() -> bytes:
                await release.wait()
                return b"old"

            reader = asyncio.create_task(cache.fetch("k", slow))
            await asyncio.sleep(0)
            await cache.invalidate("k")
            release.set()
            await reader
            assert cache.get_now("k") is None

        run_async(main())
