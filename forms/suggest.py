"""Mapping suggestions: registry attributes for fields that have no prefill mapping yet,
matched on labels (Vietnamese or English, accent-insensitive) with rapidfuzz.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz

from forms.compiled import FIELD_HOLDS
from forms.errors import InvalidFormSchema
from forms.labels import ALIASES, POSSESSIVE
from forms.schemas import FormSchema
from forms.validation import FIXES, SchemaChecker, compile_schema
from forms.vocabulary import Attribute, vocabulary

MIN_SCORE = 55.0


def fold(text: str) -> str:
    """Lower-case, accents and đ folded, punctuation to spaces: for matching only."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in bare.lower()).split())


@dataclass(frozen=True, slots=True)
class _Entry:
    attribute: Attribute
    labels: tuple[str, ...]  # folded Vietnamese, English and alias labels
    depth: int


@cache
def _entries(registry: str) -> tuple[_Entry, ...]:
    out = []
    for a in vocabulary(registry).values():
        if a.type.kind == "object" and not a.type.many:
            continue
        *owners, name = a.path.split(".")
        nouns = [POSSESSIVE[o][0] for o in owners if o in POSSESSIVE]
        suffix = f" {nouns[-1]}" if nouns else ""
        aliases = tuple(alias + suffix for alias in ALIASES.get(name, ()))
        labels = (fold(a.label), fold(a.label_en), *(fold(x) for x in aliases))
        out.append(_Entry(a, labels, a.path.count(".")))
    return tuple(out)


def _similarity(a: str, b: str) -> float:
    """Word-set overlap, tempered by word order and length so extra words cost something."""
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def _fit(field_type: str, attribute: Attribute) -> tuple[bool, list[str]]:
    """Whether the field can hold the attribute, and the transform that makes it fit."""
    vtype = attribute.type
    if field_type == "list":
        return vtype.many, []
    if vtype.many:
        return False, []
    if vtype.kind in FIELD_HOLDS.get(field_type, frozenset()):
        return True, []
    fix = FIXES.get(vtype.kind)
    if fix and "text" in FIELD_HOLDS.get(field_type, frozenset()):
        return True, [fix]
    return False, []


def suggest_mappings(document: Any, *, limit: int = 3) -> dict[str, Any]:
    """For each field without a mapping, the best-scoring attributes of the form's subjects."""
    if not isinstance(document, dict):
        compile_schema(document)  # raises the located problem
    try:
        schema = FormSchema.model_validate(document)
    except Exception:
        compile_schema(document)
        raise
    checker = SchemaChecker(schema)
    checker.check_subjects()
    if not checker.subjects:
        raise InvalidFormSchema("the schema's subjects have problems", problems=checker.problems)
    out = []
    for i, f in enumerate(schema.fields):
        if f.prefill is not None:
            continue
        label_vi, label_en = fold(f.label), fold(f.label_en or "")
        ranked: list[tuple[float, dict[str, Any]]] = []
        wanted = [w for w in (label_vi, label_en) if w]
        for name, subject in checker.subjects.items():
            if not wanted:  # a label of punctuation only: nothing to match on
                break
            subject_label = fold(schema.subjects[name].label or "")
            for e in _entries(subject.registry):
                score = max(_similarity(w, x) for w in wanted for x in e.labels)
                if subject_label:
                    score = max(score, _similarity(label_vi, f"{e.labels[0]} {subject_label}"))
                score -= 3 * e.depth  # a top-level attribute wins a tie
                fits, transform = _fit(f.type, e.attribute)
                if not fits:
                    score -= 25
                if score >= MIN_SCORE:
                    path = e.attribute.path
                    ranked.append(
                        (
                            score,
                            {
                                "from": f"{name}.{path}",
                                "label": e.attribute.label,
                                "score": round(score, 1),
                                "fits": fits,
                                "transform": transform,
                            },
                        )
                    )
        ranked.sort(key=lambda x: -x[0])
        out.append(
            {
                "pointer": f"/fields/{i}",
                "key": f.key,
                "label": f.label,
                "candidates": [c for _, c in ranked[:limit]],
            }
        )
    return {"form": schema.id, "fields": out}
