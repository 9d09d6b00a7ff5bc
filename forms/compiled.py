"""A validated form, compiled for prefill: getters and transform chains built once, so the
hot path only walks dicts and calls small functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms.schemas import FormSchema

Fn = Callable[[Any], Any]

# What each field type can hold (value kinds, see `forms.vocabulary.VType`).
FIELD_HOLDS: dict[str, frozenset[str]] = {
    "text": frozenset({"text"}),
    "textarea": frozenset({"text"}),
    "number": frozenset({"integer", "number"}),
    "date": frozenset({"date"}),
    "select": frozenset({"code", "text"}),
    "address": frozenset({"address", "place"}),
    "phone": frozenset({"text"}),
    "email": frozenset({"text"}),
    "checkbox": frozenset({"boolean"}),
    "list": frozenset(),  # holds a list; its columns hold the values
}
FIELD_TYPES = tuple(FIELD_HOLDS)


@dataclass(frozen=True, slots=True)
class CompiledSubject:
    """A subject: root (given by the caller) or chained (read from `parent`'s record)."""

    name: str
    registry: str
    parent: str | None = None
    identifier: Fn | None = None  # reads the chained record's identifier from the parent doc
    optional: bool = False


@dataclass(frozen=True, slots=True)
class CompiledColumn:
    """A column of a list field: reads one value from a list element."""

    key: str
    get: Fn | None
    pipe: Fn | None


@dataclass(frozen=True, slots=True)
class CompiledField:
    """A field with its prefill mapping, if it has one."""

    key: str
    type: str
    subject: str | None = None
    registry: str | None = None
    attribute: str | None = None  # path inside the record, as the schema wrote it
    get: Fn | None = None
    pipe: Fn | None = None
    locked: bool = True
    columns: tuple[CompiledColumn, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledForm:
    """A registered form version ready to prefill."""

    schema: FormSchema
    digest: str
    subjects: dict[str, CompiledSubject]
    roots: tuple[str, ...]
    # Chained subjects in waves: each wave depends only on earlier ones (resolved concurrently).
    waves: tuple[tuple[str, ...], ...]
    fields: tuple[CompiledField, ...]
    mapped: int  # how many fields have a prefill mapping

    @property
    def id(self) -> str:
        """The form id."""
        return self.schema.id

    @property
    def version(self) -> int:
        """The registered version (0 before registration)."""
        return self.schema.version or 0
