"""The record cache of a deployment, built from its settings; and the way an
out-of-process write (the seed CLI) tells every running worker to drop what it cached."""

from __future__ import annotations

import asyncio
import functools
import hashlib

from autofill.config import Settings
from registries import repository
from registries.cache import Cache, make_cache
from registries.database import PostgresReader, RecordReader, SqliteReader, make_engine
from registries.replicas import primary_position


def record_cache(settings: Settings, reader: RecordReader | None = None) -> Cache:
    """The record cache these settings call for (`registries.cache`, docs/caching.md); on
    the embedded file it follows the registry's change counter through `reader`."""
    return make_cache(
        settings.redis_url,
        changes=reader.changes if isinstance(reader, SqliteReader) else None,
        shared_database=not settings.embedded,
        workers=settings.workers,
        max_items=settings.cache_size,
        max_bytes=settings.cache_memory_mib << 20,
        ttl_seconds=settings.cache_ttl_seconds,
        # Entries of different databases never meet in a shared Redis.
        namespace=hashlib.sha256(settings.database_url.encode()).hexdigest()[:12],
        shared_tier=settings.cache_shared_tier,
        replicas=bool(settings.database_replica_urls),
        wal_position=(
            functools.partial(primary_position, reader)
            if isinstance(reader, PostgresReader)
            else None
        ),
    )


def primary_wal_position(settings: Settings) -> int | None:
    """The primary's WAL position now, when reads may go to replicas (else None)."""
    if not settings.database_replica_urls:
        return None
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return repository.wal_position(conn)
    finally:
        engine.dispose()


def clear_record_caches(settings: Settings) -> bool:
    """Empty every running worker's record cache; False when there is none to reach."""
    if not settings.redis_url or settings.embedded:
        return False  # no shared tier: nothing outside this process caches records

    lsn = primary_wal_position(settings)  # after the write: replicas must replay it

    async def clear() -> None:
        cache = record_cache(settings)
        try:
            await cache.start()
            for _ in range(100):  # subscribed, so the workers' acknowledgements reach us
                if getattr(cache, "live", True):
                    break
                await asyncio.sleep(0.02)
            await cache.clear(lsn=lsn)
        finally:
            await cache.close()

    asyncio.run(clear())
    return True
