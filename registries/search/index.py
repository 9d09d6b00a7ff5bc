"""Keeping the search index current: what a record contributes to it, and per-record
updates inside the registry's write transaction (the full rebuild is in `rebuild`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


TABLES: dict[str, tuple[Any, Any, str]] = {
    "citizen": (CitizenSearch, CitizenSearchKey, "personal_id"),
    "business": (BusinessSearch, BusinessSearchKey, "enterprise_code"),
}


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
    search, key_table, id_col = TABLES[registry]
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
    if registry == "citizen":
        c = models.Citizen
        id_col = c.personal_id
        query = select(c.personal_id, c.full_name, c.birth_date, c.province_code)
    else:
        b = models.Business
        id_col = b.enterprise_code
        query = select(b.enterprise_code, b.name, b.legal_form, b.province_code)
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
