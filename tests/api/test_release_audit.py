"""The release service's promises: everyone whose data leaves is audited as themselves, a
caller cannot write raw IDs into the audit through X-Request-ID, and a read key's budget
counts the records it receives."""

from __future__ import annotations

from typing import Any

import pytest

from tests import records
from tests.api.keyring import bearer, create_key


@pytest.fixture
def family(client):  # type: ignore[no-untyped-def]
    records.put_family(client)
    return client


def _entries(client: Any, **filters: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/audit", params=filters)
    assert r.status_code == 200, r.text
    return r.json()["items"]


class TestPeopleInsideABusinessRecord:
    def test_a_business_lookup_audits_its_owners_and_representatives(self, family) -> None:
        key_id, secret = create_key(family, "registry:read")
        r = family.get(f"/v1/businesses/{records.COMPANY}", headers=bearer(secret))
        assert r.status_code == 200
        (owner,) = _entries(family, subject=records.MOTHER, key_id=key_id)
        assert owner["action"] == "lookup" and owner["attributes"] == ["owners"]
        (representative,) = _entries(family, subject=records.FATHER, key_id=key_id)
        assert representative["attributes"] == ["legal_representatives", "owners"]
        (company,) = _entries(family, subject=records.COMPANY, key_id=key_id)
        assert company["attributes"] == ["*"]
        assert owner["request_id"] == company["request_id"]

    def test_a_business_prefill_audits_the_owners_it_releases(self, family) -> None:
        key_id, secret = create_key(family, "prefill")
        r = family.post(
            "/v1/forms/business-change/prefill",
            json={"subjects": {"company": records.COMPANY}, "purpose": "Thay đổi đăng ký"},
            headers=bearer(secret),
        )
        assert r.status_code == 200
        assert r.json()["fields"]["members"]["status"] == "filled"
        (owner,) = _entries(family, subject=records.MOTHER, key_id=key_id)
        assert owner["action"] == "prefill" and owner["form_id"] == "business-change"
        assert owner["attributes"] == ["owners"] and owner["purpose"] == "Thay đổi đăng ký"

    def test_a_citizen_lookup_is_one_entry(self, family) -> None:
        key_id, secret = create_key(family, "registry:read")
        family.get(f"/v1/citizens/{records.MOTHER}", headers=bearer(secret))
        assert len(_entries(family, key_id=key_id)) == 1


class TestRequestIds:
    @pytest.mark.parametrize(
        "sent", ["001085004512 leaked", "001085004512", "id-0010850045", "a" * 65, "x/y"]
    )
    def test_an_unsafe_request_id_never_reaches_the_audit(self, family, sent: str) -> None:
        key_id, secret = create_key(family, "registry:read")
        headers = {**bearer(secret), "X-Request-ID": sent}
        assert family.get(f"/v1/citizens/{records.FATHER}", headers=headers).status_code == 200
        (entry,) = _entries(family, key_id=key_id)
        assert entry["request_id"] != sent and len(entry["request_id"]) == 32
        assert "00108500" not in entry["request_id"]

    def test_a_safe_request_id_is_kept(self, family) -> None:
        key_id, secret = create_key(family, "prefill")
        r = family.post(
            "/v1/forms/ct01/prefill",
            json={"subjects": {"applicant": records.FATHER}, "purpose": "Kiểm tra"},
            headers={**bearer(secret), "X-Request-ID": "portal-42:a.b"},
        )
        assert r.status_code == 200
        assert {e["request_id"] for e in _entries(family, key_id=key_id)} == {"portal-42:a.b"}


class TestBudgetCountsRecords:
    def test_a_30_a_minute_key_cannot_page_out_the_registry(self, seeded_client) -> None:
        _, secret = create_key(seeded_client, "registry:read", rate_limit=30)
        received, statuses, cursor = 0, [], None
        for _ in range(10):
            params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            r = seeded_client.get("/v1/citizens", params=params, headers=bearer(secret))
            statuses.append(r.status_code)
            if r.status_code != 200:
                break
            received += len(r.json()["items"])
            cursor = r.json()["next_cursor"]
        assert statuses == [200, 429]
        assert received == 100

    def test_a_listing_within_the_budget_is_served(self, seeded_client) -> None:
        _, secret = create_key(seeded_client, "registry:read", rate_limit=30)
        for _ in range(3):
            r = seeded_client.get("/v1/citizens", params={"limit": 10}, headers=bearer(secret))
            assert r.status_code == 200

    def test_listing_much_of_the_registry_flags_the_key(self, seeded_settings) -> None:
        from fastapi.testclient import TestClient

        from main import create_app
        from tests.conftest import ADMIN_KEY

        watchful = seeded_settings.model_copy(update={"enumeration_listing_limit": 150})
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        with TestClient(create_app(watchful), headers=admin) as client:
            key_id, secret = create_key(client, "registry:read")
            first = client.get("/v1/citizens", params={"limit": 100}, headers=bearer(secret))
            assert first.status_code == 200
            assert not _entries(client, key_id=key_id, action="enumeration_suspected")
            cursor = first.json()["next_cursor"]
            params = {"limit": 100, "cursor": cursor}
            assert client.get("/v1/citizens", params=params, headers=bearer(secret)).is_success
            (flag,) = _entries(client, key_id=key_id, action="enumeration_suspected")
            assert "200 citizen records listed" in flag["detail"]
            # Flagged: the key is now on the enumeration budget (30 a minute).
            r = client.get("/v1/citizens", params={"limit": 10}, headers=bearer(secret))
            assert r.status_code == 429
