"""JSON Schema (2020-12) documents: a form's data, and the schema format itself."""

from __future__ import annotations

from typing import Any

from forms.compiled import FIELD_TYPES
from forms.schemas import KEY_PATTERN, Column, FormField, FormSchema
from forms.transforms import TRANSFORMS
from registries.kinds import KINDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://autofill.example/schemas/"

_ADDRESS = {
    "type": "object",
    "properties": {
        "line": {"type": ["string", "null"], "title": "Số nhà, đường phố, thôn, xóm"},
        "ward_code": {"type": ["string", "null"], "pattern": "^\\d{5}$"},
        "ward_name": {"type": ["string", "null"], "title": "Xã, phường, đặc khu"},
        "province_code": {"type": ["string", "null"], "pattern": "^\\d{2}$"},
        "province_name": {"type": ["string", "null"], "title": "Tỉnh, thành phố"},
        "country": {"type": "string"},
        "text": {"type": "string", "title": "Địa chỉ"},
    },
    "required": ["text"],
}


def _value_schema(f: FormField | Column) -> dict[str, Any]:
    kind = f.type
    out: dict[str, Any]
    if kind in ("text", "textarea"):
        out = {"type": "string", "maxLength": 2000}
    elif kind == "number":
        out = {"type": "number"}
    elif kind == "date":
        out = {"type": "string", "format": "date"}
    elif kind == "select":
        out = {"enum": [o.value for o in f.options or []]}
    elif kind == "address":
        out = {"$ref": "#/$defs/address"}
    elif kind == "phone":
        out = {"type": "string", "pattern": "^\\+?[0-9 .-]{8,15}$"}
    elif kind == "email":
        out = {"type": "string", "format": "email"}
    elif kind == "checkbox":
        out = {"type": "boolean"}
    else:  # list
        columns = f.columns if isinstance(f, FormField) else None
        out = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {c.key: _value_schema(c) for c in columns or []},
                "required": [c.key for c in columns or [] if c.required],
                "additionalProperties": False,
            },
        }
    out["title"] = f.label
    if f.label_en:
        out["description"] = f.label_en
    return out


def data_schema(schema: FormSchema) -> dict[str, Any]:
    """The JSON Schema of the data a filled form holds (field key -> value)."""
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}forms/{schema.id}/v{schema.version or 0}",
        "title": schema.title,
        **({"description": schema.title_en} if schema.title_en else {}),
        "type": "object",
        "properties": {f.key: _value_schema(f) for f in schema.fields},
        "required": [f.key for f in schema.fields if f.required],
        "additionalProperties": False,
        "$defs": {"address": _ADDRESS},
    }


def format_schema(*, draft: bool = False) -> dict[str, Any]:
    """The JSON Schema of the form-schema format, with the closed lists spelt out. A `draft`
    (what `suggest` reads) may still name field types and transforms that do not exist:
    registration checks those."""
    doc = FormSchema.model_json_schema(by_alias=True, mode="validation")
    defs = doc["$defs"]
    transforms = sorted(TRANSFORMS)
    defs["Subject"]["properties"]["registry"]["anyOf"][0]["enum"] = list(KINDS)
    if not draft:
        defs["FormField"]["properties"]["type"]["enum"] = list(FIELD_TYPES)
        defs["Column"]["properties"]["type"]["enum"] = [t for t in FIELD_TYPES if t != "list"]
        defs["TransformCall"]["properties"]["name"]["enum"] = transforms
        for owner in ("Prefill", "Column"):
            items = defs[owner]["properties"]["transform"]["items"]
            items["anyOf"][0]["enum"] = transforms
    subjects = doc["properties"]["subjects"]
    # At least one root subject: not every subject is reached `from` another.
    subjects["minProperties"] = 1
    subjects["description"] = "at least one root subject (one with no `from`)"
    subjects["propertyNames"] = {"pattern": KEY_PATTERN}
    # A subject names its registry (a root) or the attribute it is reached from (chained).
    defs["Subject"]["anyOf"] = [
        {"required": ["registry"], "properties": {"registry": {"type": "string"}}},
        {"required": ["from"], "properties": {"from": {"type": "string"}}},
    ]
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}form-schema",
        **doc,
        "x-transforms": {
            name: {"takes": sorted(t.takes), "gives": t.gives, "doc": t.doc}
            for name, t in sorted(TRANSFORMS.items())
        },
    }


def inline_schema(document: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema with its local `$defs` references written in place (for OpenAPI bodies,
    where `#/$defs/…` would point at the wrong document)."""
    defs = document.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                rest = {k: walk(v) for k, v in node.items() if k != "$ref"}
                return {**walk(defs[ref.removeprefix("#/$defs/")]), **rest}
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(document)
