"""`autofill audit checkpoint | verify` through the real CLI: exit 0 on the live log,
non-zero on a log where one entry was changed, one deleted, or the last two cut off.
On SQLite the tampering is done to copies of the file (as an auditor receives one)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from autofill import signing_cli
from autofill.cli import app as cli
from autofill.config import Settings
from tests import records
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, BACKEND

runner = CliRunner()
TAMPERING = {
    "changed": "UPDATE audit_log SET purpose = 'sửa' WHERE id = 3",
    "deleted": "DELETE FROM audit_log WHERE id = 4",
    "cut": "DELETE FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)",
}


@pytest.fixture
def env(settings: Settings, tmp_path: Path, monkeypatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The CLI's environment for the test database (and a key directory on PostgreSQL)."""
    values = {
        "AUTOFILL_DATABASE_URL": settings.database_url,
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
        "AUTOFILL_SEED_DEMO": "false",
        "COLUMNS": "200",
    }
    if BACKEND != "sqlite":
        values["AUTOFILL_SIGNING_KEYS_DIR"] = str(tmp_path / "signing-keys")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def logged(env: dict[str, str]) -> Iterator[str]:
    """A database whose log holds the family's edits and six lookups, the last one covered
    by a checkpoint made with `autofill audit checkpoint`; yields its URL."""
    from main import create_app

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        records.put_family(c)
        for _ in range(3):
            assert c.get(f"/v1/citizens/{records.FATHER}").status_code == 200
            assert c.get(f"/v1/citizens/{records.MOTHER}").status_code == 200
    made = runner.invoke(cli, ["audit", "checkpoint"])
    assert made.exit_code == 0, made.output
    assert f"checkpoint 1: entry {_last(env)}" in made.output
    again = runner.invoke(cli, ["audit", "checkpoint"])
    assert again.exit_code == 0 and f"already covers entry {_last(env)}" in again.output
    yield env["AUTOFILL_DATABASE_URL"]


def _last(env: dict[str, str]) -> int:
    engine = create_engine(env["AUTOFILL_DATABASE_URL"])
    with engine.connect() as conn:
        last = conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
    engine.dispose()
    return int(last)


def _tamper(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _copy(url: str, to: Path) -> Path:
    """A consistent copy of a SQLite database (the backup API, WAL included)."""
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    target = sqlite3.connect(to)
    source.backup(target)
    source.close()
    target.close()
    return to


def test_the_live_log_verifies(logged: str, env: dict[str, str]) -> None:
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and f"{_last(env)} entries" in result.output


@pytest.mark.skipif(BACKEND != "sqlite", reason="copies of a SQLite file")
def test_copies_tampered_three_ways_fail_and_the_original_still_verifies(
    logged: str, tmp_path: Path
) -> None:
    for name, statement in TAMPERING.items():
        copy = _copy(logged, tmp_path / f"{name}.db")
        assert runner.invoke(cli, ["audit", "verify", "--database", str(copy)]).exit_code == 0
        _tamper(f"sqlite:///{copy}", statement)
        result = runner.invoke(cli, ["audit", "verify", "--database", str(copy)])
        assert result.exit_code == 1, (name, result.output)
        assert "TAMPERED" in result.output
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0


@pytest.mark.parametrize("name", list(TAMPERING))
def test_a_tampered_log_fails_naming_the_entry(logged: str, env: dict[str, str], name: str) -> None:
    last = _last(env)
    _tamper(logged, TAMPERING[name])
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    expected = {
        "changed": "id 3 does not match its hash",
        "deleted": "ids 4..4 were removed",
        "cut": f"the entries after id {last - 2} were cut off",
    }[name]
    assert expected in " ".join(result.output.split())


@pytest.mark.skipif(BACKEND != "sqlite", reason="a copy of a SQLite file")
def test_the_installed_command_exits_non_zero_on_a_changed_copy(
    logged: str, tmp_path: Path
) -> None:
    copy = _copy(logged, tmp_path / "copy.db")
    _tamper(f"sqlite:///{copy}", TAMPERING["changed"])
    command = [sys.executable, "-c", "import main; main.cli()", "audit", "verify"]
    done = subprocess.run(
        [*command, "--database", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "id 3" in done.stdout


def test_a_long_walk_shows_progress_and_the_same_verdict(logged: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(signing_cli, "PROGRESS_FROM", 1)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_database_without_the_chain_is_a_usage_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = runner.invoke(cli, ["audit", "verify", "--database", str(empty)])
    assert result.exit_code == 2
    missing = runner.invoke(cli, ["audit", "verify", "--database", str(tmp_path / "no.db")])
    assert missing.exit_code == 2


def test_exported_checkpoints_catch_a_cut_the_copy_hides(
    logged: str, env: dict[str, str], tmp_path: Path
) -> None:
    engine = create_engine(logged)
    with engine.connect() as conn:
        tokens = conn.execute(text("SELECT jws FROM audit_checkpoints")).scalars().all()
    engine.dispose()
    exported = tmp_path / "checkpoints.jsonl"
    exported.write_text("".join(f"{token}\n" for token in tokens))
    last = _last(env)
    _tamper(logged, f"DELETE FROM audit_log WHERE id > {last - 2}")
    _tamper(logged, "DELETE FROM audit_checkpoints")
    _tamper(logged, f"UPDATE audit_chain_head SET last_id = {last - 2}")
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0  # the documented blind spot
    result = runner.invoke(cli, ["audit", "verify", "--checkpoints", str(exported)])
    assert result.exit_code == 1, result.output
    assert "exported checkpoint 1 is missing here" in result.output
