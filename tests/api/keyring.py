"""Helpers for API tests of the trust features: keys of given scopes, stored records."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from fastapi.testclient import TestClient

from registries import repository
from registries.database import make_engine

# Valid identifiers: a citizen (Hà Nội, male, born 1989) and an enterprise code.
PERSON = "001089012345"
COMPANY = "0100109106"


def fresh_person_id() -> str:
    """A personal ID no other test uses (a man born in 1989 in Hà Nội).

    Tests that store records use fresh IDs: in the PostgreSQL pass the Redis record cache
    is shared by every test (and every concurrent run), so a fixed ID stored by one test
    would still be cached when another expects it to be absent.
    """
    return f"001089{secrets.randbelow(10**6):06d}"


def create_key(
    client: TestClient,
    *scopes: str,
    forms: list[str] | None = None,
    rate_limit: int | None = None,
) -> tuple[str, str]:
    """Create a key through the admin API; (key id, secret)."""
    body: dict[str, Any] = {"name": f"test {' '.join(scopes)}", "scopes": list(scopes)}
    if forms is not None:
        body["form_ids"] = forms
    if rate_limit is not None:
        body["rate_limit_per_minute"] = rate_limit
    r = client.post("/v1/keys", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["key"]


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}


def store_citizens(database_url: str, *personal_ids: str) -> None:
    """Write small valid citizen documents straight into the registry (no seeder needed).

    The IDs must be of men born in 1989 (`001089…`), as the documents say.
    """
    engine = make_engine(database_url)
    with engine.begin() as conn:
        for pid in personal_ids:
            doc = {
                "personal_id": pid,
                "full_name": "Nguyễn Văn An",
                "birth_date": f"19{pid[4:6]}-03-02",
                "sex": "male",
                "birth_place": {"text": "Hà Nội"},
                "birth_registration_place": {"text": "Hà Nội"},
                "hometown": {"text": "Hà Nội"},
                "ethnicity": {"code": "01", "name": "Kinh"},
                "religion": "Không",
                "nationality": {"code": "VN", "name": "Việt Nam"},
                "marital_status": "single",
                "updated_at": "2026-01-01T00:00:00+00:00",
            }
            repository.upsert_citizen(conn, doc, orjson.dumps(doc).decode())
    engine.dispose()
