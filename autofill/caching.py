"""The record cache of a deployment, built from its settings; and the way an
out-of-process write (the seed CLI) tells every running worker to drop what it cached."""

from __future__ import annotations

import asyncio
import hashlib

from autofill.config import Settings
from registries.cache import Cache, make_cache
from registries.memo import RecordMemo


def record_cache(settings: Settings) -> Cache:
    """The record cache these settings call for (see `registries.cache`)."""
    return make_cache(
        settings.redis_url,
        shared_database=not settings.embedded,
        workers=settings.workers,
        max_items=settings.cache_size,
        ttl_seconds=settings.cache_ttl_seconds,
        # Entries of different databases never meet in a shared Redis.
        namespace=hashlib.sha256(settings.database_url.encode()).hexdigest()[:12],
        shared_tier=settings.cache_shared_tier,
    )


def record_memo(settings: Settings) -> RecordMemo | None:
    """Each worker's parsed records: embedded mode only (`registries.memo`)."""
    if not settings.embedded or settings.cache_size <= 0 or settings.cache_memory_mib <= 0:
        return None
    return RecordMemo(
        max_items=settings.cache_size,
        max_bytes=settings.cache_memory_mib << 20,
        freeze_gc=True,
    )


def clear_record_caches(settings: Settings) -> bool:
    """Empty every running worker's record cache; False when there is none to reach."""
    if not settings.redis_url or settings.embedded:
        return False  # no shared tier: nothing outside this process caches records

    async def clear() -> None:
        cache = record_cache(settings)
        try:
            await cache.start()
            for _ in range(100):  # subscribed, so the workers' acknowledgements reach us
                if getattr(cache, "live", True):
                    break
                await asyncio.sleep(0.02)
            await cache.clear()
        finally:
            await cache.close()

    asyncio.run(clear())
    return True
