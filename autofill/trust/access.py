"""Who is calling: principals, and the authenticator that resolves a bearer secret to one.

A principal is anything that can ask for an action (`autofill.trust.authz.Ask`) and be
told whether it may: an API key (`KeyPrincipal`: scopes and an optional list of forms), or
a portal holding a citizen's consent token (`autofill.consent.principal`), which carries a
`Binding`: the citizen, form, version and purpose it is bound to. The bootstrap admin key
comes from `AUTOFILL_ADMIN_KEY`; keys stored in the database (hashed, with scopes and an
optional list of form ids) are looked up by the `KeyStore`s registered on the
`Authenticator`, and tokens that are not keys by its `TokenStore`s.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from autofill.errors import Forbidden

if TYPE_CHECKING:
    from autofill.trust.authz import Ask

SCOPES = ("prefill", "registry:read", "registry:write", "forms:write", "audit:read", "admin")


@dataclass(frozen=True, slots=True)
class Binding:
    """What a consent token binds its caller to: one citizen's consent."""

    consent_id: str
    personal_id: str  # the citizen who consented (never written to the audit: hashed there)
    enterprise_code: str | None  # the business they consented for, on a business form
    form_id: str
    form_version: int
    purpose: str


class Principal(Protocol):
    """A caller the authorisation point can decide about."""

    @property
    def binding(self) -> Binding | None:
        """The consent this caller acts under (a consent token), or None (an API key)."""
        ...

    @property
    def key_id(self) -> str:
        """The caller's public id, as the audit log and rate limits name it."""
        ...

    @property
    def name(self) -> str:
        """A human-readable name (a key's name, a portal's name)."""
        ...

    @property
    def rate_limit_per_minute(self) -> int | None:
        """This caller's budget of requests (records, for reads) a minute; None: default."""
        ...

    @property
    def is_operator(self) -> bool:
        """An operator is flagged by the enumeration watch but never locked out."""
        ...

    async def refusal(self, ask: Ask) -> Forbidden | None:
        """Why this principal may not do what it asks, or None when it may (async: a
        consent token reads the registry for the relations its citizen has)."""
        ...


@dataclass(frozen=True, slots=True)
class KeyPrincipal:
    """The caller behind an API key: scopes, and optionally the forms it may use."""

    key_id: str
    name: str
    scopes: frozenset[str]
    form_ids: frozenset[str] | None = None
    # Requests per minute for this key; None means the service-wide default.
    rate_limit_per_minute: int | None = None
    # False for a key that carries many people's requests and limits each of them itself
    # (the demo portal): the enumeration watch audits its trips but never throttles it.
    lock_on_enumeration: bool = True
    binding: None = None  # a key acts under no citizen's consent

    @property
    def is_operator(self) -> bool:
        """Admin keys are operators, and so is a key that limits each of its users itself."""
        return "admin" in self.scopes or not self.lock_on_enumeration

    def allows(self, scope: str) -> bool:
        """Whether the key carries this scope (admin carries all)."""
        return "admin" in self.scopes or scope in self.scopes

    def allows_form(self, form_id: str) -> bool:
        """Whether the key may use this form."""
        return "admin" in self.scopes or self.form_ids is None or form_id in self.form_ids

    async def refusal(self, ask: Ask) -> Forbidden | None:
        """The scope the action needs, then the form list; subjects do not matter to a key."""
        scope = ask.action.scope
        if scope is not None and not self.allows(scope):
            return Forbidden(f"this key lacks the '{scope}' scope")
        if ask.form_id is not None and ask.action.form_bound and not self.allows_form(ask.form_id):
            return Forbidden(f"this key may not use form '{ask.form_id}'")
        return None


class KeyStore(Protocol):
    """Looks up a stored key by the SHA-256 of its secret."""

    async def find(self, secret_hash: str) -> Principal | None:
        """The principal for a key hash, or None when unknown or revoked."""
        ...


class TokenStore(Protocol):
    """Resolves bearer tokens of its own shape (not keys) to principals."""

    def claims(self, token: str) -> bool:
        """Whether the token has this store's shape (then no key store is asked)."""
        ...

    async def resolve(self, token: str) -> Principal | None:
        """The principal of a valid token, or None (expired, altered, revoked)."""
        ...


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Authenticator:
    """Resolves a bearer token to a principal."""

    def __init__(self, admin_key: str | None, stores: list[KeyStore] | None = None) -> None:
        self._admin_hash = hash_secret(admin_key) if admin_key else None
        self.stores = stores or []
        self.token_stores: list[TokenStore] = []
        self._admin = KeyPrincipal("admin", "bootstrap admin", frozenset({"admin"}))

    def fixed_names(self) -> dict[str, str]:
        """The names of the principals not stored as keys (the bootstrap admin, a store's
        one principal such as the demo portal's), by key id."""
        out = {self._admin.key_id: self._admin.name}
        for store in self.stores:
            principal = getattr(store, "principal", None)
            if principal is not None:
                out[principal.key_id] = principal.name
        return out

    async def authenticate(self, token: str) -> Principal | None:
        """The principal for a bearer credential (an API key or an access token), or None."""
        for tokens in self.token_stores:
            if tokens.claims(token):
                return await tokens.resolve(token)
        digest = hash_secret(token)
        if self._admin_hash is not None and hmac.compare_digest(digest, self._admin_hash):
            return self._admin
        for store in self.stores:
            principal = await store.find(digest)
            if principal is not None:
                return principal
        return None
