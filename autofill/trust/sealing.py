"""Sealed values: small claims encrypted and authenticated by the service for itself.

A sealed value is a compact JWE (`dir`, `A256GCM`, joserfc) under a key derived from the
audit hash key for one use, with an expiry inside. It is what the service hands to a
browser or keeps in a row when the value names a person: the citizen's session cookie,
the login state, the mock e-ID's codes, the personal ID behind an authorization code or
an access token. Nobody without the key can read or alter it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

HEADER = {"alg": "dir", "enc": "A256GCM"}
ALGORITHMS = ["dir", "A256GCM"]


class Sealer:
    """Seals and opens claims under one derived key."""

    def __init__(self, key: bytes) -> None:
        self._key = OctKey.import_key(key)

    def seal(self, claims: Mapping[str, Any], ttl_seconds: int) -> str:
        """The claims plus an expiry, encrypted."""
        payload = {**claims, "exp": int(time.time()) + ttl_seconds}
        return jwe.encrypt_compact(HEADER, orjson.dumps(payload), self._key, algorithms=ALGORITHMS)

    def open(self, sealed: str) -> dict[str, Any] | None:
        """The claims of a value this sealer made and that has not expired; else None."""
        if not sealed or len(sealed) > 8192:
            return None
        try:
            plain = jwe.decrypt_compact(sealed, self._key, algorithms=ALGORITHMS).plaintext
            claims = orjson.loads(plain or b"")
        except (JoseError, ValueError, TypeError):
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            return None
        return claims if claims["exp"] > time.time() else None
