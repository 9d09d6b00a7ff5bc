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
    vi: str
    en: str


@cache
def _entries(registry: str) -> tuple[_Entry, ...]:
    return tuple(
        _Entry(a, fold(a.label), fold(a.label_en))
        for a in vocabulary(registry).values()
        if a.type.kind != "object" or a.type.many
    )


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
        for name, subject in checker.subjects.items():
            subject_label = fold(schema.subjects[name].label or "")
            for e in _entries(subject.registry):
                score = fuzz.token_set_ratio(label_vi, e.vi)
                if subject_label:
                    score = max(score, fuzz.token_set_ratio(label_vi, f"{e.vi} {subject_label}"))
                if label_en:
                    score = max(score, fuzz.token_set_ratio(label_en, e.en))
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
