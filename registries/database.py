"""Database access: the SQLAlchemy engine for writes and migrations, and the fast
record reader for the hot lookup path (one primary-key read returning stored JSON bytes).

On SQLite the reader uses the standard `sqlite3` module directly: a primary-key read
costs about 20 µs, cheaper than a thread hop, so it runs on the event loop. On
PostgreSQL it uses an asyncio connection pool through SQLAlchemy's async engine.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from registries.errors import DomainError, RegistryUnavailable
from registries.kinds import KINDS

log = logging.getLogger(__name__)

# A database that does not answer a connection attempt within this is down (→ 503).
CONNECT_TIMEOUT_SECONDS = 3

# What "the database is down" looks like through SQLAlchemy or `sqlite3`, from any layer:
# unreachable, restarting, locked, out of connections. A 503, never a 500.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    SQLTimeoutError,
    sqlite3.OperationalError,
)


@contextmanager
def database_down_as(detail: str, error: type[DomainError] = RegistryUnavailable) -> Iterator[None]:
    """Turn the database being down (`DATABASE_DOWN`) into `error(detail)`."""
    try:
        yield
    except DATABASE_DOWN as exc:
        raise error(detail) from exc


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> str:
    """The file path of a SQLite URL (":memory:" is refused: workers must share the file)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the embedded registry needs a SQLite file, not an in-memory database")
    return str(Path(database).expanduser())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """The synchronous engine used for writes, migrations and seeding."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    return create_engine(url, **kwargs)


class RecordReader(Protocol):
    """Reads stored record documents by key; raises `RegistryUnavailable` when it cannot."""

    async def get(self, registry: str, key: str) -> bytes | None:
        """The stored JSON document of one record, or None."""
        ...

    async def ping(self) -> None:
        """Raise `RegistryUnavailable` unless the database answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


_CHANGES = "SELECT n FROM registry_changes WHERE id = 1"


class SqliteReader:
    """Primary-key reads through `sqlite3`, one read-only connection per thread.

    `mmap_bytes` > 0 lets SQLite map that much of the file (`PRAGMA mmap_size`, capped by
    SQLite's own compile-time limit, 2 GB in common builds) and warms the mapping through
    SQLite: a keeper connection reads every page of the record tables and their indexes
    once (`dbstat`) and stays open, so those pages stay mapped. A read that waited for the
    disk would hold up the event loop it runs on, and some kernels page out file pages that
    no process maps (docs/caching.md). Only SQLite ever opens or closes the file: closing
    any other descriptor of it would drop the process's locks on it (SQLite, "How To
    Corrupt An SQLite Database File", section 2.2).
    """

    def __init__(self, url: str, *, mmap_bytes: int = 0) -> None:
        self._path = sqlite_path(url)
        self._mmap_bytes = mmap_bytes
        self._local = threading.local()
        # CAST AS BLOB hands back the stored UTF-8 bytes: no decode to str and encode back.
        self._queries = {
            name: f"SELECT CAST(doc AS BLOB) FROM {k.table.name} WHERE {k.key_field} = ?"
            for name, k in KINDS.items()
        }
        self.warmed = threading.Event()  # set once the keeper has read its pages (or is off)
        self._keeper: sqlite3.Connection | None = None
        self._closing = False
        self._warming: threading.Thread | None = None
        if mmap_bytes > 0:
            self._warming = threading.Thread(target=self._warm, name="sqlite-warm", daemon=True)
            self._warming.start()
        else:
            self.warmed.set()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"file:{self._path}?mode=ro", uri=True, check_same_thread=False, timeout=10
        )
        conn.execute("PRAGMA query_only=ON")
        if self._mmap_bytes > 0:
            conn.execute(f"PRAGMA mmap_size={int(self._mmap_bytes)}")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _reset(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def _warm(self) -> None:
        """Read the record tables' pages through the keeper's mapping (GIL released)."""
        try:
            keeper = self._keeper = self._connect()
            names = [
                row[0]
                for row in keeper.execute(
                    "SELECT name FROM sqlite_schema WHERE rootpage > 0 AND tbl_name IN "
                    f"({', '.join('?' * len(KINDS))})",
                    [k.table.name for k in KINDS.values()],
                )
            ]
            for name in names:
                if self._closing:
                    break
                keeper.execute("SELECT count(*) FROM dbstat WHERE name = ?", (name,)).fetchall()
        except sqlite3.Error as exc:  # no dbstat, or closed meanwhile: pages map as read
            log.info("registry file not warmed: %s", exc)
        finally:
            self.warmed.set()

    async def get(self, registry: str, key: str) -> bytes | None:
        """The stored document, read on the calling thread."""
        try:
            row = self._conn().execute(self._queries[registry], (key,)).fetchone()
        except sqlite3.Error as exc:
            self._reset()
            raise RegistryUnavailable(f"the {registry} registry cannot be read") from exc
        return None if row is None else row[0]

    def changes(self) -> int:
        """The registry's change counter (migration 0008): it moves on every update or
        delete of a record, by whichever connection makes it."""
        try:
            row = self._conn().execute(_CHANGES).fetchone()
        except sqlite3.Error as exc:
            self._reset()
            raise RegistryUnavailable("the registry cannot be read") from exc
        return int(row[0])

    async def ping(self) -> None:
        """Check that the file opens and answers."""
        try:
            self._conn().execute("SELECT 1 FROM citizens LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            self._reset()
            raise RegistryUnavailable("the registry database cannot be read") from exc

    async def close(self) -> None:
        """Close this thread's connection and the keeper's (SQLite closes the file)."""
        self._reset()
        self._closing = True
        if self._warming is not None:
            if self._keeper is not None:
                self._keeper.interrupt()  # a warm-up under way stops at once
            await asyncio.to_thread(self._warming.join)
            self._warming = None
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None


class AsyncEngineReader:
    """Primary-key reads through SQLAlchemy's asyncio engine (PostgreSQL)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self._engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            pool_pre_ping=True,
            pool_recycle=300,
            pool_timeout=5,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
        self._queries = {
            name: text(f"SELECT doc FROM {k.table.name} WHERE {k.key_field} = :key")
            for name, k in KINDS.items()
        }

    async def get(self, registry: str, key: str) -> bytes | None:
        """The stored document, read through the async pool."""
        try:
            async with self._engine.connect() as conn:
                row = (await conn.execute(self._queries[registry], {"key": key})).first()
        except (OperationalError, DBAPIError, OSError, SQLTimeoutError) as exc:
            raise RegistryUnavailable(f"the {registry} registry cannot be read") from exc
        return None if row is None else row[0].encode()

    async def ping(self) -> None:
        """Check that the database answers."""
        try:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError, OSError, SQLTimeoutError) as exc:
            raise RegistryUnavailable("the registry database cannot be reached") from exc

    async def close(self) -> None:
        """Dispose of the pool."""
        await self._engine.dispose()


class PostgresReader:
    """Primary-key reads through a psycopg asyncio pool, in autocommit.

    About 5x cheaper per read than the SQLAlchemy async engine with pre-ping (BENCHMARKS.md,
    "Resilience"): it is the path every cache miss takes, and every read while Redis is
    down. Instead of a ping before each use, a read that fails on a connection the
    database dropped (a restart) is retried once on a new one; a database that stays
    unreachable gives `RegistryUnavailable` within `wait_seconds`.
    """

    def __init__(self, url: str, *, pool_size: int = 10, wait_seconds: float = 1.0) -> None:
        from psycopg_pool import AsyncConnectionPool

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=wait_seconds,
            # The pool's reconnection backs off exponentially; giving an attempt up after 2 s
            # lets the next read start a fresh one, so recovery follows the database within
            # seconds however long it was away.
            reconnect_timeout=2.0,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
        self._opened = False
        self._queries = {
            name: f"SELECT doc FROM {k.table.name} WHERE {k.key_field} = %s"
            for name, k in KINDS.items()
        }

    async def _fetch(self, query: str, params: tuple[Any, ...]) -> Any:
        import psycopg
        import psycopg_pool

        if not self._opened:
            self._opened = True
            await self._pool.open(wait=False)
        for attempt in (1, 2):
            try:
                async with self._pool.connection() as conn:
                    cursor = await conn.execute(query, params)
                    return await cursor.fetchone()
            except psycopg.OperationalError:
                if attempt == 2:
                    raise  # the pool discarded the broken connection; the next read reconnects
            except psycopg_pool.PoolTimeout as exc:
                raise psycopg.OperationalError("no database connection") from exc
        return None  # unreachable

    async def fetch_one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        """The first row of a query; `RegistryUnavailable` when the database cannot answer."""
        import psycopg

        try:
            return await self._fetch(query, params)
        except (psycopg.OperationalError, OSError) as exc:
            raise RegistryUnavailable("the database cannot be reached") from exc

    async def get(self, registry: str, key: str) -> bytes | None:
        """The stored document."""
        import psycopg

        try:
            row = await self._fetch(self._queries[registry], (key,))
        except (psycopg.OperationalError, OSError) as exc:
            raise RegistryUnavailable(f"the {registry} registry cannot be read") from exc
        return None if row is None else row[0].encode()

    async def ping(self) -> None:
        """Check that the database answers."""
        import psycopg

        try:
            await self._fetch("SELECT 1", ())
        except (psycopg.OperationalError, OSError) as exc:
            raise RegistryUnavailable("the registry database cannot be reached") from exc

    async def close(self) -> None:
        """Close the pool."""
        if self._opened:
            await self._pool.close()


def make_reader(url: str, *, mmap_bytes: int = 0) -> RecordReader:
    """The fastest reader for this database URL (`mmap_bytes`: SQLite only)."""
    if is_sqlite(url):
        return SqliteReader(url, mmap_bytes=mmap_bytes)
    if make_url(url).drivername == "postgresql+psycopg":
        return PostgresReader(url)
    return AsyncEngineReader(url)
