"""How audit batches reach the database: the cheapest path that keeps the audit's promise.

The audit log's group commit hands one batch at a time to a writer. A batch is committed
before any request in it is answered, so the writer is on the path of every release and
its cost per request decides the lookup and prefill rates (BENCHMARKS.md, "Audit writer
and the resident registry file").

* **SQLite** (`SqliteAuditWriter`): one `sqlite3` connection of its own. By default the
  batch is written on the event loop itself, with `synchronous=NORMAL` in WAL mode: a
  committed entry survives a crash of the service or of any process, and only an
  operating-system crash or power loss can take the last commits (no fsync per commit).
  The GIL hand-offs of a thread cost more than the second core gives: measured side by
  side with the reference, prefill did 1,400-1,530 req/s with the commit in a thread and
  1,510-1,660 on the loop. `AUTOFILL_AUDIT_FSYNC=true` restores
  `synchronous=FULL` (an fsync per batch), written in a thread so the loop goes on serving.
  The write lock is asked for without waiting; when another writer (a tester's edit, the
  CLI) holds it, that batch goes to a thread that waits for it. The WAL is checkpointed by
  threads between batches, never by a commit on the loop (`maintain`).
* **PostgreSQL** (`PostgresAuditWriter`): one psycopg asyncio connection, the batch sent as
  a pipelined `executemany`, committed with the server's own durability settings.

Every write waits for locks a bounded time (`AUTOFILL_AUDIT_WRITE_TIMEOUT_SECONDS`): SQLite's
busy timeout; on PostgreSQL the writer's own connection has `lock_timeout` and
`statement_timeout` set once for its session (it runs nothing else, so this bounds each
batch like `SET LOCAL` would, without a statement more per batch). Past it the batch fails,
its requests answer 503 with no data, and `probe` (readiness) reports the audit as failing
until a write could get its lock again.

Both writers append through `autofill.trust.audit_chain`, which links each batch to the
hash chain in the same transaction.

Rows are tuples in `COLUMNS` order; `timestamp()` gives the `at` value in the form the
backend stores (SQLAlchemy's text form on SQLite, so its filters keep working).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from autofill.trust import audit_chain as chain
from registries.database import CONNECT_TIMEOUT_SECONDS, is_sqlite, sqlite_path

log = logging.getLogger(__name__)

COLUMNS = (
    "at",
    "key_id",
    "action",
    "registry",
    "subject_hash",
    "form_id",
    "form_version",
    "purpose",
    "attributes",
    "request_id",
    "client",
    "flagged",
    "detail",
    "consent_id",  # a release under a citizen's consent (`autofill.consent`); else null
)
Row = tuple[Any, ...]
# Readiness asks whether a write could get its lock now: it waits at most this long.
PROBE_MS = 1000


def _postgres_timeouts() -> tuple[type[Exception], ...]:
    from psycopg import errors

    return (errors.LockNotAvailable, errors.QueryCanceled)


class AuditWriteError(Exception):
    """A batch could not be committed; its requests must not be answered."""


class AuditWriter(Protocol):
    """Commits one batch of audit rows."""

    def timestamp(self, at: dt.datetime) -> Any:
        """The `at` column's value for an aware UTC time."""
        ...

    async def write(self, rows: Sequence[Row]) -> None:
        """Commit the rows, or raise `AuditWriteError`."""
        ...

    async def maintain(self) -> None:
        """Housekeeping between batches (after their requests were answered)."""
        ...

    async def probe(self) -> None:
        """Raise `AuditWriteError` unless a write could go through now (readiness)."""
        ...

    async def close(self) -> None:
        """Release the connection (after the last write)."""
        ...


class SqliteAuditWriter:
    """Batches into the registry's SQLite file through a connection of its own."""

    def __init__(
        self,
        url: str,
        *,
        fsync: bool = False,
        checkpoint_seconds: float = 1.0,
        restart_seconds: float = 60.0,
        wait_seconds: float = 10.0,
    ) -> None:
        self._path = sqlite_path(url)
        self._fsync = fsync
        self._wait_ms = int(wait_seconds * 1000)
        self._checkpoint_seconds = checkpoint_seconds
        self._restart_seconds = restart_seconds
        self._conn: sqlite3.Connection | None = None
        self._last_checkpoint = self._last_restart = time.monotonic()
        self._checkpoint: asyncio.Future[None] | None = None
        self.commits = 0
        self.checkpoints = 0

    def timestamp(self, at: dt.datetime) -> str:
        """SQLAlchemy's storage form of a DateTime on SQLite (UTC, no offset)."""
        return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False, timeout=0
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self._fsync else 'NORMAL'}")
            # Commits on this connection never checkpoint; `_maybe_checkpoint` does it in a
            # thread. Other connections of the file keep SQLite's default.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._conn = conn
        return self._conn

    def _commit(self, rows: Sequence[Row], wait_ms: int) -> None:
        conn = self._connection()
        conn.execute(f"PRAGMA busy_timeout={wait_ms}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            chain.append_sqlite(conn, COLUMNS, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    async def write(self, rows: Sequence[Row]) -> None:
        """Commit on the loop when the lock is free at once, else in a thread."""
        try:
            if self._fsync or self._checkpointing():
                await asyncio.to_thread(self._commit, rows, self._wait_ms)
            else:
                try:
                    self._commit(rows, 0)
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                        raise
                    await asyncio.to_thread(self._commit, rows, self._wait_ms)
        except (sqlite3.Error, chain.ChainBroken) as exc:
            self._drop()
            raise AuditWriteError(str(exc)) from exc
        self.commits += 1

    async def probe(self) -> None:
        """`AuditWriteError` unless a write could take the file's write lock now."""

        def take_lock() -> None:
            # Read-write, never create: a file that went away is a failure, not a new file.
            uri = f"{Path(self._path).resolve().as_uri()}?mode=rw"
            conn = sqlite3.connect(uri, uri=True, timeout=min(self._wait_ms, PROBE_MS) / 1000)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()

        try:
            await asyncio.to_thread(take_lock)
        except sqlite3.Error as exc:
            raise AuditWriteError(str(exc)) from exc

    def _checkpointing(self) -> bool:
        # A commit beside a checkpoint's fsync can wait for it (the WAL's last page is
        # under writeback): measured 12-19 ms on the loop. Such commits go to a thread.
        return self._checkpoint is not None and not self._checkpoint.done()

    async def maintain(self) -> None:
        """Checkpoint the WAL: in the background, and now and then with batches held.

        Under steady writes a checkpoint running beside them never catches up with the
        end of the WAL, and SQLite reuses the WAL file only once every frame is copied
        back: the WAL would grow for as long as the load lasts. So every
        `checkpoint_seconds` a thread checkpoints beside the writes (the bulk of the copy
        and its fsync, off the loop), and every `restart_seconds` the writer holds its
        next batch until a thread has copied the few frames written since, so that the
        next commit starts the WAL from its beginning. Called after a batch's requests
        have been answered.

        The held step's fsyncs took 30-100 ms on this machine kind under load: every 10 s
        that stall alone reached the lookup benchmark's p99 (27-30 ms against 14-16 ms
        with it once a minute), so it runs once a minute; the WAL then holds at most a
        minute of audit writes (~16 MB/s at the lookup benchmark's rate).
        """
        now = time.monotonic()
        if self._checkpoint is not None:
            if not self._checkpoint.done():
                return
            self._checkpoint = None
            if now - self._last_restart >= self._restart_seconds:
                self._last_restart = now
                await asyncio.to_thread(self._run_checkpoint)
                return
        if now - self._last_checkpoint >= self._checkpoint_seconds:
            self._last_checkpoint = now
            self._checkpoint = asyncio.ensure_future(asyncio.to_thread(self._run_checkpoint))

    def _run_checkpoint(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=0)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.checkpoints += 1
            finally:
                conn.close()
        except sqlite3.Error as exc:  # the next checkpoint tries again
            log.debug("audit WAL checkpoint skipped: %s", exc)

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    async def close(self) -> None:
        """Wait for a running checkpoint, then close the connection."""
        if self._checkpoint is not None:
            with contextlib.suppress(Exception):
                await self._checkpoint
        self._drop()


class PostgresAuditWriter:
    """Batches over one psycopg asyncio connection, reconnected after a failure."""

    def __init__(self, url: str, *, wait_seconds: float = 10.0) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._wait_ms = int(wait_seconds * 1000)
        self._conn: Any = None
        self.commits = 0

    def timestamp(self, at: dt.datetime) -> dt.datetime:
        """psycopg sends an aware datetime as timestamptz."""
        return at

    async def write(self, rows: Sequence[Row]) -> None:
        """Send the batch in one pipelined transaction.

        A batch that fails on a connection the server dropped since its last use (a
        restart) is sent once more on a new one. Should the first commit have gone through
        with only its answer lost, the entries are then logged twice: a duplicate, never a
        gap.
        """
        import psycopg

        for attempt in (1, 2):
            fresh = self._conn is None or self._conn.closed
            try:
                if fresh:
                    self._conn = await self._connect(self._wait_ms)
                # The server bounds the wait; this bounds a server that stopped answering.
                async with asyncio.timeout(self._wait_ms / 1000 + CONNECT_TIMEOUT_SECONDS):
                    async with self._conn.transaction(), self._conn.cursor() as cursor:
                        await chain.append_postgres(cursor, COLUMNS, rows)
            except (psycopg.Error, OSError, TimeoutError, chain.ChainBroken) as exc:
                await self._drop()
                # A lost connection is worth one more try; a wait that ran out is not.
                timed_out = isinstance(exc, (*_postgres_timeouts(), TimeoutError))
                retry = (
                    attempt == 1
                    and not fresh
                    and not timed_out
                    and isinstance(exc, psycopg.OperationalError)
                )
                if not retry:
                    raise AuditWriteError(str(exc)) from exc
            else:
                self.commits += 1
                return

    async def _connect(self, wait_ms: int) -> Any:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(
            self._conninfo, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
        await conn.execute(
            "SELECT set_config('lock_timeout', %s, false), "
            "set_config('statement_timeout', %s, false)",
            (f"{wait_ms}ms", f"{wait_ms}ms"),
        )
        await conn.commit()
        return conn

    async def probe(self) -> None:
        """`AuditWriteError` unless a write could take its lock on `audit_log` now
        (on a connection of its own: the writer's may be busy with a batch)."""
        import psycopg

        conn = None
        try:
            conn = await self._connect(min(self._wait_ms, PROBE_MS))
            await conn.execute("LOCK TABLE audit_log IN ROW EXCLUSIVE MODE")
            await conn.rollback()
        except (psycopg.Error, OSError) as exc:
            raise AuditWriteError(str(exc)) from exc
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def maintain(self) -> None:
        """Nothing: the server checkpoints its own log."""

    async def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def close(self) -> None:
        """Close the connection."""
        await self._drop()


def make_audit_writer(url: str, *, fsync: bool = False, wait_seconds: float = 10.0) -> AuditWriter:
    """The writer for a database URL."""
    if is_sqlite(url):
        return SqliteAuditWriter(url, fsync=fsync, wait_seconds=wait_seconds)
    if make_url(url).get_backend_name() == "postgresql":
        return PostgresAuditWriter(url, wait_seconds=wait_seconds)
    raise ValueError(f"no audit writer for {make_url(url).get_backend_name()}")
