"""The audit log's hash chain: each entry carries the hash of the one before it.

An entry's hash is SHA-256 over the canonical encoding of its fields, its id and the
previous entry's hash. The canonical encoding is RFC 8785 (JCS): a JSON object with the
keys sorted, no whitespace, UTF-8. Every value is a string, an integer, a boolean or null,
so JCS's number rules never come into play and orjson with sorted keys writes exactly the
JCS bytes (a test checks it against an independent JCS implementation). `at` is written as
`YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds), the precision both backends store.

One chain, no forks: the writer reads the head (`audit_chain_head`, one row) inside the
transaction that inserts the batch, gives the entries the ids after it, and moves the head
in the same commit. On PostgreSQL the head row is read `FOR UPDATE`, so the batches of
several workers queue on that row lock and each sees the head the previous one left; on
SQLite the writer's `BEGIN IMMEDIATE` already makes every write transaction exclusive.
Ids are given by the chain (head + 1, + 2, ...), not by the database's sequence, so that
they are known before the insert and covered by the hash: an entry moved to another id no
longer matches its hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

# Fields added after the chain began: left out of an entry's hash while null, so that the
# entries written before them keep their hashes.
OPTIONAL_FIELDS = ("consent_id",)
GENESIS = "0" * 64  # the "previous hash" of the first entry ever written
HEAD_ID = 1
Head = tuple[int, str, int]  # last id, last hash, entries ever written

_HEAD_SQL = "SELECT last_id, last_hash, entry_count FROM audit_chain_head WHERE id = 1"
_MOVE_SQL = (
    "UPDATE audit_chain_head SET last_id = {m}, last_hash = {m}, entry_count = {m} WHERE id = 1"
)


class ChainBroken(Exception):
    """The chain head is missing: nothing can be appended until it is restored."""


def timestamp_text(value: dt.datetime | str) -> str:
    """The canonical text of an entry's time (an aware or naive-UTC datetime, or the
    SQLite writer's stored text)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            return f"{value[:10]}T{value[11:]}Z"  # the stored form: no parse on the hot path
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat("T", "microseconds") + "Z"


def canonical(entry_id: int, prev_hash: str, fields: Mapping[str, Any]) -> bytes:
    """The JCS bytes an entry's hash is taken over."""
    doc = dict(fields)
    for name in OPTIONAL_FIELDS:
        if doc.get(name) is None:
            doc.pop(name, None)
    doc["at"] = timestamp_text(fields["at"])
    doc["id"] = entry_id
    doc["prev_hash"] = prev_hash
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def entry_hash(entry_id: int, prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The hash an entry carries, hex."""
    return hashlib.sha256(canonical(entry_id, prev_hash, fields)).hexdigest()


def link(head: Head, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[list, Head]:
    """The rows with (id, prev_hash, entry_hash) in front, and the head after them."""
    last_id, last_hash, count = head
    chained = []
    for row in rows:
        last_id += 1
        digest = entry_hash(last_id, last_hash, dict(zip(columns, row, strict=True)))
        chained.append((last_id, last_hash, digest, *row))
        last_hash = digest
    return chained, (last_id, last_hash, count + len(rows))


def insert_sql(columns: Sequence[str], mark: str) -> str:
    """The INSERT of chained rows."""
    names = ("id", "prev_hash", "entry_hash", *columns)
    return f"INSERT INTO audit_log ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"


def append_sqlite(conn: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Chain and insert a batch inside the caller's `BEGIN IMMEDIATE` transaction."""
    head = conn.execute(_HEAD_SQL).fetchone()
    if head is None:
        raise ChainBroken("the audit chain head row is missing")
    chained, moved = link(tuple(head), columns, rows)  # type: ignore[arg-type]
    conn.executemany(insert_sql(columns, "?"), chained)
    conn.execute(_MOVE_SQL.format(m="?"), moved)


async def append_postgres(
    cursor: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Chain and insert a batch inside the caller's transaction, holding the head row."""
    await cursor.execute(_HEAD_SQL + " FOR UPDATE")
    head = await cursor.fetchone()
    if head is None:
        raise ChainBroken("the audit chain head row is missing")
    chained, moved = link(tuple(head), columns, rows)  # type: ignore[arg-type]
    await cursor.executemany(insert_sql(columns, "%s"), chained)
    await cursor.execute(_MOVE_SQL.format(m="%s"), moved)
