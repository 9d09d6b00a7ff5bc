"""Citizen documents and table rows from generated people.

Documents have exactly the shape `registries.schemas.CitizenRecord.model_dump(mode="json")`
gives (same keys, same order), so a seeded record and one a tester saved through the API
are byte-for-byte alike. Row tuples follow `registries.repository.citizen_row`.
"""

from __future__ import annotations

from random import Random
from typing import Any

import orjson

from seed import names
from seed.people import ETHNICITY_DOCS, NATIONALITY_VN, Person
from seed.rules import iso, scramble, stored_datetime, timestamp

HOUSEHOLDS_PER_CHUNK = 10_000

CITIZEN_COLUMNS = (
    "personal_id",
    "full_name",
    "birth_date",
    "sex",
    "birth_province_code",
    "province_code",
    "household_id",
    "father_id",
    "mother_id",
    "spouse_id",
    "death_date",
    "updated_at",
    "doc",
)
HOUSEHOLD_COLUMNS = ("id", "head_personal_id", "ward_code")


def household_id(chunk: int, number: int) -> str:
    """The household book number (HK + 10 digits) of a chunk's n-th household."""
    value = scramble(chunk * HOUSEHOLDS_PER_CHUNK + number, 10**10, 7_919_179, 3_141_592_653)
    return f"HK{value:010d}"


def citizen_doc(
    p: Person,
    *,
    household: dict[str, Any] | None,
    permanent: dict[str, Any] | None,
    updated_at: str,
    other_names: list[str] | None = None,
) -> dict[str, Any]:
    """The stored document of one person."""
    current = p.temporary or permanent
    return {
        "personal_id": p.personal_id,
        "full_name": p.name,
        "other_names": other_names or [],
        "birth_date": iso(p.birth),
        "sex": p.sex,
        "birth_place": p.birth_place,
        "birth_registration_place": p.birth_registration,
        "hometown": p.hometown,
        "ethnicity": ETHNICITY_DOCS[p.ethnicity],
        "religion": p.religion,
        "nationality": NATIONALITY_VN,
        "blood_group": names.blood_group(*p.alleles),
        "old_id_number": p.cmnd,
        "id_card": p.card,
        "permanent_address": permanent,
        "temporary_address": p.temporary,
        "current_address": current,
        "marital_status": p.marital,
        "household": household,
        "father": p.father.ref() if p.father else None,
        "mother": p.mother.ref() if p.mother else None,
        "spouse": p.spouse.ref() if p.spouse else None,
        "children": [c.child_doc() for c in p.children],
        "phone": p.phone,
        "email": p.email,
        "death_date": iso(p.death) if p.death is not None else None,
        "updated_at": updated_at,
    }


def citizen_tuple(doc: dict[str, Any], raw: bytes) -> tuple[Any, ...]:
    """The row of `citizens` for a document, in `CITIZEN_COLUMNS` order (dates as ISO text,
    `updated_at` as SQLAlchemy stores it on SQLite, the document as UTF-8 JSON bytes; the
    PostgreSQL writer adapts them)."""
    household = doc["household"]
    address = doc["permanent_address"] or doc["current_address"]
    return (
        doc["personal_id"],
        doc["full_name"],
        doc["birth_date"],
        doc["sex"],
        doc["personal_id"][:3],
        address["province_code"] if address else None,
        household["id"] if household else None,
        doc["father"]["personal_id"] if doc["father"] else None,
        doc["mother"]["personal_id"] if doc["mother"] else None,
        doc["spouse"]["personal_id"] if doc["spouse"] else None,
        doc["death_date"],
        stored_datetime(doc["updated_at"]),
        raw,
    )


def household_doc(hid: str, head: Person, members: list[Person]) -> list[dict[str, Any]]:
    """The household part of each member's document, in member order."""
    listed = [
        {
            "personal_id": m.personal_id,
            "full_name": m.name,
            "birth_date": iso(m.birth),
            "sex": m.sex,
            "relation_to_head": m.relation,
        }
        for m in members
    ]
    return [
        {
            "id": hid,
            "head_personal_id": head.personal_id,
            "head_full_name": head.name,
            "relation_to_head": m.relation,
            "members": listed,
        }
        for m in members
    ]


def build_rows(
    rng: Random,
    households: list[tuple[list[Person], dict[str, Any]]],
    deceased: list[Person],
    chunk: int,
    *,
    reserved_households: frozenset[str] = frozenset(),
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str | None]]]:
    """Citizen and household rows of a chunk's people."""
    dumps = orjson.dumps
    citizens: list[tuple[Any, ...]] = []
    rows: list[tuple[str, str, str | None]] = []
    number = 0
    for members, address in households:
        hid = household_id(chunk, number)
        while hid in reserved_households:
            number += 1
            hid = household_id(chunk, number)
        number += 1
        head = members[0]
        rows.append((hid, head.personal_id, address["ward_code"]))
        for p, hh in zip(members, household_doc(hid, head, members), strict=True):
            doc = citizen_doc(p, household=hh, permanent=address, updated_at=timestamp(rng))
            raw = dumps(doc)
            citizens.append(citizen_tuple(doc, raw))
    for p in deceased:
        doc = citizen_doc(p, household=None, permanent=None, updated_at=timestamp(rng))
        citizens.append(citizen_tuple(doc, dumps(doc)))
    return citizens, rows
