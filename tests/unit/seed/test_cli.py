"""`autofill seed` and `autofill seed personas` from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from autofill.cli import app
from seed import PERSONAS

runner = CliRunner()


def test_seed_personas_prints_the_catalog() -> None:
    result = runner.invoke(app, ["seed", "personas"], terminal_width=200)
    assert result.exit_code == 0
    for p in PERSONAS:
        assert p.key in result.output


def test_seed_with_options_migrates_seeds_and_refuses_a_second_time(tmp_path) -> None:
    env = {"AUTOFILL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    args = ["seed", "--citizens", "150", "--businesses", "10", "--seed", "4"]
    first = runner.invoke(app, args, env=env, terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "citizens" in first.output and "rows/s" in first.output
    again = runner.invoke(app, args, env=env, terminal_width=200)
    assert again.exit_code == 1
    assert "--reset" in again.output
    reset = runner.invoke(app, [*args, "--reset"], env=env, terminal_width=200)
    assert reset.exit_code == 0, reset.output
