"""A submitted page turned back into field values for the submission check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from autofill.portal.text import display_text, present
from autofill.portal.views import table_cells


def _typed(kind: str, text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if kind == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text


def _original(form: Mapping[str, str], key: str) -> tuple[bool, Any]:
    raw = form.get(f"orig.{key}")
    if raw is None:
        return False, None
    try:
        return True, orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False, None


def _rows(spec: Mapping[str, Any], form: Mapping[str, str]) -> list[list[str]] | None:
    columns = spec.get("columns") or [{"key": "value"}]
    rows = []
    i = 0
    while f"cell.{spec['key']}.{i}.0" in form:
        rows.append([form.get(f"cell.{spec['key']}.{i}.{j}", "") for j in range(len(columns))])
        i += 1
    return rows if rows else None


def _list_value(spec: Mapping[str, Any], form: Mapping[str, str]) -> Any:
    has_original, original = _original(form, spec["key"])
    rows = _rows(spec, form)
    if rows is None:
        text = form.get(f"field.{spec['key']}")
        if text is not None and text.strip():
            return [line.strip() for line in text.splitlines() if line.strip()]
        return original if has_original else None
    if has_original and rows == table_cells(spec, original):
        return original
    columns = spec.get("columns") or [{"key": "value"}]
    return [
        {
            c["key"]: _typed(c.get("type") or "text", cell)
            for c, cell in zip(columns, row, strict=True)
        }
        for row in rows
    ]


def submitted_values(schema: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The values of a submitted page: a prefilled value shown unchanged is sent back as
    the registry gave it (structured, ISO dates, codes); anything else as typed."""
    values: dict[str, Any] = {}
    for spec in schema.get("fields") or []:
        key, kind = spec["key"], spec.get("type") or "text"
        if kind == "list":
            values[key] = _list_value(spec, form)
            continue
        has_original, original = _original(form, key)
        shown = form.get(f"field.{key}")
        if kind == "checkbox" and shown not in (present(spec, True), present(spec, False)):
            shown = present(spec, shown == "true")  # a box sends "true" when ticked, else nothing
        unchanged = shown is None or shown in (display_text(original), present(spec, original))
        if has_original and unchanged:
            values[key] = original
        elif kind == "checkbox":
            values[key] = shown == present(spec, True)
        elif shown is not None:
            values[key] = _typed(kind, shown)
    return values
