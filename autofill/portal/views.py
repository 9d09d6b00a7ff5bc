"""What the portal shows: a form schema and a prefill result turned into sections of fields
with their status, lock and provenance (Vietnamese texts), and a submission turned back
into values.

Works on the JSON of the public API (`GET /v1/forms/{id}`, `POST …/prefill`), as any
portal would.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

REGISTRY_NAMES = {
    "citizen": "CSDL quốc gia về dân cư",
    "business": "CSDL quốc gia về đăng ký doanh nghiệp",
}
SUBJECT_INPUT_LABELS = {
    "citizen": "Số định danh cá nhân (12 chữ số)",
    "business": "Mã số doanh nghiệp / mã số thuế",
}
STATUS_NOTES = {
    "filled": "Đã điền sẵn từ {registry}",
    "missing": "CSDL chưa có thông tin này — vui lòng nhập",
    "unavailable": "Không tra cứu được hồ sơ liên quan — vui lòng nhập",
    "not_applicable": "Không áp dụng (chưa khai báo đối tượng liên quan)",
    "kept": "Giữ giá trị người nộp đã nhập",
    "manual": "Người nộp tự nhập",
}
INPUT_TYPES = {"number": "number", "phone": "tel", "email": "email", "date": "date"}


@dataclass(frozen=True, slots=True)
class SubjectInput:
    """An identifier the user must give: one per root subject of the form."""

    name: str
    registry: str
    label: str
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
    status: str  # filled, missing, unavailable, not_applicable or manual
    locked: bool
    text: str  # the value as the control shows it
    original: str | None  # JSON of the prefilled value, to submit it unchanged
    note: str
    source_registry: str | None = None
    source_attribute: str | None = None
    updated_at: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    option_label: str = ""
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
        label = subject.get("label") or SUBJECT_INPUT_LABELS.get(registry, name)
        inputs.append(SubjectInput(name, registry, label, bool(subject.get("optional"))))
    return inputs


def display_text(value: Any) -> str:
    """A value as a single-line control shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, Mapping):
        if value.get("text"):
            return str(value["text"])
        return ", ".join(display_text(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return ", ".join(display_text(v) for v in value)
    return str(value)


def format_moment(value: Any) -> str | None:
    """An ISO date-time as dd/mm/yyyy HH:MM in Vietnam time (dates as dd/mm/yyyy)."""
    if not value:
        return None
    text = str(value)
    try:
        if ISO_DATE.match(text):
            return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def envelopes_by_key(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The prefill envelopes by field key (the API may list them or key them)."""
    fields = result.get("fields") or {}
    if isinstance(fields, Mapping):
        return dict(fields)
    return {f["key"]: f for f in fields if isinstance(f, Mapping) and "key" in f}


def _table(spec: Mapping[str, Any], value: Any) -> tuple[list[tuple[str, str]], list[list[str]]]:
    columns = [(c["key"], c["label"]) for c in spec.get("columns") or []]
    rows: list[list[str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Mapping) and columns:
            rows.append([display_text(item.get(key)) for key, _ in columns])
        else:
            rows.append([display_text(item)])
    if not columns and rows:
        columns = [("value", spec["label"])]
    return columns, rows


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
    text = display_text(value)
    input_type = INPUT_TYPES.get(kind, "text")
    if kind == "date" and text and not ISO_DATE.match(text):
        input_type = "text"
    control = {"select": "select", "address": "textarea", "list": "table"}.get(kind, "input")
    options = [(o["value"], o["label"]) for o in spec.get("options") or []]
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
        options=options,
        option_label=dict(options).get(text, text),
    )
    if kind == "list":
        view.columns, view.rows = _table(spec, value)
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


def submitted_values(schema: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The values of a submitted page: a prefilled value shown unchanged is sent back as the
    registry gave it (structured); anything else as typed."""
    values: dict[str, Any] = {}
    for spec in schema.get("fields") or []:
        key, kind = spec["key"], spec.get("type") or "text"
        original: Any = None
        has_original = f"orig.{key}" in form
        if has_original:
            try:
                original = orjson.loads(form[f"orig.{key}"])
            except orjson.JSONDecodeError:
                has_original = False
        shown = form.get(f"field.{key}")
        if has_original and (shown is None or shown == display_text(original)):
            values[key] = original
        elif shown is not None:
            values[key] = _typed(kind, shown)
    return values
