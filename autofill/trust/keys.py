"""API keys stored in the database: create (secret shown once), list, revoke, look up.

A key reads `afk_<id>_<secret>`: the id is public (listings, audit entries, logs), the
secret is 32 random bytes. Only the SHA-256 of the whole key is stored. A fast hash is
right here, unlike for passwords: with 256 bits of entropy no guess list exists for a slow
hash to slow down, and bcrypt's ~100 ms per check (and its 72-byte limit) would sit on
every request. The digest is also a direct index: one primary-key-like lookup per key.

`DatabaseKeyStore` caches lookups per process for `key_cache_seconds` (5 s by default):
that is the documented bound on how long a revoked key keeps working in *other* workers;
the worker that revokes forgets it at once. 0 checks the database on every request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update

from autofill.errors import InvalidRequest, KeyNotFound, Problem, ServiceUnavailable
from autofill.models import ApiKey
from autofill.trust.access import SCOPES, KeyPrincipal, hash_secret
from registries.database import database_down_as
from registries.flights import SingleFlight

KEY_PREFIX = "afk"
FORM_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What a listing shows of a key (never the secret)."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    form_ids: list[str] | None
    rate_limit_per_minute: int | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _info(row: Any) -> KeyInfo:
    created = _utc(row.created_at)
    assert created is not None
    return KeyInfo(
        id=row.id,
        name=row.name,
        prefix=f"{KEY_PREFIX}_{row.id}_",
        scopes=orjson.loads(row.scopes),
        form_ids=None if row.form_ids is None else orjson.loads(row.form_ids),
        rate_limit_per_minute=row.rate_limit_per_minute,
        created_at=created,
        revoked_at=_utc(row.revoked_at),
    )


def check_key_spec(
    name: str, scopes: Iterable[str], form_ids: Iterable[str] | None, rate_limit: int | None
) -> tuple[list[str], list[str] | None]:
    """Validate a key's name, scopes, forms and limit; canonical scopes and forms."""
    problems = []
    if not name.strip() or len(name) > 100:
        problems.append(Problem("/name", "a name of 1 to 100 characters is required"))
    scope_list = sorted(set(scopes))
    if not scope_list:
        problems.append(Problem("/scopes", f"give at least one of {', '.join(SCOPES)}"))
    for scope in scope_list:
        if scope not in SCOPES:
            problems.append(
                Problem("/scopes", f"unknown scope {scope!r}; known: {', '.join(SCOPES)}")
            )
    form_list = None if form_ids is None else sorted(set(form_ids))
    for i, form_id in enumerate(form_list or []):
        if not FORM_ID.match(form_id):
            problems.append(Problem(f"/form_ids/{i}", f"{form_id!r} is not a form id"))
    if rate_limit is not None and rate_limit < 1:
        problems.append(Problem("/rate_limit_per_minute", "must be at least 1"))
    if problems:
        raise InvalidRequest(problems[0].detail, problems=problems)
    return scope_list, form_list


def create_key(
    engine: Engine,
    *,
    name: str,
    scopes: Iterable[str],
    form_ids: Iterable[str] | None = None,
    rate_limit_per_minute: int | None = None,
) -> tuple[KeyInfo, str]:
    """Store a new key; returns its listing and the secret, which is never shown again."""
    scope_list, form_list = check_key_spec(name, scopes, form_ids, rate_limit_per_minute)
    key_id = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = {
        "id": key_id,
        "name": name.strip(),
        "secret_hash": hash_secret(secret),
        "scopes": orjson.dumps(scope_list).decode(),
        "form_ids": None if form_list is None else orjson.dumps(form_list).decode(),
        "rate_limit_per_minute": rate_limit_per_minute,
        "created_at": dt.datetime.now(dt.UTC),
        "revoked_at": None,
    }
    with engine.begin() as conn:
        conn.execute(insert(ApiKey), [row])
    return get_key(engine, key_id), secret


def get_key(engine: Engine, key_id: str) -> KeyInfo:
    """One key's listing; `KeyNotFound` when absent."""
    with engine.connect() as conn:
        row = conn.execute(select(ApiKey).where(ApiKey.id == key_id)).first()
    if row is None:
        raise KeyNotFound(f"no API key with id {key_id!r}")
    return _info(row)


def list_keys(engine: Engine, *, include_revoked: bool = True) -> list[KeyInfo]:
    """Every key, oldest first."""
    query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    with engine.connect() as conn:
        return [_info(row) for row in conn.execute(query)]


def revoke_key(engine: Engine, key_id: str) -> KeyInfo:
    """Revoke a key (idempotent); `KeyNotFound` when absent."""
    with engine.begin() as conn:
        conn.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
    return get_key(engine, key_id)


def find_principal(engine: Engine, secret_hash: str) -> KeyPrincipal | None:
    """The principal of a live key with this digest, or None."""
    query = select(ApiKey).where(ApiKey.secret_hash == secret_hash, ApiKey.revoked_at.is_(None))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    info = _info(row)
    return KeyPrincipal(
        key_id=info.id,
        name=info.name,
        scopes=frozenset(info.scopes),
        form_ids=None if info.form_ids is None else frozenset(info.form_ids),
        rate_limit_per_minute=info.rate_limit_per_minute,
    )


class DatabaseKeyStore:
    """The `KeyStore` of database keys, with a short per-process cache of lookups."""

    def __init__(self, engine: Engine, *, ttl_seconds: float = 5.0, max_items: int = 10_000):
        self._engine = engine
        self._ttl = ttl_seconds
        self._max = max_items
        self._cache: OrderedDict[str, tuple[float, KeyPrincipal | None]] = OrderedDict()
        self._reads: SingleFlight[str, KeyPrincipal | None] = SingleFlight()

    async def find(self, secret_hash: str) -> KeyPrincipal | None:
        """The principal for a digest (cached for the TTL), or None.

        Requests that find the entry expired at the same moment share one read (a busy
        key's requests in flight would otherwise each read it in a thread).
        """
        now = time.monotonic()
        hit = self._cache.get(secret_hash)
        if hit is not None and hit[0] > now:
            return hit[1]
        return await self._reads.run(secret_hash, lambda: self._read(secret_hash, now))

    async def _read(self, secret_hash: str, now: float) -> KeyPrincipal | None:
        with database_down_as("the key store cannot be reached", ServiceUnavailable):
            principal = await asyncio.to_thread(find_principal, self._engine, secret_hash)
        if self._ttl > 0:
            self._cache[secret_hash] = (now + self._ttl, principal)
            self._cache.move_to_end(secret_hash)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return principal

    def forget(self, key_id: str) -> None:
        """Drop cached lookups of a key (after revoking it in this process)."""
        self._reads.forget()  # reads in flight may predate the revocation
        stale = [h for h, (_, p) in self._cache.items() if p is not None and p.key_id == key_id]
        for digest in stale:
            self._cache.pop(digest, None)
