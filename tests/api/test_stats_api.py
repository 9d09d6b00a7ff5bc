"""`GET /v1/stats/coverage` and the recorder behind it, on the backend under test."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from autofill.stats.models import PrefillStat
from autofill.stats.recorder import StatsRecorder
from autofill.stats.service import VIETNAM
from autofill.stats.tally import PrefillTally
from autofill.trust import KeyPrincipal, Principal, hash_secret

PROBLEM = "application/problem+json"
T0 = dt.datetime(2026, 11, 20, 0, 0, tzinfo=VIETNAM)


def tally(form_id: str, total: int, filled: int, *, business: int = 0, version: int = 1):
    return PrefillTally(
        form_id=form_id,
        form_version=version,
        fields_total=total,
        fields_filled=filled,
        fields_missing=total - filled,
        citizen_filled=filled - business,
        business_filled=business,
    )


def record(client, item: PrefillTally, at: dt.datetime) -> None:
    """Count a prefill at a given moment, on the app's own event loop."""
    recorder: StatsRecorder = client.app.state.services.stats.recorder
    client.portal.call(lambda: recorder.record(item, at=at.timestamp()))


def coverage(client, start: dt.datetime | None = None, end: dt.datetime | None = None, **params):
    """GET the coverage report of [start, end)."""
    if start is not None:
        params["from"] = start.isoformat()
    if end is not None:
        params["to"] = end.isoformat()
    return client.get("/v1/stats/coverage", params=params)


class KeyStore:
    """Keys with chosen scopes, for scope tests."""

    def __init__(self, keys: dict[str, frozenset[str]]) -> None:
        self.keys = {hash_secret(k): KeyPrincipal(k, k, s) for k, s in keys.items()}

    async def find(self, secret_hash: str) -> Principal | None:
        return self.keys.get(secret_hash)


class TestAccess:
    def test_without_key_is_401(self, anonymous) -> None:
        r = anonymous.get("/v1/stats/coverage")
        assert r.status_code == 401
        assert r.headers["content-type"] == PROBLEM

    def test_needs_audit_read(self, anonymous) -> None:
        store = KeyStore(
            {"prefill-key": frozenset({"prefill"}), "audit-key": frozenset({"audit:read"})}
        )
        anonymous.app.state.services.trust.auth.stores.append(store)
        denied = anonymous.get(
            "/v1/stats/coverage", headers={"Authorization": "Bearer prefill-key"}
        )
        assert denied.status_code == 403
        allowed = anonymous.get("/v1/stats/coverage", headers={"Authorization": "Bearer audit-key"})
        assert allowed.status_code == 200


class TestKnownTraffic:
    @pytest.fixture
    def traffic(self, client):
        """Ten prefills over two days and three forms, plus one outside the window."""
        for hour in range(4):  # day 1: ct01 4 x (2 of 10)
            record(client, tally("ct01", 10, 2), T0 + dt.timedelta(hours=hour, minutes=5))
        record(client, tally("hkd", 10, 6, business=4), T0 + dt.timedelta(hours=30))
        record(client, tally("hkd", 10, 4, business=0, version=2), T0 + dt.timedelta(hours=31))
        for minute in range(4):  # day 2: birth 4 x (3 of 5)
            record(client, tally("birth", 5, 3), T0 + dt.timedelta(hours=40, minutes=minute))
        record(client, tally("ct01", 10, 10), T0 - dt.timedelta(minutes=1))  # outside
        return client

    def test_totals_forms_and_indicators(self, traffic) -> None:
        r = coverage(traffic, T0, T0 + dt.timedelta(days=2), bucket="day")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["window"]["bucket"] == "day"
        totals = body["totals"]
        assert totals["prefills"] == 10
        assert (totals["fields_filled"], totals["fields_total"]) == (8 + 10 + 12, 40 + 20 + 20)
        assert totals["ratio"] == pytest.approx(30 / 80)
        forms = {f["form_id"]: f for f in body["forms"]}
        assert set(forms) == {"ct01", "hkd", "birth"}
        assert forms["hkd"]["versions"] == [1, 2]
        assert forms["hkd"]["business_prefills"] == 1
        assert forms["hkd"]["uses_business_registry"] is True
        assert forms["ct01"]["ratio"] == pytest.approx(0.2)
        citizen, business = body["indicators"]
        assert citizen["id"] == "citizen_fields_autofilled"
        assert (citizen["numerator"], citizen["denominator"], citizen["target"]) == (30, 80, 0.2)
        assert citizen["met"] is True
        assert business["id"] == "services_using_business_registry"
        assert (business["numerator"], business["denominator"], business["target"]) == (1, 3, 0.5)
        assert business["met"] is False
        assert [p["prefills"] for p in body["series"]] == [4, 6]
        assert body["series"][0]["start"].startswith("2026-11-20T00:00:00+07:00")

    def test_window_excludes_what_lies_outside(self, traffic) -> None:
        start = T0 + dt.timedelta(hours=30)
        r = coverage(traffic, start, start + dt.timedelta(hours=2))
        body = r.json()
        assert body["window"]["bucket"] == "hour"
        assert body["totals"]["prefills"] == 2
        assert [f["form_id"] for f in body["forms"]] == ["hkd"]
        assert [p["prefills"] for p in body["series"]] == [1, 1]
        earlier = coverage(traffic, T0 - dt.timedelta(hours=1), T0)
        assert earlier.json()["totals"]["prefills"] == 1

    def test_form_filter(self, traffic) -> None:
        r = coverage(traffic, T0, T0 + dt.timedelta(days=2), form="birth")
        body = r.json()
        assert body["window"]["form"] == "birth"
        assert [f["form_id"] for f in body["forms"]] == ["birth"]
        assert body["totals"]["prefills"] == 4
        assert body["indicators"][1]["value"] == 0


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "pointer"),
        [
            ({"from": "2026-11-20T00:00Z", "to": "2026-11-19T00:00Z"}, "/from"),
            ({"from": "2025-01-01T00:00Z", "to": "2026-01-01T00:00Z", "bucket": "hour"}, "/bucket"),
            ({"from": "2000-01-01T00:00Z", "to": "2026-01-01T00:00Z", "bucket": "hour"}, "/from"),
            ({"from": "yesterday"}, "/from"),
            ({"bucket": "week"}, "/bucket"),
        ],
    )
    def test_is_422_with_a_pointer(self, client, params, pointer) -> None:
        r = coverage(client, **params)
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["pointer"] == pointer

    def test_advice_never_repeats_what_the_request_did(self, client) -> None:
        r = coverage(client, **{"from": "2000-01-01T00:00:00Z", "bucket": "day"})
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert "bucket=day" not in detail
        assert "shorten it to 1500 days at most" in detail
        daily = coverage(client, **{"from": "2025-12-01T00:00Z", "to": "2026-01-01T00:00Z"})
        assert daily.status_code == 200  # no bucket: days are chosen
        r = coverage(
            client, **{"from": "2025-01-01T00:00Z", "to": "2026-01-01T00:00Z", "bucket": "hour"}
        )
        assert "or use bucket=day" in r.json()["detail"]


class TestRecorder:
    def test_batches_by_minute_and_adds_on_each_flush(self, app, client) -> None:
        engine = client.app.state.services.engine
        recorder = StatsRecorder(engine)
        at = T0.timestamp() + 10
        for _ in range(50):
            recorder.record(tally("ct01", 10, 3), at=at)
        recorder.record(tally("ct01", 10, 3), at=at + 60)
        assert recorder.pending == 51
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(PrefillStat)) == 0
        assert client.portal.call(recorder.flush) == 51
        recorder.record(tally("ct01", 10, 3), at=at)
        assert client.portal.call(recorder.flush) == 1
        with engine.connect() as conn:
            query = select(PrefillStat.prefills, PrefillStat.fields_filled)
            rows = conn.execute(query.order_by(PrefillStat.minute)).all()
        assert [tuple(r) for r in rows] == [
            (51, 153),
            (1, 3),
        ]

    def test_keeps_counts_when_a_write_fails(self, client, monkeypatch) -> None:
        recorder = StatsRecorder(client.app.state.services.engine)
        recorder.record(tally("ct01", 10, 3), at=T0.timestamp())

        def broken(batch) -> None:
            raise RuntimeError("database down")

        monkeypatch.setattr(recorder, "_write", broken)
        assert client.portal.call(recorder.flush) == 0
        assert recorder.pending == 1
        monkeypatch.undo()
        assert client.portal.call(recorder.flush) == 1
        assert recorder.pending == 0

    def test_stop_writes_what_is_pending(self, client) -> None:
        recorder = StatsRecorder(client.app.state.services.engine, flush_interval=3600)
        client.portal.call(recorder.start)
        recorder_tally = tally("ct01", 10, 3)
        client.portal.call(lambda: recorder.record(recorder_tally, at=T0.timestamp()))
        client.portal.call(recorder.stop)
        assert recorder.pending == 0
        r = coverage(client, T0, T0 + dt.timedelta(hours=1))
        assert r.json()["totals"]["prefills"] == 1
