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
    """Ready when the database answers; degraded (still 200) when only the cache is down."""
    database = "ok"
    try:
        await state.reader.ping()
    except RegistryUnavailable:
        database = "unavailable"
    cache = "ok" if await state.cache.healthy() else "unavailable"
    status = "ready" if database == "ok" and cache == "ok" else "degraded"
    if database != "ok":
        status = "unavailable"
    body = {
        "status": status,
        "database": database,
        "cache": cache,
        "cache_backend": state.cache.name,
    }
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
