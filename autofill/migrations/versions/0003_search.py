"""search: blocking-key name index over citizens and businesses

Revision ID: 0003_search
Revises: 0001_registries
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_search"
down_revision = "0001_registries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_search",
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("name_tone", sa.String(length=300), nullable=False),
        sa.Column("name_fold", sa.String(length=300), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("personal_id"),
    )
    op.create_index("ix_citizen_search_birth_date", "citizen_search", ["birth_date"])
    op.create_table(
        "citizen_search_keys",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("birth_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("key", "birth_year", "personal_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "business_search",
        sa.Column("enterprise_code", sa.String(length=14), nullable=False),
        sa.Column("name_tone", sa.String(length=400), nullable=False),
        sa.Column("name_fold", sa.String(length=400), nullable=False),
        sa.Column("distinctive_tone", sa.String(length=400), nullable=False),
        sa.Column("distinctive_fold", sa.String(length=400), nullable=False),
        sa.Column("legal_form", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("enterprise_code"),
    )
    op.create_table(
        "business_search_keys",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("enterprise_code", sa.String(length=14), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("key", "enterprise_code"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_terms",
        sa.Column("registry_name", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("term", sa.String(length=120), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("registry_name", "kind", "term"),
    )
    # Records present before this migration (an existing database) get indexed now.
    from registries.search.rebuild import rebuild_registry

    conn = op.get_bind()
    for registry in ("citizen", "business"):
        rebuild_registry(conn, registry)


def downgrade() -> None:
    op.drop_table("search_terms")
    op.drop_table("business_search_keys")
    op.drop_table("business_search")
    op.drop_table("citizen_search_keys")
    op.drop_index("ix_citizen_search_birth_date", table_name="citizen_search")
    op.drop_table("citizen_search")
