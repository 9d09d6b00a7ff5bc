"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from autofill.api.dependencies import ServicesDep
from registries.errors import RegistryUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz")
async def readyz(state: ServicesDep) -> JSONResponse:
    """Ready when the database answers and the audit log can be written (nothing is released
    without its audit entry); degraded (still 200) when only the cache is down."""
    database = "ok"
    try:
        await state.reader.ping()
    except RegistryUnavailable:
        database = "unavailable"
    audit = "ok" if await state.trust.audit.ready() else "unavailable"
    cache = "ok" if await state.cache.healthy() else "unavailable"
    serving = database == "ok" and audit == "ok"
    status = "ready" if serving and cache == "ok" else "degraded"
    if not serving:
        status = "unavailable"
    body = {
        "status": status,
        "database": database,
        "audit": audit,
        "cache": cache,
        "cache_backend": state.cache.name,
    }
    return JSONResponse(body, status_code=200 if serving else 503)
