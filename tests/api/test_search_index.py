"""The search index stays equal to a fresh rebuild through tester edits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from registries.database import make_engine
from registries.search import rebuild as search_index
from registries.search.models import (
    BusinessSearch,
    BusinessSearchKey,
    CitizenSearch,
    CitizenSearchKey,
    SearchTerm,
)
from seed import persona


def _snapshot(engine: Any) -> dict[str, Any]:
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


def test_edits_keep_the_index_equal_to_a_rebuild(seeded_client, seeded_settings) -> None:
    adult = persona("typical_adult").identifier
    r = seeded_client.patch(f"/v1/citizens/{adult}", json={"full_name": "Nguyễn Văn Ân Điền"})
    assert r.status_code == 200
    widow = persona("widowed").identifier
    r = seeded_client.patch(f"/v1/citizens/{widow}", json={"birth_date": "1959-03-04"})
    assert r.status_code == 200
    code = persona("dissolved_enterprise").identifier
    assert seeded_client.delete(f"/v1/businesses/{code}").status_code == 204
    sme = persona("single_member_llc").identifier
    r = seeded_client.patch(f"/v1/businesses/{sme}", json={"name": "CÔNG TY TNHH MTV HOA SEN VÀNG"})
    assert r.status_code == 200

    engine = make_engine(seeded_settings.database_url)
    try:
        incremental = _snapshot(engine)
        search_index.rebuild(engine)
        rebuilt = _snapshot(engine)
    finally:
        engine.dispose()
    assert incremental == rebuilt
    names = {r[0]: r[1] for r in rebuilt["citizen_search"]}
    assert names[adult] == "nguyên4 văn ân điên2"
    assert code not in {r[0] for r in rebuilt["business_search"]}
