"""Coverage reports without a database: tallies, windows, buckets, indicators."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from autofill.stats.errors import InvalidWindow
from autofill.stats.service import VIETNAM, build_report, resolve_window
from autofill.stats.tally import tally_of

T0 = dt.datetime(2026, 11, 20, 0, 0, tzinfo=VIETNAM)


def envelope(status: str, registry: str | None = None) -> dict:
    source = {"registry": registry, "attribute": "x", "updated_at": None} if registry else None
    return {"value": "v" if status == "filled" else None, "status": status, "source": source}


class TestTallyOf:
    def test_counts_statuses_and_source_registries(self) -> None:
        result = {
            "form_id": "business-change",
            "form_version": 3,
            "fields": {
                "a": envelope("filled", "business"),
                "b": envelope("filled", "business"),
                "c": envelope("filled", "citizen"),
                "d": envelope("missing"),
                "e": envelope("unavailable"),
                "f": envelope("not_applicable"),
            },
            "coverage": {"filled": 3, "total": 5, "ratio": 0.6},
        }
        tally = tally_of(None, result)
        assert (tally.form_id, tally.form_version) == ("business-change", 3)
        assert (tally.fields_filled, tally.fields_total) == (3, 5)
        assert (tally.fields_missing, tally.fields_unavailable) == (1, 1)
        assert tally.fields_not_applicable == 1
        assert (tally.citizen_filled, tally.business_filled) == (1, 2)
        assert tally.counters()["business_prefills"] == 1

    def test_reads_objects_and_takes_the_form_from_the_context(self) -> None:
        fields = [SimpleNamespace(status="filled", source=SimpleNamespace(registry="citizen"))]
        result = SimpleNamespace(fields=fields, coverage=SimpleNamespace(filled=1, total=4))
        tally = tally_of(SimpleNamespace(form_id="ct01", form_version=2), result)
        assert (tally.form_id, tally.form_version) == ("ct01", 2)
        assert (tally.citizen_filled, tally.business_filled) == (1, 0)
        assert tally.counters()["business_prefills"] == 0


class TestResolveWindow:
    def test_defaults_to_the_last_30_days_in_daily_buckets(self) -> None:
        now = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
        window = resolve_window(None, None, now=now)
        assert window.to == now
        assert window.from_ == now - dt.timedelta(days=30)
        assert window.bucket == "day"

    def test_short_windows_are_hourly_and_naive_times_are_utc(self) -> None:
        window = resolve_window(dt.datetime(2026, 11, 27), dt.datetime(2026, 11, 28))
        assert window.bucket == "hour"
        assert window.from_.tzinfo == dt.UTC

    def test_reversed_window_is_refused_at_from(self) -> None:
        with pytest.raises(InvalidWindow) as caught:
            resolve_window(T0, T0 - dt.timedelta(hours=1))
        assert caught.value.problems[0].pointer == "/from"

    def test_too_many_buckets_are_refused_at_bucket(self) -> None:
        with pytest.raises(InvalidWindow) as caught:
            resolve_window(T0 - dt.timedelta(days=365), T0, bucket="hour")
        assert caught.value.problems[0].pointer == "/bucket"
        assert "bucket=day" in caught.value.detail


def row(form_id: str, bucket: int, **counts: int) -> SimpleNamespace:
    base = dict.fromkeys(
        (
            "prefills fields_total fields_filled fields_missing fields_unavailable "
            "fields_not_applicable citizen_filled business_filled business_prefills"
        ).split(),
        0,
    )
    return SimpleNamespace(form_id=form_id, bucket=bucket, **(base | counts))


class TestBuildReport:
    def test_days_start_at_midnight_in_vietnam_and_are_zero_filled(self) -> None:
        window = resolve_window(T0, T0 + dt.timedelta(days=3), bucket="day")
        first = (int(T0.timestamp()) // 60 + 7 * 60) // 1440
        report = build_report(window, [row("ct01", first + 2, prefills=1)], [])
        assert [p.start for p in report.series] == [T0 + dt.timedelta(days=i) for i in range(3)]
        assert [p.prefills for p in report.series] == [0, 0, 1]
        assert report.series[0].ratio is None

    def test_indicators_from_known_counts(self) -> None:
        window = resolve_window(T0, T0 + dt.timedelta(days=1), bucket="day")
        b = (int(T0.timestamp()) // 60 + 7 * 60) // 1440
        rows = [
            row("ct01", b, prefills=4, fields_total=40, fields_filled=6, citizen_filled=6),
            row(
                "hkd",
                b,
                prefills=1,
                fields_total=10,
                fields_filled=4,
                business_filled=2,
                citizen_filled=2,
                business_prefills=1,
            ),
            row("birth", b, prefills=5, fields_total=50, fields_filled=10, citizen_filled=10),
        ]
        report = build_report(window, rows, [])
        citizen, business = report.indicators
        assert (citizen.numerator, citizen.denominator) == (20, 100)
        assert citizen.value == pytest.approx(0.20)
        assert citizen.met is True
        assert (business.numerator, business.denominator) == (1, 3)
        assert business.value == pytest.approx(1 / 3)
        assert business.met is False
        assert [f.form_id for f in report.forms if f.uses_business_registry] == ["hkd"]

    def test_no_traffic_has_no_indicator_value(self) -> None:
        window = resolve_window(T0, T0 + dt.timedelta(hours=5))
        report = build_report(window, [], [])
        assert all(i.value is None and i.met is None for i in report.indicators)
        assert len(report.series) == 5
        assert report.totals.prefills == 0
