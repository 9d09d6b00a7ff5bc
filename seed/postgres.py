"""The PostgreSQL bulk writer: COPY into freshly truncated tables, indexes built after.

One transaction: the registry and search-index tables are truncated (so COPY may write the
rows already frozen, and no VACUUM has to visit them later), their indexes, primary keys and
foreign keys are dropped and recreated once the rows are in (a B-tree built from sorted
input instead of millions of random inserts). The search index is written during the load
from the chunks' index batches; at commit PostgreSQL joins each name's blocking keys to the
records (`registries.search.bulk` does the same on SQLite), so nothing is rebuilt after.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, text

from registries.search.bulk import INDEX_TABLES, IndexBatch
from registries.search.index import INDEXES
from seed.copytext import SEARCH_TABLES, encode

# Memory for this session's sorts and index builds (the server's settings stay as they are).
# LZ4 compresses the documents TOAST stores several times faster than the default pglz.
SESSION_SETTINGS = {
    "maintenance_work_mem": "1GB",
    "work_mem": "256MB",
    "default_toast_compression": "lz4",
}
# The catalog's definitions of what the load drops: foreign keys, then primary keys and
# unique constraints, then the remaining indexes (recreated in the reverse order).
_CONSTRAINTS = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c
WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('f', 'p', 'u')
ORDER BY c.contype = 'f' DESC, c.conname
"""
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(%(tables)s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


class PostgresCopyWriter:
    """COPY text (encoded by the worker processes, `seed.copytext`) into each table, in one
    transaction, with the search index built alongside."""

    builds_search_index = True
    takes_copy_text = True

    def __init__(self, engine: Engine, tables: dict[str, tuple[str, ...]]) -> None:
        self.engine = engine
        self.tables = [*tables, *INDEX_TABLES]
        self.columns = dict(tables)
        for registry, search in SEARCH_TABLES.items():
            self.columns[search] = tuple(c.name for c in INDEXES[registry].rows.__table__.columns)
            self.columns[f"seed_{registry}_name_keys"] = ("fold", "key")
        self.raw: Any = None
        self.timings: dict[str, float] = {}
        self._dropped: list[tuple[str, str]] = []  # (kind, SQL to recreate)
        self._folds: dict[str, set[str]] = {"citizen": set(), "business": set()}
        self._words: dict[str, Counter[str]] = {"citizen": Counter(), "business": Counter()}

    def begin(self, *, reset: bool) -> None:
        """Lock, refuse a seeded registry unless `reset`, truncate, drop the indexes."""
        from seed.writers import RegistryNotEmptyError

        self.raw = self.engine.raw_connection()
        cur = self.raw.cursor()
        cur.execute("LOCK TABLE citizens IN SHARE ROW EXCLUSIVE MODE")
        if not reset:
            cur.execute("SELECT 1 FROM citizens LIMIT 1")
            if cur.fetchone():
                self.abort()
                raise RegistryNotEmptyError
        for name, value in SESSION_SETTINGS.items():
            cur.execute(f"SET LOCAL {name} = '{value}'")
        cur.execute(f"TRUNCATE {', '.join(self.tables)}")
        self._drop(cur)
        for registry in SEARCH_TABLES:
            cur.execute(
                f"CREATE TEMPORARY TABLE seed_{registry}_name_keys (fold text, key text) "
                "ON COMMIT DROP"
            )

    def _drop(self, cur: Any) -> None:
        cur.execute(_CONSTRAINTS, {"tables": self.tables})
        constraints = cur.fetchall()
        cur.execute(_INDEXES, {"tables": self.tables})
        indexes = cur.fetchall()
        for table, name, definition, kind in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self._dropped.append(
                (kind, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            )
        for name, definition in indexes:
            cur.execute(f"DROP INDEX {name}")
            self._dropped.append(("i", definition))
        self._dropped.reverse()

    def copy(self, table: str, data: bytes) -> None:
        """Stream a chunk's COPY text into a table."""
        if not data:
            return
        sql = f"COPY {table} ({', '.join(self.columns[table])}) FROM STDIN (FREEZE)"
        with self.raw.cursor() as cur, cur.copy(sql) as copy:
            copy.write(data)

    def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """COPY rows in (the personas: a few, encoded here)."""
        self.copy(table, encode(table, rows))

    def index(self, batch: IndexBatch) -> None:
        """COPY a batch's search rows in (the personas' batches)."""
        self.copy(SEARCH_TABLES[batch.registry], encode(SEARCH_TABLES[batch.registry], batch.rows))
        self.names(batch.registry, batch.name_keys, batch.words)

    def names(
        self, registry: str, name_keys: dict[str, tuple[str, ...]], words: Counter[str]
    ) -> None:
        """Keep a chunk's word counts; COPY the blocking keys of names not seen before."""
        self._words[registry].update(words)
        seen = self._folds[registry]
        fresh = [
            (fold, key) for fold, keys in name_keys.items() if fold not in seen for key in keys
        ]
        seen.update(name_keys)
        self.copy(f"seed_{registry}_name_keys", encode("", fresh))

    def commit(self, meta: dict[str, str]) -> None:
        """Join the names' keys to the records, recreate the indexes, store the facts,
        commit and analyse."""
        cur = self.raw.cursor()
        started = time.perf_counter()
        for registry in SEARCH_TABLES:
            self._keys(cur, registry)
        self.timings["search index keys"] = time.perf_counter() - started
        for kind in ("p", "u", "i", "f"):
            started = time.perf_counter()
            for sql in (sql for k, sql in self._dropped if k == kind):
                cur.execute(sql)
            self.timings[
                {"p": "primary keys", "u": "unique", "i": "indexes", "f": "foreign keys"}[kind]
            ] = time.perf_counter() - started
        for key, value in meta.items():
            cur.execute(
                "INSERT INTO registry_meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        cur.execute("SELECT to_regclass('registry_changes') IS NOT NULL")
        if cur.fetchone()[0]:  # every worker's cached records may be stale after a reset
            cur.execute("UPDATE registry_changes SET n = n + 1 WHERE id = 1")
        started = time.perf_counter()
        self.raw.commit()
        self.raw.close()
        self.raw = None
        self.timings["commit"] = time.perf_counter() - started
        started = time.perf_counter()
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in self.tables:
                conn.execute(text(f"ANALYZE {table}"))
        self.timings["analyze"] = time.perf_counter() - started

    def _keys(self, cur: Any, registry: str) -> None:
        """The key rows (each record's keys, joined from its folded name; a citizen's carry
        its birth year), in key order, and the key and word counts."""
        index = INDEXES[registry]
        search, keys = index.rows.__tablename__, index.keys.__tablename__
        columns = [c.name for c in index.keys.__table__.columns if c.name != "key"]
        picked = [
            "CAST(EXTRACT(YEAR FROM s.birth_date) AS INTEGER)" if c == "birth_year" else f"s.{c}"
            for c in columns
        ]
        order = ", ".join(str(i + 1) for i in range(len(index.key_cols)))
        cur.execute(f"ANALYZE seed_{registry}_name_keys")
        cur.execute(f"ANALYZE {search}")
        cur.execute(
            f"INSERT INTO {keys} (key, {', '.join(columns)}) "
            f"SELECT n.key, {', '.join(picked)} FROM {search} s "
            f"JOIN seed_{registry}_name_keys n ON n.fold = s.{index.fold_col} ORDER BY {order}"
        )
        cur.execute(
            "INSERT INTO search_terms (registry_name, kind, term, n) "
            f"SELECT %s, 'k', key, count(*) FROM {keys} GROUP BY key",
            (registry,),
        )
        words = sorted(self._words[registry].items())
        with cur.copy("COPY search_terms (registry_name, kind, term, n) FROM STDIN") as copy:
            for word, n in words:
                copy.write_row((registry, "t", word, n))

    def abort(self) -> None:
        """Roll back and release the connection."""
        if self.raw is not None:
            try:
                self.raw.rollback()
            finally:
                self.raw.close()
                self.raw = None
