"""Per-read cost of each place a record can come from, measured on this machine.

Times one awaited read, in a loop, for: the in-process LRU (`MemoryCache`), a Redis GET
(redis-py asyncio, loopback), a SQLite primary-key read (`sqlite3`, as `SqliteReader`), and
a PostgreSQL primary-key read (SQLAlchemy asyncio engine + psycopg, as `AsyncEngineReader`,
and a psycopg asyncio pool in autocommit, as `PostgresReader`).
Documents are ~2 KB JSON, 10,000 rows. Prints median and p99 in microseconds.

    PYTHONPATH=. python bench/cache_costs.py \
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/test --redis redis://127.0.0.1:6379/15
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

ROWS = 10_000


def _doc(i: int) -> str:
    return orjson.dumps({"personal_id": f"{i:012d}", "pad": "x" * 2000}).decode()


async def _time(label: str, fn: Callable[[str], Awaitable[object]], n: int) -> None:
    keys = [f"{random.randrange(ROWS):012d}" for _ in range(n)]
    for k in keys[:200]:  # warm up
        await fn(k)
    samples = []
    for k in keys:
        t0 = time.perf_counter_ns()
        await fn(k)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99)]
    print(f"{label:<44} p50 {p50:8.1f} µs   p99 {p99:8.1f} µs   (n={n})")


async def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg")
    parser.add_argument("--redis")
    parser.add_argument("-n", type=int, default=5000)
    args = parser.parse_args()

    from registries.cache import MemoryCache, Record

    mem = MemoryCache(max_items=ROWS)
    for i in range(ROWS):
        mem.put_now(f"{i:012d}", Record(_doc(i).encode()))

    async def absent() -> bytes | None:
        return None

    await _time("memory LRU fetch (hit)", lambda k: mem.fetch(k, absent), args.n)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.db"
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE docs (k TEXT PRIMARY KEY, doc TEXT)")
        conn.executemany(
            "INSERT INTO docs VALUES (?, ?)", ((f"{i:012d}", _doc(i)) for i in range(ROWS))
        )
        conn.commit()
        ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

        async def sqlite_get(k: str) -> object:
            row = ro.execute("SELECT doc FROM docs WHERE k = ?", (k,)).fetchone()
            return row[0].encode()

        await _time("sqlite3 primary-key read", sqlite_get, args.n)

    if args.redis:
        from redis.asyncio import Redis

        r = Redis.from_url(args.redis)
        prefix = f"bench:{uuid.uuid4().hex[:6]}:"
        async with r.pipeline(transaction=False) as p:
            for i in range(ROWS):
                p.set(prefix + f"{i:012d}", _doc(i), ex=600)
            await p.execute()
        await _time("redis GET (redis-py asyncio)", lambda k: r.get(prefix + k), args.n)
        await _time(
            "redis MGET value+generation (one round trip)",
            lambda k: r.mget(prefix + k, prefix + "g:" + k),
            args.n,
        )
        async for key in r.scan_iter(match=prefix + "*", count=1000):
            await r.delete(key)
        await r.aclose()

    if args.pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.ext.asyncio import create_async_engine

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        sync = create_engine(args.pg)
        with sync.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
            c.execute(text(f"CREATE TABLE {schema}.docs (k text PRIMARY KEY, doc text)"))
            c.execute(
                text(f"INSERT INTO {schema}.docs VALUES (:k, :d)"),
                [{"k": f"{i:012d}", "d": _doc(i)} for i in range(ROWS)],
            )
        eng = create_async_engine(args.pg, pool_size=5, pool_pre_ping=True)
        q = text(f"SELECT doc FROM {schema}.docs WHERE k = :key")

        async def pg_get(k: str) -> object:
            async with eng.connect() as c:
                row = (await c.execute(q, {"key": k})).first()
            return row[0].encode() if row else None

        await _time("postgresql read (SQLAlchemy async, pre-ping)", pg_get, args.n)
        await eng.dispose()
        eng = create_async_engine(args.pg, pool_size=5)
        await _time("postgresql read (SQLAlchemy async, no pre-ping)", pg_get, args.n)
        await eng.dispose()

        from psycopg_pool import AsyncConnectionPool
        from sqlalchemy.engine import make_url

        conninfo = make_url(args.pg).set(drivername="postgresql").render_as_string(False)
        pool = AsyncConnectionPool(
            conninfo, min_size=1, max_size=5, open=False, kwargs={"autocommit": True}
        )
        await pool.open()
        sql = f"SELECT doc FROM {schema}.docs WHERE k = %s"

        async def psycopg_get(k: str) -> object:
            async with pool.connection() as conn:
                row = await (await conn.execute(sql, (k,))).fetchone()
            return row[0].encode() if row else None

        await _time("postgresql read (psycopg pool, autocommit)", psycopg_get, args.n)

        if args.redis:
            from registries.tiered import TieredCache

            for shared in (True, False):
                tier = "Redis tier" if shared else "Redis bus only"
                cache = TieredCache(args.redis, namespace=uuid.uuid4().hex[:8], shared_tier=shared)
                await cache.start()
                while not cache.live:
                    await asyncio.sleep(0.01)
                fresh = iter(range(10**9))

                async def miss(_: str, cache: TieredCache = cache, fresh: Any = fresh) -> object:
                    key = f"{next(fresh) % ROWS:012d}"
                    cache.local.clear_now()  # a memory miss every time
                    return await cache.fetch(key, lambda: psycopg_get(key))

                await _time(f"TieredCache memory miss ({tier})", miss, min(args.n, ROWS - 200))
                await cache.close()
        await pool.close()
        with sync.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        sync.dispose()


if __name__ == "__main__":
    asyncio.run(main())
