"""What differs between the two registries, as two values: `CITIZEN` and `BUSINESS`.

A registry's name ("citizen", "business") is what crosses the boundaries: URLs, form
schemas, audit entries, cache keys. `registry_kind(name)` turns it into the `RegistryKind` that
carries what the code needs to know about that registry (its table and key, its record
model, how its identifiers parse, which people a record refers to, how it is searched),
so code asks the kind instead of testing the name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Table

from registries import models, repository
from registries.errors import Problem
from registries.identifiers import normalize_personal_id, normalize_tax_code, parse_personal_id
from registries.schemas import BusinessRecord, CitizenRecord
from registries.search.service import SearchService

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True, eq=False)
class RegistryKind:
    """One registry: its name, storage, record model, identifiers, references and search."""

    name: str
    model: type[models.Citizen] | type[models.Business]  # the table of its records
    key_field: str  # the identifier attribute of a record, and its table's primary key
    record: type[CitizenRecord] | type[BusinessRecord]  # the document's model (DESIGN §5)
    ident: str  # the identifier kind that opens a record of it ("personal_id", "tax_code")
    key_label: str  # what people call its identifier ("personal ID", "tax code")
    parse_key: Callable[[str], str]  # an identifier in its canonical form, or InvalidIdentifier
    references: Callable[[Doc], dict[str, str]]  # pointer -> personal ID of each person named
    disagreements: Callable[[str, Doc], list[Problem]]  # between the key and the document
    store: Callable[[Connection, Doc, str], None]  # insert or replace a record's rows
    referrers: Callable[[Connection, str], list[str]]  # records that refer to one (no delete)
    search: Callable[..., list[Doc]]  # a `SearchService` method: ranked name candidates

    @property
    def table(self) -> Table:
        """The table of its records."""
        return self.model.__table__  # type: ignore[return-value]

    @property
    def key_column(self) -> Column[str]:
        """The primary-key column."""
        return self.table.c[self.key_field]

    def __repr__(self) -> str:
        return f"RegistryKind({self.name!r})"


def _citizen_references(doc: Doc) -> dict[str, str]:
    refs: dict[str, str] = {}
    for relation in ("father", "mother", "spouse"):
        if doc.get(relation):
            refs[f"/{relation}/personal_id"] = doc[relation]["personal_id"]
    for i, child in enumerate(doc.get("children") or []):
        refs[f"/children/{i}/personal_id"] = child["personal_id"]
    household = doc.get("household")
    if household:
        refs["/household/head_personal_id"] = household["head_personal_id"]
        for i, member in enumerate(household["members"]):
            refs[f"/household/members/{i}/personal_id"] = member["personal_id"]
    return refs


def _business_references(doc: Doc) -> dict[str, str]:
    refs = {
        f"/legal_representatives/{i}/personal_id": rep["personal_id"]
        for i, rep in enumerate(doc["legal_representatives"])
    }
    for i, owner in enumerate(doc.get("owners") or []):
        if owner["kind"] == "person":
            refs[f"/owners/{i}/id"] = owner["id"]
    return refs


def _citizen_disagreements(personal_id: str, doc: Doc) -> list[Problem]:
    """The ID's digits say the sex and birth year: the document must agree."""
    parts = parse_personal_id(personal_id)
    problems = []
    if parts.sex != doc["sex"]:
        problems.append(Problem("/sex", f"the ID's digit 4 says {parts.sex}", "id_mismatch"))
    if parts.birth_year != int(doc["birth_date"][:4]):
        problems.append(
            Problem("/birth_date", f"the ID says born in {parts.birth_year}", "id_mismatch")
        )
    return problems


def _no_disagreements(key: str, doc: Doc) -> list[Problem]:
    return []


def _no_referrers(conn: Connection, key: str) -> list[str]:
    return []


CITIZEN = RegistryKind(
    name="citizen",
    model=models.Citizen,
    key_field="personal_id",
    record=CitizenRecord,
    ident="personal_id",
    key_label="personal ID",
    parse_key=normalize_personal_id,
    references=_citizen_references,
    disagreements=_citizen_disagreements,
    store=repository.upsert_citizen,
    referrers=repository.citizen_references,
    search=SearchService.search_citizens,
)
BUSINESS = RegistryKind(
    name="business",
    model=models.Business,
    key_field="enterprise_code",
    record=BusinessRecord,
    ident="tax_code",
    key_label="tax code",
    parse_key=normalize_tax_code,
    references=_business_references,
    disagreements=_no_disagreements,
    store=repository.upsert_business,
    referrers=_no_referrers,
    search=SearchService.search_businesses,
)
KINDS: dict[str, RegistryKind] = {k.name: k for k in (CITIZEN, BUSINESS)}
BY_IDENT: dict[str, RegistryKind] = {k.ident: k for k in KINDS.values()}


def registry_kind(name: str) -> RegistryKind:
    """The kind of a registry by name (`KeyError` for a name that is not one)."""
    return KINDS[name]
