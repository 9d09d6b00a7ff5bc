"""Service settings, read from `AUTOFILL_*` environment variables and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be told; built once by the composition root."""

    model_config = SettingsConfigDict(env_prefix="AUTOFILL_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./autofill.db"
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    admin_key: SecretStr | None = None
    # Secret for the keyed hash that stands in for personal IDs and tax codes in audit and logs.
    audit_hash_key: SecretStr | None = None
    # Demo seeding on first start against an empty registry (embedded mode only by default).
    seed_demo: bool | None = None
    demo_citizens: int = Field(default=3000, ge=0)
    demo_businesses: int = Field(default=300, ge=0)
    demo_seed: int = 2019
    # Reseeding over HTTP (an admin key wipes and regenerates the registry): on by default
    # only in embedded mode, where the registry is a local demo; a shared database must be
    # turned on for it explicitly.
    allow_reseed: bool | None = None
    # The largest registry a reseed over HTTP may generate (the OpenAPI document says them).
    reseed_max_citizens: int = Field(default=200_000, ge=100, le=200_000)
    reseed_max_businesses: int = Field(default=50_000, ge=0, le=50_000)
    # Demo portal at `/`: on by default in embedded mode, off with PostgreSQL.
    portal_enabled: bool | None = None
    # Embedded mode: SQLite's `PRAGMA mmap_size` on the registry reader, whose record pages
    # are read once through SQLite at start so they stay mapped (docs/caching.md); 0: off.
    sqlite_mmap_bytes: int = Field(default=2 << 30, ge=0)
    # The portal's anonymous visitors: requests a minute per client address (an address
    # caught guessing identifiers is refused for `enumeration_penalty_seconds`).
    portal_rate_per_minute: int = Field(default=60, ge=1)
    cache_size: int = Field(default=100_000, ge=0)
    # The most memory each worker's record cache may take (registries/cache.py counts ~12 KB
    # a citizen); 0 keeps none.
    cache_memory_mib: int = Field(default=512, ge=0)
    cache_ttl_seconds: int = Field(default=300, ge=1)
    # With Redis: also keep records in Redis (shared by all workers), not only in each
    # worker's memory. Off by default: it pays from about 5 workers sharing a working set
    # (BENCHMARKS.md, "Resilience"); Redis carries the invalidations either way.
    cache_shared_tier: bool = False
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_json_depth: int = Field(default=32, ge=4, le=512)
    audit_retention_days: int = Field(default=365 * 5, ge=1)
    # SQLite: fsync every audit commit (survives power loss) instead of relying on the WAL
    # (survives any process crash). Costs throughput; see `autofill.trust.audit_writers`.
    audit_fsync: bool = False
    # The longest an audit write waits for a lock (another session's) before its requests
    # answer 503: a release is never answered without its audit entry, nor held forever.
    audit_write_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Trust (keys, audit, limits, submission check); see README "Keys, audit, limits".
    # How long a worker trusts its cached key lookup: the bound on revocation delay.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    audit_purge_interval_seconds: int = Field(default=3600, ge=1)
    # Requests per key per minute unless the key sets its own; generous by default.
    rate_limit_per_minute: int = Field(default=600_000, ge=1)
    # A key caught enumerating identifiers drops to this budget for the penalty period.
    enumeration_rate_per_minute: int = Field(default=30, ge=1)
    enumeration_penalty_seconds: int = Field(default=900, ge=1)
    enumeration_window_seconds: int = Field(default=60, ge=1)
    enumeration_not_found_limit: int = Field(default=30, ge=1)
    enumeration_sequential_limit: int = Field(default=20, ge=1)
    # Records one key may list (listing pages) within the window before it is flagged.
    enumeration_listing_limit: int = Field(default=2000, ge=1)
    submission_token_ttl_seconds: int = Field(default=3600, ge=10, le=7 * 24 * 3600)
    catalog_dir: Path | None = None
    # Signed answers and audit checkpoints (docs/signing-and-audit.md). `iss` of everything
    # the service signs; default http://<host>:<port>.
    issuer: str | None = None
    # Private signing keys, never in the database: a directory of PEM files (embedded
    # default: beside the SQLite file, the first key generated there), a PEM file, and/or
    # PEM text. With a shared database none has a default: without one, nothing is signed.
    signing_keys_dir: Path | None = None
    signing_key_file: Path | None = None
    signing_key: SecretStr | None = None
    signed_answer_seconds: int = Field(default=300, ge=10, le=24 * 3600)
    # How long a retired key stays in the JWKS, and so the longest lifetime of a signature.
    signing_key_publish_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # How often a worker looks for a rotated key (one indexed row).
    signing_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    # A signed checkpoint of the audit chain at least this often, and after this many entries.
    audit_checkpoint_seconds: float = Field(default=60.0, gt=0, le=3600)
    audit_checkpoint_entries: int = Field(default=1000, ge=1)

    # The citizen in the loop (docs/consent.md): the mock national e-ID at /eid (on by
    # default in embedded mode), the citizen's login session, and the OAuth lifetimes.
    eid_enabled: bool | None = None
    citizen_session_seconds: int = Field(default=1800, ge=30, le=12 * 3600)
    oauth_code_seconds: int = Field(default=60, ge=1, le=60)
    oauth_token_seconds: int = Field(default=600, ge=1, le=600)
    consent_seconds: int = Field(default=30 * 24 * 3600, ge=1, le=365 * 24 * 3600)

    @property
    def embedded(self) -> bool:
        """True when running on the embedded SQLite default."""
        return self.database_url.startswith("sqlite")

    @property
    def issuer_url(self) -> str:
        """The `iss` claim of signed answers and checkpoints."""
        return self.issuer or f"http://{self.host}:{self.port}"

    @property
    def should_seed_demo(self) -> bool:
        """Whether an empty registry gets the demo seed at start."""
        return self.embedded if self.seed_demo is None else self.seed_demo

    @property
    def should_allow_reseed(self) -> bool:
        """Whether `POST /v1/admin/reseed` may replace the registry."""
        return self.embedded if self.allow_reseed is None else self.allow_reseed

    @property
    def should_serve_portal(self) -> bool:
        """Whether the demo portal is mounted."""
        return self.embedded if self.portal_enabled is None else self.portal_enabled

    @property
    def should_serve_eid(self) -> bool:
        """Whether the mock national e-ID (VNeID stand-in) is mounted at /eid."""
        return self.embedded if self.eid_enabled is None else self.eid_enabled

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        if not self.embedded and self.admin_key is None:
            raise ValueError("AUTOFILL_ADMIN_KEY must be set when using a shared database")
        if self.admin_key is not None and len(self.admin_key.get_secret_value()) < 16:
            raise ValueError("AUTOFILL_ADMIN_KEY must be at least 16 characters")
        if not self.embedded and self.audit_hash_key is None:
            raise ValueError("AUTOFILL_AUDIT_HASH_KEY must be set when using a shared database")
        if self.audit_hash_key is not None and len(self.audit_hash_key.get_secret_value()) < 32:
            raise ValueError("AUTOFILL_AUDIT_HASH_KEY must be at least 32 characters")
        if self.signed_answer_seconds > self.signing_key_publish_seconds:
            raise ValueError(
                "AUTOFILL_SIGNED_ANSWER_SECONDS must not exceed "
                "AUTOFILL_SIGNING_KEY_PUBLISH_SECONDS"
            )
        return self
