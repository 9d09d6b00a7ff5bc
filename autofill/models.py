"""Tables of the prefill layer: API keys, the audit log and its chain, signing keys,
the service's own secrets, and OAuth clients, consents, codes and tokens."""

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
    # The hash chain (`autofill.trust.audit_chain`): the previous entry's hash and this one's.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    # The consent a release was made under (`autofill.consent`); null for an API key's.
    consent_id: Mapped[str | None] = mapped_column(String(64))

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


class AuditChainHead(Base):
    """The newest entry of the audit hash chain (one row, locked by each writer)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(BigInteger)


class AuditCheckpoint(Base):
    """A signed statement of the chain's head at one time (`autofill.trust.checkpoints`)."""

    __tablename__ = "audit_checkpoints"

    # Checkpoints are numbered 1, 2, 3...: a missing number is a removed checkpoint.
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kid: Mapped[str] = mapped_column(String(64))
    jws: Mapped[str] = mapped_column(Text)


class SigningKey(Base):
    """A public signing key (JWK); the private half never enters the database."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Set when a newer key takes over; published in the JWKS until `not_after`.
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OAuthClient(Base):
    """A portal registered as an OAuth client (`autofill.consent.clients`)."""

    __tablename__ = "oauth_clients"

    # "cli_" + 12 hex: it is the audit's key id for releases under consent (16 characters).
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    redirect_uris: Mapped[str] = mapped_column(Text)  # JSON array, matched exactly
    form_ids: Mapped[str | None] = mapped_column(Text)  # JSON array; null: any form
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ConsentRecord(Base):
    """A citizen's consent to one client, form version and purpose (`autofill.consent`)."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen_hash: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(16))
    form_id: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[int] = mapped_column(Integer)
    attributes: Mapped[str] = mapped_column(Text)  # JSON array of "subject.path"
    purpose: Mapped[str] = mapped_column(Text)
    assurance_level: Mapped[int] = mapped_column(Integer)
    enterprise_code: Mapped[str | None] = mapped_column(String(16))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_consents_citizen", "citizen_hash", "granted_at"),
        Index("ix_consents_reuse", "client_id", "form_id", "citizen_hash"),
    )


class AuthorizationCode(Base):
    """An authorization code: stored by its SHA-256, single use, short-lived."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(16))
    consent_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(Text)  # the personal ID, sealed
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AccessToken(Base):
    """An access token issued under a consent, by its `jti` (the JWS itself is not kept)."""

    __tablename__ = "oauth_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    consent_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(Text)  # the personal ID, sealed
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
