"""The record cache: bounds, shared parsed documents, the collector left alone, and on the
embedded file never a stale record, whoever edits it."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from autofill.database import migrate
from registries.cache import PARSED_PER_BYTE, MemoryCache, NoCache, Record
from registries.changes import ChangeCounterCache
from registries.database import SqliteReader, make_engine
from registries.service import RegistryService
from tests.aio import run
from tests.records import citizen, citizen_ids


def _keep(cache: MemoryCache, key: str, size: int) -> Record:
    record = Record(b"{" + b" " * (size - 2) + b"}")
    cache.put_now(key, record)
    return record


class TestMemoryCache:
    def test_a_kept_record_parses_once_and_counts_as_a_hit(self) -> None:
        cache = MemoryCache(max_items=10)
        kept = _keep(cache, "citizen:a", 100)
        found = cache.get_now("citizen:a")
        assert found is kept and found.doc is found.doc == {}
        assert cache.get_now("citizen:b") is None
        assert (cache.hits, cache.misses) == (1, 1)

    def test_the_least_recently_used_goes_first_when_full(self) -> None:
        cache = MemoryCache(max_items=2)
        _keep(cache, "a", 10)
        _keep(cache, "b", 10)
        assert cache.get_now("a") is not None  # now b is the oldest
        _keep(cache, "c", 10)
        assert cache.get_now("b") is None
        assert cache.get_now("a") is not None and cache.get_now("c") is not None

    def test_memory_is_bounded_by_the_estimated_size(self) -> None:
        cache = MemoryCache(max_items=1000, max_bytes=1000 * PARSED_PER_BYTE)
        for i in range(5):
            _keep(cache, str(i), 300)
        assert len(cache) == 3  # 3 x 300 bytes of JSON fit in the budget, 4 do not
        assert cache.size_bytes == 900 * PARSED_PER_BYTE
        assert [cache.peek(str(i)) is not None for i in range(5)] == [
            False,
            False,
            True,
            True,
            True,
        ]

    def test_a_record_larger_than_the_budget_is_not_kept(self) -> None:
        cache = MemoryCache(max_items=1000, max_bytes=1000)
        _keep(cache, "a", 1000)
        assert len(cache) == 0 and cache.size_bytes == 0

    def test_keeping_a_record_again_does_not_count_it_twice(self) -> None:
        cache = MemoryCache(max_items=10)
        _keep(cache, "a", 100)
        second = _keep(cache, "a", 200)
        assert len(cache) == 1
        assert cache.size_bytes == 200 * PARSED_PER_BYTE
        assert cache.peek("a") is second

    def test_invalidating_and_clearing_give_the_memory_back(self) -> None:
        cache = MemoryCache(max_items=10)
        _keep(cache, "a", 100)
        _keep(cache, "b", 100)
        cache.invalidate_now("a")
        assert cache.size_bytes == 100 * PARSED_PER_BYTE and cache.peek("a") is None
        cache.clear_now()
        assert len(cache) == 0 and cache.size_bytes == 0


class TestCounts:
    @pytest.mark.parametrize(
        ("make", "expected"),
        [
            (NoCache, (0, 2)),
            (lambda: MemoryCache(max_items=10), (1, 1)),
            (lambda: ChangeCounterCache(lambda: 1, max_items=10, max_bytes=1 << 20), (1, 1)),
        ],
        ids=["none", "memory", "change-counter"],
    )
    def test_every_cache_counts_its_hits_and_misses(self, make, expected) -> None:
        cache = make()

        async def twice() -> None:
            for _ in range(2):
                record = await cache.fetch("citizen:a", _loader(b'{"a": 1}'))
                assert record is not None and record.doc == {"a": 1}

        run(twice())
        assert (cache.hits, cache.misses) == expected


class TestTheCollectorIsLeftAlone:
    def test_keeping_and_clearing_records_never_freezes_or_unfreezes(self) -> None:
        gc.freeze()  # as main does after start-up
        frozen = gc.get_freeze_count()
        try:
            counter = ChangeCounterCache(lambda: 1, max_items=10_000, max_bytes=1 << 30)

            async def fill_then_clear() -> None:
                for i in range(5000):
                    record = await counter.fetch(f"citizen:{i}", _loader(b'{"rows": [[1]]}'))
                    assert record is not None and record.doc == {"rows": [[1]]}
                await counter.clear()

            run(fill_then_clear())
            assert gc.get_freeze_count() == frozen
        finally:
            gc.unfreeze()


def _loader(raw: bytes | None):  # type: ignore[no-untyped-def]
    async def load() -> bytes | None:
        return raw

    return load


PIDS = citizen_ids(3)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[RegistryService, Path]]:
    """A migrated SQLite registry holding three citizens, read through the counter cache."""
    path = tmp_path / "registry.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    reader = SqliteReader(url)
    cache = ChangeCounterCache(reader.changes, max_items=100, max_bytes=1 << 20)
    service = RegistryService(engine=engine, reader=reader, cache=cache)
    for pid in PIDS:
        run(service.replace("citizen", pid, citizen(pid), create=True))
    yield service, path
    run(reader.close())
    engine.dispose()


def _read(service: RegistryService, *pids: str) -> list[dict[str, Any] | None]:
    return run(service.find_records([("citizen", p) for p in pids]))


def _outside(path: Path, sql: str, *params: object) -> None:
    """A write by another process (another worker, the CLI, a hand-run sqlite3)."""
    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)
    conn.close()


def _counted(service: RegistryService) -> ChangeCounterCache:
    assert isinstance(service.cache, ChangeCounterCache)
    return service.cache


def _count_counter_reads(service: RegistryService, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at every read of the change counter."""
    reads: list[int] = []
    cache = _counted(service)
    counter = cache._changes
    monkeypatch.setattr(cache, "_changes", lambda: reads.append(1) or counter())
    return reads


class TestServiceOnTheEmbeddedFile:
    def test_records_are_parsed_once_then_read_from_memory(self, registry) -> None:
        service, _ = registry
        first = _read(service, *PIDS)
        assert first == [orjson.loads(run(service.get_doc("citizen", p))) for p in PIDS]
        second = _read(service, *PIDS)
        assert all(a is b for a, b in zip(first, second, strict=True))
        assert _counted(service).memory.hits == 6  # the three lookups, the three records

    def test_an_unknown_record_is_none_and_is_not_kept(self, registry) -> None:
        service, _ = registry
        assert _read(service, "001089999999", PIDS[0])[0] is None
        assert len(_counted(service).memory) == 1

    def test_an_update_by_another_connection_is_seen_at_once(self, registry) -> None:
        service, path = registry
        assert _read(service, PIDS[0])[0]["religion"] == "Không"  # type: ignore[index]
        _outside(
            path,
            "UPDATE citizens SET doc = json_set(doc, '$.religion', 'Phật giáo') "
            "WHERE personal_id = ?",
            PIDS[0],
        )
        assert _read(service, PIDS[0])[0]["religion"] == "Phật giáo"  # type: ignore[index]

    def test_a_delete_by_another_connection_is_seen_at_once(self, registry) -> None:
        service, path = registry
        assert _read(service, PIDS[1])[0] is not None
        _outside(path, "DELETE FROM citizens WHERE personal_id = ?", PIDS[1])
        assert _read(service, PIDS[1]) == [None]

    def test_an_edit_through_the_service_is_seen_at_once(self, registry) -> None:
        service, _ = registry
        assert _read(service, PIDS[2])[0]["full_name"] == "Nguyễn Văn An"  # type: ignore[index]
        run(service.patch("citizen", PIDS[2], {"full_name": "Nguyễn Văn Ẩn"}))
        assert _read(service, PIDS[2])[0]["full_name"] == "Nguyễn Văn Ẩn"  # type: ignore[index]

    def test_reads_that_change_nothing_keep_the_records(self, registry) -> None:
        service, path = registry
        _read(service, *PIDS)
        _outside(path, "INSERT INTO registry_meta (key, value) VALUES ('x', 'y')")
        _read(service, *PIDS)
        assert _counted(service).memory.hits == 3

    def test_a_request_reads_the_counter_once_for_its_chained_records(
        self, registry, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        service, _ = registry
        reads = _count_counter_reads(service, monkeypatch)

        async def root_then_chained() -> None:
            await service.find_records([("citizen", PIDS[0])])
            await service.find_records([("citizen", PIDS[1]), ("citizen", PIDS[2])])

        run(root_then_chained())
        assert len(reads) == 1

    def test_requests_of_one_loop_pass_share_one_read_of_the_counter(
        self, registry, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        service, _ = registry
        reads = _count_counter_reads(service, monkeypatch)

        async def three_requests_then_one_more() -> None:
            # gather starts its three tasks in the same pass: one read serves them all.
            await asyncio.gather(*(service.find_records([("citizen", p)]) for p in PIDS))
            assert len(reads) == 1
            await asyncio.sleep(0)  # the next pass reads it again
            await service.find_records([("citizen", PIDS[0])])
            assert len(reads) == 2

        run(three_requests_then_one_more())

    def test_an_outside_update_is_seen_from_the_next_loop_pass(self, registry) -> None:
        service, path = registry

        async def read_update_read() -> tuple[Any, Any, Any]:
            before = (await service.find_records([("citizen", PIDS[0])]))[0]
            # Between two passes, as another worker's edit would land while this one
            # waits for its sockets.
            await asyncio.to_thread(
                _outside,
                path,
                "UPDATE citizens SET doc = json_set(doc, '$.religion', 'Công giáo') "
                "WHERE personal_id = ?",
                PIDS[0],
            )
            after = (await service.find_records([("citizen", PIDS[0])]))[0]
            return before, after, _counted(service).memory

        before, after, memory = run(read_update_read())
        assert before["religion"] == "Không"
        assert after["religion"] == "Công giáo"
        assert memory.misses == 2  # the update emptied the memory tier

    def test_an_edit_through_the_service_is_seen_in_the_same_pass(self, registry) -> None:
        service, _ = registry

        async def read_patch_read() -> Any:
            await service.find_records([("citizen", PIDS[1])])  # kept in memory
            await asyncio.sleep(0)  # that pass is over
            cache = _counted(service)
            # As if the counter had been read again in the pass the edit returns in.
            cache._this_pass = (asyncio.get_running_loop(), cache.seen or 0)
            await service.patch("citizen", PIDS[1], {"religion": "Cao Đài"})
            return (await service.find_records([("citizen", PIDS[1])]))[0]

        assert run(read_patch_read())["religion"] == "Cao Đài"

    def test_a_reseed_moves_the_counter(self, registry) -> None:
        from seed import seed_registry

        service, path = registry
        _read(service, PIDS[0])
        with sqlite3.connect(path) as conn:
            before = conn.execute("SELECT n FROM registry_changes").fetchone()[0]
        conn.close()
        seed_registry(f"sqlite:///{path}", citizens=0, businesses=0, reset=True)
        with sqlite3.connect(path) as conn:
            after = conn.execute("SELECT n FROM registry_changes").fetchone()[0]
            triggers = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'registry_changes_%'"
            ).fetchone()[0]
        conn.close()
        assert after > before
        assert triggers == 4  # the load put back the triggers it dropped
        assert _read(service, PIDS[0]) == [None]  # the reset emptied the registry
