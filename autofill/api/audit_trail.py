"""`GET /v1/audit/checkpoints` (audit:read) and `GET /v1/audit/verify` (admin)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.requests import Request

from autofill.api.dependencies import Admin, Auditor
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.api.signed import JWKS_PATH
from autofill.trust.audit_verify import verify_log
from autofill.trust.checkpoints import list_checkpoints

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


class CheckpointPublic(BaseModel):
    """A signed statement of the audit chain's head."""

    number: int
    position: int = Field(description="the id of the last entry it covers")
    head_hash: str = Field(description="that entry's chain hash")
    entry_count: int = Field(description="entries in the chain up to it")
    at: dt.datetime
    kid: str
    jws: str = Field(description="compact JWS (ES256) of number, position, head and count")


class CheckpointPage(BaseModel):
    """Checkpoints newest first; the keys that signed them are at `jwks_uri`."""

    items: list[CheckpointPublic]
    next_before: int | None
    jwks_uri: str


class FindingPublic(BaseModel):
    """One thing found wrong with the log."""

    kind: str = Field(description="changed | removed | inserted | cut | checkpoint")
    entry_id: int | None
    checkpoint: int | None
    detail: str


class VerifyReportPublic(BaseModel):
    """The outcome of walking the chain and its checkpoints."""

    ok: bool
    entries: int
    checkpoints: int
    first_id: int | None
    last_id: int | None
    covered_to: int | None = Field(description="the last signed checkpoint's position")
    findings: list[FindingPublic]


@router.get("/checkpoints", operation_id="list_audit_checkpoints", response_model=CheckpointPage)
async def get_checkpoints(
    request: Request,
    _: Auditor,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="numbers below this one")
    ] = None,
) -> CheckpointPage:
    """Signed checkpoints of the audit chain, newest first: export them elsewhere to
    narrow what a rewrite of the database could hide."""
    engine = request.app.state.services.engine
    found = await asyncio.to_thread(list_checkpoints, engine, limit=limit, before=before)
    items = [CheckpointPublic(**c.public()) for c in found]
    next_before = found[-1].number if len(found) == limit else None
    jwks_uri = request.app.state.services.settings.issuer_url + JWKS_PATH
    return CheckpointPage(items=items, next_before=next_before, jwks_uri=jwks_uri)


@router.get("/verify", operation_id="verify_audit_log", response_model=VerifyReportPublic)
async def verify(request: Request, _: Admin) -> VerifyReportPublic:
    """Walk the hash chain and every checkpoint; name what was changed, removed,
    inserted or cut off (a long log takes a while)."""
    report = await asyncio.to_thread(verify_log, request.app.state.services.engine)
    return VerifyReportPublic(**report.public())
