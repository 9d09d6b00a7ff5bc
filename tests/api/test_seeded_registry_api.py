"""The lookup API over a seeded registry: reads, tester edits, listings, reseeding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from seed import PERSONAS, persona
from seed.personas import persona_record_counts
from tests.conftest import ADMIN_KEY, SEED_BUSINESSES, SEED_CITIZENS

PROBLEM = "application/problem+json"


def _path(key: str) -> str:
    p = persona(key)
    return f"/v1/{'citizens' if p.registry == 'citizen' else 'businesses'}/{p.identifier}"


class TestReads:
    def test_every_persona_is_served(self, seeded_client) -> None:
        for p in PERSONAS:
            r = seeded_client.get(_path(p.key))
            assert r.status_code == 200, p.key
            body = r.json()
            assert body.get("full_name", body.get("name")) == p.name

    def test_listing_walks_every_record_once(self, seeded_client) -> None:
        for registry, minimum in (("citizens", SEED_CITIZENS), ("businesses", SEED_BUSINESSES)):
            seen: list[str] = []
            cursor = None
            while True:
                params = {"limit": 37} | ({"cursor": cursor} if cursor else {})
                page = seeded_client.get(f"/v1/{registry}", params=params).json()
                key = "personal_id" if registry == "citizens" else "enterprise_code"
                seen += [item[key] for item in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert len(seen) == len(set(seen)) >= minimum
            assert seen == sorted(seen)
            extra = persona_record_counts()["citizen" if registry == "citizens" else "business"]
            assert len(seen) == minimum + extra


class TestEdits:
    def test_patch_then_get_shows_the_new_value(self, seeded_client) -> None:
        path = _path("typical_adult")
        r = seeded_client.patch(path, json={"phone": "0977123456"})
        assert r.status_code == 200
        assert seeded_client.get(path).json()["phone"] == "0977123456"

    def test_put_replaces_a_business(self, seeded_client) -> None:
        path = _path("dissolved_enterprise")
        doc = seeded_client.get(path).json()
        doc["status"] = "active"
        assert seeded_client.put(path, json=doc).status_code == 200
        assert seeded_client.get(path).json()["status"] == "active"

    def test_deleting_a_referenced_person_is_409(self, seeded_client) -> None:
        r = seeded_client.delete(_path("typical_adult"))
        assert r.status_code == 409
        assert r.headers["content-type"] == PROBLEM

    def test_deleting_an_unreferenced_person_works(self, seeded_client) -> None:
        path = _path("minor")
        assert seeded_client.delete(path).status_code == 204
        assert seeded_client.get(path).status_code == 404


class TestReseed:
    @pytest.fixture
    def seeded_client(self, seeded_settings) -> Iterator[TestClient]:
        """The seeded service with reseeding on (off by default on PostgreSQL)."""
        from main import create_app

        app = create_app(seeded_settings.model_copy(update={"allow_reseed": True}))
        with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
            yield c

    def test_reseed_replaces_the_registry_and_clears_the_cache(self, seeded_client) -> None:
        path = _path("typical_adult")
        seeded_client.patch(path, json={"phone": "0977123456"})
        assert seeded_client.get(path).json()["phone"] == "0977123456"  # now cached
        r = seeded_client.post(
            "/v1/admin/reseed", json={"citizens": 150, "businesses": 10, "seed": 3}
        )
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["counts"]["citizens"] == 150 + persona_record_counts()["citizen"]
        assert seeded_client.get(path).json()["phone"] == "0912345678"
        page = seeded_client.get("/v1/citizens", params={"limit": 500}).json()
        assert len(page["items"]) == report["counts"]["citizens"]

    def test_reseed_bounds_are_422(self, seeded_client) -> None:
        r = seeded_client.post("/v1/admin/reseed", json={"citizens": 10_000_000})
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/citizens"
        r = seeded_client.post("/v1/admin/reseed", json={"citizens": 10, "businesses": 5})
        assert r.status_code == 422

    def test_reseed_takes_integers_only(self, seeded_client) -> None:
        for body in ({"seed": False}, {"citizens": 150.5}, {"citizens": "150"}, {"size": 1}):
            r = seeded_client.post("/v1/admin/reseed", json=body)
            assert r.status_code == 422, body
            assert r.headers["content-type"] == PROBLEM

    def test_a_deployment_caps_reseeds_and_its_openapi_says_so(self, seeded_settings) -> None:
        from main import create_app

        settings = seeded_settings.model_copy(
            update={"allow_reseed": True, "reseed_max_citizens": 200, "reseed_max_businesses": 20}
        )
        with TestClient(
            create_app(settings), headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        ) as client:
            schema = client.get("/openapi.json").json()["components"]["schemas"]
            citizens = schema["ReseedRequest"]["properties"]["citizens"]
            assert (citizens["maximum"], citizens["default"]) == (200, 200)
            r = client.post("/v1/admin/reseed", json={"citizens": 201})
            assert r.status_code == 422
            assert r.json()["errors"][0]["pointer"] == "/citizens"
            r = client.post("/v1/admin/reseed", json={"seed": 4})  # defaults lowered to caps
            assert r.status_code == 200, r.text
            assert (r.json()["citizens"], r.json()["businesses"]) == (200, 20)

    def test_reseed_needs_a_key(self, seeded_app) -> None:
        with TestClient(seeded_app) as anonymous:
            assert anonymous.post("/v1/admin/reseed", json={}).status_code == 401

    def test_reseed_can_be_turned_off(self, seeded_settings) -> None:
        from main import create_app

        settings = seeded_settings.model_copy(update={"allow_reseed": False})
        with TestClient(
            create_app(settings), headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        ) as client:
            r = client.post("/v1/admin/reseed", json={"citizens": 150})
            assert r.status_code == 403
            assert r.headers["content-type"] == PROBLEM
            assert r.json()["code"] == "reseed_disabled"
            assert client.get(_path("typical_adult")).status_code == 200


def test_first_start_seeds_the_demo_registry(settings) -> None:
    from main import create_app

    demo = settings.model_copy(update={"seed_demo": True, "demo_citizens": 120,
                                       "demo_businesses": 5})  # fmt: skip
    with TestClient(create_app(demo), headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        page = c.get("/v1/citizens", params={"limit": 500}).json()
        assert len(page["items"]) == 120 + persona_record_counts()["citizen"]
        assert c.get(_path("branch")).status_code == 200


def test_stored_columns_match_the_repository_on_this_backend(seeded_settings) -> None:
    import datetime as dt

    import orjson
    from sqlalchemy import select

    from registries import models
    from registries.database import make_engine
    from registries.repository import business_row, citizen_row

    def utc(value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value

    engine = make_engine(seeded_settings.database_url)
    with engine.connect() as conn:
        for table, derive in ((models.Citizen, citizen_row), (models.Business, business_row)):
            rows = [dict(r._mapping) for r in conn.execute(select(table.__table__))]
            assert len(rows) > 40
            for row in rows:
                expected = derive(orjson.loads(row["doc"]), row["doc"])
                expected["updated_at"] = utc(expected["updated_at"])
                row["updated_at"] = utc(row["updated_at"])
                assert row == expected
    engine.dispose()
