"""Which database a CLI command opens, said out loud.

Every command that touches a database prints it on stderr (its URL without the password;
an SQLite file by its absolute path). A command that only reads refuses to create a new,
empty database: run from another folder, `./autofill.db` is not the service's registry,
and an empty table there would only mislead.

Heavy imports (SQLAlchemy, the settings, Alembic) happen inside the functions, so that
`autofill --help` stays quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from autofill.config import Settings

HINT = (
    "set AUTOFILL_DATABASE_URL to the service's database, or run the command from the "
    "project folder (where `make run` created autofill.db)"
)


def shown_url(url: str) -> str:
    """The URL without its password; an SQLite file by its absolute path."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _has_schema(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("alembic_version")


def open_database(*, create: bool, settings: Settings | None = None) -> tuple[Settings, Engine]:
    """The settings and a migrated engine of the configured database, announced on stderr.

    With `create=False` (a command that only reads), a database that does not exist yet,
    or holds no tables, is refused with a hint rather than created empty (exit code 2)."""
    from autofill.config import load_settings
    from autofill.database import migrate
    from registries.database import make_engine

    settings = settings or load_settings()
    url = settings.database_url
    typer.echo(f"database: {shown_url(url)}", err=True)
    path = _sqlite_file(url)
    if not create and path is not None and not path.exists():
        _refuse(f"no database at {path.resolve()}")
    engine = make_engine(url)
    if not create and not _has_schema(engine):
        engine.dispose()
        _refuse(f"the database {shown_url(url)} is empty (the service has never run on it)")
    migrate(engine)
    return settings, engine


def _refuse(reason: str) -> None:
    typer.echo(f"error: {reason}; {HINT}", err=True)
    sys.stderr.flush()
    raise typer.Exit(2)
