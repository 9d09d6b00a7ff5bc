"""`autofill forms` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autofill.cli import app
from forms.catalog import catalog_files

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUTOFILL_DATABASE_URL", database_url)
    monkeypatch.setenv("AUTOFILL_ADMIN_KEY", "test-admin-key-0123456789")
    monkeypatch.setenv("AUTOFILL_AUDIT_HASH_KEY", "test-audit-hash-key-0123456789abcdef")


def test_validate_accepts_the_catalog() -> None:
    result = runner.invoke(app, ["forms", "validate", *map(str, catalog_files())])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == len(catalog_files())


def test_validate_reports_pointer_and_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "id": "bad-form",
                "title": "x",
                "subjects": {"company": {"registry": "business"}},
                "fields": [{"key": "a", "label": "A", "prefill": {"from": "company.nmae"}}],
            }
        )
    )
    result = runner.invoke(app, ["forms", "validate", str(bad)])
    assert result.exit_code == 1
    assert "/fields/0/prefill/from" in result.output
    assert "company.name" in result.output


def test_load_list_export(env) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["forms", "load"])
    assert result.exit_code == 0, result.output
    assert result.output.count("version 1 registered") == len(catalog_files())
    again = runner.invoke(app, ["forms", "load"])
    assert again.output.count("version 1 unchanged") == len(catalog_files())
    listing = runner.invoke(app, ["forms", "list"])
    assert "ct01" in listing.output
    exported = runner.invoke(app, ["forms", "export", "ct01"])
    assert exported.exit_code == 0
    assert json.loads(exported.stdout)["id"] == "ct01"
    missing = runner.invoke(app, ["forms", "export", "nope-form"])
    assert missing.exit_code == 1


def test_suggest(tmp_path: Path) -> None:
    doc = tmp_path / "new.json"
    doc.write_text(
        json.dumps(
            {
                "id": "new-form",
                "title": "x",
                "subjects": {"person": {"registry": "citizen"}},
                "fields": [{"key": "dob", "label": "Ngày sinh", "type": "date"}],
            }
        )
    )
    result = runner.invoke(app, ["forms", "suggest", str(doc)])
    assert result.exit_code == 0
    assert "person.birth_date" in result.output


def test_coverage_per_catalog_form_for_the_personas(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    from autofill.forms_cli import coverage_rows

    rows = coverage_rows(seeded_settings, "typical_adult", "two_representatives")
    assert {r["form"] for r in rows} == {p.stem for p in catalog_files()}
    for r in rows:
        # The e-government target: at least 20% of a form filled automatically.
        assert r["ratio"] >= 0.2, r
        assert 0 < r["filled"] <= r["mapped"] <= r["total"]
