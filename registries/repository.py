"""All SQL of the registries' write and listing paths (the hot read is in `database`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from registries import models

if TYPE_CHECKING:
    from registries.kinds import RegistryKind


def citizen_row(doc: dict[str, Any], raw: str) -> dict[str, Any]:
    """The relational columns of a citizen document (shared with the seeder)."""
    household = doc.get("household") or {}
    address = doc.get("permanent_address") or doc.get("current_address") or {}
    return {
        "personal_id": doc["personal_id"],
        "full_name": doc["full_name"],
        "birth_date": _date(doc["birth_date"]),
        "sex": doc["sex"],
        "birth_province_code": doc["personal_id"][:3],
        "province_code": address.get("province_code"),
        "household_id": household.get("id"),
        "father_id": (doc.get("father") or {}).get("personal_id"),
        "mother_id": (doc.get("mother") or {}).get("personal_id"),
        "spouse_id": (doc.get("spouse") or {}).get("personal_id"),
        "death_date": _date(doc.get("death_date")),
        "updated_at": _datetime(doc["updated_at"]),
        "doc": raw,
    }


def business_row(doc: dict[str, Any], raw: str) -> dict[str, Any]:
    """The relational columns of a business document (shared with the seeder)."""
    return {
        "enterprise_code": doc["enterprise_code"],
        "name": doc["name"],
        "legal_form": doc["legal_form"],
        "status": doc["status"],
        "province_code": doc["head_office"]["province_code"],
        "parent_code": doc.get("parent_code"),
        "founded_on": _date(doc["founded_on"]),
        "updated_at": _datetime(doc["updated_at"]),
        "doc": raw,
    }


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _upsert(conn: Connection, table: Any, row: dict[str, Any], key: str) -> None:
    dialect = conn.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key], set_={c: stmt.excluded[c] for c in row if c != key}
    )
    conn.execute(stmt)


def upsert_citizen(conn: Connection, doc: dict[str, Any], raw: str) -> None:
    """Insert or replace one citizen and its household row."""
    _upsert(conn, models.Citizen.__table__, citizen_row(doc, raw), "personal_id")
    household = doc.get("household")
    if household:
        ward = (doc.get("permanent_address") or {}).get("ward_code")
        _upsert(
            conn,
            models.Household.__table__,
            {
                "id": household["id"],
                "head_personal_id": household["head_personal_id"],
                "ward_code": ward,
            },
            "id",
        )


def upsert_business(conn: Connection, doc: dict[str, Any], raw: str) -> None:
    """Insert or replace one business and its link rows."""
    code = doc["enterprise_code"]
    _upsert(conn, models.Business.__table__, business_row(doc, raw), "enterprise_code")
    for table in (models.BusinessRepresentative, models.BusinessOwner, models.BusinessLine):
        conn.execute(delete(table).where(table.enterprise_code == code))
    reps = [
        {"enterprise_code": code, "personal_id": r["personal_id"], "title": r["title"]}
        for r in doc["legal_representatives"]
    ]
    owners = [
        {
            "enterprise_code": code,
            "owner_id": o["id"],
            "kind": o["kind"],
            "capital_share": o["capital_share"],
        }
        for o in doc.get("owners", [])
    ]
    lines = [
        {"enterprise_code": code, "vsic_code": b["code"], "is_main": b["is_main"]}
        for b in doc["business_lines"]
    ]
    for table, rows in (
        (models.BusinessRepresentative, reps),
        (models.BusinessOwner, owners),
        (models.BusinessLine, lines),
    ):
        if rows:
            conn.execute(table.__table__.insert(), rows)  # type: ignore[attr-defined]


def read_doc(conn: Connection, kind: RegistryKind, key: str) -> str | None:
    """One stored document, inside a write transaction."""
    stmt = select(kind.table.c.doc).where(kind.key_column == key)
    return conn.execute(stmt).scalar_one_or_none()


def existing_citizens(conn: Connection, ids: set[str]) -> set[str]:
    """Which of these personal IDs exist."""
    if not ids:
        return set()
    stmt = select(models.Citizen.personal_id).where(models.Citizen.personal_id.in_(ids))
    return set(conn.execute(stmt).scalars())


def citizen_references(conn: Connection, personal_id: str) -> list[str]:
    """Records that refer to this citizen (to refuse deleting a referenced person)."""
    c = models.Citizen
    refs = (
        conn.execute(
            select(c.personal_id)
            .where(
                or_(
                    c.father_id == personal_id,
                    c.mother_id == personal_id,
                    c.spouse_id == personal_id,
                ),
                c.personal_id != personal_id,
            )
            .limit(5)
        )
        .scalars()
        .all()
    )
    heads = (
        conn.execute(
            select(models.Household.id)
            .where(models.Household.head_personal_id == personal_id)
            .limit(5)
        )
        .scalars()
        .all()
    )
    reps = (
        conn.execute(
            select(models.BusinessRepresentative.enterprise_code)
            .where(models.BusinessRepresentative.personal_id == personal_id)
            .limit(5)
        )
        .scalars()
        .all()
    )
    return [*refs, *[f"household {h}" for h in heads], *[f"enterprise {r}" for r in reps]]


def delete_record(conn: Connection, kind: RegistryKind, key: str) -> bool:
    """Delete one record; True when it existed."""
    return bool(conn.execute(delete(kind.table).where(kind.key_column == key)).rowcount)


def list_docs(conn: Connection, kind: RegistryKind, *, after: str | None, limit: int) -> list[str]:
    """A page of documents in key order after a cursor key."""
    stmt = select(kind.table.c.doc).order_by(kind.key_column).limit(limit)
    if after is not None:
        stmt = stmt.where(kind.key_column > after)
    return list(conn.execute(stmt).scalars())


def count(conn: Connection, kind: RegistryKind) -> int:
    """Number of records in a registry."""
    return conn.execute(select(func.count()).select_from(kind.table)).scalar_one()


def wal_position(conn: Connection) -> int:
    """The PostgreSQL primary's WAL position now, in bytes: at or past the end of every
    commit that has returned (a replica that has replayed it shows them all)."""
    query = text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
    return int(conn.execute(query).scalar_one())


def ping(conn: Connection) -> None:
    """Round trip to the database."""
    conn.execute(text("SELECT 1"))
