"""What a consent is about: the authorization details asked for (RFC 9396, type
`prefill`) and the data a form reads, as the consent page lists it.

`parse_details` reads the request's `authorization_details`: exactly one object of type
`prefill` with `form_id`, `purpose` and, for a form about a business, `enterprise_code`;
any other member is refused by name. `form_scope` lists what the compiled form maps, as
"subject.path" (the form's own notation) and as labels grouped by registry and person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from forms.compiled import CompiledForm
from forms.vocabulary import vocabulary
from registries.errors import InvalidIdentifier
from registries.identifiers import normalize_tax_code
from registries.kinds import BUSINESS

DETAILS_TYPE = "prefill"
MEMBERS = ("type", "form_id", "purpose", "enterprise_code")
MAX_PURPOSE = 300
FORM_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
INDEX = re.compile(r"\[\d+\]")
REGISTRY_NAMES = {
    "citizen": "CSDL quốc gia về dân cư",
    "business": "CSDL quốc gia về đăng ký doanh nghiệp",
}


class DetailsError(Exception):
    """Authorization details that cannot be granted; the message says why (English, for
    the `error_description`)."""


@dataclass(frozen=True, slots=True)
class PrefillDetail:
    """One `prefill` authorization detail."""

    form_id: str
    purpose: str
    enterprise_code: str | None = None

    def as_json(self, form_version: int | None = None) -> dict[str, Any]:
        """The detail as the token response and the access token carry it."""
        out: dict[str, Any] = {"type": DETAILS_TYPE, "form_id": self.form_id}
        if form_version is not None:
            out["form_version"] = form_version
        out["purpose"] = self.purpose
        if self.enterprise_code is not None:
            out["enterprise_code"] = self.enterprise_code
        return out


def parse_details(raw: str | None) -> PrefillDetail:
    """The one `prefill` detail of a request; `DetailsError` otherwise."""
    if not raw:
        raise DetailsError("authorization_details is required (one object of type 'prefill')")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DetailsError("authorization_details is not JSON") from None
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        raise DetailsError("authorization_details is an array of exactly one object")
    item = value[0]
    if item.get("type") != DETAILS_TYPE:
        raise DetailsError("the authorization details type must be 'prefill'")
    unknown = sorted(set(item) - set(MEMBERS))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise DetailsError(f"unknown members {names}; a prefill detail has {', '.join(MEMBERS)}")
    form_id, purpose = item.get("form_id"), item.get("purpose")
    if not isinstance(form_id, str) or not FORM_ID.match(form_id):
        raise DetailsError("form_id must be a form id")
    if not isinstance(purpose, str) or not 0 < len(purpose.strip()) <= MAX_PURPOSE:
        raise DetailsError(f"purpose must be a text of 1 to {MAX_PURPOSE} characters")
    code = item.get("enterprise_code")
    if code is not None:
        try:
            code = normalize_tax_code(str(code)) if isinstance(code, str) else None
        except InvalidIdentifier:
            code = None
        if code is None:
            raise DetailsError("enterprise_code is not a valid enterprise code")
    return PrefillDetail(form_id, purpose.strip(), code)


def check_against_form(detail: PrefillDetail, form: CompiledForm) -> None:
    """A form about a business needs `enterprise_code`; a form about no business takes none."""
    business = [n for n in form.roots if form.subjects[n].registry == BUSINESS.name]
    required = [n for n in business if not form.subjects[n].optional]
    if required and detail.enterprise_code is None:
        raise DetailsError(f"form '{form.id}' is about a business: give enterprise_code")
    if not business and detail.enterprise_code is not None:
        raise DetailsError(f"form '{form.id}' is about no business: enterprise_code is not taken")


@dataclass(frozen=True, slots=True)
class Group:
    """What the consent page lists for one subject of the form: whose data, from where."""

    subject: str
    person: str  # "citizen" (the one who consents), "enterprise", "representative", "other"
    title: str  # the form's label of the subject
    registry: str
    registry_name: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormScope:
    """The data a form version reads: paths ("subject.path") and the page's groups."""

    form_id: str
    form_version: int
    title: str
    attributes: tuple[str, ...]
    groups: tuple[Group, ...]


def _person(form: CompiledForm, name: str) -> str:
    subject = form.subjects[name]
    if subject.registry == BUSINESS.name:
        return "enterprise"
    if subject.parent is None:
        return "citizen"
    parent = form.subjects[subject.parent]
    return "representative" if parent.registry == BUSINESS.name else "other"


def form_scope(form: CompiledForm) -> FormScope:
    """What the form maps, by subject, with the registry attributes' Vietnamese labels."""
    paths: dict[str, list[str]] = {}
    for field in form.fields:
        if field.subject is None or field.attribute is None:
            continue
        paths.setdefault(field.subject, [])
        if field.attribute not in paths[field.subject]:
            paths[field.subject].append(field.attribute)
    groups = []
    for name in form.subjects:
        if name not in paths:
            continue
        subject = form.subjects[name]
        vocab = vocabulary(subject.registry)
        labels: list[str] = []
        for path in paths[name]:
            attribute = vocab.get(INDEX.sub("", path))
            label = attribute.label if attribute is not None else path
            if label not in labels:
                labels.append(label)
        spec = form.schema.subjects.get(name)
        groups.append(
            Group(
                subject=name,
                person=_person(form, name),
                title=(spec.label if spec is not None and spec.label else name),
                registry=subject.registry,
                registry_name=REGISTRY_NAMES.get(subject.registry, subject.registry),
                labels=tuple(labels),
            )
        )
    attributes = tuple(sorted(f"{n}.{p}" for n, ps in paths.items() for p in ps))
    return FormScope(form.id, form.version, form.schema.title, attributes, tuple(groups))
