"""Counting prefills off the hot path: the observer adds to in-memory counters, a background
task writes them in batches (one upsert per form version and minute).

Counts of the last flush interval live only in memory; a crash loses at most those
(statistics, unlike the audit, are not a trust record). `flush()` before a read makes a
worker's own recent prefills visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import operator
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from autofill.stats.models import COUNTERS, PrefillStat
from autofill.stats.tally import PrefillTally, tally_of

log = logging.getLogger("autofill.stats")

Key = tuple[int, str, int]  # (minute, form_id, form_version)
Counts = tuple[int, ...]  # in `COUNTERS` order
PREFILLS = COUNTERS.index("prefills")


def _add(pending: dict[Key, Counts], key: Key, counts: Counts) -> None:
    # One C-level pass over the nine counters: a prefill adds its tally here, and adding
    # by name (a dict of counters built per prefill, then a loop) took 3 us of the 8 us
    # the observer cost on this machine kind.
    held = pending.get(key)
    pending[key] = counts if held is None else tuple(map(operator.add, held, counts))


class StatsRecorder:
    """Buffers prefill tallies by minute and writes them to `prefill_stats` in batches."""

    def __init__(
        self,
        engine: Engine,
        *,
        flush_interval: float = 1.0,
        max_pending_keys: int = 512,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.flush_interval = flush_interval
        self.max_pending_keys = max_pending_keys
        self.clock = clock
        self._pending: dict[Key, Counts] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    def record(self, tally: PrefillTally, *, at: float | None = None) -> None:
        """Count one prefill (at `at`, Unix seconds, default now); O(1), no I/O."""
        minute = int((self.clock() if at is None else at) // 60)
        _add(self._pending, (minute, tally.form_id, tally.form_version), tally.counts())
        if len(self._pending) >= self.max_pending_keys:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Prefills counted but not yet written."""
        return sum(c[PREFILLS] for c in self._pending.values())

    async def flush(self) -> int:
        """Write every pending counter now; returns the number of prefills written."""
        async with self._lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return 0
            try:
                await asyncio.to_thread(self._write, batch.items())
            except Exception:
                log.warning("prefill statistics not written; will retry", exc_info=True)
                for key, counts in batch.items():
                    _add(self._pending, key, counts)
                return 0
            return sum(c[PREFILLS] for c in batch.values())

    def _write(self, batch: Iterable[tuple[Key, Counts]]) -> None:
        rows = [
            {"minute": m, "form_id": f, "form_version": v} | dict(zip(COUNTERS, n, strict=True))
            for (m, f, v), n in batch
        ]
        table = PrefillStat.__table__
        dialect = self.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(PrefillStat)
        stmt = stmt.on_conflict_do_update(
            index_elements=["minute", "form_id", "form_version"],
            set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_interval)
            self._wake.clear()
            await self.flush()

    def start(self) -> None:
        """Start the background writer (call from the running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="prefill-stats")

    async def stop(self) -> None:
        """Stop the background writer and write what is left."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        await self.flush()

    async def observe(self, context: Any, result: Any) -> None:
        """The prefill observer: count `result` (see `tally_of`)."""
        self.record(tally_of(context, result))
