"""The resident keeper maps the registry file, touches every page, follows growth."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from registries import resident
from registries.database import SqliteReader
from registries.resident import PAGE, ResidentFile, resident_file
from tests.aio import run

linux_only = pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads smaps")


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


def _file(path: Path, pages: int) -> Path:
    with path.open("ab") as f:
        f.write(os.urandom(pages * PAGE))
    return path


@linux_only
class TestResidentFile:
    def test_every_page_is_mapped_and_resident(self, tmp_path) -> None:
        path = _file(tmp_path / "registry.db", 300)
        keeper = ResidentFile(path, max_bytes=1 << 30)
        keeper.refresh()
        assert keeper.resident_bytes == 300 * PAGE
        assert _mapped(path) == (300 * PAGE, 300 * PAGE)
        keeper.close()
        assert _mapped(path) == (0, 0)

    def test_growth_and_replacement_are_followed(self, tmp_path) -> None:
        path = _file(tmp_path / "registry.db", 10)
        keeper = ResidentFile(path, max_bytes=1 << 30)
        keeper.refresh()
        _file(path, 20)  # grew
        keeper.refresh()
        assert _mapped(path) == (30 * PAGE, 30 * PAGE)
        path.unlink()
        _file(path, 5)  # replaced by a new file (a reseed)
        keeper.refresh()
        assert keeper.resident_bytes == 5 * PAGE
        assert _mapped(path) == (5 * PAGE, 5 * PAGE)
        keeper.close()

    def test_growth_touches_only_the_new_tail(self, tmp_path, monkeypatch) -> None:
        path = _file(tmp_path / "registry.db", 10)
        keeper = ResidentFile(path, max_bytes=1 << 30)
        warmed: list[int] = []
        warm = keeper._warm
        monkeypatch.setattr(keeper, "_warm", lambda f, m, n: warmed.append(n) or warm(f, m, n))
        keeper.refresh()
        _file(path, 20)
        keeper.refresh()
        keeper.refresh()  # unchanged: nothing to do
        assert warmed == [10 * PAGE, 20 * PAGE]
        assert keeper.segments == 2 and keeper.resident_bytes == 30 * PAGE
        assert _mapped(path) == (30 * PAGE, 30 * PAGE)
        keeper.close()
        assert _mapped(path) == (0, 0)

    def test_a_shrunk_file_or_too_many_tails_is_mapped_whole(self, tmp_path, monkeypatch) -> None:
        monkeypatch.setattr(resident, "MAX_SEGMENTS", 3)
        path = _file(tmp_path / "registry.db", 4)
        keeper = ResidentFile(path, max_bytes=1 << 30)
        keeper.refresh()
        for _ in range(2):
            _file(path, 1)
            keeper.refresh()
        assert keeper.segments == 3
        _file(path, 1)
        keeper.refresh()
        assert keeper.segments == 1 and _mapped(path) == (7 * PAGE, 7 * PAGE)
        os.truncate(path, 3 * PAGE)  # shrunk in place (a VACUUM)
        keeper.refresh()
        assert keeper.segments == 1 and keeper.resident_bytes == 3 * PAGE
        assert _mapped(path) == (3 * PAGE, 3 * PAGE)
        keeper.close()

    def test_the_limit_caps_the_mapping(self, tmp_path) -> None:
        path = _file(tmp_path / "registry.db", 50)
        keeper = ResidentFile(path, max_bytes=20 * PAGE)
        keeper.refresh()
        assert _mapped(path)[0] == 20 * PAGE
        keeper.close()

    def test_the_thread_warms_and_stops(self, tmp_path) -> None:
        path = _file(tmp_path / "registry.db", 40)
        keeper = resident_file(str(path), 1 << 30)
        assert keeper is not None
        assert keeper.warmed.wait(10)
        assert _mapped(path)[1] == 40 * PAGE
        keeper.close()
        assert _mapped(path) == (0, 0)

    def test_off_when_zero(self, tmp_path) -> None:
        assert resident_file(str(_file(tmp_path / "r.db", 1)), 0) is None


@linux_only
def test_the_sqlite_reader_keeps_its_file_resident(tmp_path) -> None:
    path = tmp_path / "registry.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(os.urandom(1000),) for _ in range(100)])
    conn.commit()
    conn.close()
    reader = SqliteReader(f"sqlite:///{path}", resident_bytes=1 << 30)
    assert reader.resident is not None and reader.resident.warmed.wait(10)
    assert _mapped(path)[1] == path.stat().st_size // PAGE * PAGE
    run(reader.close())
    assert _mapped(path) == (0, 0)
