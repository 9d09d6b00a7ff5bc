"""Real workers reading from the real streaming replica (`scripts/start-replica`, port
5433, `AUTOFILL_TEST_REPLICA_URL`): lookups are served by it, an edit is never read stale
from it even with its replay paused, and a replica that goes away and comes back is left
and then used again. PostgreSQL pass only; in CI a missing replica fails these tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND, service_url
from tests.integration.servers import AUTH, TcpProxy, wait_until, workers
from tests.integration.test_workers import prepare, worker_env
from tests.records import citizen

PID = "001089012345"
PREFILL = {"subjects": {"applicant": PID}, "purpose": "Đăng ký cư trú"}


@pytest.fixture
def replica_url(database_url: str, redis_url: str | None) -> str:
    """The test's database (its schema) on the replica."""
    if BACKEND != "postgres" or not redis_url:
        pytest.skip("replicas are PostgreSQL streaming replicas: the PostgreSQL pass runs these")
    replica = make_url(service_url("AUTOFILL_TEST_REPLICA_URL"))
    url = make_url(database_url).set(
        host=replica.host,
        port=replica.port,
        username=replica.username,
        password=replica.password,
        database=replica.database,
    )
    return url.render_as_string(hide_password=False)


def libpq(url: str) -> str:
    """A SQLAlchemy URL as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sql(url: str, query: str) -> object:
    """The first column of the first row of `query` on the server at `url`."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        row = conn.execute(query).fetchone()
        return None if row is None else row[0]


def commits(url: str) -> int:
    """Transactions committed in the database on that server (`pg_stat_database`)."""
    query = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
    return int(sql(url, query))  # type: ignore[call-overload]


def stored_name(url: str) -> object:
    """The citizen's name as that server holds it."""
    return sql(url, f"SELECT doc::jsonb->>'full_name' FROM citizens WHERE personal_id = '{PID}'")


def metric(base: str, name: str, label: str = "") -> float:
    """One sample of a worker's /metrics (0 when absent)."""
    for line in httpx.get(f"{base}/metrics", timeout=5).text.splitlines():
        if line.startswith(f"{name}{{{label}}} " if label else f"{name} "):
            return float(line.split()[-1])
    return 0.0


def replica_reads(*bases: str) -> float:
    """Record reads the replica served, summed over workers."""
    return sum(metric(b, "autofill_record_reads_total", 'target="replica"') for b in bases)


def ready_replicas(base: str) -> bool:
    """Whether /readyz says every replica serves."""
    body = httpx.get(f"{base}/readyz", timeout=5).json()
    return body["reads"] == "replica" and all(r["status"] == "ok" for r in body["replicas"])


@contextmanager
def replica_workers(
    count: int, database_url: str, redis_url: str, replica: str, tmp_path, **extra: str
) -> Iterator[list[str]]:
    """`count` workers reading from `replica`, the test citizen stored and replayed."""
    prepare(database_url)
    env = worker_env(database_url, redis_url) | {"AUTOFILL_DATABASE_REPLICA_URLS": replica}
    with workers(count, env | extra, tmp_path) as bases:
        r = httpx.put(f"{bases[0]}/v1/citizens/{PID}", json=citizen(), headers=AUTH, timeout=10)
        assert r.status_code == 200, r.text
        for base in bases:
            wait_until(lambda base=base: ready_replicas(base), 15, f"{base}'s replica")
        yield bases


def test_lookups_and_prefills_are_served_by_the_replica(
    database_url: str, redis_url: str, replica_url: str, tmp_path
) -> None:
    # No record cache: every lookup is a database read.
    with (
        replica_workers(
            2, database_url, redis_url, replica_url, tmp_path, AUTOFILL_CACHE_SIZE="0"
        ) as bases,
        httpx.Client(headers=AUTH, timeout=10) as http,
    ):
        before, reads_before = commits(replica_url), replica_reads(*bases)
        for i in range(100):
            base = bases[i % 2]
            assert http.get(f"{base}/v1/citizens/{PID}").json()["full_name"] == "Nguyễn Văn An"
            if i % 5 == 0:
                r = http.post(f"{base}/v1/forms/ct01/prefill", json=PREFILL)
                assert r.json()["fields"]["full_name"]["value"] == "Nguyễn Văn An"
        for i in range(10):  # name searches and listings too
            base = bases[i % 2]
            found = http.get(f"{base}/v1/citizens", params={"name": "Nguyễn Văn An"}).json()
            assert PID in [item["personal_id"] for item in found["items"]]
            assert http.get(f"{base}/v1/citizens", params={"limit": 5}).status_code == 200
        assert replica_reads(*bases) - reads_before >= 140
        # The replica's own count (its statistics reach the view within seconds).
        wait_until(lambda: commits(replica_url) - before >= 140, 20, "the replica's commits")
        print(f"\nreplica xact_commit: {before} before, {commits(replica_url)} after 140 reads")


def test_with_replay_paused_every_edit_is_read_back_by_both_workers(
    database_url: str, redis_url: str, replica_url: str, tmp_path
) -> None:
    with (
        replica_workers(2, database_url, redis_url, replica_url, tmp_path) as (a, b),
        httpx.Client(headers=AUTH, timeout=10) as http,
    ):
        wait_until(lambda: stored_name(replica_url) == "Nguyễn Văn An", 10, "the replay")
        sql(replica_url, "SELECT pg_wal_replay_pause()")
        try:
            wait_until(
                lambda: sql(replica_url, "SELECT pg_get_wal_replay_pause_state()") == "paused",
                10,
                "the replica's replay to pause",
            )
            seen = 0
            for i in range(40):
                for base in (a, b):  # both workers hold the record before the edit
                    assert http.get(f"{base}/v1/citizens/{PID}").status_code == 200
                name = f"Nguyễn Văn Lần {i}"
                writer, other = (a, b) if i % 2 == 0 else (b, a)
                r = http.patch(f"{writer}/v1/citizens/{PID}", json={"full_name": name})
                assert r.status_code == 200, r.text
                seen += http.get(f"{other}/v1/citizens/{PID}").json()["full_name"] == name
                r = http.post(f"{(a, b)[i // 2 % 2]}/v1/forms/ct01/prefill", json=PREFILL)
                seen += r.json()["fields"]["full_name"]["value"] == name
            # The replica still holds the name from before the edits: read from it, all
            # 80 would have been stale.
            assert stored_name(replica_url) == "Nguyễn Văn An"
            for base in (a, b):
                body = http.get(f"{base}/readyz").json()
                assert (body["status"], body["reads"]) == ("degraded", "primary")
                assert body["replicas"][0]["status"] == "behind"
                assert body["replicas"][0]["lag_bytes"] > 0
                assert metric(base, "autofill_replica_lag_bytes", 'replica="0"') > 0
            print(f"\nreplay paused: the new value {seen} times out of 80")
            assert seen == 80
            for base in (a, b):  # name searches and listings are not served stale either
                found = http.get(f"{base}/v1/citizens", params={"name": "Nguyễn Văn Lần 39"})
                assert [i["full_name"] for i in found.json()["items"]][:1] == [name]
                page = http.get(f"{base}/v1/citizens", params={"limit": 5}).json()["items"]
                assert [c["full_name"] for c in page if c["personal_id"] == PID] == [name]
            behind = sum(
                metric(x, "autofill_replica_fallbacks_total", 'reason="behind"') for x in (a, b)
            )
            assert behind >= 40
        finally:
            sql(replica_url, "SELECT pg_wal_replay_resume()")
        wait_until(lambda: stored_name(replica_url) == "Nguyễn Văn Lần 39", 10, "the replay")
        reads = replica_reads(a, b)
        http.patch(f"{a}/v1/citizens/{PID}", json={"full_name": "Nguyễn Văn Cuối"})
        assert http.get(f"{b}/v1/citizens/{PID}").json()["full_name"] == "Nguyễn Văn Cuối"
        wait_until(lambda: ready_replicas(a) and ready_replicas(b), 10, "the replica to catch up")
        assert http.get(f"{b}/v1/citizens/{PID}").status_code == 200
        wait_until(lambda: replica_reads(a, b) > reads, 10, "a read from the caught-up replica")


def test_a_replica_down_leaves_reads_to_the_primary_and_is_used_again_when_back(
    database_url: str, redis_url: str, replica_url: str, tmp_path
) -> None:
    replica = make_url(replica_url)
    proxy = TcpProxy(replica.host or "127.0.0.1", replica.port or 5433)
    try:
        with (
            replica_workers(
                1,
                database_url,
                redis_url,
                proxy.url_for(replica_url),
                tmp_path,
                AUTOFILL_CACHE_SIZE="0",
            ) as (a,),
            httpx.Client(headers=AUTH, timeout=10) as http,
        ):
            lookup = f"{a}/v1/citizens/{PID}"
            for _ in range(5):
                assert http.get(lookup).status_code == 200
            assert replica_reads(a) >= 5
            proxy.cut()
            started = time.perf_counter()
            assert http.get(lookup).json()["full_name"] == "Nguyễn Văn An"
            fallback = time.perf_counter() - started
            reads, primary = (
                replica_reads(a),
                metric(a, "autofill_record_reads_total", 'target="primary"'),
            )
            for _ in range(5):
                assert http.get(lookup).status_code == 200
            assert replica_reads(a) == reads
            assert metric(a, "autofill_record_reads_total", 'target="primary"') >= primary + 5
            ready = http.get(f"{a}/readyz")
            assert ready.status_code == 200
            body = ready.json()
            assert (body["status"], body["reads"]) == ("degraded", "primary")
            assert body["replicas"][0]["status"] == "unavailable"
            assert metric(a, "autofill_replica_up", 'replica="0"') == 0
            proxy.restore()
            started = time.perf_counter()
            wait_until(lambda: ready_replicas(a), 10, "the replica back in /readyz")
            back = time.perf_counter() - started
            assert metric(a, "autofill_replica_up", 'replica="0"') == 1
            for _ in range(5):
                assert http.get(lookup).status_code == 200
            assert replica_reads(a) >= reads + 5
            print(f"\nfirst read after the cut: {fallback * 1000:.0f} ms; back in {back:.2f} s")
    finally:
        proxy.close()
