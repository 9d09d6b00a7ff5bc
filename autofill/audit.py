"""The audit log: every release of personal data, durable before the response is sent.

Subjects are stored as HMAC-SHA256(audit hash key, canonical identifier), so the log is
not a second registry: without the key nobody can test a guessed ID against it (a plain
hash of a 12-digit ID falls to brute force in minutes). The same person keeps the same
hash across registries (an individual's tax code is their personal ID).

Writes go through a group commit: each request queues its entries and awaits the commit
of the batch they land in; one writer task drains everything queued while the previous
batch was being written into a single transaction. A failed write fails the requests
waiting on it (503): data is never released without its audit entry. On SQLite the writer
has its own connection with `synchronous=FULL`, so a committed entry survives power loss.
The API only appends and reads; retention purges are the only deletes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import Engine, Table, delete, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from autofill.access import Principal
from autofill.errors import InvalidRequest, Problem, ServiceUnavailable
from autofill.models import AuditEntry, ServiceSecret
from registries.database import is_sqlite, make_engine

log = logging.getLogger(__name__)

HASH_KEY_NAME = "audit_hash_key"
# Actions written to the log.
PREFILL, LOOKUP, LISTING, SEARCH, EDIT = "prefill", "lookup", "listing", "search", "edit"
ENUMERATION = "enumeration_suspected"


class SubjectHasher:
    """Keyed hash of personal IDs and tax codes (audit entries, log lines, tokens)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, identifier: str) -> str:
        """HMAC-SHA256 of a canonical identifier, hex."""
        return hmac.new(self._key, identifier.encode(), hashlib.sha256).hexdigest()

    def derive(self, purpose: str) -> bytes:
        """A separate key for another use (submission tokens), derived from this one."""
        return hmac.new(self._key, b"autofill/derive/" + purpose.encode(), hashlib.sha256).digest()


def load_hash_key(engine: Engine, configured: str | None) -> bytes:
    """The audit hash key: the configured one, else one generated once and kept in the DB."""
    if configured:
        return configured.encode()
    table = ServiceSecret.__table__
    candidate = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    # Insert-or-keep, then read: concurrent first starts of several workers agree.
    stmt = dialect.insert(table).values(name=HASH_KEY_NAME, value=candidate)
    with engine.begin() as conn:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        value = conn.execute(
            select(ServiceSecret.value).where(ServiceSecret.name == HASH_KEY_NAME)
        ).scalar_one()
    return value.encode()


@dataclass(frozen=True, slots=True)
class Release:
    """Personal data about one subject leaving the service."""

    registry: str
    subject: str
    attributes: Sequence[str]


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


def _durable_sqlite(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def encode_cursor(entry_id: int) -> str:
    """An opaque audit page cursor."""
    return base64.urlsafe_b64encode(f"a{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The entry id behind a cursor; `InvalidRequest` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw[:1] != "a" or not raw[1:].isdigit() or len(raw) > 21:
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(
            "the cursor is not one this service issued",
            problems=[Problem("/cursor", "not a cursor of the audit listing")],
        ) from exc


class AuditLog:
    """Appends entries with group commit; reads and purges them."""

    def __init__(self, engine: Engine, hasher: SubjectHasher, *, max_batch: int = 5000) -> None:
        self._engine = engine
        self._owns_engine = False
        if is_sqlite(engine.url.render_as_string(hide_password=False)):
            self._engine = make_engine(engine.url.render_as_string(hide_password=False))
            event.listen(self._engine, "connect", _durable_sqlite)
            self._owns_engine = True
        self._read_engine = engine
        self.hasher = hasher
        self._max_batch = max_batch
        self._pending: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.entries = 0

    def start(self) -> None:
        """Start the writer task (on the running loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def close(self) -> None:
        """Write what is queued, stop the writer, release the engine."""
        if self._task is not None:
            while self._pending:
                await self._write_once()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._owns_engine:
            self._engine.dispose()

    async def record_releases(
        self,
        principal: Principal,
        action: str,
        releases: Iterable[Release],
        *,
        form_id: str | None = None,
        form_version: int | None = None,
        purpose: str | None = None,
        request_id: str | None = None,
        client: str | None = None,
    ) -> None:
        """Log releases of personal data; returns once they are committed."""
        now = dt.datetime.now(dt.UTC)
        rows = [
            {
                "at": now,
                "key_id": principal.key_id,
                "action": action,
                "registry": r.registry,
                "subject_hash": self.hasher.hash(r.subject),
                "form_id": form_id,
                "form_version": form_version,
                "purpose": purpose,
                "attributes": orjson.dumps(sorted(set(r.attributes))).decode(),
                "request_id": request_id,
                "client": client,
                "flagged": False,
                "detail": None,
            }
            for r in releases
        ]
        if rows:
            await self.append(rows)

    async def record_event(
        self, principal: Principal, action: str, detail: str, *, registry: str | None = None
    ) -> None:
        """Log a flagged event about a key (no subject)."""
        row = {
            "at": dt.datetime.now(dt.UTC),
            "key_id": principal.key_id,
            "action": action,
            "registry": registry,
            "subject_hash": None,
            "form_id": None,
            "form_version": None,
            "purpose": None,
            "attributes": "[]",
            "request_id": None,
            "client": None,
            "flagged": True,
            "detail": detail,
        }
        await self.append([row])

    async def append(self, rows: list[dict[str, Any]]) -> None:
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
        batch: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        size = 0
        while self._pending and (not batch or size + len(self._pending[0][0]) <= self._max_batch):
            item = self._pending.pop(0)
            batch.append(item)
            size += len(item[0])
        rows = [row for rows, _ in batch for row in rows]
        try:
            await asyncio.to_thread(self._insert, rows)
        except (SQLAlchemyError, OSError) as exc:
            log.error(
                "audit write failed (%s); %d requests refused", type(exc).__name__, len(batch)
            )
            for _, future in batch:
                if not future.done():
                    future.set_exception(ServiceUnavailable("the audit log cannot be written"))
            return
        self.batches += 1
        self.entries += len(rows)
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(cast(Table, AuditEntry.__table__)), rows)

    def search_entries(self, where: AuditFilter) -> tuple[list[dict[str, Any]], str | None]:
        """Entries newest first, and the cursor of the next page."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(where.limit)
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
        with self._read_engine.connect() as conn:
            entries = [_public(row) for row in conn.execute(query)]
        cursor = encode_cursor(entries[-1]["id"]) if len(entries) == where.limit else None
        return entries, cursor

    def purge(self, older_than: dt.datetime) -> int:
        """Delete entries older than a time (retention); how many went."""
        with self._engine.begin() as conn:
            result = conn.execute(delete(AuditEntry).where(AuditEntry.at < older_than))
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
    }
