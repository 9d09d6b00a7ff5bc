"""The coverage dashboard's content: the report of `GET /v1/stats/coverage` (same service
call), form titles from the catalog, and chart geometry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autofill.portal.charts import ColumnChart, MiniBar, column_chart, percent, trend_bars
from autofill.portal.client import ServiceClient
from autofill.portal.text import VIETNAM
from autofill.portal.views import is_form_id
from autofill.stats.schemas import CoverageReport, Indicator
from autofill.stats.service import StatsService, resolve_window

RANGES: dict[str, tuple[dt.timedelta, str, str]] = {
    "24h": (dt.timedelta(hours=24), "hour", "24 giờ qua"),
    "7d": (dt.timedelta(days=7), "day", "7 ngày qua"),
    "30d": (dt.timedelta(days=30), "day", "30 ngày qua"),
    "365d": (dt.timedelta(days=365), "day", "12 tháng qua"),
}
INDICATOR_TEXT = {
    "citizen_fields_autofilled": (
        "Chỉ tiêu 1 · Thông tin người dân không phải nhập lại",
        "trường được điền sẵn / tổng số trường của các tờ khai đã điền sẵn",
    ),
    "services_using_business_registry": (
        "Chỉ tiêu 2 · Dịch vụ công sử dụng CSDL đăng ký doanh nghiệp",
        "biểu mẫu đã lấy ít nhất một trường từ CSDL doanh nghiệp / biểu mẫu có lượt điền sẵn",
    ),
}


@dataclass(frozen=True, slots=True)
class IndicatorView:
    """One indicator beside its target."""

    id: str
    title: str
    official: str
    share: float
    value_text: str
    target: float
    target_text: str
    met: bool | None
    counts_text: str
    definition: str


@dataclass(frozen=True, slots=True)
class FormRow:
    """One form's line in the per-form table."""

    form_id: str
    title: str
    prefills: int
    filled: int
    total: int
    share: float
    ratio_text: str
    trend: list[MiniBar]
    uses_business: bool
    declares_business: bool


@dataclass(frozen=True, slots=True)
class Board:
    """Everything the dashboard page shows."""

    range_key: str
    ranges: list[tuple[str, str]]
    form: str | None
    form_options: list[tuple[str, str]]
    window_text: str
    bucket_text: str
    prefills: int
    indicators: list[IndicatorView]
    chart: ColumnChart
    rows: list[FormRow]
    declared: int
    catalog_size: int
    declared_text: str


def _indicator(indicator: Indicator) -> IndicatorView:
    title, definition = INDICATOR_TEXT.get(indicator.id, (indicator.title, indicator.definition))
    return IndicatorView(
        id=indicator.id,
        title=title,
        official=indicator.title,
        share=min(indicator.value or 0.0, 1.0),
        value_text=percent(indicator.value),
        target=indicator.target,
        target_text=percent(indicator.target, 0),
        met=indicator.met,
        counts_text=f"{indicator.numerator:,} / {indicator.denominator:,}".replace(",", "."),
        definition=definition,
    )


def declares_business(schema: Mapping[str, Any]) -> bool:
    """Whether a schema maps at least one field from a business-registry subject."""
    business = {
        name
        for name, subject in (schema.get("subjects") or {}).items()
        if subject.get("registry") == "business"
    }
    for spec in schema.get("fields") or []:
        source = (spec.get("prefill") or {}).get("from") or ""
        if source.split(".", 1)[0].split("[", 1)[0] in business:
            return True
    return False


async def _declared(client: ServiceClient, catalog: list[dict[str, Any]]) -> set[str]:
    found = set()
    for item in catalog:
        answer = await client.get_form(item["id"])
        if answer.ok and declares_business(answer.body):
            found.add(item["id"])
    return found


def _bucket_label(start: dt.datetime, bucket: str) -> str:
    local = start.astimezone(VIETNAM)
    return local.strftime("%H:00") if bucket == "hour" else local.strftime("%d/%m")


async def build(
    stats: StatsService,
    client: ServiceClient,
    catalog: list[dict[str, Any]],
    range_key: str,
    form: str | None,
) -> Board:
    """The dashboard for a range (24h, 7d, 30d, 365d) and optionally one form."""
    if range_key not in RANGES:
        range_key = "30d"
    if form is not None and not is_form_id(form):
        form = None
    span, bucket, range_text = RANGES[range_key]
    now = dt.datetime.now(dt.UTC)
    window = resolve_window(now - span, now, bucket=bucket, form=form)  # type: ignore[arg-type]
    report: CoverageReport = await stats.coverage(window)
    titles = {item["id"]: str(item.get("title") or item["id"]) for item in catalog}
    declared = await _declared(client, catalog)
    labels = [_bucket_label(p.start, bucket) for p in report.series]
    tips = [
        f"{_bucket_label(p.start, bucket)}: {percent(p.ratio)} · {p.prefills} lượt"
        for p in report.series
    ]
    chart = column_chart(labels, [p.ratio for p in report.series], tips, target=0.20)
    rows = [
        FormRow(
            form_id=f.form_id,
            title=titles.get(f.form_id, f.form_id),
            prefills=f.prefills,
            filled=f.fields_filled,
            total=f.fields_total,
            share=f.ratio or 0.0,
            ratio_text=percent(f.ratio),
            trend=trend_bars([p.ratio for p in f.series]),
            uses_business=f.uses_business_registry,
            declares_business=f.form_id in declared,
        )
        for f in sorted(report.forms, key=lambda f: -f.prefills)
    ]
    start_text = window.from_.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    end_text = window.to.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    return Board(
        range_key=range_key,
        ranges=[(key, text) for key, (_, _, text) in RANGES.items()],
        form=form,
        form_options=sorted(titles.items(), key=lambda kv: kv[1]),
        window_text=f"{range_text}: {start_text} – {end_text} (giờ Việt Nam)",
        bucket_text="theo giờ" if bucket == "hour" else "theo ngày",
        prefills=report.totals.prefills,
        indicators=[_indicator(i) for i in report.indicators],
        chart=chart,
        rows=rows,
        declared=len(declared),
        catalog_size=len(catalog),
        declared_text=percent(len(declared) / len(catalog) if catalog else None),
    )
