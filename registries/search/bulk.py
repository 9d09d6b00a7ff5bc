"""The search index built alongside a bulk load on SQLite, instead of a rebuild after it.

Whoever generates records (the seeder's worker processes) turns each chunk into an
`IndexBatch` with `citizen_batch` / `business_batch`: the index rows and, per distinct
folded name, its blocking keys, derived by the same cached functions as the per-record
updates and `rebuild` (`index.citizen_name_index`, `index.business_name_index`).
`BulkIndex` writes the index rows in the load's transaction as chunks arrive and, at the
end, lets SQLite join the names' keys to the records (in a side database, in parallel with
the load's own finishing work). The key tables are clustered on the
key: reading the name keys in key order and each name's records in (year, record) order
leaves SQLite only each key's records to sort ("temp B-tree for right part of ORDER BY"),
instead of one sort of every key row.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from registries.search.index import TABLES, business_name_index, citizen_name_index

# Index tables a bulk load fills (and whose secondary indexes it may drop meanwhile).
INDEX_TABLES = (
    "citizen_search",
    "citizen_search_keys",
    "business_search",
    "business_search_keys",
    "search_terms",
)


@dataclass
class IndexBatch:
    """What a chunk of records adds to one registry's index."""

    registry: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # the search table's rows
    name_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fold → keys
    words: Counter[str] = field(default_factory=Counter)  # word → records carrying it


def citizen_batch(records: Iterable[tuple[str, str, str, str | None]]) -> IndexBatch:
    """The index batch of (personal_id, full_name, ISO birth date, province) records."""
    batch = IndexBatch("citizen")
    rows, name_keys, words = batch.rows, batch.name_keys, batch.words
    for personal_id, full_name, birth_date, province in records:
        tone, fold, keys, name_words = citizen_name_index(full_name)
        rows.append((personal_id, tone, fold, birth_date, province))
        name_keys[fold] = keys
        words.update(name_words)
    return batch


def business_batch(records: Iterable[tuple[str, str, str, str | None]]) -> IndexBatch:
    """The index batch of (enterprise_code, name, legal_form, province) records."""
    batch = IndexBatch("business")
    rows, name_keys, words = batch.rows, batch.name_keys, batch.words
    for code, name, legal_form, province in records:
        tone, fold, distinctive_tone, distinctive_fold, keys, name_words = business_name_index(name)
        rows.append((code, tone, fold, distinctive_tone, distinctive_fold, legal_form, province))
        name_keys[distinctive_fold] = keys
        words.update(name_words)
    return batch


# Per registry: the side database's (name, record) table, the search-row columns that fill
# it (birth year from the ISO date), and the key table's columns after `key`.
_BLOCKS = {
    "citizen": (
        "citizen_blocks (fold, birth_year, personal_id, province_code)",
        itemgetter(2, 3, 0, 4),
        "VALUES (?, CAST(substr(?, 1, 4) AS INTEGER), ?, ?)",
        ("birth_year", "personal_id", "province_code"),
    ),
    "business": (
        "business_blocks (fold, enterprise_code, province_code)",
        itemgetter(4, 0, 6),
        "VALUES (?, ?, ?)",
        ("enterprise_code", "province_code"),
    ),
}
SIDE = "bulk_search"  # the side database's schema name on the load's connection


class BulkIndex:
    """Fills the search index inside a bulk load's transaction on a raw connection.

    The index rows go into the load's transaction as chunks arrive; what the key rows are
    joined from (each record's folded name, each name's keys) goes into a side database, a
    temporary file with its own connection. At the end a thread builds the key rows and
    their counts there, in parallel with the load's own finishing work (its secondary
    indexes), and `finish` copies them in (SQLite's transfer of identical tables)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        fd, self.path = tempfile.mkstemp(prefix="autofill-search-", suffix=".db")
        os.close(fd)
        self.side = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.name_keys: dict[str, set[str]] = {r: set() for r in TABLES}
        self.words: dict[str, Counter[str]] = {r: Counter() for r in TABLES}
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def open(self) -> None:
        """Attach the side database (before the load's transaction begins), create its
        tables and empty the index tables (call inside the load's transaction)."""
        side, conn = self.side, self.conn
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-65536", "threads=1"):
            side.execute(f"PRAGMA {pragma}")
        for _, key_table, _ in TABLES.values():
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", (key_table.__tablename__,)
            ).fetchone()
            side.execute(sql)
        side.execute("CREATE TABLE search_terms (registry_name, kind, term, n)")
        for registry, (blocks, *_) in _BLOCKS.items():
            side.execute(f"CREATE TABLE {blocks}")
            side.execute(f"CREATE TABLE {registry}_name_keys (key, fold)")
        side.execute("BEGIN")
        conn.execute(f"ATTACH DATABASE ? AS {SIDE}", (self.path,))

    def clear(self) -> None:
        """Empty the index tables (the load replaces every record)."""
        for table in INDEX_TABLES:
            self.conn.execute(f"DELETE FROM main.{table}")

    def add(self, batch: IndexBatch) -> None:
        """Write a batch's index rows; its records' names and its names' keys go to the
        side database, its word counts are kept for `finish`."""
        registry, rows = batch.registry, batch.rows
        if rows:
            table = TABLES[registry][0].__table__
            columns = [c.name for c in table.columns]
            self.conn.executemany(
                f"INSERT INTO main.{table.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                rows,
            )
            blocks, pick, values, _ = _BLOCKS[registry]
            self.side.executemany(f"INSERT INTO {blocks} {values}", map(pick, rows))
        known = self.name_keys[registry]
        new = [
            (k, fold) for fold, keys in batch.name_keys.items() if fold not in known for k in keys
        ]
        known.update(batch.name_keys)
        self.side.executemany(f"INSERT INTO {registry}_name_keys VALUES (?, ?)", new)
        self.words[registry].update(batch.words)

    def start(self) -> None:
        """Start building the key rows and their counts in the side database."""
        self._thread = threading.Thread(target=self._build, name="search-keys")
        self._thread.start()

    def _build(self) -> None:
        try:
            for registry in TABLES:
                self._keys(registry)
            self.side.execute("COMMIT")
        except BaseException as exc:  # handed to `finish`, which raises it
            self._failure = exc

    def _keys(self, registry: str) -> None:
        side = self.side
        key_table = TABLES[registry][1].__tablename__
        blocks, _, _, rest = _BLOCKS[registry]
        blocks_table, block_columns = blocks.split(" ", 1)
        side.execute(f"CREATE INDEX {registry}_name_keys_key ON {registry}_name_keys (key, fold)")
        side.execute(f"CREATE INDEX {blocks_table}_fold ON {blocks_table} {block_columns}")
        # CROSS JOIN keeps the name keys as the outer loop: rows come out in key order.
        side.execute(
            f"INSERT INTO {key_table} (key, {', '.join(rest)}) "
            f"SELECT n.key, {', '.join(f'b.{c}' for c in rest)} "
            f"FROM {registry}_name_keys n CROSS JOIN {blocks_table} b ON b.fold = n.fold "
            f"ORDER BY n.key, {', '.join(f'b.{c}' for c in rest[:-1])}"
        )
        side.execute(
            "INSERT INTO search_terms (registry_name, kind, term, n) "
            f"SELECT ?, 'k', key, count(*) FROM {key_table} GROUP BY key",
            (registry,),
        )

    def finish(self) -> None:
        """Wait for the key rows and copy them and the counts into the load's transaction."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        conn = self.conn
        for _, key_table, _ in TABLES.values():
            name = key_table.__tablename__
            conn.execute(f"INSERT INTO main.{name} SELECT * FROM {SIDE}.{name}")
        conn.execute(f"INSERT INTO main.search_terms SELECT * FROM {SIDE}.search_terms")
        for registry, words in self.words.items():
            conn.executemany(
                "INSERT INTO main.search_terms (registry_name, kind, term, n) "
                "VALUES (?, 't', ?, ?)",
                ((registry, word, n) for word, n in words.items()),
            )

    def close(self) -> None:
        """Detach and delete the side database (after the load's commit or rollback)."""
        if self._thread is not None:
            self._thread.join()
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute(f"DETACH DATABASE {SIDE}")
        self.side.close()
        Path(self.path).unlink(missing_ok=True)
