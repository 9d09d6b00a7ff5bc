"""A registry seeded once per module for the consistency checks (SQLite, in a temp dir)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from autofill.database import migrate
from registries import models
from registries.database import make_engine
from seed import seed_registry

CITIZENS, BUSINESSES = 3_000, 400


@dataclass
class Registry:
    """Every record of a seeded registry, as documents and as stored rows."""

    url: str
    citizens: dict[str, dict[str, Any]]
    businesses: dict[str, dict[str, Any]]
    citizen_rows: dict[str, dict[str, Any]]
    business_rows: dict[str, dict[str, Any]]
    households: dict[str, dict[str, Any]]
    links: dict[str, list[dict[str, Any]]]


def seed_file(path, *, citizens: int, businesses: int, seed: int) -> str:
    """Migrate and seed a SQLite file; its URL."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    seed_registry(url, citizens=citizens, businesses=businesses, seed=seed)
    return url


def read_registry(url: str) -> Registry:
    """Load a whole registry through SQLAlchemy."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(models.Citizen.__table__))]
        brows = [dict(r._mapping) for r in conn.execute(select(models.Business.__table__))]
        households = [dict(r._mapping) for r in conn.execute(select(models.Household.__table__))]
        links = {
            t.__tablename__: [dict(r._mapping) for r in conn.execute(select(t.__table__))]
            for t in (models.BusinessRepresentative, models.BusinessOwner, models.BusinessLine)
        }
    engine.dispose()
    return Registry(
        url=url,
        citizens={r["personal_id"]: orjson.loads(r["doc"]) for r in rows},
        businesses={r["enterprise_code"]: orjson.loads(r["doc"]) for r in brows},
        citizen_rows={r["personal_id"]: r for r in rows},
        business_rows={r["enterprise_code"]: r for r in brows},
        households={r["id"]: r for r in households},
        links=links,
    )


@pytest.fixture(scope="package")
def registry(tmp_path_factory) -> Registry:
    """A registry of 3,000 generated citizens and 400 businesses (seed 11) plus personas."""
    path = tmp_path_factory.mktemp("consistency") / "registry.db"
    return read_registry(seed_file(path, citizens=CITIZENS, businesses=BUSINESSES, seed=11))
