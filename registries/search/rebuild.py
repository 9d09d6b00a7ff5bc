"""Full rebuild of the search index from the record tables, after a bulk load.

Registered in `registries.indexing.REBUILDERS`, so the seeder's `rebuild_all` runs it.
It reads only the columns it needs, derives each distinct name's keys once (a registry
repeats its names) and lets the database join them to the records. Writes take the
driver's bulk path: on SQLite through temporary tables copied in primary-key order (the
B-trees are built by appending, not by millions of random inserts), on PostgreSQL COPY.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select

from registries import indexing
from registries.search.index import INDEXES, SearchIndex
from registries.search.models import SearchTerm

log = logging.getLogger(__name__)
CHUNK = 20_000


def _source_rows(conn: Connection, registry: str) -> Iterator[Sequence[Any]]:
    """The columns the index needs, in chunks; dates as ISO strings."""
    query = INDEXES[registry].source
    if conn.dialect.name == "sqlite":  # the stored text as is, no date parsing per row
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(str(query.compile(conn)))
        while rows := cursor.fetchmany(CHUNK):
            yield rows
        cursor.close()
        return
    result = conn.execute(query.execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        yield [tuple(_iso(v) for v in row) for row in partition]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class _Writer:
    """Bulk writes: on SQLite into a temporary copy of the table, moved in primary-key order
    by `finish`; on PostgreSQL COPY straight into the table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.driver: Any = conn.connection.driver_connection

    def temp_table(self, name: str, columns: Sequence[str]) -> None:
        """A temporary table of untyped (SQLite) or text (PostgreSQL) columns."""
        typed = columns if self.sqlite else [f"{c} TEXT" for c in columns]
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        self.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({', '.join(typed)})")

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Append rows to a table."""
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            cursor = self.driver.cursor()
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            cursor.close()
            return
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def _name_keys(
    index: SearchIndex, names: Counter[str]
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """(folded name, key) for every distinct name, and the registry's word counts."""
    pairs: dict[tuple[str, str], None] = {}
    words: Counter[str] = Counter()
    for name, n in names.items():
        fold, keys, name_words = index.blocking(name)
        pairs.update(dict.fromkeys((fold, k) for k in keys))
        for word in name_words:
            words[word] += n
    return list(pairs), words


def rebuild_registry(conn: Connection, registry: str) -> int:
    """Rebuild one registry's index from its records; returns the number indexed.

    Python derives each distinct name's keys once; the database joins them to the records
    (`INSERT ... SELECT`), so the millions of key rows are never Python objects."""
    index = INDEXES[registry]
    search, key_table, id_col = index.rows, index.keys, index.id_col
    search_name, key_name = search.__tablename__, key_table.__tablename__
    for table in (search, key_table):
        conn.execute(delete(table))
    conn.execute(delete(SearchTerm).where(SearchTerm.registry_name == registry))
    writer = _Writer(conn)
    columns = [c.name for c in search.__table__.columns]
    target = f"temp_{search_name}" if writer.sqlite else search_name
    if writer.sqlite:
        writer.temp_table(target, columns)
    names: Counter[str] = Counter()
    total = 0
    for rows in _source_rows(conn, registry):
        names.update(row[1] for row in rows)  # every source has the name second
        writer.write(target, columns, [index.search_row(row) for row in rows])
        total += len(rows)
    if writer.sqlite:
        conn.exec_driver_sql(f"INSERT INTO {search_name} SELECT * FROM {target} ORDER BY {id_col}")
        conn.exec_driver_sql(f"DROP TABLE {target}")
    name_keys, words = _name_keys(index, names)
    writer.temp_table("temp_search_name_keys", ["fold", "key"])
    writer.write("temp_search_name_keys", ["fold", "key"], name_keys)
    conn.exec_driver_sql("CREATE INDEX temp_search_name_keys_fold ON temp_search_name_keys (fold)")
    # The key rows: each record's blocking keys, joined from its folded name; a citizen's
    # also carry its birth year (the key table's second column).
    year = (
        "CAST(substr(s.birth_date, 1, 4) AS INTEGER)"
        if writer.sqlite
        else "CAST(EXTRACT(YEAR FROM s.birth_date) AS INTEGER)"
    )
    key_columns = [c.name for c in key_table.__table__.columns if c.name != "key"]
    picked = [year if c == "birth_year" else f"s.{c}" for c in key_columns]
    order = ", ".join(str(i + 1) for i in range(len(index.key_cols)))
    conn.exec_driver_sql(
        f"INSERT INTO {key_name} (key, {', '.join(key_columns)}) "
        f"SELECT n.key, {', '.join(picked)} FROM {search_name} s "
        f"JOIN temp_search_name_keys n ON n.fold = s.{index.fold_col} ORDER BY {order}"
    )
    conn.exec_driver_sql("DROP TABLE temp_search_name_keys")
    counts = select(
        literal(registry, SearchTerm.registry_name.type),
        literal("k", SearchTerm.kind.type),
        key_table.key,
        func.count(),
    ).group_by(key_table.key)
    conn.execute(insert(SearchTerm).from_select(["registry_name", "kind", "term", "n"], counts))
    terms = [{"registry_name": registry, "kind": "t", "term": w, "n": n} for w, n in words.items()]
    for i in range(0, len(terms), CHUNK):
        conn.execute(insert(SearchTerm), terms[i : i + CHUNK])
    return total


def rebuild(engine: Engine) -> None:
    """Rebuild the whole search index (both registries) in one transaction."""
    with engine.begin() as conn:
        for registry in INDEXES:
            started = time.perf_counter()
            n = rebuild_registry(conn, registry)
            log.info(
                "search index: %d %s records in %.1f s", n, registry, time.perf_counter() - started
            )


indexing.REBUILDERS.append(rebuild)
