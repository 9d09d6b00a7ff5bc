"""Derived indexes (such as the search index) that a bulk load must rebuild.

A feature that keeps a derived index appends its rebuild function to `REBUILDERS` when its
module is imported; the seeder calls `rebuild_all` after loading records (on SQLite it
builds the search index during the load itself, `registries.search.bulk`, and skips its
rebuild).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection

from sqlalchemy import Engine

REBUILDERS: list[Callable[[Engine], None]] = []
# The registries' own derived indexes, imported here so that a bulk load rebuilds them even
# in a process that never imported the service (a script calling `seed_registry`).
BUILT_IN = ("registries.search",)


def rebuild_all(engine: Engine, *, skip: Collection[Callable[[Engine], None]] = ()) -> None:
    """Rebuild every registered derived index from the record tables, but those in `skip`
    (indexes the caller already built, such as the search index of a SQLite bulk load)."""
    for module in BUILT_IN:
        importlib.import_module(module)
    for rebuild in REBUILDERS:
        if rebuild not in skip:
            rebuild(engine)
