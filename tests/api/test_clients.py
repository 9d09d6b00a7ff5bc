"""Registered clients: `POST/GET/DELETE /v1/clients` and `autofill clients ...`."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from autofill.cli import app
from autofill.trust.access import hash_secret
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY

runner = CliRunner()
BODY = {"name": "Cổng DVC Hà Nội", "redirect_uris": ["https://dvc.example.vn/cb"]}


class TestApi:
    def test_create_shows_the_secret_once_and_stores_its_hash(self, client: TestClient) -> None:
        r = client.post("/v1/clients", json={**BODY, "form_ids": ["ct01"]})
        assert r.status_code == 201, r.text
        created = r.json()
        assert re.fullmatch(r"cli_[0-9a-f]{12}", created["client_id"])
        assert created["form_ids"] == ["ct01"]
        listed = [
            c
            for c in client.get("/v1/clients").json()["items"]
            if c["client_id"] == created["client_id"]
        ]
        assert len(listed) == 1 and "client_secret" not in listed[0]
        engine = client.app.state.services.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT secret_hash FROM oauth_clients WHERE id = :i"),
                {"i": created["client_id"]},
            ).scalar_one()
        assert stored == hash_secret(created["client_secret"])
        assert created["client_secret"] not in stored

    def test_a_misspelt_member_is_refused_by_name(self, client: TestClient) -> None:
        r = client.post("/v1/clients", json={**BODY, "redirect_uri": ["https://x.example/cb"]})
        assert r.status_code == 422
        error = r.json()["errors"][0]
        assert error["pointer"] == "/redirect_uri" and error["suggestion"] == "redirect_uris"

    @pytest.mark.parametrize(
        ("change", "pointer"),
        [
            ({"redirect_uris": ["http://dvc.example.vn/cb"]}, "/redirect_uris/0"),
            # The test client's host name is no loopback: only the addresses are.
            ({"redirect_uris": ["http://testserver/cb"]}, "/redirect_uris/0"),
            ({"redirect_uris": ["https://dvc.example.vn/cb#x"]}, "/redirect_uris/0"),
            ({"form_ids": ["no-such-form"]}, "/form_ids/0"),
        ],
    )
    def test_bad_uris_and_unknown_forms_are_422(self, client, change, pointer) -> None:
        r = client.post("/v1/clients", json={**BODY, **change})
        assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == pointer

    def test_admin_only_and_revoke(self, client: TestClient) -> None:
        assert (
            client.post("/v1/clients", json=BODY, headers={"Authorization": ""}).status_code == 401
        )
        client_id = client.post("/v1/clients", json=BODY).json()["client_id"]
        assert client.delete(f"/v1/clients/{client_id}").status_code == 204
        (listed,) = [
            c for c in client.get("/v1/clients").json()["items"] if c["client_id"] == client_id
        ]
        assert listed["revoked_at"] is not None
        assert client.delete("/v1/clients/cli_000000000000").status_code == 404


@pytest.fixture
def env(database_url: str, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """The database of a service that has run once."""
    from autofill.database import migrate
    from registries.database import make_engine

    engine = make_engine(database_url)
    migrate(engine)
    engine.dispose()
    monkeypatch.setenv("AUTOFILL_DATABASE_URL", database_url)
    monkeypatch.setenv("AUTOFILL_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("AUTOFILL_AUDIT_HASH_KEY", AUDIT_HASH_KEY)
    return database_url


def test_cli_create_list_revoke(env: str) -> None:
    created = runner.invoke(
        app,
        ["clients", "create", "--name", "Cổng DVC", "--redirect-uri", "https://dvc.example.vn/cb"],
        env={"COLUMNS": "200"},
    )
    assert created.exit_code == 0, created.output
    client_id = re.search(r"client id (cli_[0-9a-f]{12})", created.output).group(1)  # type: ignore[union-attr]
    secret = re.search(r"^(afc_\S+)$", created.output, re.M).group(1)  # type: ignore[union-attr]
    engine = create_engine(env)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM oauth_clients")).scalar_one()
    engine.dispose()
    assert stored == hash_secret(secret)
    listing = runner.invoke(app, ["clients", "list"], env={"COLUMNS": "200"})
    assert client_id in listing.output and secret not in listing.output
    revoked = runner.invoke(app, ["clients", "revoke", client_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client_id not in runner.invoke(app, ["clients", "list"], env={"COLUMNS": "200"}).output
    bad = runner.invoke(app, ["clients", "create", "--name", "x", "--redirect-uri", "ftp://nope"])
    assert bad.exit_code == 2 and "redirect" in bad.output
