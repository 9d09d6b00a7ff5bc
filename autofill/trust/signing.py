"""The service's signer: compact JWS (ES256, `kid`) over answers, checkpoints and receipts.

`Signer.sign(claims, audience)` is the one call other features use (signed answers here,
consent receipts later): it adds `iss`, `iat`, `exp` and `aud` and returns a compact JWS
with the header `{"alg": "ES256", "typ": "JWT", "kid": ...}`, signed by joserfc.
`sign_answer` does the same for an answer already serialised (the claims go in front of
the answer's own members, so the JSON is not parsed again). `sign_statement` signs claims
that must stay checkable for as long as the record they describe exists (audit
checkpoints): `iss` and `iat`, no `exp`.

Which key signs is the database's decision (`signing_keys.current_kid`): every worker polls
it every `signing_poll_seconds` (one indexed row, off the request path), so a rotation
reaches running servers within seconds. A worker that does not hold the new private key
keeps the previous one and says so in the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import Engine

from autofill.config import Settings
from autofill.trust import signing_keys as store
from autofill.trust.signing_keys import ALG, KeyDirectory, SigningKeyError
from registries.database import sqlite_path

log = logging.getLogger(__name__)
RESERVED = ("iss", "iat", "exp", "aud")


@dataclass(frozen=True, slots=True)
class SigningConfig:
    """What the signer is told by the settings."""

    issuer: str
    key_dir: Path | None
    env_keys: str | None
    answer_seconds: int
    publish_seconds: int
    embedded: bool
    key_file: Path | None = None


def signing_config(settings: Settings) -> SigningConfig | None:
    """The signer's settings; None when no private key can be had (a shared database
    without AUTOFILL_SIGNING_KEYS_DIR, _KEY_FILE or _KEY: each server generating its own
    would be an unsafe default)."""
    key_dir = settings.signing_keys_dir
    if key_dir is None and settings.embedded:
        key_dir = Path(sqlite_path(settings.database_url) + ".signing-keys")
    env_keys = settings.signing_key.get_secret_value() if settings.signing_key else None
    key_file = settings.signing_key_file
    if key_dir is None and env_keys is None and key_file is None:
        return None
    return SigningConfig(
        issuer=settings.issuer_url,
        key_dir=key_dir,
        env_keys=env_keys,
        key_file=key_file,
        answer_seconds=settings.signed_answer_seconds,
        publish_seconds=settings.signing_key_publish_seconds,
        embedded=settings.embedded,
    )


class Signer:
    """Signs with the current key; `refresh` follows rotations."""

    def __init__(self, config: SigningConfig, private: dict[str, ECKey], kid: str) -> None:
        self.config = config
        self._private = private
        self._use(kid)
        self._published: dict[str, Any] = {"keys": []}
        self._published_at = 0.0

    def _use(self, kid: str) -> None:
        self._key = self._private[kid]
        self.kid = kid
        self._header = {"alg": ALG, "typ": "JWT", "kid": kid}

    @property
    def issuer(self) -> str:
        """The `iss` of everything this service signs."""
        return self.config.issuer

    def sign(
        self,
        claims: Mapping[str, Any],
        audience: str,
        *,
        ttl_seconds: int | None = None,
        typ: str = "JWT",
    ) -> str:
        """A compact JWS of the claims plus iss, iat, exp (now + ttl) and aud; `typ` names
        the kind of token in the header (RFC 9068 access tokens: "at+jwt")."""
        clash = [name for name in RESERVED if name in claims]
        if clash:
            raise ValueError(f"claims may not set {', '.join(clash)}")
        payload = {**self._registered(audience, ttl_seconds), **claims}
        header = self._header if typ == "JWT" else {**self._header, "typ": typ}
        return jws.serialize_compact(header, orjson.dumps(payload), self._key, [ALG])

    def sign_answer(self, body: bytes, audience: str) -> str:
        """A compact JWS of a serialised JSON object answer plus iss, iat, exp and aud."""
        head = orjson.dumps(self._registered(audience, None))
        rest = body.lstrip()
        if rest[:1] != b"{":
            raise ValueError("only a JSON object can carry the registered claims")
        members = rest[1:].lstrip()
        join = b"" if members[:1] == b"}" else b","
        payload = head[:-1] + join + members
        return jws.serialize_compact(self._header, payload, self._key, [ALG])

    def sign_statement(self, claims: Mapping[str, Any]) -> str:
        """A compact JWS of claims plus iss and iat, without an expiry."""
        payload = {"iss": self.issuer, "iat": int(time.time()), **claims}
        return jws.serialize_compact(self._header, orjson.dumps(payload), self._key, [ALG])

    def verify(self, token: str, audience: str) -> dict[str, Any] | None:
        """The claims of a JWT this service signed for `audience` (a published key, this
        issuer, not expired), or None: what anyone holding the JWKS can check."""
        keys = self._published.get("keys") or []
        if not keys or len(token) > 16_384:
            return None
        registry = JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
        )
        try:
            decoded = jwt.decode(token, KeySet.import_key_set({"keys": keys}), algorithms=[ALG])
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError):
            return None
        return dict(decoded.claims)

    def _registered(self, audience: str, ttl_seconds: int | None) -> dict[str, Any]:
        ttl = self.config.answer_seconds if ttl_seconds is None else ttl_seconds
        if not 0 < ttl <= self.config.publish_seconds:
            # A signature valid longer than its key stays published could not be checked.
            raise ValueError(f"a lifetime is 1..{self.config.publish_seconds} seconds")
        now = int(time.time())
        return {"iss": self.issuer, "iat": now, "exp": now + ttl, "aud": audience}

    def jwks(self) -> dict[str, Any]:
        """The published keys (as of the last refresh)."""
        return self._published

    def refresh(self, engine: Engine) -> None:
        """Follow the database: the current key, and the keys the JWKS lists."""
        now = dt.datetime.now(dt.UTC)
        # The current key first, then the list: a rotation committed between the two reads
        # then shows in the list too, so no answer is signed with a key the JWKS lacks.
        kid = store.current_kid(engine)
        keys = store.list_keys(engine)
        self._published = {"keys": [k.jwk for k in keys if k.published(now)]}
        self._published_at = time.monotonic()
        if kid is None or kid == self.kid:
            return
        if kid not in self._private:
            self._private.update(_load_private(self.config))
        if kid in self._private:
            log.info("signing key rotated: now %s", kid)
            self._use(kid)
        else:
            log.error(
                "the current signing key %s is not among this server's keys; still signing with %s",
                kid,
                self.kid,
            )


def _load_private(config: SigningConfig) -> dict[str, ECKey]:
    keys: dict[str, ECKey] = {}
    if config.env_keys:
        keys.update((store.kid_of(k), k) for k in store.parse_private_keys(config.env_keys))
    if config.key_file is not None:
        keys.update((store.kid_of(k), k) for k in store.read_key_file(config.key_file))
    if config.key_dir is not None:
        keys.update(KeyDirectory(config.key_dir).load())
    return keys


def new_key(config: SigningConfig) -> ECKey:
    """Generate a key into the key directory (its private half lives only there)."""
    if config.key_dir is None:
        raise SigningKeyError(
            "no signing key directory is configured (AUTOFILL_SIGNING_KEYS_DIR); "
            "give the new key as a PEM file instead"
        )
    key = store.generate_key()
    KeyDirectory(config.key_dir).add(key)
    return key


def open_signer(config: SigningConfig, engine: Engine) -> Signer:
    """The signer on the database's current key; the first key is made on first start.

    Embedded mode generates a key when the database has none, or when the current one's
    private half is not beside it (a database copied without its keys: the old key can no
    longer sign, so a new one takes over). Elsewhere a missing private key stops the start:
    the servers must be handed the current key before they can sign with it.
    """
    private = _load_private(config)
    kid = store.current_kid(engine)
    if kid is None or kid not in private:
        if kid is None and private:
            chosen = next(iter(private.values()))  # a key the servers were handed
        elif config.embedded or (kid is None and config.key_dir is not None):
            if kid is not None:
                log.warning(
                    "the private half of signing key %s is missing; a new key takes over", kid
                )
            chosen = new_key(config)
            private[store.kid_of(chosen)] = chosen
        else:
            raise SigningKeyError(
                f"the current signing key {kid} is not among the configured private keys "
                "(AUTOFILL_SIGNING_KEYS_DIR, AUTOFILL_SIGNING_KEY_FILE, AUTOFILL_SIGNING_KEY)"
            )
        kid = store.make_current(engine, chosen, publish_seconds=config.publish_seconds).kid
    signer = Signer(config, private, kid)
    signer.refresh(engine)
    return signer
