"""Audit writers: durability settings, a busy SQLite file, a dropped PostgreSQL connection."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from autofill.trust.audit_writers import (
    AuditWriteError,
    PostgresAuditWriter,
    SqliteAuditWriter,
    make_audit_writer,
)
from registries.database import sqlite_path
from tests.aio import run
from tests.conftest import BACKEND

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite writer")
postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL writer")


def _row(writer, subject: str) -> tuple:  # type: ignore[no-untyped-def]
    at = writer.timestamp(dt.datetime.now(dt.UTC))
    return (
        at,
        "k1",
        "lookup",
        "citizen",
        subject,
        None,
        None,
        None,
        '["*"]',
        "r",
        None,
        False,
        None,
        None,  # consent id
    )


def _subjects(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT subject_hash FROM audit_log ORDER BY id")).all()
    return [r[0] for r in rows]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@sqlite_only
class TestSqlite:
    @pytest.mark.parametrize(("fsync", "level"), [(False, 1), (True, 2)])
    def test_durability_follows_the_setting(self, engine, fsync, level) -> None:
        writer = SqliteAuditWriter(_url(engine), fsync=fsync)

        async def scenario() -> int:
            await writer.write([_row(writer, "a")])
            assert writer._conn is not None
            (found,) = writer._conn.execute("PRAGMA synchronous").fetchone()
            await writer.close()
            return int(found)

        assert run(scenario()) == level  # NORMAL = 1, FULL = 2
        assert _subjects(engine) == ["a"]

    def test_a_batch_waits_for_another_writer_instead_of_failing(self, engine) -> None:
        other = sqlite3.connect(
            sqlite_path(_url(engine)), isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN IMMEDIATE")  # a tester's edit holding the write lock
        writer = SqliteAuditWriter(_url(engine))

        async def scenario() -> None:
            pending = asyncio.ensure_future(writer.write([_row(writer, "late")]))
            await asyncio.sleep(0.3)
            assert not pending.done()
            other.execute("COMMIT")
            await asyncio.wait_for(pending, 10)
            await writer.close()

        run(scenario())
        other.close()
        assert _subjects(engine) == ["late"]

    def test_a_lock_held_past_the_bound_fails_the_batch_and_the_probe(self, engine) -> None:
        other = sqlite3.connect(
            sqlite_path(_url(engine)), isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN IMMEDIATE")
        writer = SqliteAuditWriter(_url(engine), wait_seconds=0.5)

        async def scenario() -> None:
            with pytest.raises(AuditWriteError):
                await asyncio.wait_for(writer.write([_row(writer, "held")]), 5)
            with pytest.raises(AuditWriteError):
                await writer.probe()
            other.execute("ROLLBACK")
            await writer.probe()
            await writer.write([_row(writer, "after")])
            await writer.close()

        run(scenario())
        other.close()
        assert _subjects(engine) == ["after"]

    def test_the_wal_is_checkpointed_off_the_loop(self, engine) -> None:
        writer = SqliteAuditWriter(_url(engine), checkpoint_seconds=0, restart_seconds=0)
        wal = Path(f"{sqlite_path(_url(engine))}-wal")

        def restarts() -> int:  # the WAL header's checkpoint sequence number
            with wal.open("rb") as f:
                return int.from_bytes(f.read(16)[12:16], "big")

        async def scenario() -> list[int]:
            restarted = []
            for i in range(400):  # steady writes, as under load
                await writer.write([_row(writer, str(i))])
                await writer.maintain()
                await asyncio.sleep(0)
                restarted.append(restarts())
            await writer.close()
            return restarted

        restarted = run(scenario())
        assert writer.commits == 400
        assert writer.checkpoints >= 2
        # The WAL keeps being reused from its start instead of growing with the load.
        assert restarted[-1] - restarted[0] >= 2
        assert _subjects(engine) == [str(i) for i in range(400)]

    def test_a_missing_table_is_a_write_error_and_the_next_batch_works(self, engine) -> None:
        writer = SqliteAuditWriter(_url(engine))
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log RENAME TO audit_away"))

        async def scenario() -> None:
            with pytest.raises(AuditWriteError):
                await writer.write([_row(writer, "lost")])
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE audit_away RENAME TO audit_log"))
            await writer.write([_row(writer, "kept")])
            await writer.close()

        run(scenario())
        assert _subjects(engine) == ["kept"]


@postgres_only
class TestPostgres:
    def test_a_dropped_connection_is_replaced_without_failing_the_batch(self, engine) -> None:
        writer = make_audit_writer(_url(engine))
        assert isinstance(writer, PostgresAuditWriter)

        async def scenario() -> None:
            await writer.write([_row(writer, "before")])
            pid = writer._conn.info.backend_pid
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await writer.write([_row(writer, "after")])
            assert writer._conn.info.backend_pid != pid
            await writer.close()

        run(scenario())
        assert _subjects(engine) == ["before", "after"]

    def test_an_unreachable_server_is_a_write_error(self) -> None:
        writer = PostgresAuditWriter("postgresql+psycopg://postgres@127.0.0.1:1/none")

        async def scenario() -> None:
            with pytest.raises(AuditWriteError):
                await writer.write([_row(writer, "x")])
            await writer.close()

        run(scenario())

    def test_a_locked_table_fails_the_batch_within_the_bound(self, engine) -> None:
        writer = PostgresAuditWriter(_url(engine), wait_seconds=1.0)

        async def scenario() -> float:
            await writer.write([_row(writer, "before")])
            with engine.connect() as conn, conn.begin():
                conn.execute(text("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE"))
                started = asyncio.get_running_loop().time()
                with pytest.raises(AuditWriteError):
                    await asyncio.wait_for(writer.write([_row(writer, "held")]), 10)
                waited = asyncio.get_running_loop().time() - started
                with pytest.raises(AuditWriteError):
                    await writer.probe()
            await writer.probe()
            await writer.write([_row(writer, "after")])
            await writer.close()
            return waited

        waited = run(scenario())
        assert waited < 5  # one bounded wait, not a second one on a new connection
        assert _subjects(engine) == ["before", "after"]
