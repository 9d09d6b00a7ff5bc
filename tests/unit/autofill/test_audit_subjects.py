"""The SQLite audit subject index: a file of its own, caught up off the request path."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text, update

from autofill.models import AuditEntry
from autofill.trust import KeyPrincipal
from autofill.trust.audit import (
    LOOKUP,
    AuditFilter,
    AuditLog,
    Disclosed,
    Release,
    decode_cursor,
)
from autofill.trust.audit_subjects import SubjectIndex, index_path
from autofill.trust.hashing import SubjectHasher
from registries.database import sqlite_path
from tests.aio import run
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite subject index")

READER = KeyPrincipal("k2", "reader", frozenset({"registry:read"}))
HASHER = SubjectHasher(b"k" * 32)
BUSY, QUIET = "001089012345", "001089012346"


def _record(engine: Engine, subjects: list[str], *, index: bool = True) -> None:
    """Log one lookup per subject, in order, through a running audit log (which brings
    the subject index up to date in the background unless `index` is false)."""

    async def main() -> None:
        audit = AuditLog(engine, HASHER)
        if not index:
            audit._index_soon = lambda: None  # type: ignore[method-assign]
        audit.start()
        try:
            for subject in subjects:
                await audit.record(Release(READER, LOOKUP, [Disclosed("citizen", subject, ["*"])]))
        finally:
            await audit.close()

    run(main())


def _ids(audit: AuditLog, subject: str, limit: int = 100) -> list[int]:
    """Every entry id of a subject, newest first, following the cursor page by page."""
    ids: list[int] = []
    before = None
    while True:
        where = AuditFilter(subject_hash=HASHER.hash(subject), limit=limit, before_id=before)
        entries, cursor = audit.search_entries(where)
        ids += [e["id"] for e in entries]
        if cursor is None:
            return ids
        before = decode_cursor(cursor)


def _log_ids(engine: Engine, subject: str) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id FROM audit_log WHERE subject_hash = :h ORDER BY id DESC"),
            {"h": HASHER.hash(subject)},
        )
        return [r[0] for r in rows]


@pytest.fixture
def index(engine: Engine) -> Iterator[SubjectIndex]:
    index = SubjectIndex(sqlite_path(engine.url.render_as_string(hide_password=False)))
    yield index
    index.close()


def _checkpoint(engine: Engine, path: str) -> None:
    """Everything in the registry file itself, its WAL emptied."""
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


class TestSubjectIndex:
    def test_the_log_table_has_no_subject_index_on_sqlite(self, engine) -> None:
        with engine.connect() as conn:
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert "ix_audit_log_subject_hash" not in names
        assert "ix_audit_log_key_id" in names

    def test_catch_up_indexes_each_entry_once(self, engine, index) -> None:
        _record(engine, [BUSY, QUIET, BUSY] * 20)
        index.catch_up()  # the log's own catch-ups may have indexed some already
        assert index.catch_up() == 0
        conn = sqlite3.connect(index.path)
        rows = conn.execute("SELECT subject_hash, entry_id FROM subjects").fetchall()
        conn.close()
        with engine.connect() as log:
            expected = log.execute(text("SELECT subject_hash, id FROM audit_log")).all()
        assert sorted(rows) == sorted(tuple(r) for r in expected)

    def test_search_finds_indexed_and_not_yet_indexed_entries(self, engine, index) -> None:
        _record(engine, [BUSY, QUIET] * 150)
        index.catch_up()
        _record(engine, [QUIET, BUSY] * 120, index=False)  # past the watermark
        audit = AuditLog(engine, HASHER)
        watermark, _ = index.entries(HASHER.hash(BUSY))
        assert 0 < watermark < max(_log_ids(engine, BUSY))
        for subject in (BUSY, QUIET):
            assert _ids(audit, subject, limit=7) == _log_ids(engine, subject)
            assert _ids(audit, subject, limit=1000) == _log_ids(engine, subject)

    def test_search_with_other_filters(self, engine, index) -> None:
        _record(engine, [BUSY] * 600)  # more than one chunk of ids
        index.catch_up()
        audit = AuditLog(engine, HASHER)
        with engine.begin() as conn:
            conn.execute(update(AuditEntry).where(AuditEntry.id % 3 == 0).values(key_id="k9"))
        where = AuditFilter(subject_hash=HASHER.hash(BUSY), key_id="k9", limit=1000)
        entries, _ = audit.search_entries(where)
        assert len(entries) == 200 and {e["key_id"] for e in entries} == {"k9"}

    def test_a_long_log_is_indexed_in_chunks(self, engine) -> None:
        _record(engine, [BUSY, QUIET] * 40, index=False)
        with engine.begin() as conn:  # a gap wider than a chunk, as a purge leaves
            conn.execute(text("DELETE FROM audit_log WHERE id BETWEEN 20 AND 45"))
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        chunked = SubjectIndex(path, chunk=7)
        assert chunked.catch_up() == 80 - 26
        audit = AuditLog(engine, HASHER)
        assert _ids(audit, BUSY, limit=5) == _log_ids(engine, BUSY)
        conn = sqlite3.connect(chunked.path)
        assert conn.execute("SELECT count(*) FROM subjects").fetchone()[0] == 80 - 26
        conn.close()

    def test_a_lost_index_file_is_rebuilt(self, engine, index) -> None:
        _record(engine, [BUSY, QUIET] * 10)
        index.catch_up()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(index.path + suffix):
                os.remove(index.path + suffix)
        audit = AuditLog(engine, HASHER)
        assert _ids(audit, BUSY) == _log_ids(engine, BUSY)  # read from the log meanwhile
        assert index.catch_up() == 20
        assert _ids(audit, BUSY) == _log_ids(engine, BUSY)

    def test_a_replaced_log_is_noticed(self, engine, index) -> None:
        _record(engine, [BUSY] * 30)
        index.catch_up()
        with engine.begin() as conn:  # a new log whose ids start again, under the old index
            conn.execute(text("DELETE FROM audit_log"))
            conn.execute(text("UPDATE audit_chain_head SET last_id = 0"))  # its chain too
        _record(engine, [QUIET] * 5, index=False)
        index.catch_up()
        audit = AuditLog(engine, HASHER)
        assert _ids(audit, BUSY) == []
        assert _ids(audit, QUIET) == _log_ids(engine, QUIET)
        conn = sqlite3.connect(index.path)
        assert conn.execute("SELECT count(*) FROM subjects").fetchone()[0] == 5
        conn.close()

    def test_a_log_file_replaced_on_disk_is_read_anew(self, engine, index, tmp_path) -> None:
        _record(engine, [BUSY] * 4)
        index.catch_up()  # the index's connection stays open from here on
        _checkpoint(engine, index.log_path)
        earlier = tmp_path / "earlier.db"
        shutil.copyfile(index.log_path, earlier)
        _record(engine, [BUSY] * 6)
        index.catch_up()
        _checkpoint(engine, index.log_path)
        os.replace(earlier, index.log_path)  # a restored copy: 4 entries, not 10
        index.catch_up()
        conn = sqlite3.connect(index.path)
        assert conn.execute("SELECT count(*) FROM subjects").fetchone()[0] == 4
        conn.close()

    def test_purge_forgets_old_entries(self, engine, index) -> None:
        _record(engine, [BUSY, QUIET] * 10)
        index.catch_up()
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        with engine.begin() as conn:
            conn.execute(update(AuditEntry).where(AuditEntry.id <= 6).values(at=old))
        audit = AuditLog(engine, HASHER)
        assert audit.purge(dt.datetime.now(dt.UTC) - dt.timedelta(days=365)) == 6
        conn = sqlite3.connect(index.path)
        assert conn.execute("SELECT min(entry_id) FROM subjects").fetchone()[0] == 7
        conn.close()
        assert _ids(audit, BUSY) == _log_ids(engine, BUSY)

    def test_the_index_sits_beside_the_registry(self, engine) -> None:
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        _record(engine, [BUSY])
        assert os.path.exists(index_path(path))
