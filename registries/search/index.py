"""Keeping the search index current: what a record contributes to it, and per-record
updates inside the registry's write transaction (the full rebuild is in `rebuild`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, delete, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from registries import models
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


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What one record contributes to the index: its row, its keys, its words."""

    row: dict[str, Any]
    keys: list[dict[str, Any]]
    words: set[str]


@lru_cache(maxsize=1 << 18)
def citizen_name_index(full_name: str) -> tuple[str, str, tuple[str, ...], frozenset[str]]:
    """A citizen name's tone key, folded key, blocking keys and words (cached: a registry
    repeats its names many times)."""
    keys = name_keys(full_name)
    blocking_keys = tuple(sorted(blocking.citizen_keys(keys.fold)))
    return keys.tone_text, keys.fold_text, blocking_keys, frozenset(keys.fold)


def citizen_entry(
    personal_id: str, full_name: str, birth_date: dt.date, province_code: str | None
) -> IndexEntry:
    """The index row, keys and words of one citizen."""
    tone, fold, blocking_keys, words = citizen_name_index(full_name)
    year = birth_date.year
    row = {
        "personal_id": personal_id,
        "name_tone": tone,
        "name_fold": fold,
        "birth_date": birth_date,
        "province_code": province_code,
    }
    key_rows = [
        {"key": k, "birth_year": year, "personal_id": personal_id, "province_code": province_code}
        for k in blocking_keys
    ]
    return IndexEntry(row, key_rows, set(words))


@lru_cache(maxsize=1 << 16)
def business_name_index(name: str) -> tuple[str, str, str, str, tuple[str, ...], frozenset[str]]:
    """An enterprise name's tone and folded keys (whole and distinctive part), blocking keys
    and words (cached)."""
    parsed = parse_enterprise_name(name)
    words = parsed.distinctive.fold
    return (
        parsed.keys.tone_text,
        parsed.keys.fold_text,
        parsed.distinctive.tone_text,
        parsed.distinctive.fold_text,
        tuple(sorted(blocking.business_keys(words))),
        frozenset(words),
    )


def business_entry(
    enterprise_code: str, name: str, legal_form: str, province_code: str | None
) -> IndexEntry:
    """The index row, keys and words of one enterprise."""
    tone, fold, distinctive_tone, distinctive_fold, blocking_keys, words = business_name_index(name)
    row = {
        "enterprise_code": enterprise_code,
        "name_tone": tone,
        "name_fold": fold,
        "distinctive_tone": distinctive_tone,
        "distinctive_fold": distinctive_fold,
        "legal_form": legal_form,
        "province_code": province_code,
    }
    key_rows = [
        {"key": k, "enterprise_code": enterprise_code, "province_code": province_code}
        for k in blocking_keys
    ]
    return IndexEntry(row, key_rows, set(words))


def _citizen_from_row(row: Any) -> IndexEntry:
    return citizen_entry(row.personal_id, row.full_name, row.birth_date, row.province_code)


def _business_from_row(row: Any) -> IndexEntry:
    return business_entry(row.enterprise_code, row.name, row.legal_form, row.province_code)


def _citizen_indexed(conn: Connection, personal_id: str) -> IndexEntry | None:
    """A citizen's entry as the index holds it now (rebuilt from its stored keys)."""
    c = CitizenSearch
    found = conn.execute(
        select(c.name_fold, c.birth_date, c.province_code).where(c.personal_id == personal_id)
    ).first()
    if found is None:
        return None
    fold, born, province = found
    words = fold.split()
    keys = [
        {"key": k, "birth_year": born.year, "personal_id": personal_id, "province_code": province}
        for k in blocking.citizen_keys(words)
    ]
    return IndexEntry({"personal_id": personal_id}, keys, set(words))


def _business_indexed(conn: Connection, code: str) -> IndexEntry | None:
    """An enterprise's entry as the index holds it now (rebuilt from its stored keys)."""
    b = BusinessSearch
    found = conn.execute(
        select(b.distinctive_fold, b.province_code).where(b.enterprise_code == code)
    ).first()
    if found is None:
        return None
    words = found[0].split()
    keys = [
        {"key": k, "enterprise_code": code, "province_code": found[1]}
        for k in blocking.business_keys(words)
    ]
    return IndexEntry({"enterprise_code": code}, keys, set(words))


def _citizen_search_row(record: Sequence[Any]) -> tuple[Any, ...]:
    personal_id, full_name, birth_date, province = record
    tone, fold, _, _ = citizen_name_index(full_name)
    return (personal_id, tone, fold, birth_date, province)


def _business_search_row(record: Sequence[Any]) -> tuple[Any, ...]:
    code, name, legal_form, province = record
    tone, fold, distinctive_tone, distinctive_fold, _, _ = business_name_index(name)
    return (code, tone, fold, distinctive_tone, distinctive_fold, legal_form, province)


def _citizen_blocking(name: str) -> tuple[str, tuple[str, ...], frozenset[str]]:
    _, fold, keys, words = citizen_name_index(name)
    return fold, keys, words


def _business_blocking(name: str) -> tuple[str, tuple[str, ...], frozenset[str]]:
    _, _, _, fold, keys, words = business_name_index(name)
    return fold, keys, words


@dataclass(frozen=True, slots=True, eq=False)
class SearchIndex:
    """One registry's part of the index: its tables, and how a record maps to them."""

    registry: str  # the registry's name, as `search_terms.registry_name` holds it
    rows: Any  # the table of one row per record (`CitizenSearch`)
    keys: Any  # the table of its blocking keys (`CitizenSearchKey`)
    id_col: str  # the record's identifier column in both
    key_cols: tuple[str, ...]  # the primary key of `keys`
    source: Any  # the record columns an entry derives from (a `select`)
    entry: Callable[[Any], IndexEntry]  # a `source` row's entry
    indexed: Callable[[Connection, str], IndexEntry | None]  # an entry as the index holds it
    search_row: Callable[[Sequence[Any]], tuple[Any, ...]]  # a `source` row's `rows` row
    fold_col: str  # the column of `rows` whose folded words the blocking keys come from
    blocking: Callable[[str], tuple[str, tuple[str, ...], frozenset[str]]]  # a name's
    # folded words, blocking keys and words


_c, _b = models.Citizen, models.Business
CITIZEN_INDEX = SearchIndex(
    registry="citizen",
    rows=CitizenSearch,
    keys=CitizenSearchKey,
    id_col="personal_id",
    key_cols=("key", "birth_year", "personal_id"),
    source=select(_c.personal_id, _c.full_name, _c.birth_date, _c.province_code),
    entry=_citizen_from_row,
    indexed=_citizen_indexed,
    search_row=_citizen_search_row,
    fold_col="name_fold",
    blocking=_citizen_blocking,
)
BUSINESS_INDEX = SearchIndex(
    registry="business",
    rows=BusinessSearch,
    keys=BusinessSearchKey,
    id_col="enterprise_code",
    key_cols=("key", "enterprise_code"),
    source=select(_b.enterprise_code, _b.name, _b.legal_form, _b.province_code),
    entry=_business_from_row,
    indexed=_business_indexed,
    search_row=_business_search_row,
    fold_col="distinctive_fold",
    blocking=_business_blocking,
)
INDEXES: dict[str, SearchIndex] = {i.registry: i for i in (CITIZEN_INDEX, BUSINESS_INDEX)}


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
    conn: Connection, index: SearchIndex, old: IndexEntry | None, new: IndexEntry | None
) -> None:
    search, key_table, id_col, key_cols = index.rows, index.keys, index.id_col, index.key_cols
    if old is not None:
        record_id = old.row[id_col]
        conn.execute(delete(search).where(getattr(search, id_col) == record_id))
        if old.keys:
            pk = tuple_(*(getattr(key_table, c) for c in key_cols))
            conn.execute(
                delete(key_table).where(pk.in_([tuple(k[c] for c in key_cols) for k in old.keys]))
            )
        _bump_terms(conn, index.registry, "k", (k["key"] for k in old.keys), -1)
        _bump_terms(conn, index.registry, "t", old.words, -1)
    if new is not None:
        conn.execute(insert(search), [new.row])
        if new.keys:
            conn.execute(insert(key_table), new.keys)
        _bump_terms(conn, index.registry, "k", (k["key"] for k in new.keys), 1)
        _bump_terms(conn, index.registry, "t", new.words, 1)


def reindex_record(conn: Connection, registry: str, record_id: str) -> None:
    """Bring one record's index rows in line with its stored row (call after writing it,
    inside the same transaction; a deleted record loses its rows)."""
    index = INDEXES[registry]
    source = index.source.selected_columns
    row = conn.execute(index.source.where(source[0] == record_id)).first()
    current = None if row is None else index.entry(row)
    _replace(conn, index, index.indexed(conn, record_id), current)
