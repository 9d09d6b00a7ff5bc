"""registries: on SQLite, a change counter that every edit of a record moves

Revision ID: 0008_registry_changes
Revises: 0001_registries

Each worker keeps records in memory (`registries.changes`) for as long as this counter
stands still. Triggers move it, so every writer does (the API of any worker, the CLI, a
hand-run `sqlite3`); inserts need no trigger, as a record not yet stored was never kept.
The seed's bulk writer drops the triggers for its load and moves the counter itself.
PostgreSQL keeps no such memo (its record cache is invalidated through Redis).
"""

from alembic import op

revision = "0008_registry_changes"
down_revision = "0001_registries"
branch_labels = None
depends_on = None

TABLES = ("citizens", "businesses")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE registry_changes "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)"
    )
    op.execute("INSERT INTO registry_changes (id, n) VALUES (1, 0)")
    for table in TABLES:
        for event in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER registry_changes_{table}_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN UPDATE registry_changes SET n = n + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS registry_changes_{table}_{event}")
    op.execute("DROP TABLE IF EXISTS registry_changes")
