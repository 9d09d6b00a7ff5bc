"""audit: the log of every release of personal data, and service secrets

Revision ID: 0005_audit
Revises: 0001_registries
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_audit"
down_revision = "0001_registries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("registry", sa.String(length=16), nullable=True),
        sa.Column("subject_hash", sa.String(length=64), nullable=True),
        sa.Column("form_id", sa.String(length=100), nullable=True),
        sa.Column("form_version", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_key_id", "audit_log", ["key_id", "id"])
    op.create_index("ix_audit_log_subject_hash", "audit_log", ["subject_hash", "id"])
    op.create_index("ix_audit_log_form_id", "audit_log", ["form_id", "id"])
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("service_secrets")
    op.drop_index("ix_audit_log_form_id", table_name="audit_log")
    op.drop_index("ix_audit_log_subject_hash", table_name="audit_log")
    op.drop_index("ix_audit_log_key_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
