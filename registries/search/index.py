"""Keeping the search index current: per-record updates inside the registry's write
transaction, and a full rebuild after a bulk load (registered in `registries.indexing`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from registries import indexing, models
from registries.search import keys as blocking
from registries.search.enterprise import parse_enterprise_name
from registries.search.models import (
    BusinessSearch,
    BusinessSearchKey,
    CitizenSearch,
    CitizenSearchKey,
    SearchTerm,
)
from registries.search.names import name_keys

log = logging.getLogger(__name__)
CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What one record contributes to the index: its row, its keys, its words."""

    row: dict[str, Any]
    keys: list[dict[str, Any]]
    words: set[str]


def citizen_entry(
    personal_id: str, full_name: str, birth_date: dt.date, province_code: str | None
) -> IndexEntry:
    """The index row, keys and words of one citizen."""
    keys = name_keys(full_name)
    year = birth_date.year
    row = {
        "personal_id": personal_id,
        "name_tone": keys.tone_text,
        "name_fold": keys.fold_text,
        "birth_date": birth_date,
        "province_code": province_code,
    }
    key_rows = [
        {"key": k, "birth_year": year, "personal_id": personal_id, "province_code": province_code}
        for k in sorted(blocking.citizen_keys(keys.fold))
    ]
    return IndexEntry(row, key_rows, set(keys.fold))


def business_entry(
    enterprise_code: str, name: str, legal_form: str, province_code: str | None
) -> IndexEntry:
    """The index row, keys and words of one enterprise."""
    parsed = parse_enterprise_name(name)
    row = {
        "enterprise_code": enterprise_code,
        "name_tone": parsed.keys.tone_text,
        "name_fold": parsed.keys.fold_text,
        "distinctive_tone": parsed.distinctive.tone_text,
        "distinctive_fold": parsed.distinctive.fold_text,
        "legal_form": legal_form,
        "province_code": province_code,
    }
    key_rows = [
        {"key": k, "enterprise_code": enterprise_code, "province_code": province_code}
        for k in sorted(blocking.business_keys(parsed.distinctive.fold))
    ]
    return IndexEntry(row, key_rows, set(parsed.distinctive.fold))


def _citizen_from_row(row: Any) -> IndexEntry:
    return citizen_entry(row.personal_id, row.full_name, row.birth_date, row.province_code)


def _business_from_row(row: Any) -> IndexEntry:
    return business_entry(row.enterprise_code, row.name, row.legal_form, row.province_code)


# ---------------------------------------------------------------- per-record updates


def _bump_terms(conn: Connection, registry: str, kind: str, terms: Iterable[str], by: int) -> None:
    rows = [{"registry_name": registry, "kind": kind, "term": t, "n": by} for t in terms]
    if not rows:
        return
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(SearchTerm)
    stmt = stmt.on_conflict_do_update(
        index_elements=["registry_name", "kind", "term"], set_={"n": SearchTerm.n + stmt.excluded.n}
    )
    conn.execute(stmt, rows)


def _replace(
    conn: Connection, registry: str, old: IndexEntry | None, new: IndexEntry | None
) -> None:
    search, key_table, id_col = _TABLES[registry]
    key_cols = ("key", "birth_year", id_col) if registry == "citizen" else ("key", id_col)
    if old is not None:
        record_id = old.row[id_col]
        conn.execute(delete(search).where(getattr(search, id_col) == record_id))
        if old.keys:
            pk = tuple_(*(getattr(key_table, c) for c in key_cols))
            conn.execute(
                delete(key_table).where(pk.in_([tuple(k[c] for c in key_cols) for k in old.keys]))
            )
        _bump_terms(conn, registry, "k", (k["key"] for k in old.keys), -1)
        _bump_terms(conn, registry, "t", old.words, -1)
    if new is not None:
        conn.execute(insert(search), [new.row])
        if new.keys:
            conn.execute(insert(key_table), new.keys)
        _bump_terms(conn, registry, "k", (k["key"] for k in new.keys), 1)
        _bump_terms(conn, registry, "t", new.words, 1)


def _current(conn: Connection, registry: str, record_id: str) -> IndexEntry | None:
    id_col, query = _source(registry)
    row = conn.execute(query.where(id_col == record_id)).first()
    if row is None:
        return None
    return _citizen_from_row(row) if registry == "citizen" else _business_from_row(row)


def _indexed(conn: Connection, registry: str, record_id: str) -> IndexEntry | None:
    """The entry as the index holds it now (rebuilt from its stored keys)."""
    if registry == "citizen":
        c = CitizenSearch
        found = conn.execute(
            select(c.name_fold, c.birth_date, c.province_code).where(c.personal_id == record_id)
        ).first()
        if found is None:
            return None
        fold, born, province = found
        return _entry_from_keys("citizen", record_id, fold.split(), born.year, province)
    b = BusinessSearch
    stored = conn.execute(
        select(b.distinctive_fold, b.province_code).where(b.enterprise_code == record_id)
    ).first()
    if stored is None:
        return None
    return _entry_from_keys("business", record_id, stored[0].split(), None, stored[1])


def _entry_from_keys(
    registry: str, record_id: str, words: list[str], year: int | None, province: str | None
) -> IndexEntry:
    if registry == "citizen":
        keys = [
            {"key": k, "birth_year": year, "personal_id": record_id, "province_code": province}
            for k in blocking.citizen_keys(words)
        ]
        return IndexEntry({"personal_id": record_id}, keys, set(words))
    keys = [
        {"key": k, "enterprise_code": record_id, "province_code": province}
        for k in blocking.business_keys(words)
    ]
    return IndexEntry({"enterprise_code": record_id}, keys, set(words))


def reindex_record(conn: Connection, registry: str, record_id: str) -> None:
    """Bring one record's index rows in line with its stored row (call after writing it,
    inside the same transaction; a deleted record loses its rows)."""
    _replace(
        conn, registry, _indexed(conn, registry, record_id), _current(conn, registry, record_id)
    )


# ---------------------------------------------------------------- full rebuild

_TABLES: dict[str, tuple[Any, Any, str]] = {
    "citizen": (CitizenSearch, CitizenSearchKey, "personal_id"),
    "business": (BusinessSearch, BusinessSearchKey, "enterprise_code"),
}


def _source(registry: str) -> tuple[Any, Any]:
    if registry == "citizen":
        c = models.Citizen
        return c.personal_id, select(c.personal_id, c.full_name, c.birth_date, c.province_code)
    b = models.Business
    return b.enterprise_code, select(b.enterprise_code, b.name, b.legal_form, b.province_code)


class _Loader:
    """Bulk writes of index rows: the driver's executemany on SQLite (keys staged in a temp
    table and copied in key order, so the B-tree is built by appending), Core elsewhere."""

    def __init__(self, conn: Connection, key_table: Any) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.key_table = key_table.__table__
        self.staging = f"{self.key_table.name}_load"
        if self.sqlite:
            columns = ", ".join(c.name for c in self.key_table.columns)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{self.staging}")
            conn.exec_driver_sql(f"CREATE TEMP TABLE {self.staging} ({columns})")

    def write(
        self, table: Any, names: Sequence[str], rows: list[tuple[Any, ...]], *, keys: bool = False
    ) -> None:
        if not rows:
            return
        if self.sqlite:
            target = self.staging if keys else table.__table__.name
            sql = (
                f"INSERT INTO {target} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            )
            cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.executemany(sql, rows)
            cursor.close()
        else:
            self.conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in rows])

    def finish(self) -> None:
        if self.sqlite:
            order = ", ".join(c.name for c in self.key_table.primary_key.columns)
            self.conn.exec_driver_sql(
                f"INSERT INTO {self.key_table.name} SELECT * FROM {self.staging} ORDER BY {order}"
            )
            self.conn.exec_driver_sql(f"DROP TABLE temp.{self.staging}")


def _bulk_rows(
    registry: str,
    rows: Sequence[Any],
    sqlite: bool,
    columns: Sequence[str],
    key_columns: Sequence[str],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[set[str]]]:
    search_rows: list[tuple[Any, ...]] = []
    key_rows: list[tuple[Any, ...]] = []
    words: list[set[str]] = []
    for r in rows:
        e = _citizen_from_row(r) if registry == "citizen" else _business_from_row(r)
        row = e.row
        if sqlite and "birth_date" in row:
            row = {**row, "birth_date": row["birth_date"].isoformat()}
        search_rows.append(tuple(row[c] for c in columns))
        key_rows.extend(tuple(k[c] for c in key_columns) for k in e.keys)
        words.append(e.words)
    return search_rows, key_rows, words


def rebuild_registry(conn: Connection, registry: str) -> int:
    """Rebuild one registry's index from its records; returns the number indexed."""
    search, key_table, _ = _TABLES[registry]
    for table in (search, key_table):
        conn.execute(delete(table))
    conn.execute(delete(SearchTerm).where(SearchTerm.registry_name == registry))
    loader = _Loader(conn, key_table)
    search_columns = [c.name for c in search.__table__.columns]
    key_columns = [c.name for c in key_table.__table__.columns]
    id_col, query = _source(registry)
    words: Counter[str] = Counter()
    after: str | None = None
    total = 0
    while True:
        page = query.order_by(id_col).limit(CHUNK)
        if after is not None:
            page = page.where(id_col > after)
        rows = conn.execute(page).all()
        if not rows:
            break
        search_rows, key_rows, record_words = _bulk_rows(
            registry, rows, loader.sqlite, search_columns, key_columns
        )
        loader.write(search, search_columns, search_rows)
        loader.write(key_table, key_columns, key_rows, keys=True)
        for w in record_words:
            words.update(w)
        total += len(rows)
        after = rows[-1][0]
    loader.finish()
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
        for registry in _TABLES:
            n = rebuild_registry(conn, registry)
            log.info("search index: %d %s records indexed", n, registry)


indexing.REBUILDERS.append(rebuild)
