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

from registries.search.index import INDEXES, business_name_index, citizen_name_index

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


SIDE_PREFIX = "autofill-search-"


def remove_stale_side_files(directory: str | None = None) -> list[Path]:
    """Delete side databases whose seeding process is gone (killed mid-way: a normal end or
    error removes its own); their names carry the process id. Returns what went."""
    removed = []
    for path in Path(directory or tempfile.gettempdir()).glob(f"{SIDE_PREFIX}*-*.db"):
        pid = path.name.removeprefix(SIDE_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class _Side:
    """One registry's side database: a temporary file with its own connection, where a
    thread builds the key rows and their counts."""

    def __init__(self, registry: str) -> None:
        self.registry = registry
        self.schema = f"bulk_{registry}_search"  # its name on the load's connection
        self.key_table = INDEXES[registry].keys.__tablename__
        remove_stale_side_files()
        fd, self.path = tempfile.mkstemp(prefix=f"{SIDE_PREFIX}{os.getpid()}-", suffix=".db")
        os.close(fd)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.thread: threading.Thread | None = None
        self.failure: BaseException | None = None

    def open(self, load: sqlite3.Connection) -> None:
        """Create the tables (the key table as the registry file has it, so that copying
        it is a plain transfer) and attach the file to the load's connection."""
        side = self.conn
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-65536"):
            side.execute(f"PRAGMA {pragma}")
        (sql,) = load.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", (self.key_table,)
        ).fetchone()
        side.execute(sql)
        side.execute("CREATE TABLE search_terms (registry_name, kind, term, n)")
        side.execute(f"CREATE TABLE {_BLOCKS[self.registry][0]}")
        side.execute("CREATE TABLE name_keys (key, fold)")
        side.execute("BEGIN")
        load.execute(f"ATTACH DATABASE ? AS {self.schema}", (self.path,))

    def start(self) -> None:
        """Start the thread that builds the key rows."""
        self.thread = threading.Thread(target=self._build, name=f"{self.registry}-search-keys")
        self.thread.start()

    def _build(self) -> None:
        try:
            self._keys()
            self.conn.execute("COMMIT")
        except BaseException as exc:  # handed to `join`, which raises it
            self.failure = exc

    def _keys(self) -> None:
        side, key_table = self.conn, self.key_table
        blocks, _, _, rest = _BLOCKS[self.registry]
        blocks_table, block_columns = blocks.split(" ", 1)
        side.execute("CREATE INDEX name_keys_key ON name_keys (key, fold)")
        side.execute(f"CREATE INDEX {blocks_table}_fold ON {blocks_table} {block_columns}")
        # CROSS JOIN keeps the name keys as the outer loop: rows come out in key order.
        side.execute(
            f"INSERT INTO {key_table} (key, {', '.join(rest)}) "
            f"SELECT n.key, {', '.join(f'b.{c}' for c in rest)} "
            f"FROM name_keys n CROSS JOIN {blocks_table} b ON b.fold = n.fold "
            f"ORDER BY n.key, {', '.join(f'b.{c}' for c in rest[:-1])}"
        )
        side.execute(
            "INSERT INTO search_terms (registry_name, kind, term, n) "
            f"SELECT ?, 'k', key, count(*) FROM {key_table} GROUP BY key",
            (self.registry,),
        )

    def copy_into(self, load: sqlite3.Connection) -> None:
        """Wait for the thread, then copy the key rows and counts into the load."""
        if self.thread is None:
            self.start()
        assert self.thread is not None
        self.thread.join()
        if self.failure is not None:
            raise self.failure
        load.execute(
            f"INSERT INTO main.{self.key_table} SELECT * FROM {self.schema}.{self.key_table}"
        )
        load.execute(f"INSERT INTO main.search_terms SELECT * FROM {self.schema}.search_terms")

    def close(self, load: sqlite3.Connection) -> None:
        """Detach and delete the file."""
        if self.thread is not None:
            self.thread.join()
        with contextlib.suppress(sqlite3.Error):
            load.execute(f"DETACH DATABASE {self.schema}")
        self.conn.close()
        Path(self.path).unlink(missing_ok=True)


class BulkIndex:
    """Fills the search index inside a bulk load's transaction on a raw connection.

    The index rows go into the load's transaction as chunks arrive; what the key rows are
    joined from (each record's folded name, each name's keys) goes into a side database
    per registry. At the end a thread per registry builds the key rows and their counts
    there, in parallel with the load's own finishing work (its secondary indexes), and
    `finish` copies them in (SQLite's transfer of identical tables)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.sides = {registry: _Side(registry) for registry in INDEXES}
        self.name_keys: dict[str, set[str]] = {r: set() for r in INDEXES}
        self.words: dict[str, Counter[str]] = {r: Counter() for r in INDEXES}

    def open(self) -> None:
        """Create and attach the side databases (before the load's transaction begins)."""
        for side in self.sides.values():
            side.open(self.conn)

    def clear(self) -> None:
        """Empty the index tables (the load replaces every record)."""
        for table in INDEX_TABLES:
            self.conn.execute(f"DELETE FROM main.{table}")

    def add(self, batch: IndexBatch) -> None:
        """Write a batch's index rows; its records' names and its names' keys go to the
        side database, its word counts are kept for `finish`."""
        registry, rows = batch.registry, batch.rows
        side = self.sides[registry].conn
        if rows:
            table = INDEXES[registry].rows.__table__
            columns = [c.name for c in table.columns]
            self.conn.executemany(
                f"INSERT INTO main.{table.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                rows,
            )
            blocks, pick, values, _ = _BLOCKS[registry]
            side.executemany(f"INSERT INTO {blocks} {values}", map(pick, rows))
        known = self.name_keys[registry]
        new = [
            (k, fold) for fold, keys in batch.name_keys.items() if fold not in known for k in keys
        ]
        known.update(batch.name_keys)
        side.executemany("INSERT INTO name_keys VALUES (?, ?)", new)
        self.words[registry].update(batch.words)

    def start(self) -> None:
        """Start building the key rows and their counts in the side databases."""
        for side in self.sides.values():
            side.start()

    def finish(self) -> None:
        """Wait for the key rows and copy them and the counts into the load's transaction."""
        conn = self.conn
        for side in self.sides.values():
            side.copy_into(conn)
        for registry, words in self.words.items():
            conn.executemany(
                "INSERT INTO main.search_terms (registry_name, kind, term, n) "
                "VALUES (?, 't', ?, ?)",
                ((registry, word, n) for word, n in words.items()),
            )

    def close(self) -> None:
        """Detach and delete the side databases (after the load's commit or rollback)."""
        for side in self.sides.values():
            side.close(self.conn)
