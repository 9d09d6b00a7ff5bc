"""Record reads from PostgreSQL streaming replicas, never older than an acknowledged edit.

Read-your-writes across workers, by construction:

1. An edit commits on the primary, then reads the primary's WAL position
   (`pg_current_wal_lsn()`, at or past the end of its commit record) and hands it to the
   cache's invalidation (`registries.tiered.TieredCache.invalidate(..., lsn=)`): one Redis
   transaction raises the recorded position, and the broadcast carries it to every
   worker, which raises its own *floor* before it acknowledges. The edit is answered only
   once every subscribed worker has acknowledged, so by then each knows the position.
2. A read is served by a replica only if the replica has replayed up to the floor
   (`pg_last_wal_replay_lsn()`): a replay position, once seen, only grows, so the one last
   seen is kept and asked again only when the floor is past it: at once for a newer edit,
   else at most every `RECHECK_SECONDS`; one question at a time. Otherwise, or when no
   floor is known (the worker's Redis listener is not subscribed: it may have missed
   edits), the primary serves.
3. A replica that fails a read is marked down and the read is served by the primary; a
   probe every `PROBE_SECONDS` asks every replica its replay position (and the primary
   its own, for the lag in bytes), and marks a replica that answers up again.

Listings and name searches run SQL through SQLAlchemy in a thread: `connect()` gives them
a connection to a replica that had replayed the floor when last seen (not asked again from
the thread), else to the primary. Edits and audit writes use the primary's engine only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from registries.database import DATABASE_DOWN, PostgresReader, RecordReader, make_engine
from registries.errors import RegistryUnavailable

log = logging.getLogger(__name__)

REPLAY_LSN = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')"
CURRENT_LSN = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"
# Raise the WAL position recorded in Redis, never lower it (edits' positions arrive in any
# order). Lua numbers are doubles: exact up to 2^53 bytes of WAL (8 PiB).
RAISE_LSN = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
"""
# A lagging replica is asked its replay position at most this often per worker; reads in
# between go to the primary.
RECHECK_SECONDS = 0.02
PROBE_SECONDS = 1.0


class WalFloor:
    """The WAL position every read of this worker must see (`TieredCache.wal_floor`).

    Raised by each edit's broadcast and by the position recorded in Redis, and, each time
    the worker's Redis listener (re)subscribes, by the primary's own position read after
    the subscription: an edit acknowledged before that is behind it, one after reaches
    the listener. Unknown until that read succeeds (then the primary serves the reads):
    edits made while the listener was away may have left no trace in Redis (a restart).
    """

    def __init__(self, position: Callable[[], Awaitable[int]] | None) -> None:
        self.value = 0
        self._position = position
        self.known = position is None
        self._learning: asyncio.Task[None] | None = None

    def raise_to(self, lsn: int | None) -> int:
        """Raise it to `lsn` (never lower); returns `lsn` or 0."""
        if lsn:
            self.value = max(self.value, int(lsn))
        return int(lsn or 0)

    def relearn(self) -> None:
        """After a (re)subscription: unknown until the primary has told its position."""
        if self._position is None:
            return
        self.known = False
        if self._learning is not None:
            self._learning.cancel()
        self._learning = asyncio.create_task(self._learn(self._position), name="wal-floor")

    async def _learn(self, position: Callable[[], Awaitable[int]]) -> None:
        while True:
            try:
                self.raise_to(await position())
            except Exception as exc:  # the primary is down: ask again
                log.info("primary WAL position not read (%s); reads stay on the primary", exc)
                await asyncio.sleep(0.5)
            else:
                self.known = True
                return

    def stop(self) -> None:
        """Cancel a read of the primary's position under way."""
        if self._learning is not None:
            self._learning.cancel()
            self._learning = None


async def primary_position(primary: PostgresReader) -> int:
    """The primary's WAL position now, in bytes."""
    row = await primary.fetch_one(CURRENT_LSN)
    return int(row[0])


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    """What readiness and metrics say of one replica."""

    name: str
    up: bool
    lag_bytes: int | None  # behind the primary's current WAL position, at the last probe
    behind: bool  # has not replayed up to the last edit this worker knows of


class Replica:
    """One replica: its reader, whether it answers, and the replay position last seen."""

    def __init__(self, name: str, reader: PostgresReader, engine: Engine | None = None) -> None:
        self.name = name
        self.reader = reader
        self.engine = engine  # for listings and searches (SQLAlchemy, in a thread)
        self.up = True  # until a read or a probe fails
        self.replay = -1  # bytes of WAL replayed, as last seen (-1: not yet asked)
        self.lag_bytes: int | None = None
        self._asked_at = 0.0
        self._asked_for = -1  # the newest position a read has asked it about
        self._asking: asyncio.Future[int] | None = None

    async def ask(self) -> int:
        """Its replay position now (one query, shared by whoever asks meanwhile)."""
        if not self.asking:
            self._asking = asyncio.ensure_future(self._ask())
        assert self._asking is not None
        return await asyncio.shield(self._asking)

    @property
    def asking(self) -> bool:
        """Whether a question is under way."""
        return self._asking is not None and not self._asking.done()

    async def _ask(self) -> int:
        self._asked_at = time.monotonic()
        row = await self.reader.fetch_one(REPLAY_LSN)
        if row is None or row[0] is None:
            # Not in recovery: a primary, or a promoted replica. Serving from it could miss
            # edits made on the real primary; never trusted.
            raise RegistryUnavailable(f"replica {self.name} is not a standby")
        self.replay = max(self.replay, int(row[0]))
        return self.replay

    async def caught_up(self, needed: int) -> bool:
        """Whether it has replayed up to `needed`, asking again only when it may have."""
        if self.replay >= needed:
            return True
        recent = time.monotonic() - self._asked_at < RECHECK_SECONDS
        if needed <= self._asked_for and recent and not self.asking:
            return False  # asked for this edit a moment ago: not replayed yet
        self._asked_for = max(self._asked_for, needed)
        return await self.ask() >= needed


class ReplicatedReader:
    """A `RecordReader` that serves from replicas when they are current enough.

    `floor()` is the WAL position every read must see (the last acknowledged edit this
    worker knows of), or None when it cannot know (then the primary serves).
    """

    def __init__(
        self,
        primary: RecordReader,
        replicas: list[PostgresReader],
        floor: Callable[[], int | None],
        *,
        primary_position: Callable[[], Any] | None = None,
        primary_engine: Engine | None = None,
        engines: list[Engine] | None = None,
    ) -> None:
        self.primary = primary
        self.primary_engine = primary_engine
        engines = engines or []
        self.replicas = [
            Replica(str(i), reader, engines[i] if i < len(engines) else None)
            for i, reader in enumerate(replicas)
        ]
        # Counted apart: record reads on the event loop, listings and searches in threads.
        self._counting = threading.Lock()
        self._thread_reads = {"replica": 0, "primary": 0}
        self._floor = floor
        self._primary_position = primary_position
        self._next = 0
        self._reads = {"replica": 0, "primary": 0}
        self.fallbacks = {"behind": 0, "down": 0, "unknown_floor": 0}
        self._probe: asyncio.Task[None] | None = None

    async def get(self, registry: str, key: str) -> bytes | None:
        """The stored document, from a replica that has replayed the floor, else the primary."""
        replica = await self._choose()
        if replica is not None:
            try:
                doc = await replica.reader.get(registry, key)
            except RegistryUnavailable:
                self._down(replica)
                self.fallbacks["down"] += 1
            else:
                self._reads["replica"] += 1
                return doc
        self._reads["primary"] += 1
        return await self.primary.get(registry, key)

    async def _choose(self) -> Replica | None:
        needed = self._floor()
        if needed is None:
            self.fallbacks["unknown_floor"] += 1
            return None
        count = len(self.replicas)
        start, self._next = self._next, (self._next + 1) % count
        reason = "down"
        for i in range(count):
            replica = self.replicas[(start + i) % count]
            if not replica.up:
                continue
            try:
                if await replica.caught_up(needed):
                    return replica
            except RegistryUnavailable:
                self._down(replica)
                continue
            reason = "behind"
        self.fallbacks[reason] += 1
        return None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for a listing or a search (from a thread): a replica that had
        replayed the floor when last seen, else the primary. A replica that cannot be
        reached is marked down and the primary connects instead; one that fails during
        the statements fails this request (503) and is marked down for the next."""
        assert self.primary_engine is not None
        needed = self._floor()
        for replica in self.replicas:
            if needed is None or replica.engine is None:
                break
            if not replica.up or replica.replay < needed:
                continue
            try:
                conn = replica.engine.connect()
            except DATABASE_DOWN:
                replica.up = False  # the probe marks it up again
                continue
            try:
                with conn:
                    self._count("replica")
                    yield conn
                return
            except DATABASE_DOWN:
                replica.up = False
                raise
        self._count("primary")
        with self.primary_engine.connect() as conn:
            yield conn

    def _count(self, target: str) -> None:
        with self._counting:
            self._thread_reads[target] += 1

    @property
    def reads(self) -> dict[str, int]:
        """Database reads of records, listings and searches, by target."""
        with self._counting:
            return {k: n + self._thread_reads[k] for k, n in self._reads.items()}

    def _down(self, replica: Replica) -> None:
        if replica.up:
            log.warning("replica %s is down: reads go to the primary", replica.name)
        replica.up = False

    async def probe(self) -> None:
        """Ask every replica its replay position (a replica that answers is up again),
        and the primary its own, for each replica's lag in bytes."""
        current: int | None = None
        if self._primary_position is not None:
            with contextlib.suppress(Exception):
                current = int(await self._primary_position())
        for replica in self.replicas:
            try:
                replay = await replica.ask()
            except RegistryUnavailable:
                self._down(replica)
                continue
            if not replica.up:
                log.warning("replica %s is back: reads go to it again", replica.name)
            replica.up = True
            replica.lag_bytes = None if current is None else max(0, current - replay)

    async def _probing(self) -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            with contextlib.suppress(Exception):
                await self.probe()

    def start(self) -> None:
        """Start the background probe (once the event loop runs)."""
        if self._probe is None:
            self._probe = asyncio.create_task(self._probing(), name="replica-probe")

    def status(self) -> list[ReplicaStatus]:
        """Each replica as last seen (no query)."""
        floor = self._floor()
        return [
            ReplicaStatus(
                name=r.name,
                up=r.up,
                lag_bytes=r.lag_bytes,
                behind=floor is None or r.replay < floor,
            )
            for r in self.replicas
        ]

    async def ping(self) -> None:
        """The primary answers (replicas are optional: their state is in `status`)."""
        await self.primary.ping()

    async def close(self) -> None:
        """Stop the probe and close the replicas' pools (the primary's is its owner's)."""
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._probe
            self._probe = None
        for replica in self.replicas:
            await replica.reader.close()
            if replica.engine is not None:
                replica.engine.dispose()


def replicated_reader(
    primary: RecordReader, primary_engine: Engine, urls: list[str], floor: Callable[[], int | None]
) -> ReplicatedReader:
    """A reader over `primary` with two pools for each replica URL (psycopg for record
    reads, SQLAlchemy for listings and searches)."""
    replicas = [PostgresReader(url, wait_seconds=0.5) for url in urls]
    position = None
    if isinstance(primary, PostgresReader):
        position = functools.partial(primary_position, primary)
    return ReplicatedReader(
        primary,
        replicas,
        floor,
        primary_position=position,
        primary_engine=primary_engine,
        engines=[make_engine(url) for url in urls],
    )
