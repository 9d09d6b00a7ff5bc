"""Administration routes: reseed the registry over HTTP (testers of shared deployments).

A reseed replaces every record at once, everyone's, including other testers' edits: an
operator's act, so it takes an `admin` key (`registry:write` edits records one at a time),
is off by default outside the embedded mode (`AUTOFILL_ALLOW_RESEED`), and is audited
(who, when, sizes, seed) before it starts: a reseed that cannot be audited does not run.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Self

from fastapi import APIRouter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from autofill.api.dependencies import Admin, ServicesDep
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.config import Settings
from autofill.errors import InvalidRequest, Problem
from autofill.trust.audit import RESEED
from registries.errors import ReseedDisabled
from seed import seed_registry

router = APIRouter(prefix="/v1/admin", responses=PROBLEM_RESPONSES, tags=["admin"])

# Over HTTP a reseed must finish within a request's patience.
MAX_HTTP_CITIZENS = 200_000
MAX_HTTP_BUSINESSES = 50_000


def _json_integer(value: Any) -> Any:
    """An integer as JSON Schema counts them: 3000 or 3000.0, never true, "3000" or 2.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("an integer is required")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("an integer is required")
    return int(value)


JsonInt = Annotated[int, BeforeValidator(_json_integer)]


class ReseedRequest(BaseModel):
    """How big a registry to generate, from which seed (integers only: `"seed": false` is
    not seed 0)."""

    model_config = ConfigDict(
        extra="forbid",
        # The rule of `_people_for_businesses`, for clients: fewer than 100 citizens, no
        # businesses (left out, businesses are 300).
        json_schema_extra={
            "if": {"required": ["citizens"], "properties": {"citizens": {"maximum": 99}}},
            "then": {"required": ["businesses"], "properties": {"businesses": {"maximum": 0}}},
        },
    )

    citizens: JsonInt = Field(3_000, ge=0, le=MAX_HTTP_CITIZENS)
    businesses: JsonInt = Field(300, ge=0, le=MAX_HTTP_BUSINESSES)
    seed: JsonInt = Field(0, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _people_for_businesses(self) -> Self:
        if self.businesses and self.citizens < 100:
            raise ValueError("generated businesses need at least 100 citizens to run them")
        return self


class ReseedReport(BaseModel):
    """What the reseed wrote."""

    seed: int
    citizens: int
    businesses: int
    counts: dict[str, int]
    seconds: float


def document_limits(document: dict[str, Any], settings: Settings) -> None:
    """Write this deployment's reseed limits into the OpenAPI document."""
    properties = document["components"]["schemas"]["ReseedRequest"]["properties"]
    for name, cap in _caps(settings).items():
        properties[name]["maximum"] = cap
        properties[name]["default"] = min(properties[name]["default"], cap)


def _caps(settings: Settings) -> dict[str, int]:
    return {
        "citizens": settings.reseed_max_citizens,
        "businesses": settings.reseed_max_businesses,
    }


def _sizes(body: ReseedRequest, settings: Settings) -> dict[str, int]:
    """The sizes asked for, defaults lowered to the deployment's caps; 422 above a cap."""
    sizes: dict[str, int] = {}
    problems = []
    for name, cap in _caps(settings).items():
        size = getattr(body, name)
        if name not in body.model_fields_set:
            size = min(size, cap)
        elif size > cap:
            problems.append(Problem(f"/{name}", f"at most {cap} on this deployment", "too_large"))
        sizes[name] = size
    if problems:
        raise InvalidRequest(problems[0].detail, problems=problems)
    return sizes


@router.post("/reseed", operation_id="reseed_registry", response_model=ReseedReport)
async def reseed(body: ReseedRequest, services: ServicesDep, grant: Admin) -> ReseedReport:
    """Replace the whole registry with personas plus a freshly generated one (admin)."""
    if not services.settings.should_allow_reseed:
        raise ReseedDisabled("reseeding over HTTP is turned off for this deployment")
    sizes = _sizes(body, services.settings)
    async with services.reseed_lock:
        detail = f"citizens={sizes['citizens']} businesses={sizes['businesses']} seed={body.seed}"
        await services.trust.audit.record_event(grant.principal, RESEED, detail, flagged=False)
        report = await asyncio.to_thread(
            seed_registry,
            services.settings.database_url,
            citizens=sizes["citizens"],
            businesses=sizes["businesses"],
            seed=body.seed,
            reset=True,
        )
        await services.cache.clear(lsn=await services.registry.wal_position())
    return ReseedReport(
        seed=report.seed,
        citizens=report.citizens,
        businesses=report.businesses,
        counts=report.counts,
        seconds=round(report.seconds, 3),
    )
