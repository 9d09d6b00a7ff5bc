"""The interface between the service and a national e-ID (VNeID or its mock).

The service is an OpenID Connect relying party: it sends the browser to
`authorization_url(...)` with a `state` and a `nonce` of its own, gets a code back at its
callback, and asks `redeem(...)` for the identity the provider vouches for. A real VNeID
client does the same over HTTP (code → token endpoint → ID token checked against the
provider's JWKS); the mock does it in process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

LEVELS = (1, 2)  # VNeID identification levels (Decree 69/2024): level 1 and level 2


@dataclass(frozen=True, slots=True)
class Identity:
    """Who logged in, as the e-ID vouches for it in its ID token."""

    personal_id: str  # 12 digits, canonical
    name: str
    assurance_level: int  # 1 or 2 (the ID token's `acr`)
    authenticated_at: dt.datetime  # UTC


class LoginFailed(Exception):
    """A code the provider does not vouch for (unknown, expired, replayed, or not ours)."""


class IdentityProvider(Protocol):
    """A national e-ID the service can send citizens to."""

    @property
    def name(self) -> str:
        """The provider's name as the pages show it."""
        ...

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str) -> str:
        """Where to send the browser to log in; it comes back to `redirect_uri`."""
        ...

    async def redeem(self, code: str, *, redirect_uri: str, nonce: str) -> Identity:
        """The verified identity behind a code; `LoginFailed` otherwise."""
        ...
