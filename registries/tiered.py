"""Two-tier record cache for several workers: in-process memory in front of a shared Redis.

Correctness across workers (an edit through one worker, then a read through another,
shows the new value), by construction rather than by timing:

1. A write commits to the database, then (one Redis transaction) bumps the record's
   generation and deletes its Redis entry, then PUBLISHes the invalidation; PUBLISH
   answers how many workers' listeners received it. The write then waits until that many have
   acknowledged (each evicts from its memory tier *before* it acks). So when the write
   returns, no subscribed worker still holds the old value.
2. A worker serves from its memory tier only while its listener is subscribed. When
   the subscription breaks (Redis gone), it clears the tier and bypasses it until it has
   re-subscribed (and clears it again then: it may have missed invalidations).
3. Fills are guarded: a memory fill is refused if any eviction happened since the read
   began (`MemoryCache.generation`); a Redis fill is a compare-and-set on the record's
   generation (Lua), so a slow read cannot put an old value back after an edit.
4. `clear` (reseed) bumps a namespace epoch that is part of every Redis key and is
   broadcast the same way, so every tier of every worker is emptied at once.
5. With read replicas, an edit's primary WAL position rides along (`lsn=`): the same
   transaction raises the namespace's recorded position, the broadcast carries it, and
   each worker raises its `wal_floor` before it acks; on each subscription the floor is
   relearned from the primary (`registries.replicas.WalFloor`).

Redis down: reads go straight to the database (a circuit breaker skips Redis for a
second after a failure), invalidations that could not be sent are replayed when Redis is
back, and the listener reconnects by itself with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from registries.cache import Loader, MemoryCache, Record
from registries.replicas import RAISE_LSN, WalFloor

log = logging.getLogger(__name__)

_FAILURES = (RedisError, OSError, asyncio.TimeoutError)

# Set the Redis entry only if the record's generation is still the one the reader saw.
_FILL_IF_UNCHANGED = """
local g = redis.call('GET', KEYS[2])
if (g == false and ARGV[2] == '') or g == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""


class _Acks:
    """Counts acknowledgements of one broadcast."""

    def __init__(self) -> None:
        self.count = 0
        self.needed: int | None = None
        self.done = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        self._check()

    def expect(self, needed: int) -> None:
        self.needed = needed
        self._check()

    def _check(self) -> None:
        if self.needed is not None and self.count >= self.needed:
            self.done.set()


class TieredCache:
    """Per-worker memory tier + shared Redis tier with acknowledged invalidation."""

    name = "memory+redis"

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        ttl_seconds: int = 300,
        local_items: int = 100_000,
        local_bytes: int = 512 << 20,
        local_ttl_seconds: float = 60.0,
        ack_timeout: float = 1.0,
        shared_tier: bool = True,
        wal_position: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self._redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=0.5)
        self.local = MemoryCache(
            max_items=local_items, ttl_seconds=local_ttl_seconds, max_bytes=local_bytes
        )
        self.worker = uuid.uuid4().hex[:12]
        self._ttl = ttl_seconds
        self._ack_timeout = ack_timeout
        # Without the shared tier Redis only carries invalidations: a memory miss goes
        # straight to the database (one round trip instead of three).
        self.shared_tier = shared_tier
        self.name = "memory+redis" if shared_tier else "memory+redis-invalidation"
        ns = namespace or "default"
        self._rec = f"autofill:rec:{ns}:"
        self._gen = f"autofill:gen:{ns}:"
        self._epoch_key = f"autofill:epoch:{ns}"
        self._lsn_key = f"autofill:lsn:{ns}"
        self.floor = WalFloor(wal_position)  # the newest edit's WAL position known here
        self._pending_lsn = 0
        self._channel = f"autofill:inval:{ns}"
        self._ack_channel = f"autofill:ack:{ns}:{self.worker}"
        self._epoch = 0
        self._live = False  # subscribed: the memory tier may serve
        self._was_lost = False
        self._down_until = 0.0  # circuit breaker for request-path Redis calls
        self._acks: dict[str, _Acks] = {}
        self._pending: set[str] = set()
        self._pending_clear = False
        self._listener: asyncio.Task[None] | None = None
        self._fill = self._redis.register_script(_FILL_IF_UNCHANGED)
        self.counts = {"memory_hits": 0, "redis_hits": 0, "misses": 0, "redis_errors": 0}

    # -- reads ---------------------------------------------------------------------------

    async def fetch(self, key: str, load: Loader) -> Record | None:
        """Memory tier, then Redis, then `load()`; fills both tiers, guarded."""
        if self._live:
            record = self.local.get_now(key)
            if record is not None:
                self.counts["memory_hits"] += 1
                return record
        ticket = (self._live, self.local.generation, self._epoch)
        token: bytes | None = None
        if self.shared_tier and self._redis_usable():
            try:
                pair: list[Any] = await self._redis.mget(self._rec_key(key), self._gen + key)
                found, generation = pair
            except _FAILURES:
                self._trip()
            else:
                if found is not None:
                    self.counts["redis_hits"] += 1
                    return self._fill_local(key, Record(found), ticket)
                token = generation or b""
        self.counts["misses"] += 1
        value = await load()
        if value is None:
            return None
        if token is not None:
            try:
                keys = [self._rec_key(key), self._gen + key]
                await self._fill(keys=keys, args=[value, token, self._ttl])
            except _FAILURES:
                self._trip()
        return self._fill_local(key, Record(value), ticket)

    # -- invalidation ----------------------------------------------------------------------

    async def invalidate(self, *keys: str, lsn: int | None = None) -> None:
        """Evict keys from every tier of every worker; returns once all have evicted (and
        know the edit's WAL position `lsn`, when given)."""
        if not keys:
            return
        self.local.invalidate_now(*keys)
        lsn = self.floor.raise_to(lsn)

        def ops(pipe: Any) -> None:
            for key in keys:
                pipe.incr(self._gen + key)
                pipe.expire(self._gen + key, 2 * self._ttl)
                pipe.delete(self._rec_key(key))
            if lsn:
                pipe.eval(RAISE_LSN, 1, self._lsn_key, lsn)

        if not await self._broadcast({"keys": list(keys), "lsn": lsn}, ops):
            self._pending.update(keys)
            self._pending_lsn = max(self._pending_lsn, lsn)

    async def clear(self, *, lsn: int | None = None) -> None:
        """Empty every tier of every worker (after a reseed)."""
        self.local.clear_now()
        lsn = self.floor.raise_to(lsn)
        epoch: dict[str, int] = {}

        def ops(pipe: Any) -> None:
            pipe.incr(self._epoch_key)
            if lsn:
                pipe.eval(RAISE_LSN, 1, self._lsn_key, lsn)

        def payload(results: list[Any]) -> dict[str, Any]:
            epoch["value"] = int(results[0])
            return {"clear": True, "epoch": epoch["value"], "lsn": lsn}

        if await self._broadcast(payload, ops):
            self._epoch = epoch["value"]
        else:
            self._pending_clear = True
            self._pending_lsn = max(self._pending_lsn, lsn)

    @property
    def wal_floor(self) -> int | None:
        """The WAL position a replica must have replayed to serve this worker's reads (every
        edit acknowledged so far); None while unsubscribed (edits may have been missed)."""
        return self.floor.value if self._live and self.floor.known else None

    async def _broadcast(
        self,
        payload: dict[str, Any] | Callable[[list[Any]], dict[str, Any]],
        ops: Callable[[Any], None],
    ) -> bool:
        """Run `ops` and publish in one transaction, then wait for every receiver's ack."""
        message_id = uuid.uuid4().hex
        acks = self._acks[message_id] = _Acks()
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                ops(pipe)
                results = await pipe.execute()
            body = payload(results) if callable(payload) else payload
            body = {**body, "id": message_id, "reply": self._ack_channel}
            receivers = int(await self._redis.publish(self._channel, orjson.dumps(body)))
            acks.expect(receivers)
            try:
                await asyncio.wait_for(acks.done.wait(), self._ack_timeout)
            except TimeoutError:
                log.warning(
                    "invalidation %s: %d of %d workers acknowledged in %.1fs",
                    message_id,
                    acks.count,
                    receivers,
                    self._ack_timeout,
                )
            return True
        except _FAILURES as exc:
            log.warning("cache invalidation deferred until Redis is back: %s", type(exc).__name__)
            self._trip()
            return False
        finally:
            self._acks.pop(message_id, None)

    # -- the listener ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the invalidation listener (it reconnects by itself)."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="cache-invalidation")

    async def _listen(self) -> None:
        backoff = 0.05
        while True:
            pubsub = self._redis.pubsub()
            try:
                await self._subscribe(pubsub)
                backoff = 0.05
                await self._receive(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: drop to the database, then retry
                if self._live:
                    log.warning("cache listener lost Redis (%s); reading through", exc)
                    self._was_lost = True
                self._go_dark()
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    async def _subscribe(self, pubsub: Any) -> None:
        await pubsub.subscribe(self._channel, self._ack_channel)
        confirmed = 0
        while confirmed < 2:
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                raise ConnectionError("no subscription confirmation")
            confirmed += message["type"] == "subscribe"
        epoch, lsn = await self._redis.mget(self._epoch_key, self._lsn_key)
        self._epoch = int(epoch or 0)
        self.floor.raise_to(int(lsn or 0))
        self.floor.relearn()
        self.local.clear_now()  # invalidations may have been missed while away
        self._live = True
        self._down_until = 0.0
        level = logging.WARNING if self._was_lost else logging.INFO
        log.log(level, "cache listener subscribed (worker %s, epoch %d)", self.worker, self._epoch)
        self._was_lost = False
        if self._pending or self._pending_clear:
            asyncio.create_task(self._replay())  # noqa: RUF006  (it cannot outlive the loop)

    async def _receive(self, pubsub: Any) -> None:
        last_heard = last_ping = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=0.5)
            now = time.monotonic()
            if message is not None:
                last_heard = now
                await self._handle(message)
            elif now - last_heard > 3.0:
                raise ConnectionError("Redis stopped answering the listener")
            if now - last_ping > 1.0:
                await pubsub.ping()
                last_ping = now

    async def _handle(self, message: dict[str, Any]) -> None:
        if message["type"] != "message":
            return
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else channel
        if channel == self._ack_channel:
            data = message["data"]
            acks = self._acks.get(data.decode() if isinstance(data, bytes) else data)
            if acks is not None:
                acks.add()
            return
        body = orjson.loads(message["data"])
        self.floor.raise_to(body.get("lsn"))
        if body.get("clear"):
            self._epoch = int(body["epoch"])
            self.local.clear_now()
        else:
            self.local.invalidate_now(*body["keys"])
        await self._redis.publish(body["reply"], body["id"])  # after evicting

    async def _replay(self) -> None:
        keys, self._pending = self._pending, set()
        lsn, self._pending_lsn = self._pending_lsn, 0
        if self._pending_clear or len(keys) > 10_000:
            self._pending_clear = False
            await self.clear(lsn=lsn)
        elif keys:
            await self.invalidate(*keys, lsn=lsn)

    # -- state -----------------------------------------------------------------------------

    def _go_dark(self) -> None:
        self._live = False
        self.local.clear_now()
        self._trip()

    def _trip(self) -> None:
        self.counts["redis_errors"] += 1
        self._down_until = time.monotonic() + 1.0

    def _redis_usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _rec_key(self, key: str) -> str:
        return f"{self._rec}{self._epoch}:{key}"

    def _fill_local(self, key: str, record: Record, ticket: tuple[bool, int, int]) -> Record:
        live, generation, epoch = ticket
        if live and self._live and generation == self.local.generation and epoch == self._epoch:
            self.local.put_now(key, record)
        return record

    @property
    def hits(self) -> int:
        """Reads answered from either tier."""
        return self.counts["memory_hits"] + self.counts["redis_hits"]

    @property
    def misses(self) -> int:
        """Reads that went to the database."""
        return self.counts["misses"]

    @property
    def live(self) -> bool:
        """Whether the memory tier is serving (the listener is subscribed)."""
        return self._live

    async def healthy(self) -> bool:
        """Whether Redis answers a PING."""
        try:
            return bool(await self._redis.ping())
        except _FAILURES:
            return False

    async def close(self) -> None:
        """Stop the listener and close the pool."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        self.floor.stop()
        await self._redis.aclose()
