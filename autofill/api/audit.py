"""`GET /v1/audit`: who received which personal data, when, for which form (audit:read)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from autofill.api.dependencies import Auditor, TrustDep
from autofill.api.schemas import PROBLEM_RESPONSES, IsoDateTime
from autofill.errors import InvalidRequest, Problem
from autofill.trust import AuditFilter, decode_cursor
from autofill.trust.audit import CURSOR_PATTERN
from registries.errors import InvalidIdentifier
from registries.identifiers import identify, tax_code_pattern

router = APIRouter(prefix="/v1", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditEntryPublic(BaseModel):
    """One audit entry; the subject appears only as its keyed hash."""

    id: int
    at: dt.datetime
    key_id: str
    action: str
    registry: str | None
    subject_hash: str | None
    form_id: str | None
    form_version: int | None
    purpose: str | None
    attributes: list[str]
    request_id: str | None
    client: str | None
    flagged: bool
    detail: str | None


class AuditPage(BaseModel):
    """A page of entries, newest first."""

    items: list[AuditEntryPublic]
    next_cursor: str | None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@router.get("/audit", operation_id="search_audit", response_model=AuditPage)
async def search_audit(
    trust: TrustDep,
    grant: Auditor,
    key_id: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    form_id: Annotated[str | None, Query(max_length=100)] = None,
    subject: Annotated[
        str | None,
        Query(
            pattern=tax_code_pattern(),
            description="a personal ID or tax code; hashed before the search",
        ),
    ] = None,
    action: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    since: Annotated[
        IsoDateTime | None, Query(description="from this time (inclusive), ISO 8601")
    ] = None,
    until: Annotated[IsoDateTime | None, Query(description="before this time, ISO 8601")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the page before"),
    ] = None,
) -> AuditPage:
    """Audit entries matching every filter given, newest first, a page at a time."""
    subject_hash = None
    if subject is not None:
        try:
            _, canonical = identify(subject)
        except InvalidIdentifier as exc:
            # A wrong check digit too (the parameter's pattern cannot state it): refused.
            raise InvalidRequest(
                exc.detail, problems=[Problem("/subject", exc.detail, exc.code)]
            ) from exc
        subject_hash = trust.hasher.hash(canonical)
    where = AuditFilter(
        key_id=key_id,
        form_id=form_id,
        subject_hash=subject_hash,
        action=action,
        since=_utc(since),
        until=_utc(until),
        limit=limit,
        before_id=decode_cursor(cursor) if cursor else None,
    )
    entries, next_cursor = await asyncio.to_thread(trust.audit.search_entries, where)
    return AuditPage(items=[AuditEntryPublic(**e) for e in entries], next_cursor=next_cursor)
