"""Parsed records kept in memory: bounds, and never a stale record, whoever edits the file."""

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
from registries import memo as memo_module
from registries.cache import NullCache
from registries.database import SqliteReader, make_engine
from registries.memo import PARSED_PER_BYTE, RecordMemo
from registries.service import RegistryService
from tests.aio import run
from tests.records import citizen, citizen_ids


def _doc(n: int) -> dict[str, Any]:
    return {"n": n}


class TestRecordMemo:
    def test_a_kept_record_is_the_same_object_and_counts_as_a_hit(self) -> None:
        memo = RecordMemo(max_items=10, max_bytes=1 << 20)
        doc = _doc(1)
        memo.put("citizen", "a", doc, 100)
        assert memo.get("citizen", "a") is doc
        assert memo.get("citizen", "b") is None
        assert (memo.hits, memo.misses) == (1, 1)

    def test_the_same_counter_keeps_records_and_another_forgets_them(self) -> None:
        memo = RecordMemo(max_items=10, max_bytes=1 << 20)
        memo.check(5)
        memo.put("citizen", "a", _doc(1), 100)
        memo.check(5)
        assert memo.get("citizen", "a") == _doc(1)
        memo.check(6)
        assert memo.get("citizen", "a") is None
        assert len(memo) == 0 and memo.size_bytes == 0

    def test_the_least_recently_used_goes_first_when_full(self) -> None:
        memo = RecordMemo(max_items=2, max_bytes=1 << 20)
        memo.put("citizen", "a", _doc(1), 10)
        memo.put("citizen", "b", _doc(2), 10)
        assert memo.get("citizen", "a") is not None  # now b is the oldest
        memo.put("citizen", "c", _doc(3), 10)
        assert memo.get("citizen", "b") is None
        assert memo.get("citizen", "a") is not None and memo.get("citizen", "c") is not None

    def test_memory_is_bounded_by_the_estimated_size(self) -> None:
        memo = RecordMemo(max_items=1000, max_bytes=1000 * PARSED_PER_BYTE)
        for i in range(5):
            memo.put("citizen", str(i), _doc(i), 300)
        assert len(memo) == 3  # 3 x 300 bytes of JSON fit in the budget, 4 do not
        assert memo.size_bytes == 900 * PARSED_PER_BYTE
        assert [memo.get("citizen", str(i)) is not None for i in range(5)] == [
            False,
            False,
            True,
            True,
            True,
        ]

    def test_a_record_larger_than_the_budget_is_not_kept(self) -> None:
        memo = RecordMemo(max_items=1000, max_bytes=1000)
        memo.put("citizen", "a", _doc(1), 1000)
        assert len(memo) == 0 and memo.size_bytes == 0

    def test_keeping_a_record_again_does_not_count_it_twice(self) -> None:
        memo = RecordMemo(max_items=10, max_bytes=1 << 20)
        memo.put("citizen", "a", _doc(1), 100)
        memo.put("citizen", "a", _doc(2), 200)
        assert len(memo) == 1
        assert memo.size_bytes == 200 * PARSED_PER_BYTE
        assert memo.get("citizen", "a") == _doc(2)


class TestCollectorFreeze:
    def test_kept_records_leave_the_collector_and_come_back_when_emptied(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(memo_module, "FREEZE_EVERY", 3)
        memo = RecordMemo(max_items=100, max_bytes=1 << 20, freeze_gc=True)
        docs = [{"n": i, "rows": [{"i": i}]} for i in range(3)]
        gc.unfreeze()  # an app started by an earlier test froze its start-up objects
        try:
            for i, doc in enumerate(docs[:2]):
                memo.put("citizen", str(i), doc, 10)
            assert memo.freezes == 0 and gc.get_freeze_count() == 0
            memo.put("citizen", "2", docs[2], 10)
            assert memo.freezes == 1 and gc.get_freeze_count() > 0
            tracked = {id(o) for o in gc.get_objects()}  # the generations it still scans
            assert not any(id(doc) in tracked for doc in docs)
            memo.clear()
            assert gc.get_freeze_count() == 0
            tracked = {id(o) for o in gc.get_objects()}
            assert all(id(doc) in tracked for doc in docs)
        finally:
            gc.unfreeze()

    def test_without_freeze_gc_nothing_is_frozen(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(memo_module, "FREEZE_EVERY", 1)
        memo = RecordMemo(max_items=100, max_bytes=1 << 20)
        gc.unfreeze()
        memo.put("citizen", "a", {"rows": [1]}, 10)
        assert memo.freezes == 0 and gc.get_freeze_count() == 0


PIDS = citizen_ids(3)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[RegistryService, Path]]:
    """A migrated SQLite registry holding three citizens, read through a memo."""
    path = tmp_path / "registry.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    reader = SqliteReader(url)
    service = RegistryService(
        engine=engine,
        reader=reader,
        cache=NullCache(),
        memo=RecordMemo(max_items=100, max_bytes=1 << 20),
    )
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


def _count_counter_reads(service: RegistryService, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at every read of the change counter."""
    reads: list[int] = []
    counter = service.reader.changes  # type: ignore[attr-defined]
    monkeypatch.setattr(service.reader, "changes", lambda: reads.append(1) or counter())
    return reads


class TestServiceWithMemo:
    def test_records_are_parsed_once_then_read_from_memory(self, registry) -> None:
        service, _ = registry
        first = _read(service, *PIDS)
        assert first == [orjson.loads(run(service.get_doc("citizen", p))) for p in PIDS]
        second = _read(service, *PIDS)
        assert all(a is b for a, b in zip(first, second, strict=True))
        assert service.memo is not None and service.memo.hits == 3

    def test_an_unknown_record_is_none_and_is_not_kept(self, registry) -> None:
        service, _ = registry
        assert _read(service, "001089999999", PIDS[0])[0] is None
        assert service.memo is not None and len(service.memo) == 1

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

    def test_reads_that_change_nothing_keep_the_memo(self, registry) -> None:
        service, path = registry
        _read(service, *PIDS)
        _outside(path, "INSERT INTO registry_meta (key, value) VALUES ('x', 'y')")
        _read(service, *PIDS)
        assert service.memo is not None and service.memo.hits == 3

    def test_a_request_that_checked_the_counter_does_not_read_it_again(
        self, registry, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        service, _ = registry
        reads = _count_counter_reads(service, monkeypatch)
        _read(service, PIDS[0])
        run(service.find_records([("citizen", PIDS[1])], checked=True))
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
            return before, after, service.memo

        before, after, memo = run(read_update_read())
        assert before["religion"] == "Không"
        assert after["religion"] == "Công giáo"
        assert memo is not None and memo.misses == 2  # the update emptied the memo

    def test_an_edit_through_the_service_is_seen_in_the_same_pass(self, registry) -> None:
        service, _ = registry

        async def read_patch_read() -> Any:
            await service.find_records([("citizen", PIDS[1])])  # kept in the memo
            await asyncio.sleep(0)  # that pass is over
            assert service.memo is not None
            # As if the counter had been read again in the pass the edit returns in.
            service._counter = (asyncio.get_running_loop(), service.memo.changes)
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
