"""The lookup service: cache-aside reads of record documents, tester edits, listings.

Used by the HTTP API and by prefill. Reads return the stored JSON bytes (no re-encoding
on the hot path); writes validate the whole record, keep references consistent, and
invalidate the cache before they return.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Engine

from registries import repository
from registries.cache import Cache, Record
from registries.database import RecordReader, database_down_as
from registries.errors import (
    InvalidCursor,
    InvalidRecord,
    Problem,
    RecordConflict,
    RecordNotFound,
    json_pointer,
)
from registries.kinds import RegistryKind, registry_kind
from registries.replicas import ReplicatedReader
from registries.search import SearchService, reindex_record

# A listing cursor is the key of the last record of the page before, in canonical form:
# any such key is a position in key order, whether or not a record has it.
CURSOR_PATTERNS = {
    "citizen": r"^[0-9]{12}$",
    "business": r"^[0-9]{10}(?:-[0-9]{3})?$|^[0-9]{12}$",
}
_CURSORS = {registry: re.compile(pattern) for registry, pattern in CURSOR_PATTERNS.items()}


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _problems(exc: ValidationError) -> list[Problem]:
    return [Problem(json_pointer(*err["loc"]), err["msg"], err["type"]) for err in exc.errors()]


def decode_cursor(registry: str, cursor: str) -> str:
    """The key a listing continues after; `InvalidCursor` when the cursor is not a key of
    this registry (a personal ID; a tax code for businesses)."""
    if not _CURSORS[registry].match(cursor):
        what = registry_kind(registry).key_label
        detail = f"a cursor is the `next_cursor` of the page before: a {what}"
        raise InvalidCursor(detail, problems=[Problem("/cursor", detail, "invalid_cursor")])
    return cursor


class RegistryService:
    """Reads and edits of both registries."""

    def __init__(
        self,
        *,
        engine: Engine,
        reader: RecordReader,
        cache: Cache,
        replicas: ReplicatedReader | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.cache = cache
        # Reads may go to replicas: each edit tells every worker its WAL position, and
        # listings and searches connect through them.
        self.replicas = replicas
        self.connect = engine.connect if replicas is None else replicas.connect
        self.search = SearchService(engine, self.connect)

    async def _fetch(self, registry: str, key: str) -> Record | None:
        return await self.cache.fetch(f"{registry}:{key}", lambda: self.reader.get(registry, key))

    async def find_doc(self, registry: str, key: str) -> bytes | None:
        """The stored JSON document of a record, or None."""
        record = await self._fetch(registry, key)
        return None if record is None else record.raw

    async def find_records(self, wanted: Sequence[tuple[str, str]]) -> list[dict[str, Any] | None]:
        """Parsed records for `(registry, key)` pairs, None where there is none.

        The dicts may be shared with other requests (`registries.cache.Record`): never
        change them.
        """
        # One after the other: on SQLite each read is done without suspending, so they all
        # run in the loop pass that read the change counter, and a request's chained
        # records are served under the counter its first ones were.
        found: list[dict[str, Any] | None] = []
        for registry, key in wanted:
            record = await self._fetch(registry, key)
            found.append(None if record is None else record.doc)
        return found

    async def get_doc(self, registry: str, key: str) -> bytes:
        """The JSON document of a record; `RecordNotFound` when absent."""
        doc = await self.find_doc(registry, key)
        if doc is None:
            raise RecordNotFound(f"no {registry} record with identifier {key}")
        return doc

    async def list_docs(
        self, registry: str, *, cursor: str | None, limit: int
    ) -> tuple[list[bytes], str | None]:
        """A page of documents in identifier order, and the cursor of the next page."""
        kind = registry_kind(registry)
        after = decode_cursor(registry, cursor) if cursor else None
        raws = await self._in_thread(self._list, kind, after, limit)
        next_cursor = None
        if len(raws) == limit:
            next_cursor = orjson.loads(raws[-1])[kind.key_field]
        return [r.encode() for r in raws], next_cursor

    async def search_records(self, registry: str, **query: Any) -> list[dict[str, Any]]:
        """Ranked candidates for a name query (`registries.search`), best first."""
        run = functools.partial(registry_kind(registry).search, self.search, **query)
        return await self._in_thread(run)

    def _list(self, kind: RegistryKind, after: str | None, limit: int) -> list[str]:
        with self.connect() as conn:
            return repository.list_docs(conn, kind, after=after, limit=limit)

    async def replace(self, registry: str, key: str, body: Any, *, create: bool) -> bytes:
        """Create or replace a whole record (PUT); returns the stored document."""
        kind = registry_kind(registry)
        if not isinstance(body, dict):
            raise InvalidRecord(
                "a record is a JSON object", problems=[Problem("", "not an object")]
            )
        body = {**body, kind.key_field: body.get(kind.key_field, key)}
        body["updated_at"] = dt.datetime.now(dt.UTC).isoformat()
        doc = self._validate(kind, key, body)
        raw = await self._in_thread(self._store, kind, key, doc, create)
        await self._edited(registry, key)
        return raw.encode()

    async def patch(self, registry: str, key: str, patch: Any) -> bytes:
        """Apply a JSON merge patch to a record; returns the stored document."""
        kind = registry_kind(registry)
        if not isinstance(patch, dict):
            raise InvalidRecord("a merge patch is a JSON object", problems=[Problem("", "")])
        if kind.key_field in patch and patch[kind.key_field] != key:
            raise InvalidRecord(
                "the identifier of a record cannot be changed",
                problems=[Problem(f"/{kind.key_field}", "cannot be changed", "immutable")],
            )
        current = orjson.loads(await self.get_doc(registry, key))
        merged = merge_patch(current, patch)
        merged["updated_at"] = dt.datetime.now(dt.UTC).isoformat()
        doc = self._validate(kind, key, merged)
        raw = await self._in_thread(self._store, kind, key, doc, False)
        await self._edited(registry, key)
        return raw.encode()

    async def delete(self, registry: str, key: str) -> None:
        """Delete a record no other record refers to."""
        await self._in_thread(self._delete, registry_kind(registry), key)
        await self._edited(registry, key)

    async def _edited(self, registry: str, key: str) -> None:
        """After a committed edit: no cache tier of any worker keeps the old document, and
        no worker reads from a replica that has not replayed it (`registries.replicas`)."""
        await self.cache.invalidate(f"{registry}:{key}", lsn=await self.wal_position())

    async def wal_position(self) -> int | None:
        """With replicas, the primary's WAL position now (after a commit: past it)."""
        if self.replicas is None:
            return None
        return await self._in_thread(self._wal_position)

    def _wal_position(self) -> int:
        with self.engine.connect() as conn:
            return repository.wal_position(conn)

    def _validate(self, kind: RegistryKind, key: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            record = kind.record.model_validate(body)
        except ValidationError as exc:
            raise InvalidRecord("the record is not valid", problems=_problems(exc)) from exc
        doc = record.model_dump(mode="json")
        if doc[kind.key_field] != key:
            raise InvalidRecord(
                "the identifier in the body differs from the one in the path",
                problems=[Problem(f"/{kind.key_field}", f"must be {key}", "mismatch")],
            )
        problems = kind.disagreements(key, doc)
        if problems:
            raise InvalidRecord(
                f"the record disagrees with its {kind.key_label}", problems=problems
            )
        return doc

    def _store(self, kind: RegistryKind, key: str, doc: dict[str, Any], create: bool) -> str:
        raw = orjson.dumps(doc).decode()
        with self.engine.begin() as conn:
            exists = repository.read_doc(conn, kind, key) is not None
            if create and exists:
                raise RecordConflict(f"a {kind.name} record {key} already exists")
            missing = self._missing_people(conn, kind, key, doc)
            if missing:
                raise InvalidRecord(
                    "the record refers to people who are not in the citizen registry",
                    problems=[Problem(p, "no such citizen", "unknown_reference") for p in missing],
                )
            kind.store(conn, doc, raw)
            reindex_record(conn, kind.name, key)
        self.search.forget_vocabulary(kind.name)
        return raw

    @staticmethod
    def _missing_people(conn: Any, kind: RegistryKind, key: str, doc: dict[str, Any]) -> list[str]:
        refs = kind.references(doc)
        wanted = {v for v in refs.values() if v != key}
        found = repository.existing_citizens(conn, wanted)
        return [ptr for ptr, pid in refs.items() if pid != key and pid not in found]

    def _delete(self, kind: RegistryKind, key: str) -> None:
        with self.engine.begin() as conn:
            refs = kind.referrers(conn, key)
            if refs:
                raise RecordConflict(
                    f"{kind.name} {key} is referred to by other records ({', '.join(refs)}); "
                    "edit those first"
                )
            if not repository.delete_record(conn, kind, key):
                raise RecordNotFound(f"no {kind.name} record with identifier {key}")
            reindex_record(conn, kind.name, key)

    @staticmethod
    async def _in_thread(fn: Any, *args: Any) -> Any:
        with database_down_as("the registry database cannot be reached"):
            return await asyncio.to_thread(fn, *args)
