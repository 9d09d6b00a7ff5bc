"""Two real worker processes on one database (and, on PostgreSQL, one Redis): an edit
through one is what the other serves next, by prefill and by lookup, every time."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from autofill.database import migrate
from registries.database import make_engine
from tests.conftest import AUDIT_HASH_KEY
from tests.integration.servers import AUTH, workers
from tests.records import citizen

PID = "001089012345"


def worker_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    """The environment of a worker on the test's database (and Redis)."""
    env = {"AUTOFILL_DATABASE_URL": database_url}
    if redis_url:
        env["AUTOFILL_REDIS_URL"] = redis_url
    return env


def prepare(database_url: str) -> None:
    """Migrate once, before the workers start (they would race to create the tables)."""
    engine = make_engine(database_url)
    migrate(engine)
    engine.dispose()


@pytest.mark.parametrize("shared_tier", [False, True], ids=["memory-tier", "memory-and-redis-tier"])
def test_an_edit_through_one_worker_is_read_through_the_other(
    database_url: str, redis_url: str | None, tmp_path, shared_tier: bool
) -> None:
    backend = make_url(database_url).get_backend_name()
    if shared_tier and not (backend == "postgresql" and redis_url):
        pytest.skip("the Redis tier exists only with PostgreSQL and Redis")
    prepare(database_url)
    env = worker_env(database_url, redis_url) | {
        "AUTOFILL_CACHE_SHARED_TIER": str(shared_tier).lower()
    }
    with (
        workers(2, env, tmp_path) as (a, b),
        httpx.Client(headers=AUTH, timeout=10) as http,
    ):
        assert http.put(f"{a}/v1/citizens/{PID}", json=citizen()).status_code == 200
        ready = http.get(f"{b}/readyz").json()
        if backend == "postgresql" and redis_url:
            expected = "memory+redis" if shared_tier else "memory+redis-invalidation"
            assert ready["cache_backend"] == expected
        prefill = {"subjects": {"applicant": PID}, "purpose": "Đăng ký cư trú"}
        for i in range(40):
            # Both workers hold the record in every tier before the edit ...
            for base in (a, b, b):
                assert http.get(f"{base}/v1/citizens/{PID}").status_code == 200
                assert http.post(f"{base}/v1/forms/ct01/prefill", json=prefill).status_code == 200
            name = f"Nguyễn Văn Lần {i}"
            writer, reader = (a, b) if i % 2 == 0 else (b, a)
            r = http.patch(f"{writer}/v1/citizens/{PID}", json={"full_name": name})
            assert r.status_code == 200, r.text
            # ... and the very next prefill or lookup through the other one shows the edit.
            if i % 4 < 2:
                r = http.post(f"{reader}/v1/forms/ct01/prefill", json=prefill)
                assert r.json()["fields"]["full_name"]["value"] == name
            else:
                assert http.get(f"{reader}/v1/citizens/{PID}").json()["full_name"] == name
        r = http.delete(f"{a}/v1/citizens/{PID}")
        assert r.status_code == 204
        assert http.get(f"{b}/v1/citizens/{PID}").status_code == 404


@pytest.mark.parametrize("method", ["put"])
def test_a_real_server_sends_no_server_header_and_no_traceback(
    database_url: str, redis_url: str | None, tmp_path, method: str
) -> None:
    prepare(database_url)
    with (
        workers(1, worker_env(database_url, redis_url), tmp_path) as (a,),
        httpx.Client(headers=AUTH, timeout=10) as http,
    ):
        r = http.request(method, f"{a}/v1/citizens/{PID}", content=b"[" * 100_000)
        assert r.status_code == 422
        assert "server" not in r.headers
        assert r.headers["x-content-type-options"] == "nosniff"
        r = http.get(f"{a}/v1/citizens/..%2F..%2Fetc%2Fpasswd")
        assert r.status_code in (404, 422)
        assert r.headers["content-type"] == "application/problem+json"
        chunked = http.put(
            f"{a}/v1/citizens/{PID}",
            content=(b"x" * 100_000 for _ in range(12)),
            headers={"content-type": "application/json"},
        )
        assert chunked.status_code == 413


def test_a_write_outside_the_service_then_a_cache_clear_reaches_running_workers(
    database_url: str, redis_url: str | None, tmp_path
) -> None:
    """What `autofill seed` does after writing the database behind the workers' backs."""
    from autofill.caching import clear_record_caches
    from autofill.config import Settings

    prepare(database_url)
    with (
        workers(1, worker_env(database_url, redis_url), tmp_path) as (a,),
        httpx.Client(headers=AUTH, timeout=10) as http,
    ):
        assert http.put(f"{a}/v1/citizens/{PID}", json=citizen()).status_code == 200
        assert http.get(f"{a}/v1/citizens/{PID}").json()["religion"] == "Không"
        prefill = {"subjects": {"applicant": PID}, "purpose": "Đăng ký cư trú"}
        r = http.post(f"{a}/v1/forms/ct01/prefill", json=prefill)
        assert r.json()["fields"]["full_name"]["value"] == "Nguyễn Văn An"
        engine = make_engine(database_url)
        with engine.begin() as conn:  # behind the service's back, as a bulk load does
            for old, new in (
                ('"religion":"Không"', '"religion":"Phật giáo"'),
                ('"full_name":"Nguyễn Văn An"', '"full_name":"Nguyễn Văn Ẩn"'),
            ):
                conn.execute(
                    text(
                        "UPDATE citizens SET doc = REPLACE(doc, :old, :new) WHERE personal_id = :p"
                    ),
                    {"old": old, "new": new, "p": PID},
                )
        engine.dispose()
        settings = Settings(
            database_url=database_url,
            redis_url=redis_url,
            admin_key="test-admin-key-0123456789",
            audit_hash_key=AUDIT_HASH_KEY,
            _env_file=None,  # type: ignore[call-arg]
        )
        shared = clear_record_caches(settings)
        assert shared == (redis_url is not None and "postgresql" in database_url)
        assert http.get(f"{a}/v1/citizens/{PID}").json()["religion"] == "Phật giáo"
        # Prefill's parsed records too: on SQLite the triggers' counter tells the worker.
        r = http.post(f"{a}/v1/forms/ct01/prefill", json=prefill)
        assert r.json()["fields"]["full_name"]["value"] == "Nguyễn Văn Ẩn"
