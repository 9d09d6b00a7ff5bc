"""Every release of registry data is audited before the answer, with hashed subjects."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import create_engine, text, update

from autofill.models import AuditEntry
from autofill.trust.hashing import SubjectHasher
from tests.api.keyring import bearer, create_key, fresh_person_id, store_citizens
from tests.conftest import AUDIT_HASH_KEY


@pytest.fixture
def person() -> str:
    """A personal ID of this test only."""
    return fresh_person_id()


@pytest.fixture
def other(person: str) -> str:
    """A second personal ID of this test only."""
    while (pid := fresh_person_id()) == person:
        pass
    return pid


def _audit_dump(database_url: str) -> str:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log")).all()
    engine.dispose()
    return "\n".join(str(tuple(r)) for r in rows)


def _hash(identifier: str) -> str:
    return SubjectHasher(AUDIT_HASH_KEY.encode()).hash(identifier)


def _entries(client, **filters) -> list[dict]:  # type: ignore[no-untyped-def]
    r = client.get("/v1/audit", params=filters)
    assert r.status_code == 200, r.text
    return r.json()["items"]


class TestLookupAudit:
    def test_a_lookup_is_audited_with_the_subject_hashed(
        self, client, database_url, caplog, person
    ) -> None:
        store_citizens(database_url, person)
        key_id, secret = create_key(client, "registry:read")
        # The test client's request log line (httpx) carries the URL with the ID in it.
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
            r = client.get(
                f"/v1/citizens/{person}", headers={**bearer(secret), "X-Request-ID": "req-42"}
            )
        assert r.status_code == 200
        (entry,) = _entries(client, key_id=key_id)
        assert entry["action"] == "lookup"
        assert entry["registry"] == "citizen"
        assert entry["subject_hash"] == _hash(person)
        assert entry["attributes"] == ["*"]
        assert entry["request_id"] == "req-42"
        assert entry["client"]
        dump = _audit_dump(database_url)
        assert person not in dump
        assert _hash(person) in dump
        assert any("/v1/citizens/<id:" in m for m in caplog.messages)
        assert person not in caplog.text

    def test_a_miss_releases_nothing_and_is_not_audited(self, client, person) -> None:
        key_id, secret = create_key(client, "registry:read")
        assert client.get(f"/v1/citizens/{person}", headers=bearer(secret)).status_code == 404
        assert _entries(client, key_id=key_id) == []

    def test_a_listing_audits_every_record_on_the_page(
        self, client, database_url, person, other
    ) -> None:
        store_citizens(database_url, person, other)
        key_id, secret = create_key(client, "registry:read")
        page = client.get("/v1/citizens", params={"limit": 5}, headers=bearer(secret))
        assert len(page.json()["items"]) == 2
        entries = _entries(client, key_id=key_id)
        assert {e["subject_hash"] for e in entries} == {_hash(person), _hash(other)}
        assert {e["action"] for e in entries} == {"listing"}
        assert other not in _audit_dump(database_url)

    def test_an_edit_returns_the_record_only_to_a_reader(
        self, client, database_url, person
    ) -> None:
        store_citizens(database_url, person)
        writer_id, writer = create_key(client, "registry:write")
        r = client.patch(
            f"/v1/citizens/{person}", json={"religion": "Phật giáo"}, headers=bearer(writer)
        )
        assert r.status_code == 204
        assert r.content == b""
        assert _entries(client, key_id=writer_id) == []
        both_id, both = create_key(client, "registry:write", "registry:read")
        r = client.patch(f"/v1/citizens/{person}", json={"religion": "Không"}, headers=bearer(both))
        assert r.status_code == 200
        assert r.json()["religion"] == "Không"
        (entry,) = _entries(client, key_id=both_id)
        assert entry["action"] == "edit"


class TestAuditQuery:
    def test_a_subject_with_a_wrong_check_digit_is_refused(self, client) -> None:
        r = client.get("/v1/audit", params={"subject": "0100109107"})
        assert r.status_code == 422
        (error,) = r.json()["errors"]
        assert error["pointer"] == "/subject"
        assert error["code"] == "check_digit"

    def test_filters_by_subject_form_key_and_time(
        self, client, database_url, person, other
    ) -> None:
        store_citizens(database_url, person, other)
        a_id, a = create_key(client, "registry:read")
        b_id, b = create_key(client, "registry:read")
        client.get(f"/v1/citizens/{person}", headers=bearer(a))
        client.get(f"/v1/citizens/{other}", headers=bearer(a))
        client.get(f"/v1/citizens/{person}", headers=bearer(b))
        assert {e["key_id"] for e in _entries(client, subject=person)} == {a_id, b_id}
        assert [e["subject_hash"] for e in _entries(client, key_id=b_id)] == [_hash(person)]
        assert len(_entries(client, subject=other, key_id=a_id)) == 1
        later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
        earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
        assert _entries(client, since=later) == []
        assert len(_entries(client, since=earlier, until=later)) == 3
        assert _entries(client, form_id="ho-khau") == []

    def test_pages(self, client, database_url, person) -> None:
        store_citizens(database_url, person)
        _, secret = create_key(client, "registry:read")
        for _ in range(5):
            client.get(f"/v1/citizens/{person}", headers=bearer(secret))
        first = client.get("/v1/audit", params={"limit": 3}).json()
        second = client.get("/v1/audit", params={"limit": 3, "cursor": first["next_cursor"]}).json()
        ids = [e["id"] for e in first["items"] + second["items"]]
        assert len(ids) == 5 == len(set(ids))
        assert second["next_cursor"] is None

    def test_a_malformed_subject_is_422_with_a_pointer(self, client) -> None:
        r = client.get("/v1/audit", params={"subject": "12345"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/subject"

    def test_a_foreign_cursor_is_422(self, client) -> None:
        r = client.get("/v1/audit", params={"cursor": "not-ours"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/cursor"

    def test_the_api_cannot_change_the_log(self, client) -> None:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert client.request(method, "/v1/audit", json={}).status_code == 405


class TestRetention:
    def test_purge_keeps_the_retention_period(self, app, client, database_url, person) -> None:
        store_citizens(database_url, person)
        _, secret = create_key(client, "registry:read")
        client.get(f"/v1/citizens/{person}", headers=bearer(secret))
        client.get(f"/v1/citizens/{person}", headers=bearer(secret))
        engine = create_engine(database_url)
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=5 * 365 + 2)
        with engine.begin() as conn:
            first = conn.execute(text("SELECT min(id) FROM audit_log")).scalar()
            conn.execute(update(AuditEntry).where(AuditEntry.id == first).values(at=old))
        engine.dispose()
        trust = app.state.services.trust
        assert client.portal.call(trust.purge_expired) == 1
        assert len(_entries(client)) == 1


class TestSearchAudit:
    def test_every_candidate_of_a_search_is_audited(self, seeded_client) -> None:
        first = seeded_client.get("/v1/citizens", params={"limit": 1}).json()["items"][0]
        key_id, secret = create_key(seeded_client, "registry:read")
        r = seeded_client.get(
            "/v1/citizens", params={"name": first["full_name"]}, headers=bearer(secret)
        )
        assert r.status_code == 200
        items = r.json()["items"]
        assert items
        entries = _entries(seeded_client, key_id=key_id)
        assert {e["action"] for e in entries} == {"search"}
        assert sorted(e["subject_hash"] for e in entries) == sorted(
            _hash(i["personal_id"]) for i in items
        )
        assert "full_name" in entries[0]["attributes"]
        assert "score" not in entries[0]["attributes"]
