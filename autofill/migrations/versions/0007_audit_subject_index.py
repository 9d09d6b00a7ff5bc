"""audit: on SQLite, the subject index leaves the log's table for a file of its own

Revision ID: 0007_audit_subject_index
Revises: 0005_audit

On SQLite every audit entry wrote a random page of `ix_audit_log_subject_hash` in the
commit a request waits for; `autofill.trust.audit_subjects` now keeps that index in a separate
file, brought up to date off the request path. PostgreSQL keeps the index.
"""

from alembic import op

revision = "0007_audit_subject_index"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_audit_log_subject_hash", table_name="audit_log")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_audit_log_subject_hash", "audit_log", ["subject_hash", "id"])
