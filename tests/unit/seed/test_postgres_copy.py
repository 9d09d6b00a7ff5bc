"""The PostgreSQL seed (COPY text encoded by the workers, indexes built after the load) must
write the same registry and search index as the SQLite seed. Runs in the PostgreSQL pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from autofill.database import migrate
from registries.database import make_engine
from seed import loader, seed_registry
from seed.copytext import encode
from tests.conftest import BACKEND
from tests.search_index import index_snapshot, snapshot_and_rebuild
from tests.unit.seed.conftest import read_registry, seed_file

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="the PostgreSQL pass only")


def _seed_postgres(url: str, **sizes: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    seed_registry(url, **sizes)


def _utc(row: dict[str, Any]) -> dict[str, Any]:
    moment = row.get("updated_at")
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        row = {**row, "updated_at": moment.astimezone(dt.UTC).replace(tzinfo=None)}
    return row


def _same_registry(sqlite_url: str, postgres_url: str) -> None:
    lite, pg = read_registry(sqlite_url), read_registry(postgres_url)
    assert pg.citizens == lite.citizens
    assert pg.businesses == lite.businesses
    for rows in ("citizen_rows", "business_rows"):
        expected = {k: _utc(v) for k, v in getattr(lite, rows).items()}
        assert {k: _utc(v) for k, v in getattr(pg, rows).items()} == expected, rows
    assert pg.households == lite.households
    for table, rows in lite.links.items():
        assert sorted(map(repr, pg.links[table])) == sorted(map(repr, rows)), table
    lite_engine, pg_engine = make_engine(sqlite_url), make_engine(postgres_url)
    try:
        assert index_snapshot(pg_engine) == index_snapshot(lite_engine)
    finally:
        lite_engine.dispose()
        pg_engine.dispose()


@postgres_only
def test_the_copy_seed_writes_what_the_sqlite_seed_writes(database_url, tmp_path) -> None:
    sizes = {"citizens": 2_000, "businesses": 300, "seed": 11}
    _seed_postgres(database_url, **sizes)
    _same_registry(seed_file(tmp_path / "lite.db", **sizes), database_url)


@postgres_only
def test_worker_processes_write_the_same_registry(database_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 1_000)
    sizes = {"citizens": 12_000, "businesses": 1_500, "seed": 17}
    _seed_postgres(database_url, **sizes)
    seeded, rebuilt = snapshot_and_rebuild(database_url)
    assert seeded == rebuilt
    _same_registry(seed_file(tmp_path / "lite.db", **sizes), database_url)


@postgres_only
def test_indexes_and_keys_come_back_and_a_reseed_replaces(database_url) -> None:
    _seed_postgres(database_url, citizens=500, businesses=60, seed=3)
    engine = make_engine(database_url)
    schema_sql = (
        "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
        "UNION ALL SELECT count(*) FROM pg_constraint c JOIN pg_namespace n "
        "ON n.oid = c.connamespace WHERE n.nspname = current_schema()"
    )
    with engine.connect() as conn:
        before = conn.execute(text(schema_sql)).scalars().all()
    with pytest.raises(loader.RegistryNotEmpty):
        seed_registry(database_url, citizens=500, businesses=60, seed=4)
    seed_registry(database_url, citizens=400, businesses=50, seed=4, reset=True)
    with engine.connect() as conn:
        assert conn.execute(text(schema_sql)).scalars().all() == before
        generated = conn.execute(text("SELECT count(*) FROM citizens")).scalar_one()
    engine.dispose()
    assert 400 < generated < 500  # the personas and 400 generated, the first seed gone


def test_copy_text_escapes_and_marks_nulls() -> None:
    rows = [("a\tb", None, True, 1.5, b'{"x": "c:\\\\d\\n"}'), ("x\ny", "z\\", False, 2, b"")]
    assert encode("t", rows) == (
        b'a\\tb\t\\N\tt\t1.5\t{"x": "c:\\\\\\\\d\\\\n"}\nx\\ny\tz\\\\\tf\t2\t\n'
    )
    assert encode("t", []) == b""
