"""An empty embedded registry gets the demo seed at start, so the demo works at once."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine

from autofill.config import Settings
from registries import repository
from registries.cache import Cache
from registries.kinds import CITIZEN
from seed import RegistryNotEmpty, seed_registry

log = logging.getLogger("autofill.demo")


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return repository.count(conn, CITIZEN) == 0


def _wal_position(engine: Engine) -> int:
    with engine.connect() as conn:
        return repository.wal_position(conn)


async def seed_demo(settings: Settings, engine: Engine, cache: Cache) -> None:
    """Seed the demo registry when the settings ask for it and the registry is empty."""
    if not settings.should_seed_demo or not await asyncio.to_thread(_is_empty, engine):
        return
    try:
        report = await asyncio.to_thread(
            seed_registry,
            settings.database_url,
            citizens=settings.demo_citizens,
            businesses=settings.demo_businesses,
            seed=settings.demo_seed,
        )
    except RegistryNotEmpty:
        return  # another worker seeded it first
    lsn = None
    if settings.database_replica_urls:  # replicas serve reads once they have replayed it
        lsn = await asyncio.to_thread(_wal_position, engine)
    await cache.clear(lsn=lsn)
    log.info("seeded the demo registry: %s rows in %.1f s", report.rows, report.seconds)
