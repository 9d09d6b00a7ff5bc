"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from autofill.api.dependencies import ServicesDep
from registries.errors import RegistryUnavailable
from registries.replicas import ReplicatedReader

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz")
async def readyz(state: ServicesDep) -> JSONResponse:
    """Ready when the database answers and the audit log can be written (nothing is released
    without its audit entry); degraded (still 200) when only the cache is down, or a read
    replica is down or behind (the primary serves its reads)."""
    database = "ok"
    try:
        await state.reader.ping()
    except RegistryUnavailable:
        database = "unavailable"
    audit = "ok" if await state.trust.audit.ready() else "unavailable"
    cache = "ok" if await state.cache.healthy() else "unavailable"
    replicas = await _replicas(state.reader)
    serving = database == "ok" and audit == "ok"
    replicas_ok = all(r["status"] == "ok" for r in replicas)
    status = "ready" if serving and cache == "ok" and replicas_ok else "degraded"
    if not serving:
        status = "unavailable"
    body: dict[str, Any] = {
        "status": status,
        "database": database,
        "audit": audit,
        "cache": cache,
        "cache_backend": state.cache.name,
    }
    if isinstance(state.reader, ReplicatedReader):
        body["replicas"] = replicas
        body["reads"] = "replica" if any(r["status"] == "ok" for r in replicas) else "primary"
    return JSONResponse(body, status_code=200 if serving else 503)


async def _replicas(reader: object) -> list[dict[str, Any]]:
    """Each replica, asked now: ok (answers and has replayed every edit this worker knows
    of), behind (the primary serves reads it has not replayed) or unavailable."""
    if not isinstance(reader, ReplicatedReader):
        return []
    await reader.probe()
    return [
        {
            "replica": r.name,
            "status": "unavailable" if not r.up else "behind" if r.behind else "ok",
            "lag_bytes": r.lag_bytes,
        }
        for r in reader.status()
    ]
