"""All SQL of the search read path (the write path is in `index`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, desc, func, literal, select

from registries import models
from registries.search.models import (
    BusinessSearch,
    BusinessSearchKey,
    CitizenSearch,
    CitizenSearchKey,
    SearchTerm,
)


def term_counts(
    conn: Connection, registry: str, kind: str, terms: Collection[str]
) -> dict[str, int]:
    """How many records carry each of these keys ("k") or words ("t"); absent ones left out."""
    if not terms:
        return {}
    t = SearchTerm
    rows = conn.execute(
        select(t.term, t.n).where(
            t.registry_name == registry, t.kind == kind, t.term.in_(list(terms)), t.n > 0
        )
    )
    return {term: n for term, n in rows}


def words(conn: Connection, registry: str) -> dict[str, int]:
    """Every word of a registry's indexed names with its number of records."""
    t = SearchTerm
    rows = conn.execute(
        select(t.term, t.n).where(t.registry_name == registry, t.kind == "t", t.n > 0)
    )
    return {term: n for term, n in rows}


def citizen_candidates(
    conn: Connection,
    keys: Sequence[str],
    *,
    birth_year: int | None,
    province: str | None,
    cap: int,
    grouped: bool,
) -> list[Any]:
    """Citizens carrying any of the keys: (id, tone, fold, hits). Grouped, those carrying
    most keys first; otherwise (keys no record shares, like word sets) in index order."""
    k = CitizenSearchKey
    s = CitizenSearch
    if not grouped:
        stmt = (
            select(s.personal_id, s.name_tone, s.name_fold, literal(1))
            .join(k, k.personal_id == s.personal_id)
            .where(k.key.in_(list(keys)))
        )
        if birth_year is not None:
            stmt = stmt.where(k.birth_year == birth_year)
        if province is not None:
            stmt = stmt.where(k.province_code == province)
        order = stmt.order_by(k.key, k.birth_year, k.personal_id).limit(cap)
        return list(conn.execute(order))
    hits = func.count().label("hits")
    inner = select(k.personal_id, hits)
    inner = inner.where(k.key.in_(list(keys))) if len(keys) > 1 else inner.where(k.key == keys[0])
    if birth_year is not None:
        inner = inner.where(k.birth_year == birth_year)
    if province is not None:
        inner = inner.where(k.province_code == province)
    top = inner.group_by(k.personal_id).order_by(desc("hits"), k.personal_id).limit(cap).subquery()
    s = CitizenSearch
    stmt = select(s.personal_id, s.name_tone, s.name_fold, top.c.hits).join(
        top, top.c.personal_id == s.personal_id
    )
    return list(conn.execute(stmt))


def citizens_born(
    conn: Connection, first: dt.date, last: dt.date, *, province: str | None, cap: int
) -> list[Any]:
    """Citizens born between two dates (inclusive): (id, tone, fold, 0)."""
    s = CitizenSearch
    stmt = select(s.personal_id, s.name_tone, s.name_fold).where(s.birth_date.between(first, last))
    if province is not None:
        stmt = stmt.where(s.province_code == province)
    return [(r[0], r[1], r[2], 0) for r in conn.execute(stmt.limit(cap))]


def citizen_summaries(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    """Name, birth date and province of these citizens, by personal ID."""
    c = models.Citizen
    rows = conn.execute(
        select(c.personal_id, c.full_name, c.birth_date, c.province_code).where(
            c.personal_id.in_(list(ids))
        )
    )
    return {r.personal_id: r for r in rows}


def business_candidates(
    conn: Connection, keys: Sequence[str], *, province: str | None, cap: int, grouped: bool
) -> list[Any]:
    """Enterprises carrying any of the keys: (code, distinctive tone, distinctive fold,
    legal form, folded name, hits); grouped as for `citizen_candidates`."""
    k = BusinessSearchKey
    s = BusinessSearch
    if not grouped:
        stmt = (
            select(
                s.enterprise_code,
                s.distinctive_tone,
                s.distinctive_fold,
                s.legal_form,
                s.name_fold,
                literal(1),
            )
            .join(k, k.enterprise_code == s.enterprise_code)
            .where(k.key.in_(list(keys)))
        )
        if province is not None:
            stmt = stmt.where(k.province_code == province)
        return list(conn.execute(stmt.order_by(k.key, k.enterprise_code).limit(cap)))
    hits = func.count().label("hits")
    inner = select(k.enterprise_code, hits)
    inner = inner.where(k.key.in_(list(keys))) if len(keys) > 1 else inner.where(k.key == keys[0])
    if province is not None:
        inner = inner.where(k.province_code == province)
    top = (
        inner.group_by(k.enterprise_code)
        .order_by(desc("hits"), k.enterprise_code)
        .limit(cap)
        .subquery()
    )
    stmt = select(
        s.enterprise_code,
        s.distinctive_tone,
        s.distinctive_fold,
        s.legal_form,
        s.name_fold,
        top.c.hits,
    ).join(top, top.c.enterprise_code == s.enterprise_code)
    return list(conn.execute(stmt))


def business_summaries(conn: Connection, codes: Sequence[str]) -> dict[str, Any]:
    """Name, legal form, status and province of these enterprises, by code."""
    b = models.Business
    rows = conn.execute(
        select(b.enterprise_code, b.name, b.legal_form, b.status, b.province_code).where(
            b.enterprise_code.in_(list(codes))
        )
    )
    return {r.enterprise_code: r for r in rows}
