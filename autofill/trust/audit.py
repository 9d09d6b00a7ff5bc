"""The audit log: every release of personal data, durable before the response is sent.

Subjects are stored as HMAC-SHA256(audit hash key, canonical identifier), so the log is
not a second registry: without the key nobody can test a guessed ID against it (a plain
hash of a 12-digit ID falls to brute force in minutes). The same person keeps the same
hash across registries (an individual's tax code is their personal ID).

Writes go through a group commit: each request queues its entries and awaits the commit
of the batch they land in; one writer task drains everything queued while the previous
batch was being written into a single transaction. A failed write fails the requests
waiting on it (503): data is never released without its audit entry. How a batch reaches
the database, and how durable a commit is, is `autofill.trust.audit_writers`'s part.
The API only appends and reads; retention purges are the only deletes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, func, select

from autofill.errors import InvalidRequest, Problem, ServiceUnavailable
from autofill.metrics import Metrics
from autofill.models import AuditEntry
from autofill.trust.access import Principal
from autofill.trust.audit_subjects import SubjectIndex
from autofill.trust.audit_writers import AuditWriteError, AuditWriter, Row, make_audit_writer
from autofill.trust.hashing import SubjectHasher
from registries.database import sqlite_path

log = logging.getLogger(__name__)

# Actions written to the log.
PREFILL, LOOKUP, LISTING, SEARCH, EDIT = "prefill", "lookup", "listing", "search", "edit"
ENUMERATION = "enumeration_suspected"
RESEED = "reseed"
# How often the SQLite subject index catches up with the log (`autofill.trust.audit_subjects`).
INDEX_SECONDS = 1.0
ID_CHUNK = 500  # ids per query when reading a subject's indexed entries


@dataclass(frozen=True, slots=True)
class Disclosed:
    """Whose data leaves, and which of it: one person or business of a registry.

    `record`, when given, is the subject's parsed record: the people named inside a
    business record (owners, legal representatives) are disclosed with it.
    """

    registry: str
    identifier: str
    attributes: Sequence[str]
    record: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """Personal data leaving the service: who receives whose data, which, and why."""

    principal: Principal
    action: str  # why: lookup, listing, search, edit, prefill
    data: Sequence[Disclosed]
    purpose: str | None = None
    form_id: str | None = None
    form_version: int | None = None
    request_id: str | None = None
    client: str | None = None
    # The consent a release was made under (a consent token's), else None (an API key).
    consent_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What `GET /v1/audit` narrows by; `subject_hash` is already hashed."""

    key_id: str | None = None
    form_id: str | None = None
    subject_hash: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 100
    before_id: int | None = None


# An audit page cursor is the id of the last entry of the page before: entries older than it
# follow. Any such number is a position, so the API can declare the format exactly.
CURSOR_PATTERN = r"^[1-9][0-9]{0,17}$"


def encode_cursor(entry_id: int) -> str:
    """The cursor of the page after the entry `entry_id`."""
    return str(entry_id)


def decode_cursor(cursor: str) -> int:
    """The entry id behind a cursor; `InvalidRequest` when it is not an entry id."""
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise InvalidRequest(
            "a cursor is the `next_cursor` of the page before (an entry id)",
            problems=[Problem("/cursor", "not a cursor of the audit listing", "invalid_cursor")],
        )
    return int(cursor)


class AuditLog:
    """Appends entries with group commit; reads and purges them."""

    def __init__(
        self,
        engine: Engine,
        hasher: SubjectHasher,
        *,
        fsync: bool = False,
        max_batch: int = 5000,
        wait_seconds: float = 10.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self._engine = engine
        url = engine.url.render_as_string(hide_password=False)
        self._writer: AuditWriter = make_audit_writer(url, fsync=fsync, wait_seconds=wait_seconds)
        self.hasher = hasher
        # SQLite: the subject index is brought up to date off the request path.
        self.subjects = SubjectIndex(sqlite_path(url)) if engine.dialect.name == "sqlite" else None
        self._indexing: asyncio.Future[int] | None = None
        self._last_index = 0.0
        self._max_batch = max_batch
        self._pending: list[tuple[list[Row], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.entries = 0
        # Signed checkpoints (`autofill.trust.checkpoints`): told of each committed batch,
        # and asked to sign the chain where a retention purge cuts it.
        self.on_commit: list[Callable[[int], None]] = []
        self.seal: Callable[[Connection, int], None] | None = None

    def start(self) -> None:
        """Start the writer task (on the running loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-writer")
            self._index_soon()

    async def close(self) -> None:
        """Write what is queued, stop the writer, release the engine."""
        if self._task is not None:
            while self._pending:
                await self._write_once()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._indexing is not None:
            with contextlib.suppress(Exception):
                await self._indexing
        if self.subjects is not None:
            self.subjects.close()
        await self._writer.close()

    async def record(self, release: Release, *, hashed: Mapping[str, str] | None = None) -> None:
        """Log a release of personal data, one entry per subject; returns once committed.

        `hashed` may hold subjects' hashes the caller already computed (identifier -> hash).
        """
        at = self._writer.timestamp(dt.datetime.now(dt.UTC))
        known = hashed or {}
        key_id = release.principal.key_id
        # In `audit_writers.COLUMNS` order.
        rows: list[Row] = [
            (
                at,
                key_id,
                release.action,
                d.registry,
                known.get(d.identifier) or self.hasher.hash(d.identifier),
                release.form_id,
                release.form_version,
                release.purpose,
                orjson.dumps(sorted(set(d.attributes))).decode(),
                release.request_id,
                release.client,
                False,
                None,
                release.consent_id,
            )
            for d in release.data
        ]
        if rows:
            await self.append(rows)

    async def record_event(
        self,
        principal: Principal,
        action: str,
        detail: str,
        *,
        registry: str | None = None,
        flagged: bool = True,
    ) -> None:
        """Log an event about a key (no subject); flagged unless told otherwise."""
        at = self._writer.timestamp(dt.datetime.now(dt.UTC))
        nothing = (None, None, None, None)  # subject, form id and version, purpose
        row = (
            *(at, principal.key_id, action, registry, *nothing),
            *("[]", None, None, flagged, detail, None),  # ..., consent id
        )
        await self.append([row])

    async def ready(self) -> bool:
        """Whether an entry could be written now (its table's lock can be had)."""
        if self._task is None:
            return False
        try:
            await self._writer.probe()
        except AuditWriteError as exc:
            log.warning("audit log not writable: %s", exc)
            return False
        return True

    async def append(self, rows: list[Row]) -> None:
        """Queue rows for the next group commit and wait for it."""
        if self._task is None:
            raise ServiceUnavailable("the audit log is not running")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((rows, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                await self._write_once()

    async def _write_once(self) -> None:
        batch: list[tuple[list[Row], asyncio.Future[None]]] = []
        size = 0
        while self._pending and (not batch or size + len(self._pending[0][0]) <= self._max_batch):
            item = self._pending.pop(0)
            batch.append(item)
            size += len(item[0])
        rows = [row for rows, _ in batch for row in rows]
        started = time.perf_counter()
        try:
            await self._writer.write(rows)
        except AuditWriteError as exc:
            log.error("audit write failed (%s); %d requests refused", exc, len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(ServiceUnavailable("the audit log cannot be written"))
            return
        self.batches += 1
        self.entries += len(rows)
        self.metrics.observe_audit_batch(len(rows), time.perf_counter() - started)
        for hook in self.on_commit:
            hook(len(rows))
        for _, future in batch:
            if not future.done():
                future.set_result(None)
        await self._writer.maintain()
        if self.subjects is not None and time.monotonic() - self._last_index >= INDEX_SECONDS:
            self._index_soon()

    def _index_soon(self) -> None:
        """Bring the subject index up to date in a thread, unless that already runs."""
        if self.subjects is None or (self._indexing is not None and not self._indexing.done()):
            return
        self._last_index = time.monotonic()
        self._indexing = asyncio.ensure_future(asyncio.to_thread(self._catch_up))

    def _catch_up(self) -> int:
        assert self.subjects is not None
        try:
            return self.subjects.catch_up()
        except sqlite3.Error as exc:  # the next batch tries again
            log.warning("audit subject index not updated: %s", exc)
            return 0

    def search_entries(self, where: AuditFilter) -> tuple[list[dict[str, Any]], str | None]:
        """Entries newest first, and the cursor of the next page."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        conditions = {
            AuditEntry.key_id: where.key_id,
            AuditEntry.form_id: where.form_id,
            AuditEntry.subject_hash: where.subject_hash,
            AuditEntry.action: where.action,
        }
        for column, value in conditions.items():
            if value is not None:
                query = query.where(column == value)
        if where.since is not None:
            query = query.where(AuditEntry.at >= where.since)
        if where.until is not None:
            query = query.where(AuditEntry.at < where.until)
        if where.before_id is not None:
            query = query.where(AuditEntry.id < where.before_id)
        with self._engine.connect() as conn:
            if where.subject_hash is not None and self.subjects is not None:
                rows = self._by_subject(conn, query, where)
            else:
                rows = list(conn.execute(query.limit(where.limit)))
        entries = [_public(row) for row in rows]
        cursor = encode_cursor(entries[-1]["id"]) if len(entries) == where.limit else None
        return entries, cursor

    def _by_subject(self, conn: Any, query: Any, where: AuditFilter) -> list[Any]:
        """A subject's entries on SQLite: the log past the index's watermark, then the
        entries the index knows, a chunk of ids at a time (both newest first)."""
        assert self.subjects is not None and where.subject_hash is not None
        watermark, ids = self.subjects.entries(where.subject_hash, where.before_id)
        rows = list(conn.execute(query.where(AuditEntry.id > watermark).limit(where.limit)))
        while len(rows) < where.limit:
            chunk = list(itertools.islice(ids, ID_CHUNK))
            if not chunk:
                break
            more = query.where(AuditEntry.id.in_(chunk)).limit(where.limit - len(rows))
            rows.extend(conn.execute(more))
        return rows

    def purge(self, older_than: dt.datetime) -> int:
        """Delete the oldest entries, up to the first one younger than a time (retention);
        how many went. The cut is a prefix of the chain, signed first by `seal` when a
        signer runs, so that the chain stays verifiable from that checkpoint."""
        with self._engine.begin() as conn:
            expired = AuditEntry.at < older_than
            cut = conn.execute(select(func.max(AuditEntry.id)).where(expired)).scalar()
            if cut is None:
                return 0
            younger = conn.execute(  # an entry out of time order (another worker) stays
                select(func.min(AuditEntry.id)).where(AuditEntry.id <= cut, ~expired)
            ).scalar()
            if younger is not None:
                below = AuditEntry.id < younger
                cut = conn.execute(select(func.max(AuditEntry.id)).where(below)).scalar()
                if cut is None:
                    return 0
            if self.seal is not None:
                self.seal(conn, cut)
            result = conn.execute(delete(AuditEntry).where(AuditEntry.id <= cut))
            oldest = conn.execute(select(func.min(AuditEntry.id))).scalar()
        if self.subjects is not None and result.rowcount and oldest is not None:
            self.subjects.forget_before(oldest)
        return int(result.rowcount or 0)


def _public(entry: Any) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {
        "id": entry.id,
        "at": at.isoformat(),
        "key_id": entry.key_id,
        "action": entry.action,
        "registry": entry.registry,
        "subject_hash": entry.subject_hash,
        "form_id": entry.form_id,
        "form_version": entry.form_version,
        "purpose": entry.purpose,
        "attributes": orjson.loads(entry.attributes),
        "request_id": entry.request_id,
        "client": entry.client,
        "flagged": entry.flagged,
        "detail": entry.detail,
        "consent_id": entry.consent_id,
    }
