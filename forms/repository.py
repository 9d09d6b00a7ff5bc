"""All SQL of the form store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from forms.models import Form, FormVersion


def find_form(conn: Connection, form_id: str) -> Row[Any] | None:
    """The form row (latest version, retired), or None."""
    return conn.execute(select(Form.__table__).where(Form.id == form_id)).first()


def find_version(conn: Connection, form_id: str, version: int) -> Row[Any] | None:
    """One version row, or None."""
    t = FormVersion.__table__
    return conn.execute(select(t).where(t.c.form_id == form_id, t.c.version == version)).first()


def list_forms(conn: Connection) -> list[Row[Any]]:
    """Every form row in id order."""
    return list(conn.execute(select(Form.__table__).order_by(Form.id)))


def list_versions(conn: Connection, form_id: str) -> list[Row[Any]]:
    """The version rows of a form, without their documents."""
    t = FormVersion.__table__
    stmt = (
        select(t.c.version, t.c.digest, t.c.created_at, t.c.created_by)
        .where(t.c.form_id == form_id)
        .order_by(t.c.version)
    )
    return list(conn.execute(stmt))


def insert_form(conn: Connection, form_id: str, title: str, now: dt.datetime) -> None:
    """A new form id at version 1 (fails on a duplicate id)."""
    conn.execute(
        insert(Form).values(
            id=form_id, title=title, latest_version=1, created_at=now, retired_at=None
        )
    )


def advance(conn: Connection, form_id: str, title: str, expected: int) -> bool:
    """Move the latest version from `expected` to the next; False when another writer won."""
    result = conn.execute(
        update(Form)
        .where(Form.id == form_id, Form.latest_version == expected)
        .values(latest_version=expected + 1, title=title)
    )
    return bool(result.rowcount)


def insert_version(
    conn: Connection,
    form_id: str,
    version: int,
    digest: str,
    document: str,
    now: dt.datetime,
    created_by: str | None,
) -> None:
    """Store one immutable version."""
    conn.execute(
        insert(FormVersion).values(
            form_id=form_id,
            version=version,
            digest=digest,
            document=document,
            created_at=now,
            created_by=created_by,
        )
    )


def set_retired(conn: Connection, form_id: str, when: dt.datetime | None) -> bool:
    """Retire (or bring back) a form; False when there is no such form."""
    result = conn.execute(update(Form).where(Form.id == form_id).values(retired_at=when))
    return bool(result.rowcount)
