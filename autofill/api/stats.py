"""Coverage statistics: `GET /v1/stats/coverage`.

Scope: `audit:read` (or `admin`). The report holds no personal data, but it shows how much
each portal is used; it belongs with the other oversight reads, not with `prefill`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from autofill.api.dependencies import Auditor, StatsDep
from autofill.api.schemas import PROBLEM_RESPONSES, IsoDateTime
from autofill.stats.schemas import Bucket, CoverageReport
from autofill.stats.service import resolve_window

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=PROBLEM_RESPONSES)

From = Annotated[
    IsoDateTime | None,
    Query(alias="from", description="ISO 8601 start; without an offset it is UTC"),
]
To = Annotated[IsoDateTime | None, Query(description="exclusive end (ISO 8601); default now")]


@router.get("/coverage", operation_id="get_coverage_stats", response_model=CoverageReport)
async def get_coverage(
    stats: StatsDep,
    _: Auditor,
    from_: From = None,
    to: To = None,
    form: Annotated[str | None, Query(max_length=100, description="one form id")] = None,
    bucket: Annotated[Bucket | None, Query(description="hour or day (Vietnam time)")] = None,
) -> CoverageReport:
    """Prefill coverage over a window (default the last 30 days): totals, per form, per
    hour or day, and the programme's two indicators with their targets.

    Rules across parameters (422 otherwise): `from` before `to`; at most 1500 buckets in
    the window (62 days by the hour, about 4 years by the day)."""
    window = resolve_window(from_, to, bucket=bucket, form=form)
    return await stats.coverage(window)
