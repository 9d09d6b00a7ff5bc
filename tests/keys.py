"""A key store with fixed keys, to test scopes and form limits without the key service."""

from __future__ import annotations

from typing import Any

from autofill.trust import KeyPrincipal, hash_secret


class StaticKeys:
    """Keys given in advance: secret -> (scopes, form ids or None)."""

    def __init__(self, keys: dict[str, tuple[set[str], set[str] | None]]) -> None:
        self._keys = {
            hash_secret(secret): KeyPrincipal(
                f"k{i}",
                secret,
                frozenset(scopes),
                frozenset(forms) if forms is not None else None,
            )
            for i, (secret, (scopes, forms)) in enumerate(keys.items())
        }

    async def find(self, secret_hash: str) -> KeyPrincipal | None:
        """The principal for a key hash."""
        return self._keys.get(secret_hash)


def install(client: Any, keys: dict[str, tuple[set[str], set[str] | None]]) -> None:
    """Add fixed keys to a started app."""
    client.app.state.services.trust.auth.stores.append(StaticKeys(keys))


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}
