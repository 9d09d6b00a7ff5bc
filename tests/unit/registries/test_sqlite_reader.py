"""The SQLite record reader: SQLite maps the record tables and warms them through its own
connection, and nothing but SQLite opens or closes the file (the process keeps its locks)."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from autofill.database import migrate
from registries.database import SqliteReader, make_engine
from tests.aio import run
from tests.records import citizen, citizen_ids

linux_only = pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads smaps")
PIDS = citizen_ids(40)


def _mapped(path: Path) -> tuple[int, int]:
    """(size, resident bytes) of this process's mappings of a file, from /proc/self/smaps."""
    size = rss = 0
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5 and ":" in head[3]:  # a mapping line
            inside = len(head) >= 6 and head[5] == str(path)
        elif inside and head[0] == "Size:":
            size += int(head[1]) * 1024
        elif inside and head[0] == "Rss:":
            rss += int(head[1]) * 1024
    return size, rss


async def _mmap_size(reader: SqliteReader) -> int:
    """`PRAGMA mmap_size` on the reader's connection (of a thread that ends with `run`)."""
    return int(reader._conn().execute("PRAGMA mmap_size").fetchone()[0])


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Path]:
    """A migrated registry file holding a few citizens (written as the seeder writes)."""
    path = tmp_path / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO citizens (personal_id, full_name, birth_date, sex, birth_province_code,"
            " updated_at, doc) VALUES (?, 'x', '1990-01-01', 'male', '001', '2026-01-01', ?)",
            [(pid, orjson.dumps(citizen(pid)).decode()) for pid in PIDS],
        )
    conn.close()
    yield path


class TestMapping:
    def test_off_by_default_and_nothing_to_warm(self, registry: Path) -> None:
        reader = SqliteReader(f"sqlite:///{registry}")
        assert reader.warmed.is_set()
        assert run(reader.get("citizen", PIDS[0])) is not None
        assert run(_mmap_size(reader)) == 0
        run(reader.close())

    @linux_only
    def test_the_record_tables_are_mapped_through_sqlite_and_let_go_on_close(
        self, registry: Path
    ) -> None:
        reader = SqliteReader(f"sqlite:///{registry}", mmap_bytes=1 << 30)
        assert reader.warmed.wait(10)
        size, resident = _mapped(registry)
        assert size > 0 and resident > 0
        assert run(_mmap_size(reader)) > 0
        assert orjson.loads(run(reader.get("citizen", PIDS[3])) or b"")["personal_id"] == PIDS[3]
        run(reader.close())
        gc.collect()  # the connections of `run`'s ended threads
        assert _mapped(registry) == (0, 0)

    def test_closing_during_the_warm_up_is_prompt(self, registry: Path) -> None:
        reader = SqliteReader(f"sqlite:///{registry}", mmap_bytes=1 << 30)
        run(reader.close())
        assert reader.warmed.is_set()


def _another_process_opens_and_closes(path: Path) -> None:
    """What `autofill keys create` or a `sqlite3` shell does beside the server."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "c.execute('SELECT count(*) FROM citizens').fetchall()\n"
        "c.close()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)


def test_the_process_keeps_its_locks_while_the_reader_maps_warms_and_closes(
    registry: Path,
) -> None:
    # A writer of this process (the audit log's) has the file open in WAL mode ...
    writer = sqlite3.connect(registry, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE written (n INTEGER)")
    writer.execute("INSERT INTO written VALUES (1)")
    # ... while readers come and go, mapped and warmed.
    for _ in range(2):
        reader = SqliteReader(f"sqlite:///{registry}", mmap_bytes=1 << 30)
        assert reader.warmed.wait(10)
        assert run(reader.get("citizen", PIDS[0])) is not None
        run(reader.close())
    # Another process cannot be the file's last user: it leaves the WAL alone ...
    _another_process_opens_and_closes(registry)
    assert Path(f"{registry}-wal").exists()
    # ... so what this process commits next is in the file for everyone.
    writer.execute("INSERT INTO written VALUES (2)")
    with sqlite3.connect(registry) as other:
        assert other.execute("SELECT n FROM written ORDER BY n").fetchall() == [(1,), (2,)]
    other.close()
    writer.close()
