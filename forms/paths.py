"""Attribute paths: parse `subject.a.b[0].c`, resolve them against the vocabulary, and build
the getter that reads them from a stored record document.

A path may cross at most one list without an index; that yields a list (one value per
element). An index picks one element (`legal_representatives[0]`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms.vocabulary import VType, vocabulary

MAX_DEPTH = 8
_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d{1,3})\])?$")


class PathError(ValueError):
    """A path that does not parse or resolve; `suggestion` names a close valid one."""

    def __init__(self, detail: str, code: str, suggestion: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.suggestion = suggestion


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a path: an attribute name, an optional index, whether it is a list."""

    name: str
    index: int | None
    is_list: bool


@dataclass(frozen=True, slots=True)
class Resolved:
    """A path resolved in a registry: canonical path (no indices), steps, type."""

    canonical: str
    segments: tuple[Segment, ...]
    type: VType


def split(path: str) -> list[tuple[str, int | None]]:
    """Parse a dotted path into (name, index) pairs; `PathError` when malformed."""
    parts = path.split(".")
    if len(parts) > MAX_DEPTH:
        raise PathError(f"a path has at most {MAX_DEPTH} parts", "path_too_deep")
    out: list[tuple[str, int | None]] = []
    for part in parts:
        m = _SEGMENT.match(part)
        if not m:
            raise PathError(
                f"'{part}' is not an attribute name (lower-case letters, digits, '_', "
                "optionally an index such as [0])",
                "malformed_path",
            )
        out.append((m.group(1), int(m.group(2)) if m.group(2) is not None else None))
    return out


def resolve(registry: str, prefix: str, parts: list[tuple[str, int | None]]) -> Resolved:
    """Resolve attribute parts in a registry, below `prefix` (a canonical path or '')."""
    vocab = vocabulary(registry)
    canonical = prefix
    segments: list[Segment] = []
    many = False
    attr = None
    for name, index in parts:
        canonical = f"{canonical}.{name}" if canonical else name
        attr = vocab.get(canonical)
        if attr is None:
            raise PathError(
                f"the {registry} registry has no attribute '{canonical}'",
                "unknown_attribute",
                closest(registry, canonical),
            )
        if index is not None and not attr.type.many:
            raise PathError(f"'{canonical}' is not a list: it takes no index", "not_a_list")
        if attr.type.many and index is None:
            if many:
                raise PathError(
                    f"'{canonical}' is a list inside a list: give one of them an index",
                    "nested_lists",
                )
            many = True
        segments.append(Segment(name, index, attr.type.many))
    assert attr is not None
    vtype = attr.type.one()
    return Resolved(canonical, tuple(segments), vtype.as_many() if many else vtype)


def closest(registry: str, canonical: str, *, prefix: str = "") -> str | None:
    """The vocabulary path nearest to a misspelt one ("did you mean"), or None."""
    from rapidfuzz import fuzz, process, utils

    choices = [p for p in vocabulary(registry) if p.startswith(prefix)]
    found = process.extractOne(
        canonical, choices, scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=70
    )
    return found[0] if found else None


def getter(segments: tuple[Segment, ...]) -> Callable[[Any], Any]:
    """A function reading these steps from a parsed document (None when absent)."""
    steps = segments

    def walk(value: Any, start: int) -> Any:
        for i in range(start, len(steps)):
            if not isinstance(value, dict):
                return None
            step = steps[i]
            value = value.get(step.name)
            if value is None:
                return None
            if step.is_list:
                if step.index is not None:
                    value = value[step.index] if step.index < len(value) else None
                else:
                    return [walk(item, i + 1) for item in value]
        return value

    if len(steps) == 1 and not steps[0].is_list:
        name = steps[0].name
        return lambda doc: doc.get(name)
    return lambda doc: walk(doc, 0)
