"""The CLI says which database it opens, never creates an empty one to read from, keeps
ids whole in its tables, and starts without importing the service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autofill.cli import app
from autofill.cli_database import shown_url
from forms.catalog import catalog_files
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY

runner = CliRunner()


def _autofill(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user does: a new process, no AUTOFILL_ settings in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
    return subprocess.run(
        [sys.executable, "-m", "autofill.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_imports_neither_the_service_nor_the_engine() -> None:
    heavy = ("main", "fastapi", "sqlalchemy", "autofill.config", "forms.validation", "seed")
    probe = f"import sys, autofill.cli; print([m for m in {heavy!r} if m in sys.modules])"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "command", [["forms", "list"], ["forms", "export", "ct01"], ["keys", "list"]]
)
def test_a_read_from_an_empty_folder_names_the_database_and_creates_none(
    tmp_path: Path, command: list[str]
) -> None:
    run = _autofill(*command, cwd=tmp_path)
    assert run.returncode == 2
    assert f"database: sqlite:///{tmp_path.resolve()}/autofill.db" in run.stderr
    assert "AUTOFILL_DATABASE_URL" in run.stderr and "project folder" in run.stderr
    assert run.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_database_with_no_tables_is_not_read_either(tmp_path: Path) -> None:
    (tmp_path / "autofill.db").touch()
    run = _autofill("forms", "list", cwd=tmp_path)
    assert run.returncode == 2
    assert "is empty" in run.stderr


@pytest.fixture
def env(database_url: str, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUTOFILL_DATABASE_URL", database_url)
    monkeypatch.setenv("AUTOFILL_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("AUTOFILL_AUDIT_HASH_KEY", AUDIT_HASH_KEY)
    return database_url


def test_commands_announce_the_database_and_keep_ids_whole(env: str) -> None:
    banner = f"database: {shown_url(env)}\n"
    loaded = runner.invoke(app, ["forms", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stderr.startswith(banner)
    listing = runner.invoke(app, ["forms", "list"], env={"COLUMNS": "60"})
    assert listing.exit_code == 0, listing.output
    assert listing.stderr.startswith(banner)
    ids = [json.loads(path.read_text())["id"] for path in catalog_files()]
    longest = max(ids, key=len)
    assert longest in listing.stdout  # whole, on one line, at 60 columns
    as_json = runner.invoke(app, ["forms", "list", "--json"])
    assert sorted(item["id"] for item in json.loads(as_json.stdout)) == sorted(ids)


def test_personas_and_keys_print_json(env: str) -> None:
    personas = runner.invoke(app, ["seed", "personas", "--json"])
    assert personas.exit_code == 0
    assert {"key", "registry", "identifier", "name", "covers"} <= set(
        json.loads(personas.stdout)[0]
    )
    runner.invoke(app, ["forms", "load"])  # the database exists from here on
    created = runner.invoke(app, ["keys", "create", "--name", "x", "--scope", "prefill"])
    assert created.exit_code == 0, created.output
    keys = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert [k["scopes"] for k in keys] == [["prefill"]]


def test_the_url_shown_has_no_password(tmp_path: Path, monkeypatch) -> None:
    shown = shown_url("postgresql+psycopg://autofill:s3cret@db.example:5432/registry")
    assert "s3cret" not in shown and "db.example:5432/registry" in shown
    monkeypatch.chdir(tmp_path)
    assert shown_url("sqlite:///./autofill.db") == f"sqlite:///{tmp_path.resolve()}/autofill.db"


def test_the_key_help_names_every_scope() -> None:
    from autofill.keys_cli import SCOPE_NAMES
    from autofill.trust.access import SCOPES

    assert sorted(SCOPE_NAMES.split(", ")) == sorted(SCOPES)


def test_personas_keep_keys_and_identifiers_whole_when_narrow() -> None:
    from seed import PERSONAS

    table = runner.invoke(app, ["seed", "personas"], env={"COLUMNS": "40"}).stdout
    for p in PERSONAS:
        assert p.key in table and p.identifier in table


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ("99999", "AUTOFILL_PORT: Input should be less than or equal to 65535"),
        ("8123", "AUTOFILL_ADMIN_KEY must be set when using a shared database"),
    ],
    ids=["field", "model"],
)
@pytest.mark.parametrize(
    "command",
    [["-m", "autofill.cli", "forms", "list"], ["main.py"]],
    ids=["autofill-cli", "python-main"],
)
def test_invalid_settings_are_one_line_each_without_secrets(
    command: list[str], port: str, expected: str
) -> None:
    """Invalid settings: a plain message per problem, exit code 2, no traceback and no echo
    of the database URL's password."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
    env["AUTOFILL_DATABASE_URL"] = "postgresql+psycopg://someone:hunter2secret@127.0.0.1/x"
    env["AUTOFILL_PORT"] = port
    run = subprocess.run(
        [sys.executable, *command], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [f"configuration error: {expected}"]
    assert "hunter2secret" not in run.stdout
