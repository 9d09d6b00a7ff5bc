"""Tables of the prefill layer: API keys, the audit log, and the service's own secrets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registries.models import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class ApiKey(Base):
    """An API key: its public id, the SHA-256 of its secret, scopes and form list."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # JSON arrays: scopes always, form ids when the key is limited to some forms.
    scopes: Mapped[str] = mapped_column(Text)
    form_ids: Mapped[str | None] = mapped_column(Text)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One release of personal data (or a flagged event); subjects appear only hashed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    # `registry` is taken by SQLAlchemy's declarative base; the column keeps the name.
    registry_name: Mapped[str | None] = mapped_column("registry", String(16))
    subject_hash: Mapped[str | None] = mapped_column(String(64))
    form_id: Mapped[str | None] = mapped_column(String(100))
    form_version: Mapped[int | None] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(Text)
    # JSON array of the attribute paths released; ["*"] is the whole record.
    attributes: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_key_id", "key_id", "id"),
        # On SQLite the subject index is a file of its own (`autofill.trust.audit_subjects`).
        Index("ix_audit_log_subject_hash", "subject_hash", "id").ddl_if(dialect="postgresql"),
        Index("ix_audit_log_form_id", "form_id", "id"),
    )


class ServiceSecret(Base):
    """Secrets the service generates for itself in embedded mode (the audit hash key)."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
