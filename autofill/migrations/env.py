"""Alembic environment: one metadata for every package's tables."""

from __future__ import annotations

from alembic import context

from autofill.database import all_metadata

config = context.config
target_metadata = all_metadata()


def run_migrations_online() -> None:
    """Run against the connection handed in by `autofill.database.migrate`, or the URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        from registries.database import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
