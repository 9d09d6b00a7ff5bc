"""The keyed hash that stands in for personal IDs and tax codes (audit, logs, tokens).

HMAC-SHA256 under the audit hash key, so the audit log is not a second registry: without
the key nobody can test a guessed ID against it (a plain hash of a 12-digit ID falls to
brute force in minutes). The same person keeps the same hash across registries (an
individual's tax code is their personal ID).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from autofill.models import ServiceSecret

HASH_KEY_NAME = "audit_hash_key"


class SubjectHasher:
    """Keyed hash of personal IDs and tax codes (audit entries, log lines, tokens)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per use (cheaper)

    def hash(self, identifier: str) -> str:
        """HMAC-SHA256 of a canonical identifier, hex."""
        mac = self._keyed.copy()
        mac.update(identifier.encode())
        return mac.hexdigest()

    def derive(self, purpose: str) -> bytes:
        """A separate key for another use (submission tokens), derived from this one."""
        return hmac.new(self._key, b"autofill/derive/" + purpose.encode(), hashlib.sha256).digest()


def load_hash_key(engine: Engine, configured: str | None) -> bytes:
    """The audit hash key: the configured one, else one generated once and kept in the DB."""
    if configured:
        return configured.encode()
    table = ServiceSecret.__table__
    candidate = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    # Insert-or-keep, then read: concurrent first starts of several workers agree.
    stmt = dialect.insert(table).values(name=HASH_KEY_NAME, value=candidate)
    with engine.begin() as conn:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        value = conn.execute(
            select(ServiceSecret.value).where(ServiceSecret.name == HASH_KEY_NAME)
        ).scalar_one()
    return value.encode()
