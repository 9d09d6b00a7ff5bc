"""consent: OAuth clients, consents, authorization codes, access tokens; audit consent id

Revision ID: 0010_consent
Revises: 0009_audit_chain
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_consent"
down_revision = "0009_audit_chain"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("consent_id", sa.String(length=64), nullable=True))
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.String(length=16), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("form_ids", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("citizen_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=16), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("assurance_level", sa.Integer(), nullable=False),
        sa.Column("enterprise_code", sa.String(length=16), nullable=True),
        sa.Column("granted_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_index("ix_consents_citizen", "consents", ["citizen_hash", "granted_at"])
    op.create_index("ix_consents_reuse", "consents", ["client_id", "form_id", "citizen_hash"])
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(length=64), primary_key=True),
        sa.Column("client_id", sa.String(length=16), nullable=False),
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("jti", sa.String(length=64), primary_key=True),
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_index("ix_oauth_tokens_consent_id", "oauth_tokens", ["consent_id"])
    op.create_index("ix_oauth_tokens_code_hash", "oauth_tokens", ["code_hash"])


def downgrade() -> None:
    op.drop_table("oauth_tokens")
    op.drop_table("oauth_codes")
    op.drop_table("consents")
    op.drop_table("oauth_clients")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("consent_id")
