"""Derived indexes (such as the search index) that a bulk load must rebuild.

A feature that keeps a derived index appends its rebuild function to `REBUILDERS` when its
module is imported; the seeder calls `rebuild_all` after loading records.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

REBUILDERS: list[Callable[[Engine], None]] = []


def rebuild_all(engine: Engine) -> None:
    """Rebuild every registered derived index from the record tables."""
    for rebuild in REBUILDERS:
        rebuild(engine)
