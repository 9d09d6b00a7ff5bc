"""Coverage reports from `prefill_stats`: totals, per form, over time, and the indicators.

Indicator 1 (target 20%): Σ fields filled / Σ fields counted (each prefill's
`coverage.filled` and `coverage.total`) over the prefills in the window.
Indicator 2 (target 50%): among the forms (services) prefilled at least once in the window,
the share for which at least one prefill filled at least one field from the business
registry. Both are measured on real traffic, not read off the schemas.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select

from autofill.stats.errors import InvalidWindow
from autofill.stats.models import COUNTERS, PrefillStat
from autofill.stats.recorder import StatsRecorder
from autofill.stats.schemas import (
    Bucket,
    Counts,
    CoverageReport,
    FormCoverage,
    Indicator,
    SeriesPoint,
    Window,
)

# Vietnam keeps UTC+07:00 all year: days are bucketed at its midnight.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
BUCKET_MINUTES: dict[str, int] = {"hour": 60, "day": 1440}
BUCKET_OFFSET: dict[str, int] = {"hour": 0, "day": 7 * 60}
MAX_BUCKETS = 1500
DEFAULT_DAYS = 30

CITIZEN_TARGET = 0.20
BUSINESS_TARGET = 0.50


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def resolve_window(
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    bucket: Bucket | None = None,
    form: str | None = None,
    now: dt.datetime | None = None,
) -> Window:
    """The window asked for, with defaults (last 30 days; hourly up to 2 days, else daily)."""
    end = _aware(end) if end else (now or dt.datetime.now(dt.UTC))
    start = _aware(start) if start else end - dt.timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise InvalidWindow("'from' must be earlier than 'to'", pointer="/from")
    if bucket is None:
        bucket = "hour" if end - start <= dt.timedelta(days=2) else "day"
    buckets = (end - start) / dt.timedelta(minutes=BUCKET_MINUTES[bucket])
    if buckets > MAX_BUCKETS:
        longest = dt.timedelta(minutes=BUCKET_MINUTES[bucket] * MAX_BUCKETS)
        advice, pointer = f"shorten it to {_span(longest)} at most", "/from"
        day_buckets = (end - start) / dt.timedelta(minutes=BUCKET_MINUTES["day"])
        if bucket != "day" and day_buckets <= MAX_BUCKETS:
            advice, pointer = advice + " or use bucket=day", "/bucket"  # only where it helps
        raise InvalidWindow(
            f"the window holds {math.ceil(buckets)} {bucket} buckets, more than {MAX_BUCKETS}; "
            + advice,
            pointer=pointer,
        )
    return Window.model_validate({"from": start, "to": end, "bucket": bucket, "form": form})


def _span(length: dt.timedelta) -> str:
    return f"{length.days} days" if length.days >= 2 else f"{length // dt.timedelta(hours=1)} hours"


def _minute(moment: dt.datetime) -> int:
    return math.ceil(moment.timestamp() / 60)


def _bucket_bounds(index: int, bucket: str) -> tuple[dt.datetime, dt.datetime]:
    size, offset = BUCKET_MINUTES[bucket], BUCKET_OFFSET[bucket]
    start = dt.datetime.fromtimestamp((index * size - offset) * 60, VIETNAM)
    return start, start + dt.timedelta(minutes=size)


def _bucket_of(minute: int, bucket: str) -> int:
    return (minute + BUCKET_OFFSET[bucket]) // BUCKET_MINUTES[bucket]


class StatsService:
    """Reads coverage reports; flushes this worker's pending counts first."""

    def __init__(self, engine: Engine, recorder: StatsRecorder | None = None) -> None:
        self.engine = engine
        self.recorder = recorder

    async def coverage(self, window: Window) -> CoverageReport:
        """The coverage report of a window (see the module docstring for the indicators)."""
        if self.recorder is not None:
            await self.recorder.flush()
        rows, versions = await asyncio.to_thread(self._query, window)
        return build_report(window, rows, versions)

    def _query(self, window: Window) -> tuple[list[Any], list[Any]]:
        table = PrefillStat.__table__
        lo, hi = _minute(window.from_), _minute(window.to)
        size, offset = BUCKET_MINUTES[window.bucket], BUCKET_OFFSET[window.bucket]
        where = [table.c.minute >= lo, table.c.minute < hi]
        if window.form is not None:
            where.append(table.c.form_id == window.form)
        bucket = ((table.c.minute + offset) // size).label("bucket")
        sums = [func.sum(table.c[c]).label(c) for c in COUNTERS]
        series = (
            select(table.c.form_id, bucket, *sums)
            .where(*where)
            .group_by(table.c.form_id, bucket)
            .order_by(table.c.form_id, bucket)
        )
        versions = (
            select(table.c.form_id, table.c.form_version)
            .where(*where)
            .group_by(table.c.form_id, table.c.form_version)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(series)), list(conn.execute(versions))


def _indicators(totals: Counts, forms: list[FormCoverage]) -> list[Indicator]:
    used = sum(1 for f in forms if f.uses_business_registry)
    active = sum(1 for f in forms if f.prefills)

    def indicator(id_: str, title: str, num: int, den: int, target: float, text: str) -> Indicator:
        """One indicator from its numerator and denominator."""
        value = num / den if den else None
        met = None if value is None else value >= target
        return Indicator(
            id=id_, title=title, value=value, target=target, met=met,
            numerator=num, denominator=den, definition=text,
        )  # fmt: skip

    return [
        indicator(
            "citizen_fields_autofilled",
            "Tỷ lệ thông tin người dân phải nhập được điền tự động",
            totals.fields_filled,
            totals.fields_total,
            CITIZEN_TARGET,
            "Σ fields filled / Σ fields counted (coverage.filled / coverage.total) "
            "over the prefills in the window",
        ),
        indicator(
            "services_using_business_registry",
            "Tỷ lệ dịch vụ công sử dụng CSDL quốc gia về đăng ký doanh nghiệp",
            used,
            active,
            BUSINESS_TARGET,
            "forms prefilled in the window with ≥ 1 field filled from the business registry "
            "/ forms prefilled in the window",
        ),
    ]


def build_report(window: Window, rows: list[Any], versions: list[Any]) -> CoverageReport:
    """Assemble the report from the grouped rows: zero-filled series, totals, indicators."""
    first = _bucket_of(_minute(window.from_), window.bucket)
    last = _bucket_of(_minute(window.to) - 1, window.bucket)
    indices = range(first, last + 1)
    per_form: dict[str, dict[int, dict[str, int]]] = defaultdict(dict)
    for row in rows:
        per_form[row.form_id][int(row.bucket)] = {c: int(getattr(row, c) or 0) for c in COUNTERS}
    form_versions: dict[str, list[int]] = defaultdict(list)
    for row in versions:
        form_versions[row.form_id].append(int(row.form_version))

    def point(index: int, counts: dict[str, int]) -> SeriesPoint:
        """The series point of bucket `index`."""
        start, end = _bucket_bounds(index, window.bucket)
        return SeriesPoint(start=start, end=end, **counts)

    def summed(parts: list[dict[str, int]]) -> dict[str, int]:
        """Counters added up."""
        return {c: sum(p.get(c, 0) for p in parts) for c in COUNTERS}

    forms = [
        FormCoverage(
            form_id=form_id,
            versions=sorted(form_versions[form_id]),
            series=[point(i, buckets.get(i, {})) for i in indices],
            **summed(list(buckets.values())),
        )
        for form_id, buckets in sorted(per_form.items())
    ]
    series = [point(i, summed([b.get(i, {}) for b in per_form.values()])) for i in indices]
    totals = Counts(**summed([b for f in per_form.values() for b in f.values()]))
    return CoverageReport(
        window=window,
        totals=totals,
        indicators=_indicators(totals, forms),
        forms=forms,
        series=series,
    )
