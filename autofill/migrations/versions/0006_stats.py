"""prefill coverage statistics

Revision ID: 0006_stats
Revises: 0001_registries
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_stats"
down_revision = "0001_registries"
branch_labels = None
depends_on = None

COUNTERS = (
    "prefills",
    "fields_total",
    "fields_filled",
    "fields_missing",
    "fields_unavailable",
    "fields_not_applicable",
    "citizen_filled",
    "business_filled",
    "business_prefills",
)


def upgrade() -> None:
    op.create_table(
        "prefill_stats",
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint("minute", "form_id", "form_version"),
    )
    op.create_index("ix_prefill_stats_form_minute", "prefill_stats", ["form_id", "minute"])


def downgrade() -> None:
    op.drop_index("ix_prefill_stats_form_minute", table_name="prefill_stats")
    op.drop_table("prefill_stats")
