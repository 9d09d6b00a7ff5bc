"""Prefill end to end through the trust features: form-limited keys, audit, the token."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from autofill.trust.hashing import SubjectHasher
from tests import records
from tests.api.keyring import bearer, create_key
from tests.conftest import AUDIT_HASH_KEY

PURPOSE = "Đăng ký thay đổi nội dung đăng ký doanh nghiệp"


@pytest.fixture
def family(client):  # type: ignore[no-untyped-def]
    records.put_family(client)
    return client


def _prefill(client, secret: str, form: str, subjects: dict[str, str], **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/forms/{form}/prefill",
        json={"subjects": subjects, "purpose": PURPOSE},
        headers={**bearer(secret), **headers},
    )


def _verify(client, secret: str, form: str, token: str, values: dict[str, Any], **extra: Any):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/forms/{form}/verify",
        json={"token": token, "values": values, **extra},
        headers=bearer(secret),
    )


def _hash(identifier: str) -> str:
    return SubjectHasher(AUDIT_HASH_KEY.encode()).hash(identifier)


class TestPortalKey:
    def test_a_key_for_form_x_cannot_prefill_form_y(self, family) -> None:
        _, secret = create_key(family, "prefill", forms=["ct01"])
        assert _prefill(family, secret, "ct01", {"applicant": records.FATHER}).status_code == 200
        r = _prefill(family, secret, "business-change", {"company": records.COMPANY})
        assert r.status_code == 403
        assert r.headers["content-type"] == "application/problem+json"

    def test_a_portal_key_reads_no_raw_record_and_registers_no_schema(self, family) -> None:
        _, secret = create_key(family, "prefill", forms=["ct01"])
        assert (
            family.get(f"/v1/citizens/{records.FATHER}", headers=bearer(secret)).status_code == 403
        )
        assert family.get("/v1/citizens", headers=bearer(secret)).status_code == 403
        schema = {"id": "x-form", "title": "X", "subjects": {}, "fields": []}
        assert family.post("/v1/forms", json=schema, headers=bearer(secret)).status_code == 403


class TestPrefillAudit:
    def test_each_subject_released_is_audited_hashed(self, family, database_url, caplog) -> None:
        key_id, secret = create_key(family, "prefill")
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
            r = _prefill(
                family,
                secret,
                "business-change",
                {"company": records.COMPANY},
                **{"X-Request-ID": "portal-7"},
            )
        assert r.status_code == 200
        entries = family.get("/v1/audit", params={"key_id": key_id}).json()["items"]
        by_registry = {e["registry"]: e for e in entries}
        assert set(by_registry) == {"business", "citizen"}
        company, representative = by_registry["business"], by_registry["citizen"]
        assert company["subject_hash"] == _hash(records.COMPANY)
        assert representative["subject_hash"] == _hash(records.FATHER)
        assert "name" in company["attributes"]
        assert "birth_date" in representative["attributes"]
        for entry in entries:
            assert entry["action"] == "prefill"
            assert (entry["form_id"], entry["form_version"]) == ("business-change", 1)
            assert entry["purpose"] == PURPOSE
            assert entry["request_id"] == "portal-7"
            assert entry["client"]
        by_subject = family.get("/v1/audit", params={"subject": records.FATHER}).json()["items"]
        assert key_id in {e["key_id"] for e in by_subject}
        engine = create_engine(database_url)
        with engine.connect() as conn:
            dump = str(conn.execute(text("SELECT * FROM audit_log")).all())
        engine.dispose()
        for raw in (records.COMPANY, records.FATHER):
            assert raw not in dump
            assert raw not in caplog.text

    def test_a_missing_subject_releases_nothing(self, family) -> None:
        key_id, secret = create_key(family, "prefill")
        r = _prefill(family, secret, "ct01", {"applicant": records.NO_SUCH_CITIZEN})
        assert r.status_code == 404
        assert family.get("/v1/audit", params={"key_id": key_id}).json()["items"] == []


class TestSubmissionCheck:
    def test_prefill_returns_a_token_that_verifies(self, family) -> None:
        _, secret = create_key(family, "prefill")
        body = _prefill(family, secret, "business-change", {"company": records.COMPANY}).json()
        submission = body["submission"]
        locked = {k: f["value"] for k, f in body["fields"].items() if f["locked"]}
        assert set(submission["locked_fields"]) == set(locked) and locked
        assert records.COMPANY not in submission["token"]
        submitted = {k: f["value"] for k, f in body["fields"].items()}
        submitted["change_content"] = "Thay đổi địa chỉ trụ sở"
        r = _verify(
            family,
            secret,
            "business-change",
            submission["token"],
            submitted,
            subjects={"company": records.COMPANY},
        )
        assert r.status_code == 200
        result = r.json()
        assert result["intact"] is True and result["subject_matches"] is True
        assert sorted(result["unchanged"]) == sorted(locked)

    def test_a_tampered_locked_value_is_reported(self, family) -> None:
        _, secret = create_key(family, "prefill")
        body = _prefill(family, secret, "business-change", {"company": records.COMPANY}).json()
        submitted = {k: f["value"] for k, f in body["fields"].items()}
        submitted["company_name"] = "CÔNG TY TNHH KHÁC"
        token = body["submission"]["token"]
        subjects = {"company": records.COMPANY}
        r = _verify(family, secret, "business-change", token, submitted, subjects=subjects)
        assert r.status_code == 200
        assert r.json()["changed"] == ["company_name"]
        assert r.json()["intact"] is False

    def test_an_expired_token_is_410(self, app, family) -> None:
        _, secret = create_key(family, "prefill")
        fresh = _prefill(family, secret, "ct01", {"applicant": records.FATHER}).json()
        ttl = app.state.services.trust.signer.ttl
        fresh_expiry = dt.datetime.fromisoformat(fresh["submission"]["expires_at"])
        assert abs((fresh_expiry - dt.datetime.now(dt.UTC)).total_seconds() - ttl) < 5
        # Tokens issued from now on are already past their lifetime.
        app.state.services.trust.signer.ttl = -1
        body = _prefill(family, secret, "ct01", {"applicant": records.FATHER}).json()
        expiry = dt.datetime.fromisoformat(body["submission"]["expires_at"])
        assert expiry <= dt.datetime.now(dt.UTC) < fresh_expiry
        submitted = {k: f["value"] for k, f in body["fields"].items()}
        token = body["submission"]["token"]
        subjects = {"applicant": records.FATHER}
        r = _verify(family, secret, "ct01", token, submitted, subjects=subjects)
        assert r.status_code == 410
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "token_expired"


class TestEnumerationThroughPrefill:
    @pytest.fixture
    def strict(self, settings):  # type: ignore[no-untyped-def]
        from fastapi.testclient import TestClient

        from main import create_app
        from tests.conftest import ADMIN_KEY

        strict = settings.model_copy(
            update={"enumeration_not_found_limit": 5, "enumeration_rate_per_minute": 2}
        )
        with TestClient(create_app(strict), headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
            yield c

    def test_walking_ids_through_prefill_is_throttled_and_flagged(self, strict) -> None:
        key_id, secret = create_key(strict, "prefill")
        statuses = [
            _prefill(strict, secret, "ct01", {"applicant": f"001089{n:06d}"}).status_code
            for n in range(500_000, 500_012)
        ]
        assert 404 in statuses and 429 in statuses
        flagged = strict.get(
            "/v1/audit", params={"key_id": key_id, "action": "enumeration_suspected"}
        ).json()["items"]
        assert len(flagged) == 1
