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
    # Testers may reseed over HTTP; a deployment that must never be wiped turns this off.
    allow_reseed: bool = True
    # The largest registry a reseed over HTTP may generate (the OpenAPI document says them).
    reseed_max_citizens: int = Field(default=200_000, ge=100, le=200_000)
    reseed_max_businesses: int = Field(default=50_000, ge=0, le=50_000)
    # Demo portal at `/`: on by default in embedded mode, off with PostgreSQL.
    portal_enabled: bool | None = None
    # Embedded mode: how much of the SQLite file each worker keeps mapped, so that the
    # kernel keeps it in memory (registries/resident.py); 0 turns it off.
    sqlite_resident_bytes: int = Field(default=8 << 30, ge=0)
    cache_size: int = Field(default=100_000, ge=0)
    # Embedded mode: the most memory each worker's parsed records may take (registries/memo.py
    # counts ~12 KB a citizen); 0 keeps none.
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
    submission_token_ttl_seconds: int = Field(default=3600, ge=10, le=7 * 24 * 3600)
    catalog_dir: Path | None = None

    @property
    def embedded(self) -> bool:
        """True when running on the embedded SQLite default."""
        return self.database_url.startswith("sqlite")

    @property
    def should_seed_demo(self) -> bool:
        """Whether an empty registry gets the demo seed at start."""
        return self.embedded if self.seed_demo is None else self.seed_demo

    @property
    def should_serve_portal(self) -> bool:
        """Whether the demo portal is mounted."""
        return self.embedded if self.portal_enabled is None else self.portal_enabled

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
        return self
