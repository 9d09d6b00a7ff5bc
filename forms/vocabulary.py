"""The attribute vocabulary: every path a schema may read, derived from the record models.

Walks `registries.schemas.CitizenRecord` / `BusinessRecord` (the contract of DESIGN §5) so
the vocabulary never drifts from the records: each attribute gets its type (`VType`), whether
it is a list, which code list it draws from, whether it identifies another record, and its
labels. Canonical paths carry no list indices (`legal_representatives.personal_id`).
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from forms.labels import LABELS, PATH_LABELS, POSSESSIVE
from registries import schemas as records
from registries.identifiers import PersonalId, TaxCode
from registries.kinds import registry_kind

# Code lists with their Vietnamese labels (from the record module where it has them).
CODE_LISTS: dict[str, dict[str, str]] = {
    "sex": records.SEX_LABELS,
    "marital_status": records.MARITAL_STATUS_LABELS,
    "business_status": records.BUSINESS_STATUS_LABELS,
    "legal_form": records.LEGAL_FORM_LABELS,
    "owner_kind": {"person": "Cá nhân", "enterprise": "Tổ chức"},
    "blood_group": {"O": "O", "A": "A", "B": "B", "AB": "AB"},
}
_ENUM_LISTS: dict[type, str] = {
    records.Sex: "sex",
    records.MaritalStatus: "marital_status",
    records.BusinessStatus: "business_status",
    records.LegalForm: "legal_form",
}
_LITERAL_LISTS = {"kind": "owner_kind", "blood_group": "blood_group"}
_SCALARS: dict[type, str] = {
    str: "text",
    bool: "boolean",
    int: "integer",
    float: "number",
    dt.datetime: "datetime",
    dt.date: "date",
}
_OBJECT_KINDS: dict[type, str] = {records.Address: "address", records.Place: "place"}


@dataclass(frozen=True, slots=True)
class VType:
    """The type of a value flowing from an attribute through transforms into a field."""

    kind: str  # text date datetime integer number boolean code address place object
    many: bool = False
    codes: str | None = None  # code list name when kind == "code"
    ident: str | None = None  # "personal_id" | "tax_code" when the text identifies a record

    def one(self) -> VType:
        """The element type of a list."""
        return VType(self.kind, False, self.codes, self.ident)

    def as_many(self) -> VType:
        """A list of this type."""
        return VType(self.kind, True, self.codes, self.ident)

    def describe(self) -> str:
        """Human wording: 'a date', 'a list of text'."""
        name = {"code": f"code ({self.codes})"}.get(self.kind, self.kind)
        return f"a list of {name}" if self.many else name


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute of a registry record."""

    registry: str
    path: str
    type: VType
    label: str
    label_en: str


def _unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """Strip Optional and Annotated; return the core type and Annotated metadata."""
    metadata: tuple[Any, ...] = ()
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *meta = get_args(annotation)
            metadata += tuple(meta)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else str
        else:
            return annotation, metadata


def _ident(metadata: tuple[Any, ...]) -> str | None:
    ids = {id(m): "personal_id" for m in get_args(PersonalId)[1:]}
    ids.update({id(m): "tax_code" for m in get_args(TaxCode)[1:]})
    for m in metadata:
        if id(m) in ids:
            return ids[id(m)]
    return None


def _labels(path: str) -> tuple[str, str]:
    if path in PATH_LABELS:
        return PATH_LABELS[path]
    parts = path.split(".")
    vi, en = LABELS[parts[-1]]
    owners = [POSSESSIVE[p] for p in parts[:-1] if p in POSSESSIVE]
    if owners:  # the nearest owner reads naturally: "Ngày sinh thành viên hộ"
        vi, en = f"{vi} {owners[-1][0]}", f"{owners[-1][1]} {en}"
    return vi, en


def _walk(registry: str, model: type[BaseModel], prefix: str, out: dict[str, Attribute]) -> None:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        core, metadata = _unwrap(info.annotation)
        metadata += tuple(info.metadata)
        many = get_origin(core) is list
        if many:
            core, inner = _unwrap(get_args(core)[0])
            metadata += inner
        if isinstance(core, type) and issubclass(core, BaseModel):
            vtype = VType(_OBJECT_KINDS.get(core, "object"), many)
        elif isinstance(core, type) and issubclass(core, enum.Enum):
            vtype = VType("code", many, _ENUM_LISTS[core])
        elif get_origin(core) is Literal:
            vtype = VType("code", many, _LITERAL_LISTS[name])
        else:
            vtype = VType(_SCALARS[core], many, None, _ident(metadata))
        vi, en = _labels(path)
        out[path] = Attribute(registry, path, vtype, vi, en)
        if isinstance(core, type) and issubclass(core, BaseModel):
            _walk(registry, core, f"{path}.", out)


@cache
def vocabulary(registry: str) -> dict[str, Attribute]:
    """Every attribute of a registry by canonical path."""
    out: dict[str, Attribute] = {}
    _walk(registry, registry_kind(registry).record, "", out)
    return out


def code_values(codes: str) -> dict[str, str]:
    """The values of a code list with their Vietnamese labels."""
    return CODE_LISTS[codes]
