"""`seed_registry`: generate a registry and bulk-load it.

Generation runs chunk by chunk; on large seeds two worker processes generate while this
process writes (2 cores: one generating, one writing, at any moment). Results are
consumed in submission order, so the registry is the same whatever the timing.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import os
import resource
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, inspect

import registries.search  # noqa: F401  (registers the search index for `rebuild_all`)
from registries.database import is_sqlite, make_engine
from registries.errors import RecordConflict, RegistryError
from registries.indexing import rebuild_all
from registries.search import bulk
from registries.search import rebuild as search_index
from seed import personas
from seed.businesses import (
    BUSINESS_COLUMNS,
    CHUNK_BUSINESSES,
    MAX_BUSINESSES,
    BusinessBatch,
    business_chunk,
)
from seed.citizens import CHUNK_PEOPLE, MAX_CITIZENS, CitizenBatch, citizen_chunk
from seed.copytext import Encoded, encode_businesses, encode_citizens
from seed.documents import CITIZEN_COLUMNS
from seed.postgres import PostgresCopyWriter
from seed.writers import TABLES, RegistryNotEmptyError, SqliteWriter, Writer

# Below this many citizens, worker processes cost more than they save.
PARALLEL_FROM = 100_000
WORKERS = 2
# Chunks in flight (queued, generating, or done and not yet written), at ~25 MB each: with
# fewer, a worker that finished a short business chunk waited for the writer to submit more.
WINDOW = 3 * WORKERS


class RegistryNotEmpty(RecordConflict):
    """The registry already holds records and no reset was asked for."""

    code = "registry_not_empty"


class SchemaMissing(RegistryError):
    """The registry tables do not exist: run the migrations first."""

    code = "schema_missing"


@dataclass
class SeedReport:
    """What a seed run wrote: rows per table, and how long it took."""

    seed: int
    citizens: int
    businesses: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Time spent inserting into each table (generation overlaps it on large seeds).
    write_seconds: dict[str, float] = field(default_factory=dict)
    # Time this process waited for worker processes to hand over a chunk.
    wait_seconds: float = 0.0
    # Time the writer's commit took: on SQLite the search index's key rows and counts
    # (`registries.search.bulk`), the secondary indexes and the commit itself.
    commit_seconds: dict[str, float] = field(default_factory=dict)
    # Time spent rebuilding derived indexes (`registries.indexing`) after the load; on
    # SQLite the search index is built during the load and not rebuilt.
    index_seconds: float = 0.0
    # This process's peak RSS (MiB) when the load was done, before the derived indexes.
    load_peak_rss_mib: float = 0.0

    @property
    def rows(self) -> int:
        """Rows written over all tables."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class _Plan:
    seed: int
    citizens: int
    businesses: int
    # Whether the chunks carry their search-index batch (the writer builds the index).
    index: bool = False
    # Whether the workers hand over COPY text (`seed.copytext`) instead of rows.
    copy_text: bool = False

    @property
    def citizen_chunks(self) -> int:
        return math.ceil(self.citizens / CHUNK_PEOPLE)

    @property
    def business_chunks(self) -> int:
        return math.ceil(self.businesses / CHUNK_BUSINESSES)

    @property
    def source_chunks(self) -> int:
        """Citizen chunks that supply businesses' people: the full ones (a short last
        chunk may hold too few adults), or the only one."""
        return max(1, self.citizens // CHUNK_PEOPLE)

    @property
    def rounds(self) -> int:
        return max(1, math.ceil(self.business_chunks / self.source_chunks))


# The columns of a citizen / business row that its search-index row is derived from.
_CITIZEN_INDEXED = itemgetter(
    *(CITIZEN_COLUMNS.index(c) for c in ("personal_id", "full_name", "birth_date", "province_code"))
)
_BUSINESS_INDEXED = itemgetter(
    *(BUSINESS_COLUMNS.index(c) for c in ("enterprise_code", "name", "legal_form", "province_code"))
)


def _citizen_index(rows: list[tuple[Any, ...]]) -> bulk.IndexBatch:
    return bulk.citizen_batch(map(_CITIZEN_INDEXED, rows))


def _business_index(rows: list[tuple[Any, ...]]) -> bulk.IndexBatch:
    return bulk.business_batch(map(_BUSINESS_INDEXED, rows))


def _citizens_task(plan: _Plan, chunk: int) -> CitizenBatch | Encoded:
    count = min(CHUNK_PEOPLE, plan.citizens - chunk * CHUNK_PEOPLE)
    batch = citizen_chunk(
        plan.seed,
        chunk,
        count,
        reserved_ids=personas.reserved_ids(),
        reserved_households=frozenset(personas.PERSONA_HOUSEHOLDS),
    )
    if plan.index:
        batch.index = _citizen_index(batch.citizens)
    return encode_citizens(batch) if plan.copy_text else batch


def _businesses_task(plan: _Plan, chunk: int, candidates: list[Any]) -> BusinessBatch | Encoded:
    count = min(CHUNK_BUSINESSES, plan.businesses - chunk * CHUNK_BUSINESSES)
    batch = business_chunk(
        plan.seed,
        chunk,
        count,
        candidates,
        source_chunk=chunk % plan.source_chunks,
        round_no=chunk // plan.source_chunks,
        rounds=plan.rounds,
        reserved=personas.reserved_ids(),
    )
    if plan.index:
        batch.index = _business_index(batch.businesses)
    return encode_businesses(batch) if plan.copy_text else batch


def _batches(
    plan: _Plan, submit: Callable[..., Future[Any]], window: int, waited: list[float]
) -> Iterator[CitizenBatch | BusinessBatch | Encoded]:
    """Every batch in a fixed order; business chunks follow the citizen chunk they use.
    Adds the time spent waiting for a batch to `waited[0]`."""
    pending: deque[tuple[str, int, Future[Any]]] = deque()
    next_citizen = 0
    while next_citizen < plan.citizen_chunks or pending:
        while next_citizen < plan.citizen_chunks and len(pending) < window:
            pending.append(("c", next_citizen, submit(_citizens_task, plan, next_citizen)))
            next_citizen += 1
        kind, chunk, future = pending.popleft()
        started = time.perf_counter()
        batch = future.result()
        waited[0] += time.perf_counter() - started
        if kind == "c" and chunk < plan.source_chunks:
            for j in range(chunk, plan.business_chunks, plan.source_chunks):
                pending.append(("b", j, submit(_businesses_task, plan, j, batch.candidates)))
        yield batch


class _Inline:
    """Runs a task at once, for small seeds (no worker processes)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future


def _writer(url: str, engine: Engine) -> Writer:
    return SqliteWriter(url) if is_sqlite(url) else PostgresCopyWriter(engine, TABLES)


def _check(citizens: int, businesses: int) -> None:
    if not 0 <= citizens <= MAX_CITIZENS:
        raise ValueError(f"citizens must be between 0 and {MAX_CITIZENS:,}")
    if not 0 <= businesses <= MAX_BUSINESSES:
        raise ValueError(f"businesses must be between 0 and {MAX_BUSINESSES:,}")
    if businesses and citizens < 100:
        raise ValueError("generated businesses need at least 100 citizens to run them")


def seed_registry(
    database_url: str,
    *,
    citizens: int,
    businesses: int,
    seed: int = 0,
    reset: bool = False,
    progress: bool = False,
) -> SeedReport:
    """Fill the registry with the personas plus `citizens` and `businesses` generated
    records. The schema must exist (`autofill.database.migrate`); without `reset` an
    already seeded registry is refused with `RegistryNotEmpty`."""
    _check(citizens, businesses)
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table("citizens"):
            raise SchemaMissing("the registry tables do not exist; run the migrations first")
        engine.dispose()  # the bulk writer wants the SQLite file to itself
        report = SeedReport(seed, citizens, businesses)
        writer = _writer(database_url, engine)
        copy_text = isinstance(writer, PostgresCopyWriter)
        plan = _Plan(seed, citizens, businesses, writer.builds_search_index, copy_text)
        try:
            writer.begin(reset=reset)
        except RegistryNotEmptyError:
            raise RegistryNotEmpty(
                "the registry already holds citizens; reseed with reset to replace them"
            ) from None
        try:
            _load(writer, plan, report, progress)
            committed = time.perf_counter()
            writer.commit({"seed": json.dumps({"seed": seed, "citizens": citizens,
                                                "businesses": businesses})})  # fmt: skip
            report.commit_seconds = dict(writer.timings)
            report.commit_seconds["total"] = time.perf_counter() - committed
        except BaseException:
            writer.abort()
            raise
        report.load_peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        indexed = time.perf_counter()
        rebuild_all(engine, skip=[search_index.rebuild] if plan.index else [])
        report.index_seconds = time.perf_counter() - indexed
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _load(writer: Writer, plan: _Plan, report: SeedReport, progress: bool) -> None:
    counts = report.counts
    for table in ("citizens", "households", "businesses", "business_representatives"):
        counts[table] = 0
    counts["business_owners"] = counts["business_lines"] = 0

    spent = report.write_seconds

    def write(table: str, rows: list[Any]) -> None:
        started = time.perf_counter()
        writer.write(table, rows)
        spent[table] = spent.get(table, 0.0) + time.perf_counter() - started
        counts[table] += len(rows)

    def index(batch: bulk.IndexBatch | None) -> None:
        if batch is None:
            return
        table = f"{batch.registry}_search"
        started = time.perf_counter()
        writer.index(batch)
        spent[table] = spent.get(table, 0.0) + time.perf_counter() - started
        counts[table] = counts.get(table, 0) + len(batch.rows)

    citizens, households = personas.citizen_rows()
    write("citizens", citizens)
    write("households", households)
    index(_citizen_index(citizens) if plan.index else None)
    businesses = personas.business_batch()
    _write_businesses(write, businesses)
    index(_business_index(businesses.businesses) if plan.index else None)
    bar = _progress(plan) if progress else None
    parallel = plan.citizens >= PARALLEL_FROM
    pool = (
        ProcessPoolExecutor(
            WORKERS,
            mp_context=multiprocessing.get_context("spawn"),
            # With COPY text the writer only streams bytes: nothing for workers to yield to.
            initializer=None if plan.copy_text else _lower_priority,
        )
        if parallel
        else None
    )
    try:
        submit = pool.submit if pool else _Inline().submit
        waited = [0.0]
        for batch in _batches(plan, submit, WINDOW if pool else 1, waited):
            if isinstance(batch, Encoded):
                assert isinstance(writer, PostgresCopyWriter)
                _copy(writer, batch, report)
            else:
                if isinstance(batch, CitizenBatch):
                    write("citizens", batch.citizens)
                    write("households", batch.households)
                else:
                    _write_businesses(write, batch)
                index(batch.index)
            if bar is not None:
                bar.advance()
        report.wait_seconds = waited[0]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if bar is not None:
            bar.close()


def _copy(writer: PostgresCopyWriter, batch: Encoded, report: SeedReport) -> None:
    counts, spent = report.counts, report.write_seconds
    for table, data, n in batch.tables:
        started = time.perf_counter()
        writer.copy(table, data)
        spent[table] = spent.get(table, 0.0) + time.perf_counter() - started
        counts[table] = counts.get(table, 0) + n
    if batch.registry:
        started = time.perf_counter()
        writer.names(batch.registry, batch.name_keys, batch.words)
        table = f"{batch.registry}_search"
        spent[table] = spent.get(table, 0.0) + time.perf_counter() - started


def _lower_priority() -> None:
    """Workers yield the CPU to the writer: on SQLite it is the serial part of the pipeline."""
    with contextlib.suppress(OSError):
        os.nice(10)


def _write_businesses(write: Callable[[str, list[Any]], None], batch: BusinessBatch) -> None:
    write("businesses", batch.businesses)
    write("business_representatives", batch.representatives)
    write("business_owners", batch.owners)
    write("business_lines", batch.lines)


class _Bar:
    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            refresh_per_second=2,  # the redraws take the writer's CPU
        )
        self._progress.start()
        self._task = self._progress.add_task("seeding chunks", total=total)

    def advance(self) -> None:
        self._progress.advance(self._task)

    def close(self) -> None:
        self._progress.stop()


def _progress(plan: _Plan) -> _Bar:
    return _Bar(plan.citizen_chunks + plan.business_chunks)
