"""Fixtures shared by the whole suite.

The suite runs once per backend: `AUTOFILL_TEST_BACKEND=sqlite` (default, a file per
test) or `postgres` (the real server at `AUTOFILL_TEST_DATABASE_URL`, a fresh schema per
test, and Redis at `AUTOFILL_TEST_REDIS_URL` as the cache). Outside CI a missing URL
skips the service-backed tests with a reason; in CI (`CI=true`) it fails them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from autofill.config import Settings

ADMIN_KEY = "test-admin-key-0123456789"
AUDIT_HASH_KEY = "test-audit-hash-key-0123456789abcdef"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKEND = os.environ.get("AUTOFILL_TEST_BACKEND", "sqlite")


def service_url(name: str) -> str:
    """The URL of a real service for tests, skipping (or failing in CI) when unset."""
    url = os.environ.get(name)
    if not url:
        message = f"{name} is not set: this test needs the real service"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A fresh, empty database of the backend under test."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    base = service_url("AUTOFILL_TEST_DATABASE_URL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema},public"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def redis_url() -> str | None:
    """The real Redis in the PostgreSQL pass; None (in-process cache) in the SQLite pass."""
    if BACKEND == "sqlite":
        return None
    return service_url("AUTOFILL_TEST_REDIS_URL")


@pytest.fixture
def settings(database_url: str, redis_url: str | None) -> Settings:
    """Settings for an app on the backend under test, with no demo seed."""
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        admin_key=ADMIN_KEY,
        audit_hash_key=AUDIT_HASH_KEY,
        seed_demo=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings):
    """The service, not yet started."""
    from main import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """A started service with the admin key in every request."""
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        yield c


@pytest.fixture
def anonymous(app) -> Iterator[TestClient]:
    """A started service, requests without a key."""
    with TestClient(app) as c:
        yield c


# -- seeded registries (real data for every feature's tests) ------------------------------
SEED_CITIZENS = 300
SEED_BUSINESSES = 40
SEED = 7


def _seed_database(url: str) -> None:
    """Migrate and seed a database with the shared test registry."""
    import main  # noqa: F401  (features register their derived indexes on import)
    from autofill.database import migrate
    from registries.database import make_engine
    from seed import seed_registry

    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    seed_registry(url, citizens=SEED_CITIZENS, businesses=SEED_BUSINESSES, seed=SEED)


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory) -> Path:
    """A seeded SQLite file built once per session; tests get copies."""
    path = tmp_path_factory.mktemp("seeded") / "registry.db"
    _seed_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def seeded_settings(settings: Settings, database_url: str, request) -> Settings:
    """Settings for a fresh database of the backend under test holding the personas plus
    300 citizens and 40 businesses generated from seed 7."""
    if BACKEND == "sqlite":
        template = request.getfixturevalue("seeded_sqlite_template")
        shutil.copyfile(template, make_url(database_url).database)
    else:
        _seed_database(database_url)
    return settings


@pytest.fixture
def seeded_app(seeded_settings: Settings):
    """The service on the seeded registry, not yet started."""
    from main import create_app

    return create_app(seeded_settings)


@pytest.fixture
def seeded_client(seeded_app) -> Iterator[TestClient]:
    """A started service on the seeded registry, with the admin key in every request."""
    with TestClient(seeded_app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        yield c
