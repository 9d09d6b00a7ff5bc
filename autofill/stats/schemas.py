"""The coverage report: what `GET /v1/stats/coverage` returns and the dashboard draws."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

Bucket = Literal["hour", "day"]


class Counts(BaseModel):
    """Prefills and their fields, summed over some rows of `prefill_stats`."""

    prefills: int = 0
    fields_total: int = Field(0, description="Σ coverage.total: fields a citizen would type")
    fields_filled: int = Field(0, description="Σ coverage.filled: fields the registries filled")
    fields_missing: int = 0
    fields_unavailable: int = 0
    fields_not_applicable: int = 0
    citizen_filled: int = Field(0, description="filled fields whose value came from `citizen`")
    business_filled: int = Field(0, description="filled fields whose value came from `business`")
    business_prefills: int = Field(0, description="prefills with ≥ 1 field from `business`")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float | None:
        """fields_filled / fields_total, or null when nothing was counted."""
        return self.fields_filled / self.fields_total if self.fields_total else None


class SeriesPoint(Counts):
    """The counts of one time bucket [start, end)."""

    start: dt.datetime
    end: dt.datetime


class FormCoverage(Counts):
    """The counts of one form (all its versions) over the window, with its time series."""

    form_id: str
    versions: list[int]
    series: list[SeriesPoint]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def uses_business_registry(self) -> bool:
        """At least one prefill of this form in the window filled a field from `business`."""
        return self.business_filled > 0


class Indicator(BaseModel):
    """One of the programme's two indicators, computed over the window."""

    id: str
    title: str
    value: float | None = Field(description="numerator / denominator, null when nothing counted")
    target: float
    met: bool | None
    numerator: int
    denominator: int
    definition: str


class Window(BaseModel):
    """The time window of a report; `to` is exclusive, counts are by the minute."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.datetime = Field(alias="from", serialization_alias="from")
    to: dt.datetime
    bucket: Bucket
    form: str | None = None


class CoverageReport(BaseModel):
    """Prefill coverage over a window: totals, the two indicators, per form, over time."""

    window: Window
    totals: Counts
    indicators: list[Indicator]
    forms: list[FormCoverage]
    series: list[SeriesPoint]
