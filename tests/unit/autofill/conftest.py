"""A migrated database engine of the backend under test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from autofill.database import migrate
from registries.database import make_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The synchronous engine of a fresh, migrated database."""
    eng = make_engine(database_url)
    migrate(eng)
    yield eng
    eng.dispose()
