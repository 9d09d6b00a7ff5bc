"""Coverage statistics: `GET /v1/stats/coverage`, and the start-up step that hooks the
recorder into prefill.

Scope: `audit:read` (or `admin`). The report holds no personal data, but it shows how much
each portal is used; it belongs with the other oversight reads, not with `prefill`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from autofill.api.dependencies import StateDep, require
from autofill.api.schemas import PROBLEM_RESPONSES, IsoDateTime
from autofill.api.state import AppState
from autofill.stats.recorder import StatsRecorder
from autofill.stats.schemas import Bucket, CoverageReport
from autofill.stats.service import StatsService, resolve_window
from autofill.trust.access import Principal

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=PROBLEM_RESPONSES)

StatsReader = Annotated[Principal, Depends(require("audit:read"))]
From = Annotated[
    IsoDateTime | None,
    Query(alias="from", description="ISO 8601 start; without an offset it is UTC"),
]
To = Annotated[IsoDateTime | None, Query(description="exclusive end (ISO 8601); default now")]


async def start_stats(state: AppState) -> None:
    """Create the recorder, register it as a prefill observer, start its writer."""
    recorder = StatsRecorder(state.engine)
    recorder.start()
    state.extras["stats_recorder"] = recorder
    state.extras["stats"] = StatsService(state.engine, recorder)
    state.extras.setdefault("prefill_observers", []).append(recorder.observe)


async def stop_stats(state: AppState) -> None:
    """Write what the recorder still holds."""
    recorder = state.extras.get("stats_recorder")
    if recorder is not None:
        await recorder.stop()


def get_stats(state: AppState) -> StatsService:
    """The statistics service of this app."""
    return state.extras["stats"]


@router.get("/coverage", operation_id="get_coverage_stats", response_model=CoverageReport)
async def get_coverage(
    state: StateDep,
    _: StatsReader,
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
    return await get_stats(state).coverage(window)
