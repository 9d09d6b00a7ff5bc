"""`autofill keys create | list | revoke` against the backend under test."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from autofill.cli import app
from autofill.trust.access import hash_secret
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """The database of a service that has run once (keys are never made in a new one)."""
    from autofill.database import migrate
    from registries.database import make_engine

    engine = make_engine(database_url)
    migrate(engine)
    engine.dispose()
    monkeypatch.setenv("AUTOFILL_DATABASE_URL", database_url)
    monkeypatch.setenv("AUTOFILL_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("AUTOFILL_AUDIT_HASH_KEY", AUDIT_HASH_KEY)
    return database_url


def test_create_list_revoke(env: str) -> None:
    created = runner.invoke(
        app,
        ["keys", "create", "--name", "Cổng DVC", "--scope", "prefill", "--form", "ct01"],
        env={"COLUMNS": "200"},
    )
    assert created.exit_code == 0, created.output
    secret = re.search(r"^(afk_\w{12}_\S+)$", created.output, re.M)
    assert secret is not None
    key_id = secret.group(1).split("_")[1]
    engine = create_engine(env)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash, form_ids FROM api_keys")).one()
    engine.dispose()
    assert stored[0] == hash_secret(secret.group(1))
    assert "ct01" in stored[1]
    listing = runner.invoke(app, ["keys", "list"], env={"COLUMNS": "200"})
    assert key_id in listing.output and secret.group(1) not in listing.output
    revoked = runner.invoke(app, ["keys", "revoke", key_id])
    assert revoked.exit_code == 0 and key_id in revoked.output
    assert key_id not in runner.invoke(app, ["keys", "list"], env={"COLUMNS": "200"}).output
    assert key_id in runner.invoke(app, ["keys", "list", "--all"], env={"COLUMNS": "200"}).output


def test_bad_scope_and_unknown_key_fail_clearly(env: str) -> None:
    bad = runner.invoke(app, ["keys", "create", "--name", "x", "--scope", "root"])
    assert bad.exit_code == 2
    assert "unknown scope" in bad.output
    missing = runner.invoke(app, ["keys", "revoke", "000000000000"])
    assert missing.exit_code == 2
    assert "no API key" in missing.output
