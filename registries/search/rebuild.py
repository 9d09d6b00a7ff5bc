"""Full rebuild of the search index from the record tables, after a bulk load.

Registered in `registries.indexing.REBUILDERS`, so the seeder's `rebuild_all` runs it.
It reads only the columns it needs, derives each distinct name's keys once (a registry
repeats its names) and lets the database join them to the records. Writes take the
driver's bulk path: on SQLite through temporary tables copied in primary-key order (the
B-trees are built by appending, not by millions of random inserts), on PostgreSQL COPY.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select

from registries import indexing
from registries.search.index import INDEXES, business_name_index, citizen_name_index
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
        if registry == "citizen":
            yield [(r[0], r[1], r[2].isoformat(), r[3]) for r in partition]
        else:
            yield list(partition)


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


def _citizen_rows(rows: Sequence[Any], names: Counter[str]) -> list[tuple[Any, ...]]:
    out = []
    for personal_id, full_name, birth_date, province in rows:
        tone, fold, _, _ = citizen_name_index(full_name)
        names[full_name] += 1
        out.append((personal_id, tone, fold, birth_date, province))
    return out


def _business_rows(rows: Sequence[Any], names: Counter[str]) -> list[tuple[Any, ...]]:
    out = []
    for code, name, legal_form, province in rows:
        tone, fold, distinctive_tone, distinctive_fold, _, _ = business_name_index(name)
        names[name] += 1
        out.append((code, tone, fold, distinctive_tone, distinctive_fold, legal_form, province))
    return out


def _name_keys(registry: str, names: Counter[str]) -> tuple[list[tuple[str, str]], Counter[str]]:
    """(folded name, key) for every distinct name, and the registry's word counts."""
    pairs: dict[tuple[str, str], None] = {}
    words: Counter[str] = Counter()
    for name, n in names.items():
        if registry == "citizen":
            _, fold, keys, name_words = citizen_name_index(name)
        else:
            _, _, _, fold, keys, name_words = business_name_index(name)
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
    make = _citizen_rows if registry == "citizen" else _business_rows
    total = 0
    for rows in _source_rows(conn, registry):
        writer.write(target, columns, make(rows, names))
        total += len(rows)
    if writer.sqlite:
        conn.exec_driver_sql(f"INSERT INTO {search_name} SELECT * FROM {target} ORDER BY {id_col}")
        conn.exec_driver_sql(f"DROP TABLE {target}")
    name_keys, words = _name_keys(registry, names)
    writer.temp_table("temp_search_name_keys", ["fold", "key"])
    writer.write("temp_search_name_keys", ["fold", "key"], name_keys)
    conn.exec_driver_sql("CREATE INDEX temp_search_name_keys_fold ON temp_search_name_keys (fold)")
    if registry == "citizen":
        year = (
            "CAST(substr(s.birth_date, 1, 4) AS INTEGER)"
            if writer.sqlite
            else "CAST(EXTRACT(YEAR FROM s.birth_date) AS INTEGER)"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {key_name} (key, birth_year, personal_id, province_code) "
            f"SELECT n.key, {year}, s.personal_id, s.province_code FROM {search_name} s "
            "JOIN temp_search_name_keys n ON n.fold = s.name_fold ORDER BY 1, 2, 3"
        )
    else:
        conn.exec_driver_sql(
            f"INSERT INTO {key_name} (key, enterprise_code, province_code) "
            f"SELECT n.key, s.enterprise_code, s.province_code FROM {search_name} s "
            "JOIN temp_search_name_keys n ON n.fold = s.distinctive_fold ORDER BY 1, 2"
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
