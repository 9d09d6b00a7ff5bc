"""429 with Retry-After, and a key walking identifiers gets throttled and flagged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.keyring import PERSON, bearer, create_key
from tests.conftest import ADMIN_KEY


def _statuses(client: TestClient, secret: str, paths: list[str]) -> list[int]:
    return [client.get(p, headers=bearer(secret)).status_code for p in paths]


class TestRateLimit:
    def test_over_the_keys_budget_is_429_with_retry_after(self, client) -> None:
        _, secret = create_key(client, "registry:read", rate_limit=3)
        responses = [
            client.get(f"/v1/citizens/{PERSON}", headers=bearer(secret)) for _ in range(10)
        ]
        statuses = [r.status_code for r in responses]
        # A minute boundary may fall inside the test: at most two windows' worth pass.
        # (Checking a further request instead failed once when the boundary fell just
        # before it: a new window, so a 404.)
        assert statuses.count(404) <= 6 and 429 in statuses
        r = responses[statuses.index(429)]
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.json()["code"] == "rate_limited"

    def test_keys_have_separate_budgets(self, client) -> None:
        _, a = create_key(client, "registry:read", rate_limit=2)
        _, b = create_key(client, "registry:read", rate_limit=2)
        _statuses(client, a, [f"/v1/citizens/{PERSON}"] * 5)
        assert client.get(f"/v1/citizens/{PERSON}", headers=bearer(b)).status_code == 404


@pytest.fixture
def strict_client(settings):  # type: ignore[no-untyped-def]
    from main import create_app

    strict = settings.model_copy(
        update={
            "enumeration_sequential_limit": 5,
            "enumeration_not_found_limit": 5,
            "enumeration_rate_per_minute": 2,
        }
    )
    with TestClient(create_app(strict), headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as client:
        yield client


class TestEnumeration:
    def test_walking_serials_is_throttled_and_flagged(self, strict_client) -> None:
        key_id, secret = create_key(strict_client, "registry:read")
        walk = [f"/v1/citizens/001089{n:06d}" for n in range(1, 21)]
        statuses = _statuses(strict_client, secret, walk)
        assert 429 in statuses
        assert statuses.index(429) <= 8
        r = strict_client.get(walk[-1], headers=bearer(secret))
        assert r.status_code == 429
        assert "enumeration" in r.json()["detail"]
        flagged = strict_client.get(
            "/v1/audit", params={"key_id": key_id, "action": "enumeration_suspected"}
        ).json()["items"]
        assert len(flagged) == 1
        assert flagged[0]["flagged"] is True
        assert "001089" not in flagged[0]["detail"]

    def test_ordinary_lookups_are_not_flagged(self, strict_client) -> None:
        key_id, secret = create_key(strict_client, "registry:read")
        spread = ["001089012345", "079190345678", "038201987654", "024075000123"]
        assert set(_statuses(strict_client, secret, [f"/v1/citizens/{p}" for p in spread])) == {404}
        assert (
            strict_client.get(
                "/v1/audit", params={"key_id": key_id, "action": "enumeration_suspected"}
            ).json()["items"]
            == []
        )

    def test_admin_keys_are_flagged_but_not_locked_out(self, strict_client) -> None:
        walk = [f"/v1/citizens/001089{n:06d}" for n in range(1, 12)]
        assert set(_statuses(strict_client, ADMIN_KEY, walk)) == {404}
        flagged = strict_client.get(
            "/v1/audit", params={"key_id": "admin", "action": "enumeration_suspected"}
        ).json()["items"]
        assert len(flagged) == 1
