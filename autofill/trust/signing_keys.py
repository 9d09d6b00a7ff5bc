"""Signing keys: private halves in files or the environment, public halves in the database.

The private key never enters the database. That is what makes the audit log's checkpoints
worth anything: whoever can change the database's rows could otherwise rewrite the chain
and sign new checkpoints over it. So a copy of the database given to an auditor holds the
public keys (`signing_keys`: JWK, created, retired, published until) and nothing that signs.

Private keys (EC P-256, for ES256) come from
* a key directory, one `<kid>.pem` file per key, mode 0600 in a 0700 directory; embedded
  mode keeps it beside the SQLite file (`<database>.signing-keys/`) and generates the first
  key there; `autofill signing rotate` adds new ones. A key file readable by anyone but its
  owner is refused;
* and/or `AUTOFILL_SIGNING_KEY_FILE`, a PEM file (0600) of one or more keys, or
  `AUTOFILL_SIGNING_KEY`, the PEM text itself (a secret store's environment), for
  deployments that hand keys to every server.
The `kid` is the key's RFC 7638 thumbprint, so the same key has the same id everywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from joserfc.jwk import ECKey
from sqlalchemy import Engine, insert, select, update

from autofill.models import SigningKey

ALG = "ES256"
CURVE = "P-256"
_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", re.S
)


class SigningKeyError(Exception):
    """A private key that cannot be used: unsafe file mode, wrong curve, not a key."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A key as the database knows it."""

    kid: str
    jwk: dict[str, Any]
    created_at: dt.datetime
    retired_at: dt.datetime | None
    not_after: dt.datetime | None

    def published(self, now: dt.datetime) -> bool:
        """Whether the JWKS still lists it (current, or retired but within its grace)."""
        return self.retired_at is None or (self.not_after is not None and self.not_after > now)


def generate_key() -> ECKey:
    """A new P-256 private key."""
    return ECKey.generate_key(CURVE, private=True)


def kid_of(key: ECKey) -> str:
    """The key's RFC 7638 thumbprint."""
    return key.thumbprint()


def public_jwk(key: ECKey) -> dict[str, Any]:
    """The public JWK as published: kid, use and alg included."""
    return {**key.as_dict(private=False), "kid": kid_of(key), "use": "sig", "alg": ALG}


def parse_private_keys(text: str) -> list[ECKey]:
    """Every PEM private key in a text (P-256 only)."""
    blocks = _PEM_BLOCK.findall(text)
    if not blocks:
        raise SigningKeyError("no PEM private key found")
    keys = []
    for block in blocks:
        try:
            key = ECKey.import_key(block)
        except Exception as exc:  # joserfc raises several kinds for a bad key
            raise SigningKeyError(f"not an EC private key: {type(exc).__name__}") from exc
        if key.as_dict(private=False).get("crv") != CURVE or not key.is_private:
            raise SigningKeyError("signing keys are EC P-256 private keys")
        keys.append(key)
    return keys


def read_key_file(file: Path) -> list[ECKey]:
    """The private keys in a PEM file that only its owner may read; `SigningKeyError`
    when others may, or when it holds no P-256 private key."""
    mode = file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(
            f"{file} is readable by others (mode {stat.filemode(mode)}); "
            "chmod 600 it: a signing key must be its owner's alone"
        )
    return parse_private_keys(file.read_text())


class KeyDirectory:
    """Private keys as PEM files, one per kid, readable by their owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, ECKey]:
        """Every key in the directory; `SigningKeyError` for a file others may read."""
        if not self.path.is_dir():
            return {}
        keys: dict[str, ECKey] = {}
        for file in sorted(self.path.glob("*.pem")):
            keys.update((kid_of(key), key) for key in read_key_file(file))
        return keys

    def add(self, key: ECKey) -> Path:
        """Write a key as `<kid>.pem`, created 0600 (never readable by others, not even
        for a moment)."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        file = self.path / f"{kid_of(key)}.pem"
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.as_pem(private=True))
        return file


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)  # SQLite gives back naive UTC


def list_keys(engine: Engine) -> list[PublicKey]:
    """Every public key the database holds, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(SigningKey).order_by(SigningKey.created_at.desc())).all()
    return [
        PublicKey(
            kid=row.kid,
            jwk=orjson.loads(row.public_jwk),
            created_at=_utc(row.created_at),  # type: ignore[arg-type]
            retired_at=_utc(row.retired_at),
            not_after=_utc(row.not_after),
        )
        for row in rows
    ]


def current_kid(engine: Engine) -> str | None:
    """The key new signatures use: the newest one not retired (one indexed row)."""
    with engine.connect() as conn:
        return conn.execute(
            select(SigningKey.kid)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc(), SigningKey.kid)
            .limit(1)
        ).scalar()


def make_current(engine: Engine, key: ECKey, *, publish_seconds: int) -> PublicKey:
    """Register a key's public half as the current one; the keys before it retire and stay
    published for `publish_seconds` (the longest anything they signed may stay valid)."""
    now = dt.datetime.now(dt.UTC)
    kid = kid_of(key)
    with engine.begin() as conn:
        known = conn.execute(select(SigningKey.kid).where(SigningKey.kid == kid)).scalar()
        if known is None:
            conn.execute(
                insert(SigningKey).values(
                    kid=kid,
                    public_jwk=orjson.dumps(public_jwk(key)).decode(),
                    created_at=now,
                )
            )
        else:
            conn.execute(
                update(SigningKey)
                .where(SigningKey.kid == kid)
                .values(created_at=now, retired_at=None, not_after=None)
            )
        conn.execute(
            update(SigningKey)
            .where(SigningKey.kid != kid, SigningKey.retired_at.is_(None))
            .values(retired_at=now, not_after=now + dt.timedelta(seconds=publish_seconds))
        )
    return next(k for k in list_keys(engine) if k.kid == kid)
