"""Faults: Redis stopped under load loses no request; the database gone gives 503
problems, and the service recovers by itself when it returns."""

from __future__ import annotations

import asyncio
import os
import random
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from autofill.config import Settings
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, BACKEND
from tests.integration.servers import AUTH, TcpProxy, ThrowawayRedis, run_async, wait_until, workers
from tests.integration.test_workers import prepare, worker_env
from tests.records import citizen, citizen_ids

PROBLEM = "application/problem+json"


def postgres_only() -> None:
    """The Redis tier and the PostgreSQL pool exist only on the PostgreSQL backend."""
    if BACKEND != "postgres":
        pytest.skip("runs in the PostgreSQL + Redis pass (SQLite has no Redis tier)")


async def _load(urls: list[str], ids: list[str], seconds: float, statuses: list[int | str]) -> None:
    """Constant concurrent lookups over all workers for `seconds`, recording each outcome."""
    deadline = time.monotonic() + seconds

    async def user(http: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            url = f"{random.choice(urls)}/v1/citizens/{random.choice(ids)}"
            try:
                statuses.append((await http.get(url)).status_code)
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)

    async with httpx.AsyncClient(headers=AUTH, timeout=10) as http:
        await asyncio.gather(*(user(http) for _ in range(12)))


def test_stopping_redis_during_load_loses_no_request(database_url: str, tmp_path) -> None:
    postgres_only()
    prepare(database_url)
    redis = ThrowawayRedis()
    redis.start()
    ids = citizen_ids(40)
    try:
        with (
            workers(2, worker_env(database_url, redis.url), tmp_path) as (a, b),
            httpx.Client(headers=AUTH, timeout=10) as http,
        ):
            for pid in ids:
                assert http.put(f"{a}/v1/citizens/{pid}", json=citizen(pid)).status_code == 200
            statuses: list[int | str] = []
            seen: dict[str, object] = {}

            async def scenario() -> None:
                load = asyncio.create_task(_load([a, b], ids, 4.5, statuses))
                await asyncio.sleep(1.0)
                redis.stop()
                await asyncio.sleep(0.5)
                async with httpx.AsyncClient(headers=AUTH, timeout=10) as client:
                    seen["ready"] = (await client.get(f"{b}/readyz")).json()
                    # an edit while Redis is away is still read back through the other worker
                    r = await client.patch(
                        f"{a}/v1/citizens/{ids[0]}", json={"full_name": "Trần Thị Bình"}
                    )
                    seen["patch"] = r.status_code
                    r = await client.get(f"{b}/v1/citizens/{ids[0]}")
                    seen["read_back"] = r.json()["full_name"]
                await asyncio.sleep(1.0)
                redis.start()
                await load

            run_async(scenario())
            failures = [s for s in statuses if s != 200]
            assert len(statuses) > 200
            assert failures == [], f"{len(failures)} of {len(statuses)} lookups failed"
            assert seen["ready"] == {
                "status": "degraded",
                "database": "ok",
                "audit": "ok",
                "cache": "unavailable",
                "cache_backend": "memory+redis-invalidation",
            }
            assert seen["patch"] == 200
            assert seen["read_back"] == "Trần Thị Bình"
            # Redis is used again once back: readiness recovers and entries reappear.
            for base in (a, b):
                wait_until(
                    lambda base=base: http.get(f"{base}/readyz").json()["status"] == "ready",
                    10,
                    "readiness after Redis returned",
                )

            def refilled() -> bool:
                for pid in ids:
                    http.get(f"{b}/v1/citizens/{pid}")
                return redis.keys() > 0

            wait_until(refilled, 10, "records cached in Redis again")
            assert http.get(f"{a}/v1/citizens/{ids[0]}").json()["full_name"] == "Trần Thị Bình"
    finally:
        redis.close()


def _assert_503(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["retry-after"]
    assert r.json()["status"] == 503


def test_postgresql_gone_gives_503_then_recovers_by_itself(database_url: str) -> None:
    postgres_only()
    prepare(database_url)
    target = make_url(database_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    settings = Settings(
        database_url=proxy.url_for(database_url),
        admin_key=ADMIN_KEY,
        audit_hash_key=AUDIT_HASH_KEY,
        seed_demo=False,
        cache_size=0,  # every lookup goes to the database
        _env_file=None,  # type: ignore[call-arg]
    )
    from main import create_app

    pid, other = citizen_ids(2)
    try:
        with TestClient(create_app(settings), headers=AUTH) as client:
            assert client.put(f"/v1/citizens/{pid}", json=citizen(pid)).status_code == 200
            assert client.get(f"/v1/citizens/{pid}").status_code == 200
            proxy.cut()
            _assert_503(client.get(f"/v1/citizens/{pid}"))
            _assert_503(client.put(f"/v1/citizens/{other}", json=citizen(other)))
            _assert_503(client.patch(f"/v1/citizens/{pid}", json={"religion": "Phật giáo"}))
            _assert_503(client.get("/v1/citizens?limit=5"))
            ready = client.get("/readyz")
            assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")
            assert client.get("/healthz").status_code == 200  # alive, just not ready
            deadline = time.monotonic() + 6  # a longer outage, with traffic: backoff grows
            while time.monotonic() < deadline:
                _assert_503(client.get(f"/v1/citizens/{pid}"))
            proxy.restore()
            wait_until(
                lambda: client.get(f"/v1/citizens/{pid}").status_code == 200,
                8,
                "lookups after the database returned",
            )
            assert client.put(f"/v1/citizens/{other}", json=citizen(other)).status_code == 200
            assert client.get("/readyz").json()["status"] == "ready"
            assert client.get(f"/v1/citizens/{other}").status_code == 200
    finally:
        proxy.close()


def test_sqlite_file_gone_gives_503_then_recovers_by_itself(settings: Settings) -> None:
    if BACKEND != "sqlite":
        pytest.skip("runs in the SQLite pass")
    from main import create_app

    path = make_url(settings.database_url).database
    assert path is not None
    pid = citizen_ids(1)[0]
    with TestClient(create_app(settings), headers=AUTH) as client:
        assert client.put(f"/v1/citizens/{pid}", json=citizen(pid)).status_code == 200
        assert client.get(f"/v1/citizens/{pid}").status_code == 200
        os.rename(path, path + ".away")  # the volume went away
        client.portal.call(client.app.state.services.reader.close)  # type: ignore[attr-defined]
        try:
            _assert_503(client.get(f"/v1/citizens/{pid}"))
            assert client.get("/readyz").json()["database"] == "unavailable"
        finally:
            os.rename(path + ".away", path)
        assert client.get(f"/v1/citizens/{pid}").status_code == 200
        assert client.get("/readyz").json()["database"] == "ok"
