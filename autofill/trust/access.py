"""API keys and scopes: who is calling, and what they may do.

The bootstrap admin key comes from `AUTOFILL_ADMIN_KEY`; keys stored in the database
(hashed, with scopes and an optional list of form ids) are looked up by `KeyStore`s
registered on the `Authenticator`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

SCOPES = ("prefill", "registry:read", "registry:write", "forms:write", "audit:read", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a key."""

    key_id: str
    name: str
    scopes: frozenset[str]
    form_ids: frozenset[str] | None = None
    # Requests per minute for this key; None means the service-wide default.
    rate_limit_per_minute: int | None = None
    # False for a key that carries many people's requests and limits each of them itself
    # (the demo portal): the enumeration watch audits its trips but never throttles it.
    lock_on_enumeration: bool = True

    def allows(self, scope: str) -> bool:
        """Whether the key carries this scope (admin carries all)."""
        return "admin" in self.scopes or scope in self.scopes

    def allows_form(self, form_id: str) -> bool:
        """Whether the key may use this form."""
        return "admin" in self.scopes or self.form_ids is None or form_id in self.form_ids


class KeyStore(Protocol):
    """Looks up a stored key by the SHA-256 of its secret."""

    async def find(self, secret_hash: str) -> Principal | None:
        """The principal for a key hash, or None when unknown or revoked."""
        ...


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Authenticator:
    """Resolves a bearer token to a principal."""

    def __init__(self, admin_key: str | None, stores: list[KeyStore] | None = None) -> None:
        self._admin_hash = hash_secret(admin_key) if admin_key else None
        self.stores = stores or []
        self._admin = Principal("admin", "bootstrap admin", frozenset({"admin"}))

    async def authenticate(self, token: str) -> Principal | None:
        """The principal for a token, or None."""
        digest = hash_secret(token)
        if self._admin_hash is not None and hmac.compare_digest(digest, self._admin_hash):
            return self._admin
        for store in self.stores:
            principal = await store.find(digest)
            if principal is not None:
                return principal
        return None
