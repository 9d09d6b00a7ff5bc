"""Bulk writers: raw `sqlite3` in one transaction for SQLite (COPY for PostgreSQL: `seed.postgres`).

Both write the rows the generators produce (dates as ISO text, `updated_at` as the
documents have it) with the same column values `registries.repository` derives.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Sequence
from typing import Any, Protocol

from registries.database import sqlite_path
from registries.search.bulk import INDEX_TABLES, BulkIndex, IndexBatch
from seed.businesses import BUSINESS_COLUMNS
from seed.documents import CITIZEN_COLUMNS, HOUSEHOLD_COLUMNS

# Tables the seeder fills, children before parents (the order to empty them in).
TABLES: dict[str, tuple[str, ...]] = {
    "business_lines": ("enterprise_code", "vsic_code", "is_main"),
    "business_owners": ("enterprise_code", "owner_id", "kind", "capital_share"),
    "business_representatives": ("enterprise_code", "personal_id", "title"),
    "businesses": BUSINESS_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "citizens": CITIZEN_COLUMNS,
}
PAGE_SIZE = 16_384


class RegistryNotEmptyError(Exception):
    """Raised by a writer when the registry already holds citizens and no reset was asked."""


class Writer(Protocol):
    """Writes seeded rows in one transaction."""

    # Whether `index` builds the search index (otherwise it is rebuilt after the load).
    builds_search_index: bool
    # Seconds spent in the steps of `commit`, by step.
    timings: dict[str, float]

    def begin(self, *, reset: bool) -> None:
        """Start the transaction; empty the registry tables when `reset`."""
        ...

    def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows into a registry table."""
        ...

    def index(self, batch: IndexBatch) -> None:
        """Add a chunk's search-index batch (when `builds_search_index`)."""
        ...

    def commit(self, meta: dict[str, str]) -> None:
        """Store registry facts and commit."""
        ...

    def abort(self) -> None:
        """Roll back after a failure."""
        ...


class SqliteWriter:
    """One connection, one transaction, bulk-load pragmas, secondary indexes rebuilt once,
    the search index built from the chunks' index batches (`registries.search.bulk`)."""

    builds_search_index = True

    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=30)
        self.search = BulkIndex(self.conn)
        self.timings: dict[str, float] = {}
        self._indexes: list[str] = []
        self._journal = "wal"

    def begin(self, *, reset: bool) -> None:
        """Switch to bulk-load settings and start the write transaction (on any failure,
        `RegistryNotEmptyError` included, roll back and close)."""
        try:
            self._begin(reset)
        except BaseException:
            self.abort()
            raise

    def _begin(self, reset: bool) -> None:
        conn = self.conn
        self._journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        # A rollback journal in memory is enough to undo a failed load; when other
        # connections hold the file open SQLite keeps WAL, which is correct too.
        with contextlib.suppress(sqlite3.OperationalError):  # another connection: stay WAL
            conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("PRAGMA temp_store=MEMORY")
        self.search.open()
        self._begin_write()
        if not reset and conn.execute("SELECT 1 FROM citizens LIMIT 1").fetchone():
            raise RegistryNotEmptyError
        if reset:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")
        self._repage()
        self.search.clear()
        names = ", ".join(f"'{t}'" for t in (*TABLES, *INDEX_TABLES))
        self._indexes = []
        # Indexes are rebuilt at the end, faster than kept up row by row; triggers (the
        # change counter's, migration 0008) would fire for every row a reset deletes, so
        # they go too, and `commit` moves the counter once.
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND sql IS NOT NULL AND tbl_name IN ({names})"
        ).fetchall():
            self._indexes.append(sql)
            conn.execute(f'DROP {kind.upper()} "{name}"')

    def _begin_write(self) -> None:
        """Start a transaction holding the write lock of the registry file alone (BEGIN
        IMMEDIATE would also lock the attached side database, which the search index's
        own connection fills during the load)."""
        self.conn.execute("BEGIN")
        self.conn.execute("DELETE FROM main.citizens WHERE 0")

    def _repage(self) -> None:
        """Records are ~2.3 KB of JSON: on 4 KiB pages each takes a page of its own, so an
        empty registry file is rebuilt with 16 KiB pages (about 7 records a page, 40% less
        to write and to cache). Only possible when the file is not in WAL mode, i.e. no
        other connection has it open; otherwise the load goes on with the pages it has."""
        conn = self.conn
        if conn.execute("PRAGMA page_size").fetchone()[0] >= PAGE_SIZE:
            return
        if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        conn.execute("COMMIT")
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("VACUUM")
        self._begin_write()
        if conn.execute("SELECT 1 FROM citizens LIMIT 1").fetchone():  # seeded meanwhile
            raise RegistryNotEmptyError

    def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows with `executemany`."""
        if not rows:
            return
        columns = TABLES[table]
        # Documents arrive as UTF-8 bytes; SQLite stores them as TEXT without a decode.
        marks = ", ".join("CAST(? AS TEXT)" if c == "doc" else "?" for c in columns)
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def index(self, batch: IndexBatch) -> None:
        """Write a batch's search rows; its keys are joined to them at commit."""
        self.search.add(batch)

    def commit(self, meta: dict[str, str]) -> None:
        """Rebuild the secondary indexes while the search index's key rows are built beside
        them, copy those in, store the facts, commit, restore the journal."""
        conn = self.conn
        started = time.perf_counter()
        self.search.start()
        # A small page cache lets SQLite's sorter hand sorted runs to a helper thread.
        conn.execute("PRAGMA cache_size=-16384")
        conn.execute("PRAGMA threads=1")
        for sql in self._indexes:
            conn.execute(sql)
        self.timings["secondary indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        self.search.finish()
        self.timings["search index keys (after)"] = time.perf_counter() - started
        conn.executemany(
            "INSERT INTO registry_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(meta.items()),
        )
        # Every worker's cached records (registries/changes.py) may be stale after a reset.
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'registry_changes'"
        ).fetchone():
            conn.execute("UPDATE registry_changes SET n = n + 1 WHERE id = 1")
        started = time.perf_counter()
        conn.execute("COMMIT")
        self.timings["commit"] = time.perf_counter() - started
        self.search.close()
        self._restore()
        conn.close()

    def _restore(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # still WAL: nothing to restore
            self.conn.execute(f"PRAGMA main.journal_mode={self._journal}")

    def abort(self) -> None:
        """Roll back and close."""
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.search.close()
            self._restore()
        finally:
            self.conn.close()
