"""The search index's content, to compare an index with a fresh rebuild."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from registries.database import make_engine
from registries.search.models import (
    BusinessSearch,
    BusinessSearchKey,
    CitizenSearch,
    CitizenSearchKey,
    SearchTerm,
)
from registries.search.rebuild import rebuild


def index_snapshot(engine: Any) -> dict[str, Any]:
    """Every row of the search index tables, sorted (word and key counts above zero)."""
    with engine.connect() as conn:
        tables = {
            t.__tablename__: sorted(tuple(r) for r in conn.execute(select(t.__table__)))
            for t in (CitizenSearch, CitizenSearchKey, BusinessSearch, BusinessSearchKey)
        }
        terms = conn.execute(
            select(SearchTerm.registry_name, SearchTerm.kind, SearchTerm.term, SearchTerm.n).where(
                SearchTerm.n > 0
            )
        )
        tables["terms"] = sorted(tuple(r) for r in terms)
        tables["key_rows"] = conn.execute(
            select(func.count()).select_from(CitizenSearchKey)
        ).scalar_one()
    return tables


def snapshot_and_rebuild(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The index as it is, then as a fresh rebuild makes it."""
    engine = make_engine(url)
    try:
        current = index_snapshot(engine)
        rebuild(engine)
        return current, index_snapshot(engine)
    finally:
        engine.dispose()
