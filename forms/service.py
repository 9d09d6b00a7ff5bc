"""The versioned form store: register, read, retire; compiled forms kept in memory.

The database is the source of truth across workers. Each worker keeps compiled versions by
(id, version) — immutable, so never stale — and the head of each form (latest version,
retired) for `HEAD_TTL` seconds: a version registered or a form retired through another
worker is seen here within that time, through this worker at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from forms import repository
from forms.compiled import CompiledForm
from forms.errors import FormConflict, FormNotFound, FormRetired
from forms.validation import compile_schema
from registries.database import database_down_as
from registries.flights import SingleFlight

HEAD_TTL = 2.0
MAX_COMPILED = 1000


@dataclass(frozen=True, slots=True)
class StoredForm:
    """One stored version of a form, with the form's current state."""

    id: str
    version: int
    latest_version: int
    document: dict[str, Any]
    digest: str
    created_at: dt.datetime
    retired_at: dt.datetime | None

    @property
    def retired(self) -> bool:
        """Whether the form is retired."""
        return self.retired_at is not None

    def summary(self) -> dict[str, Any]:
        """The listing entry."""
        return {
            "id": self.id,
            "title": self.document.get("title"),
            "version": self.version,
            "latest_version": self.latest_version,
            "retired": self.retired,
            "legal_basis": self.document.get("legal_basis"),
        }


class FormStore:
    """Form schemas in the database, compiled forms in memory."""

    def __init__(self, engine: Engine, *, head_ttl: float = HEAD_TTL) -> None:
        self.engine = engine
        self.head_ttl = head_ttl
        self._compiled: OrderedDict[tuple[str, int], CompiledForm] = OrderedDict()
        self._heads: dict[str, tuple[float, int, bool]] = {}
        self._head_reads: SingleFlight[str, StoredForm] = SingleFlight()

    # writes ----------------------------------------------------------------------------
    async def register(
        self, document: Any, *, created_by: str | None = None, skip_retired: bool = False
    ) -> tuple[StoredForm, bool]:
        """Validate and store a schema as the next version; an identical one is not re-added.

        Returns the stored version and whether it was created.
        """
        compiled = compile_schema(document)
        stored, created = await self._run(self._register, compiled, created_by, skip_retired)
        self._remember(stored)
        return stored, created

    def _register(
        self, compiled: CompiledForm, created_by: str | None, skip_retired: bool
    ) -> tuple[StoredForm, bool]:
        schema = compiled.schema
        for _ in range(5):  # retry when another worker registers the same id at once
            now = dt.datetime.now(dt.UTC)
            try:
                with self.engine.begin() as conn:
                    form = repository.find_form(conn, schema.id)
                    if form is not None:
                        latest = repository.find_version(conn, schema.id, form.latest_version)
                        assert latest is not None
                        if latest.digest == compiled.digest or (
                            skip_retired and form.retired_at is not None
                        ):
                            return self._stored(form, latest), False
                        if form.retired_at is not None:
                            raise FormConflict(
                                f"form '{schema.id}' is retired; it takes no new versions"
                            )
                        version = form.latest_version + 1
                        if not repository.advance(conn, schema.id, schema.title, version - 1):
                            continue
                    else:
                        version = 1
                        repository.insert_form(conn, schema.id, schema.title, now)
                    document = {**compiled.schema.canonical(), "version": version}
                    repository.insert_version(
                        conn,
                        schema.id,
                        version,
                        compiled.digest,
                        orjson.dumps(document).decode(),
                        now,
                        created_by,
                    )
                    return StoredForm(
                        schema.id, version, version, document, compiled.digest, now, None
                    ), True
            except IntegrityError:
                continue
        raise FormConflict(f"form '{schema.id}' is being registered concurrently; try again")

    async def retire(self, form_id: str) -> StoredForm:
        """Retire a form: it stays readable with all its versions but no longer prefills."""
        stored = await self._run(self._set_retired, form_id, dt.datetime.now(dt.UTC))
        self._remember(stored)
        return stored

    def _set_retired(self, form_id: str, when: dt.datetime | None) -> StoredForm:
        with self.engine.begin() as conn:
            form = repository.find_form(conn, form_id)
            if form is None:
                raise FormNotFound(f"no form '{form_id}'")
            if form.retired_at is None:
                repository.set_retired(conn, form_id, when)
            form = repository.find_form(conn, form_id)
            assert form is not None
            row = repository.find_version(conn, form_id, form.latest_version)
            return self._stored(form, row)

    # reads -----------------------------------------------------------------------------
    async def get(self, form_id: str, version: int | None = None) -> StoredForm:
        """A version of a form (the latest by default); `FormNotFound` when absent."""
        stored = await self._run(self._get, form_id, version)
        self._remember(stored)
        return stored

    def _get(self, form_id: str, version: int | None) -> StoredForm:
        with self.engine.connect() as conn:
            form = repository.find_form(conn, form_id)
            if form is None:
                raise FormNotFound(f"no form '{form_id}'")
            row = repository.find_version(conn, form_id, version or form.latest_version)
            if row is None:
                raise FormNotFound(
                    f"form '{form_id}' has no version {version} (latest is {form.latest_version})"
                )
            return self._stored(form, row)

    async def list_all(self) -> list[StoredForm]:
        """The latest version of every form."""
        return await self._run(self._list)

    def _list(self) -> list[StoredForm]:
        with self.engine.connect() as conn:
            return [
                self._stored(form, repository.find_version(conn, form.id, form.latest_version))
                for form in repository.list_forms(conn)
            ]

    async def versions(self, form_id: str) -> list[dict[str, Any]]:
        """The versions of a form (number, digest, when, by whom)."""
        rows = await self._run(self._versions, form_id)
        return [dict(r._mapping) for r in rows]

    def _versions(self, form_id: str) -> list[Any]:
        with self.engine.connect() as conn:
            if repository.find_form(conn, form_id) is None:
                raise FormNotFound(f"no form '{form_id}'")
            return repository.list_versions(conn, form_id)

    async def compiled(self, form_id: str, version: int | None = None) -> CompiledForm:
        """The compiled form to prefill (latest by default); refuses retired forms."""
        head = self._heads.get(form_id)
        if head is None or head[0] < time.monotonic():
            stored = await self._read_head(form_id)
            head = self._heads[form_id]
            if stored.retired:
                raise FormRetired(f"form '{form_id}' is retired; it no longer prefills")
        if head[2]:
            raise FormRetired(f"form '{form_id}' is retired; it no longer prefills")
        found = self._compiled.get((form_id, version or head[1]))
        if found is None:
            self._remember(await self._run(self._get, form_id, version or head[1]))
            found = self._compiled[(form_id, version or head[1])]
        return found

    async def _read_head(self, form_id: str) -> StoredForm:
        """Read a form's head once for every request that finds it expired at that moment.

        Under load, all requests in flight when the head expires would each read it in a
        thread of its own (32 at once in the prefill benchmark, every `head_ttl`).
        """
        return await self._head_reads.run(form_id, lambda: self.get(form_id))

    # helpers ---------------------------------------------------------------------------
    @staticmethod
    def _stored(form: Any, row: Any) -> StoredForm:
        return StoredForm(
            form.id,
            row.version,
            form.latest_version,
            orjson.loads(row.document),
            row.digest,
            row.created_at,
            form.retired_at,
        )

    def _remember(self, stored: StoredForm) -> None:
        self._heads[stored.id] = (
            time.monotonic() + self.head_ttl,
            stored.latest_version,
            stored.retired,
        )
        key = (stored.id, stored.version)
        if key not in self._compiled:
            self._compiled[key] = compile_schema(stored.document, version=stored.version)
            while len(self._compiled) > MAX_COMPILED:
                self._compiled.popitem(last=False)

    @staticmethod
    async def _run(fn: Any, *args: Any) -> Any:
        with database_down_as("the form store's database cannot be reached"):
            return await asyncio.to_thread(fn, *args)
