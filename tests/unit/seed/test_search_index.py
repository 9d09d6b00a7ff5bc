"""A SQLite seed builds the search index during the load: it must equal a fresh rebuild."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from registries.search import bulk
from seed import loader
from tests.search_index import snapshot_and_rebuild
from tests.unit.seed.conftest import seed_file


def _assert_equal_to_a_rebuild(url: str) -> None:
    seeded, rebuilt = snapshot_and_rebuild(url)
    assert seeded["key_rows"] > 10_000
    assert len(seeded["business_search_keys"]) > 1_000
    for table, rows in rebuilt.items():
        assert seeded[table] == rows, table


def _side_files() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("autofill-search-*.db"))


def test_the_bulk_seeded_index_equals_a_rebuild(tmp_path) -> None:
    before = _side_files()
    url = seed_file(tmp_path / "inline.db", citizens=3_000, businesses=400, seed=17)
    _assert_equal_to_a_rebuild(url)
    assert _side_files() <= before  # the side database is gone
    with sqlite3.connect(tmp_path / "inline.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_index_from_worker_processes_equals_a_rebuild(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 1_000)
    url = seed_file(tmp_path / "workers.db", citizens=12_000, businesses=1_500, seed=17)
    _assert_equal_to_a_rebuild(url)


def test_a_refused_seed_leaves_the_index_alone(tmp_path) -> None:
    url = seed_file(tmp_path / "twice.db", citizens=500, businesses=50, seed=3)
    first, _ = snapshot_and_rebuild(url)
    before = _side_files()
    with pytest.raises(loader.RegistryNotEmpty):
        loader.seed_registry(url, citizens=500, businesses=50, seed=4)
    assert _side_files() <= before
    assert snapshot_and_rebuild(url)[0] == first


def test_side_files_of_a_killed_seed_are_removed_by_the_next_one(tmp_path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    directory = Path(tempfile.gettempdir())
    stale = directory / f"{bulk.SIDE_PREFIX}{gone}-abc123.db"
    alive = directory / f"{bulk.SIDE_PREFIX}{os.getppid()}-abc123.db"
    stale.write_bytes(b"x")
    alive.write_bytes(b"x")
    try:
        seed_file(tmp_path / "after.db", citizens=300, businesses=30, seed=5)
        assert not stale.exists()
        assert alive.exists()  # its process still runs
    finally:
        for path in (stale, alive):
            path.unlink(missing_ok=True)
