"""What the portal shows: a form schema and a prefill result turned into sections of fields
with their status, lock and provenance (Vietnamese texts).

Works on the JSON of the public API (`GET /v1/forms/{id}`, `POST …/prefill`), as any
portal would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from autofill.portal.text import ISO_DATE, display_text, format_moment, present

FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")

REGISTRY_NAMES = {
    "citizen": "CSDL quốc gia về dân cư",
    "business": "CSDL quốc gia về đăng ký doanh nghiệp",
}
SUBJECT_INPUT_LABELS = {
    "citizen": "Số định danh cá nhân (12 chữ số)",
    "business": "Mã số doanh nghiệp / mã số thuế",
}
STATUS_NOTES = {
    "filled": "Điền sẵn từ {registry} — có thể sửa",
    "missing": "CSDL chưa có thông tin này — vui lòng nhập",
    "unavailable": "Không tra cứu được hồ sơ liên quan — vui lòng nhập",
    "not_applicable": "Không áp dụng (chưa khai báo đối tượng liên quan)",
    "kept": "Giữ giá trị người nộp đã nhập",
    "manual": "Người nộp tự nhập",
}
INPUT_TYPES = {"number": "number", "phone": "tel", "email": "email", "date": "date"}
CONTROLS = {
    "select": "select",
    "address": "textarea",
    "textarea": "textarea",
    "list": "table",
    "checkbox": "checkbox",
}


@dataclass(frozen=True, slots=True)
class SubjectInput:
    """An identifier the user must give: one per root subject of the form."""

    name: str
    registry: str
    label: str  # what identifier: personal ID or tax code
    role: str | None  # whose: the subject's own label in the schema
    optional: bool


@dataclass(slots=True)
class FieldView:
    """One field as the page renders it."""

    key: str
    label: str
    kind: str  # the schema's field type
    control: str  # input, select, textarea or table
    input_type: str
    required: bool
    help: str | None
    status: str  # filled, missing, unavailable, not_applicable, kept or manual
    locked: bool
    text: str  # the value as the control holds it
    original: str | None  # JSON of the prefilled value, to submit it unchanged
    note: str
    source_registry: str | None = None
    source_attribute: str | None = None
    updated_at: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class SectionView:
    """A titled group of fields."""

    key: str
    title: str | None
    fields: list[FieldView]


@dataclass(slots=True)
class Coverage:
    """How much of the form the registries filled."""

    filled: int
    total: int

    @property
    def percent(self) -> int:
        """The share filled, in whole percent."""
        return round(100 * self.filled / self.total) if self.total else 0


def is_form_id(value: str) -> bool:
    """Whether a string can be a form id (checked before it goes into a URL path)."""
    return bool(FORM_ID.match(value))


def root_subjects(schema: Mapping[str, Any]) -> list[SubjectInput]:
    """The subjects the user identifies (the others are reached from them)."""
    inputs = []
    for name, subject in (schema.get("subjects") or {}).items():
        if subject.get("from"):
            continue
        registry = subject.get("registry") or "citizen"
        label = SUBJECT_INPUT_LABELS.get(registry, name)
        optional = bool(subject.get("optional"))
        inputs.append(SubjectInput(name, registry, label, subject.get("label"), optional))
    return inputs


def envelopes_by_key(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The prefill envelopes by field key (the API may list them or key them)."""
    fields = result.get("fields") or {}
    if isinstance(fields, Mapping):
        return dict(fields)
    return {f["key"]: f for f in fields if isinstance(f, Mapping) and "key" in f}


def table_cells(spec: Mapping[str, Any], value: Any) -> list[list[str]]:
    """The rows of a list field's value as the table shows them."""
    columns = spec.get("columns") or []
    rows: list[list[str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Mapping) and columns:
            rows.append([present(c, item.get(c["key"])) for c in columns])
        else:
            rows.append([display_text(item)])
    return rows


def control_text(spec: Mapping[str, Any], value: Any, locked: bool) -> str:
    """The value as the field's control holds it: read-only ones as a reader sees them,
    editable ones in the control's own format (ISO dates, option values)."""
    kind = spec.get("type") or "text"
    if locked or kind not in ("date", "select", "number"):
        return present(spec, value)
    return display_text(value)


def field_view(spec: Mapping[str, Any], envelope: Mapping[str, Any] | None) -> FieldView:
    """One schema field with its prefill envelope (None: a field nobody prefills)."""
    kind = spec.get("type") or "text"
    value = envelope.get("value") if envelope else None
    status = str(envelope.get("status")) if envelope else "manual"
    if status == "not_applicable" and not spec.get("prefill"):
        status = "manual"  # a field no registry fills: the user types it
    locked = bool(envelope and envelope.get("locked") and status == "filled")
    source = (envelope or {}).get("source") or {}
    registry = str(source.get("registry") or "")
    registry_name = REGISTRY_NAMES.get(registry, registry)
    text = control_text(spec, value, locked)
    input_type = INPUT_TYPES.get(kind, "text")
    if kind == "date" and (locked or (text and not ISO_DATE.match(text))):
        input_type = "text"
    control = CONTROLS.get(kind, "input")
    view = FieldView(
        key=spec["key"],
        label=spec["label"],
        kind=kind,
        control=control,
        input_type=input_type,
        required=bool(spec.get("required")),
        help=spec.get("help"),
        status=status,
        locked=locked,
        text=text,
        original=orjson.dumps(value).decode() if status == "filled" else None,
        note=STATUS_NOTES.get(status, "").format(registry=registry_name),
        source_registry=registry_name or None,
        source_attribute=source.get("attribute"),
        updated_at=format_moment(source.get("updated_at")),
        options=[(o["value"], o["label"]) for o in spec.get("options") or []],
    )
    if kind == "list":
        columns = spec.get("columns") or [{"key": "value", "label": spec["label"]}]
        view.columns = [(c["key"], c["label"]) for c in columns]
        view.rows = table_cells(spec, value)
    return view


def sections_of(schema: Mapping[str, Any], result: Mapping[str, Any]) -> list[SectionView]:
    """The form's fields grouped by section, in the schema's order."""
    envelopes = envelopes_by_key(result)
    titles = {s["key"]: s["title"] for s in schema.get("sections") or []}
    groups: dict[str | None, list[FieldView]] = {None: []}
    groups.update({key: [] for key in titles})
    for spec in schema.get("fields") or []:
        section = spec.get("section") if spec.get("section") in titles else None
        groups[section].append(field_view(spec, envelopes.get(spec["key"])))
    return [
        SectionView(key or "general", titles.get(key) if key else None, fields)
        for key, fields in groups.items()
        if fields
    ]


def coverage_of(result: Mapping[str, Any]) -> Coverage:
    """The prefill's coverage figures."""
    coverage = result.get("coverage") or {}
    return Coverage(int(coverage.get("filled", 0)), int(coverage.get("total", 0)))


def submission_token(result: Mapping[str, Any]) -> str | None:
    """The submission-check token a prefill response carries, if the service issues one."""
    for key in ("submission_token", "token"):
        if isinstance(result.get(key), str):
            return result[key]
    nested = result.get("submission")
    if isinstance(nested, Mapping) and isinstance(nested.get("token"), str):
        return nested["token"]
    return None
