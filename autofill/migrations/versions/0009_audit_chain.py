"""audit: the hash chain, signed checkpoints, and the public signing keys

Revision ID: 0009_audit_chain
Revises: 0007_audit_subject_index

Entries already in the log are chained here, in id order, so that the chain covers the
whole log from its first entry (`autofill.trust.audit_chain`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_audit_chain"
down_revision = "0007_audit_subject_index"
branch_labels = None
depends_on = None

BATCH = 5000
# The entry fields as they were at this revision (later ones, e.g. `consent_id`, come with
# their own migrations and are left out of the hash while null).
COLUMNS = (
    "at",
    "key_id",
    "action",
    "registry",
    "subject_hash",
    "form_id",
    "form_version",
    "purpose",
    "attributes",
    "request_id",
    "client",
    "flagged",
    "detail",
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("id = 1", name="ck_audit_chain_head_one_row"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    _chain_existing_entries()


def _chain_existing_entries() -> None:
    from autofill.trust.audit_chain import GENESIS, entry_hash

    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id"),
        sa.column("prev_hash"),
        sa.column("entry_hash"),
        *(sa.column(name, sa.DateTime(timezone=True) if name == "at" else None) for name in COLUMNS),
    )
    last_id, last_hash, count = 0, GENESIS, 0
    while True:
        rows = bind.execute(
            sa.select(log.c.id, *(log.c[name] for name in COLUMNS))
            .where(log.c.id > last_id)
            .order_by(log.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            fields = dict(zip(COLUMNS, row[1:], strict=True))
            fields["flagged"] = bool(fields["flagged"])
            digest = entry_hash(row[0], last_hash, fields)
            updates.append({"b_id": row[0], "b_prev": last_hash, "b_hash": digest})
            last_id, last_hash, count = row[0], digest, count + 1
        bind.execute(
            log.update()
            .where(log.c.id == sa.bindparam("b_id"))
            .values(prev_hash=sa.bindparam("b_prev"), entry_hash=sa.bindparam("b_hash")),
            updates,
        )
    bind.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, last_id, last_hash, entry_count) "
            "VALUES (1, :last_id, :last_hash, :count)"
        ),
        {"last_id": last_id, "last_hash": last_hash, "count": count},
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
