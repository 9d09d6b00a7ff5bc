"""Where a record read goes when there are replicas (`registries.replicas`), with stand-in
databases; and the edit's WAL position through the real Redis (`TieredCache`)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, text

from autofill.config import Settings
from registries.database import make_engine
from registries.errors import RegistryUnavailable
from registries.replicas import ReplicatedReader
from registries.tiered import TieredCache
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, service_url
from tests.integration.servers import run_async
from tests.unit.registries.test_tiered_cache import run, until

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class StandIn:
    """A database that answers `doc` and has replayed `replay` bytes of WAL (None: not a
    standby); `down` makes every query fail as an unreachable server does."""

    def __init__(self, doc: bytes, replay: int | None = 0) -> None:
        self.doc = doc
        self.replay = replay
        self.down = False
        self.reads = 0
        self.asked = 0

    async def get(self, registry: str, key: str) -> bytes | None:
        if self.down:
            raise RegistryUnavailable("down")
        self.reads += 1
        return self.doc

    async def fetch_one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        if self.down:
            raise RegistryUnavailable("down")
        self.asked += 1
        return (self.replay,)

    async def ping(self) -> None:
        """Always answers."""

    async def close(self) -> None:
        """Nothing to close."""


def reader(floor: list[int | None], *replicas: StandIn) -> tuple[ReplicatedReader, StandIn]:
    primary = StandIn(b"primary")
    return ReplicatedReader(primary, list(replicas), lambda: floor[0]), primary  # type: ignore[arg-type]


def test_a_replica_that_has_replayed_the_last_edit_serves_and_one_behind_does_not() -> None:
    async def main() -> None:
        replica = StandIn(b"replica", replay=100)
        floor: list[int | None] = [100]
        r, _ = reader(floor, replica)
        assert await r.get("citizen", "1") == b"replica"
        assert replica.asked == 1  # asked once, then its position is kept
        assert await r.get("citizen", "1") == b"replica"
        assert replica.asked == 1
        floor[0] = 150  # an edit acknowledged: the replica has not replayed it
        assert await r.get("citizen", "1") == b"primary"
        assert replica.asked == 2
        assert await r.get("citizen", "1") == b"primary"  # not asked again at once
        assert replica.asked == 2
        assert r.fallbacks["behind"] == 2
        replica.replay = 160
        await asyncio.sleep(0.03)  # past RECHECK_SECONDS: asked again, and caught up
        assert await r.get("citizen", "1") == b"replica"
        assert r.reads == {"replica": 3, "primary": 2}
        assert [s.behind for s in r.status()] == [False]

    asyncio.run(main())


def test_without_a_known_floor_the_primary_serves() -> None:
    async def main() -> None:
        replica = StandIn(b"replica", replay=10**9)
        r, _ = reader([None], replica)
        assert await r.get("citizen", "1") == b"primary"
        assert r.fallbacks["unknown_floor"] == 1
        assert replica.reads == 0

    asyncio.run(main())


def test_a_server_that_is_not_a_standby_is_never_read() -> None:
    async def main() -> None:
        promoted = StandIn(b"promoted", replay=None)
        r, _ = reader([0], promoted)
        assert await r.get("citizen", "1") == b"primary"
        assert promoted.reads == 0
        assert r.status()[0].up is False

    asyncio.run(main())


def test_a_replica_down_falls_back_and_is_used_again_once_the_probe_finds_it() -> None:
    async def main() -> None:
        a, b = StandIn(b"a", replay=5), StandIn(b"b", replay=5)
        r, _ = reader([5], a, b)
        assert {await r.get("citizen", "1") for _ in range(4)} == {b"a", b"b"}  # in turn
        a.down = b.down = True
        assert await r.get("citizen", "1") == b"primary"  # the read that found it down
        assert await r.get("citizen", "1") == b"primary"
        assert [s.up for s in r.status()] == [False, False]
        assert r.fallbacks["down"] >= 2
        await r.probe()  # still down
        assert await r.get("citizen", "1") == b"primary"
        a.down = False
        await r.probe()
        assert [s.up for s in r.status()] == [True, False]
        assert await r.get("citizen", "1") == b"a"

    asyncio.run(main())


def test_concurrent_reads_behind_ask_the_replica_once() -> None:
    async def main() -> None:
        replica = StandIn(b"replica", replay=0)
        r, _ = reader([10], replica)
        replica.replay = 10
        found = await asyncio.gather(*(r.get("citizen", str(i)) for i in range(20)))
        assert replica.asked == 1
        assert set(found) == {b"replica"}

    asyncio.run(main())


def test_listings_and_searches_connect_to_a_current_replica_else_the_primary(tmp_path) -> None:
    """`connect()` (SQLite files stand in for the servers: each holds its own name)."""

    def server(name: str) -> Engine:
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE who AS SELECT '{name}' AS name"))
        return engine

    def who(r: ReplicatedReader) -> str:
        with r.connect() as conn:
            return conn.execute(text("SELECT name FROM who")).scalar_one()

    primary, replica = server("primary"), server("replica")
    unreachable = make_engine(f"sqlite:///{tmp_path / 'no' / 'such'}.db")
    floor: list[int | None] = [10]
    stand_ins = [StandIn(b"", replay=10), StandIn(b"", replay=10)]
    r = ReplicatedReader(
        StandIn(b""),  # type: ignore[arg-type]
        stand_ins,  # type: ignore[arg-type]
        lambda: floor[0],
        primary_engine=primary,
        engines=[unreachable, replica],
    )
    assert who(r) == "primary"  # no replay position seen yet
    asyncio.run(r.probe())
    assert who(r) == "replica"  # the unreachable one is marked down on the way
    assert [s.up for s in r.status()] == [False, True]
    floor[0] = 11  # an edit the replica has not replayed (as last seen)
    assert who(r) == "primary"
    floor[0] = None
    assert who(r) == "primary"
    assert r.reads == {"replica": 1, "primary": 3}
    for engine in (primary, replica, unreachable):
        engine.dispose()


# -- the edit's WAL position through Redis --------------------------------------------------


def test_every_worker_knows_the_edits_wal_position_when_the_edit_returns() -> None:
    async def check(a: TieredCache, b: TieredCache) -> None:
        assert a.wal_floor == b.wal_floor == 0
        await a.invalidate("citizen:1", lsn=5000)
        assert b.wal_floor == 5000  # acknowledged before invalidate returned
        await b.invalidate("citizen:2", lsn=4000)  # an older position never lowers it
        assert a.wal_floor == b.wal_floor == 5000
        await a.clear(lsn=7000)
        assert b.wal_floor == 7000

    run(check)


def test_a_worker_that_starts_later_reads_the_recorded_position() -> None:
    url = service_url("AUTOFILL_TEST_REDIS_URL")

    async def main() -> None:
        namespace = uuid.uuid4().hex[:10]
        a = TieredCache(url, namespace=namespace)
        late = TieredCache(url, namespace=namespace)
        try:
            await a.start()
            await until(lambda: a.live)
            await a.invalidate("citizen:1", lsn=123_456)
            assert late.wal_floor is None  # not subscribed: it cannot know
            await late.start()
            await until(lambda: late.live)
            assert late.wal_floor == 123_456
        finally:
            await a.close()
            await late.close()

    run_async(main())


def test_on_subscribing_a_worker_learns_the_primarys_position_before_trusting_a_replica() -> None:
    """Redis may have lost the recorded position (a restart): the primary's own position,
    read after subscribing, is past every edit acknowledged before."""
    url = service_url("AUTOFILL_TEST_REDIS_URL")
    answers: list[int | None] = [None, None, 777]

    async def position() -> int:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if answer is None:
            raise RegistryUnavailable("the primary is down")
        return answer

    async def main() -> None:
        cache = TieredCache(url, namespace=uuid.uuid4().hex[:10], wal_position=position)
        try:
            await cache.start()
            await until(lambda: cache.live)
            assert cache.wal_floor is None  # the primary has not answered yet
            await until(lambda: cache.wal_floor == 777, seconds=5)
            await cache.invalidate("citizen:1", lsn=800)
            assert cache.wal_floor == 800
        finally:
            await cache.close()

    run_async(main())


# -- settings ---------------------------------------------------------------------------------


def settings(**values: Any) -> Settings:
    base: dict[str, Any] = {
        "database_url": PG,
        "redis_url": "redis://127.0.0.1:6379/13",
        "admin_key": ADMIN_KEY,
        "audit_hash_key": AUDIT_HASH_KEY,
    }
    return Settings(**(base | values), _env_file=None)  # type: ignore[call-arg]


def test_replica_urls_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AUTOFILL_DATABASE_REPLICA_URLS",
        "postgresql+psycopg://u@10.0.0.2/db, postgresql+psycopg://u@10.0.0.3/db",
    )
    assert settings().database_replica_urls == [
        "postgresql+psycopg://u@10.0.0.2/db",
        "postgresql+psycopg://u@10.0.0.3/db",
    ]
    monkeypatch.delenv("AUTOFILL_DATABASE_REPLICA_URLS")
    assert settings().database_replica_urls == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"database_replica_urls": "sqlite:///replica.db"},
            "replica 1 (sqlite:///replica.db) is SQLite",
        ),
        ({"database_replica_urls": "not a url"}, "replica 1 is not a database URL"),
        (
            {"database_replica_urls": f"{PG},postgresql://u:secret@h/db"},
            "replica 2 (postgresql://u:***@h/db) must be a postgresql+psycopg:// URL",
        ),
        (
            {"database_url": "sqlite:///a.db", "database_replica_urls": PG},
            "needs a PostgreSQL AUTOFILL_DATABASE_URL",
        ),
        ({"redis_url": None, "database_replica_urls": PG}, "needs AUTOFILL_REDIS_URL"),
        (
            {"database_url": "postgresql://u@h/db", "database_replica_urls": PG},
            "needs a postgresql+psycopg:// AUTOFILL_DATABASE_URL",
        ),
    ],
    ids=[
        "sqlite-replica",
        "not-a-url",
        "other-driver",
        "sqlite-primary",
        "no-redis",
        "other-primary-driver",
    ],
)
def test_replica_settings_that_cannot_work_are_refused(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        settings(**values)
    assert "secret" not in str(info.value)
