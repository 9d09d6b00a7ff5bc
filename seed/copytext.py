"""Rows as PostgreSQL COPY text, encoded where they are generated (the worker processes).

The writer process then only streams bytes to the server: the per-row Python work (value
formatting, escaping) runs on both cores with the generation instead of serially in it.
The encoding is COPY's text format: tab-separated, `\\N` for NULL, `t`/`f` for booleans,
backslash, tab, newline and carriage return escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from registries.search.bulk import IndexBatch
from seed.businesses import BUSINESS_COLUMNS, BusinessBatch
from seed.citizens import CitizenBatch
from seed.documents import CITIZEN_COLUMNS

# Tables whose rows end with (updated_at, doc): `updated_at` is stored UTC text without zone.
UPDATED_AT = {
    "citizens": CITIZEN_COLUMNS.index("updated_at"),
    "businesses": BUSINESS_COLUMNS.index("updated_at"),
}
SEARCH_TABLES = {"citizen": "citizen_search", "business": "business_search"}
_NULL = b"\\N"


def _escape(value: bytes) -> bytes:
    if b"\\" in value:
        value = value.replace(b"\\", b"\\\\")
    if b"\t" in value:
        value = value.replace(b"\t", b"\\t")
    if b"\n" in value:
        value = value.replace(b"\n", b"\\n")
    if b"\r" in value:
        value = value.replace(b"\r", b"\\r")
    return value


def _field(value: Any) -> bytes:
    if value is None:
        return _NULL
    if isinstance(value, bytes):
        return _escape(value)
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, str):
        return _escape(value.encode())
    return repr(value).encode()  # int, float: repr round-trips


def encode(table: str, rows: Iterable[Sequence[Any]]) -> bytes:
    """The rows of a registry table as COPY text."""
    moment = UPDATED_AT.get(table)
    lines = []
    for row in rows:
        fields = [_field(v) for v in row]
        if moment is not None:  # explicit UTC, as `registries.repository` stores it
            fields[moment] += b"+00"
        lines.append(b"\t".join(fields))
    lines.append(b"")
    return b"\n".join(lines) if len(lines) > 1 else b""


@dataclass
class Encoded:
    """A chunk ready for COPY: (table, data, rows) in load order, the businesses' candidate
    people (citizen chunks), and the search index's per-name keys and word counts."""

    kind: str
    tables: list[tuple[str, bytes, int]] = field(default_factory=list)
    candidates: list[Any] = field(default_factory=list)
    registry: str = ""
    name_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    words: Counter[str] = field(default_factory=Counter)

    def add(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Encode and append one table's rows."""
        if rows:
            self.tables.append((table, encode(table, rows), len(rows)))

    def add_index(self, batch: IndexBatch | None) -> None:
        """Encode the search rows; keep the name keys and words for the writer."""
        if batch is None:
            return
        self.add(SEARCH_TABLES[batch.registry], batch.rows)
        self.registry, self.name_keys, self.words = batch.registry, batch.name_keys, batch.words


def encode_citizens(batch: CitizenBatch) -> Encoded:
    """A citizen chunk as COPY text."""
    out = Encoded("c", candidates=batch.candidates)
    out.add("citizens", batch.citizens)
    out.add("households", batch.households)
    out.add_index(batch.index)
    return out


def encode_businesses(batch: BusinessBatch) -> Encoded:
    """A business chunk as COPY text."""
    out = Encoded("b")
    out.add("businesses", batch.businesses)
    out.add("business_representatives", batch.representatives)
    out.add("business_owners", batch.owners)
    out.add("business_lines", batch.lines)
    out.add_index(batch.index)
    return out
