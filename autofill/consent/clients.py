"""Registered OAuth clients (portals): create (secret shown once), list, revoke, check.

A client id reads `cli_` + 12 hex characters: it is also the audit's key id for releases
under consent (16 characters). The secret is 32 random bytes; only its SHA-256 is stored
(as for API keys: with that much entropy a slow hash buys nothing). Redirect URIs are
matched exactly (RFC 6749 §3.1.2, OAuth 2.1): https, or http on a loopback host.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Engine, insert, select, update

from autofill.errors import InvalidRequest, KeyNotFound, Problem
from autofill.models import OAuthClient
from autofill.trust.access import hash_secret
from autofill.trust.keys import FORM_ID

CLIENT_PREFIX = "cli_"
SECRET_PREFIX = "afc_"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What a listing shows of a client (never the secret)."""

    client_id: str
    name: str
    redirect_uris: list[str]
    form_ids: list[str] | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def allows_form(self, form_id: str) -> bool:
        """Whether the client may ask consent for this form."""
        return self.form_ids is None or form_id in self.form_ids


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _info(row: Any) -> ClientInfo:
    created = _utc(row.created_at)
    assert created is not None
    return ClientInfo(
        client_id=row.id,
        name=row.name,
        redirect_uris=orjson.loads(row.redirect_uris),
        form_ids=None if row.form_ids is None else orjson.loads(row.form_ids),
        created_at=created,
        revoked_at=_utc(row.revoked_at),
    )


def redirect_problem(uri: str) -> str | None:
    """Why a redirect URI cannot be registered, or None."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "not a URI"
    if parts.fragment or "#" in uri:
        return "a redirect URI has no fragment"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return None
    return "a redirect URI is https (or http on a loopback host)"


def check_client_spec(
    name: str, redirect_uris: Iterable[str], form_ids: Iterable[str] | None
) -> tuple[str, list[str], list[str] | None]:
    """Validate a client's name, redirect URIs and forms; their canonical forms."""
    problems = []
    if not name.strip() or len(name) > 100:
        problems.append(Problem("/name", "a name of 1 to 100 characters is required"))
    uris = list(dict.fromkeys(redirect_uris))
    if not uris:
        problems.append(Problem("/redirect_uris", "give at least one redirect URI"))
    for i, uri in enumerate(uris):
        why = redirect_problem(uri) if len(uri) <= 500 else "at most 500 characters"
        if why:
            problems.append(Problem(f"/redirect_uris/{i}", why, "invalid_redirect_uri"))
    forms = None if form_ids is None else sorted(set(form_ids))
    for i, form_id in enumerate(forms or []):
        if not FORM_ID.match(form_id):
            problems.append(Problem(f"/form_ids/{i}", f"{form_id!r} is not a form id"))
    if problems:
        raise InvalidRequest(problems[0].detail, problems=problems)
    return name.strip(), uris, forms


def create_client(
    engine: Engine,
    *,
    name: str,
    redirect_uris: Iterable[str],
    form_ids: Iterable[str] | None = None,
) -> tuple[ClientInfo, str]:
    """Register a client; its listing and the secret, which is never shown again."""
    client_id = CLIENT_PREFIX + secrets.token_hex(6)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    ensure_client(
        engine,
        client_id=client_id,
        name=name,
        redirect_uris=redirect_uris,
        secret=secret,
        form_ids=form_ids,
    )
    return get_client(engine, client_id), secret


def ensure_client(
    engine: Engine,
    *,
    client_id: str,
    name: str,
    redirect_uris: Iterable[str],
    secret: str,
    form_ids: Iterable[str] | None = None,
) -> ClientInfo:
    """Register or update a client with a given id and secret (the service's own clients:
    every worker derives the same secret, so this is idempotent)."""
    clean_name, uris, forms = check_client_spec(name, redirect_uris, form_ids)
    values = {
        "name": clean_name,
        "secret_hash": hash_secret(secret),
        "redirect_uris": orjson.dumps(uris).decode(),
        "form_ids": None if forms is None else orjson.dumps(forms).decode(),
    }
    with engine.begin() as conn:
        found = conn.execute(select(OAuthClient.id).where(OAuthClient.id == client_id)).first()
        if found is None:
            now = dt.datetime.now(dt.UTC)
            row = {"id": client_id, **values, "created_at": now, "revoked_at": None}
            conn.execute(insert(OAuthClient), [row])
        else:
            conn.execute(update(OAuthClient).where(OAuthClient.id == client_id).values(**values))
    return get_client(engine, client_id)


def get_client(engine: Engine, client_id: str) -> ClientInfo:
    """One client's listing; `KeyNotFound` when absent."""
    with engine.connect() as conn:
        row = conn.execute(select(OAuthClient).where(OAuthClient.id == client_id)).first()
    if row is None:
        raise KeyNotFound(f"no client with id {client_id!r}")
    return _info(row)


def find_client(engine: Engine, client_id: str) -> ClientInfo | None:
    """A live (not revoked) client, or None."""
    if not client_id.startswith(CLIENT_PREFIX) or len(client_id) > 16:
        return None
    query = select(OAuthClient).where(OAuthClient.id == client_id, OAuthClient.revoked_at.is_(None))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else _info(row)


def authenticate_client(engine: Engine, client_id: str, secret: str) -> ClientInfo | None:
    """The live client whose id and secret these are, or None."""
    if not client_id.startswith(CLIENT_PREFIX) or len(client_id) > 16 or len(secret) > 200:
        return None
    query = select(OAuthClient).where(OAuthClient.id == client_id, OAuthClient.revoked_at.is_(None))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None or not hmac.compare_digest(row.secret_hash, hash_secret(secret)):
        return None
    return _info(row)


def list_clients(engine: Engine, *, include_revoked: bool = True) -> list[ClientInfo]:
    """Every client, oldest first."""
    query = select(OAuthClient).order_by(OAuthClient.created_at, OAuthClient.id)
    if not include_revoked:
        query = query.where(OAuthClient.revoked_at.is_(None))
    with engine.connect() as conn:
        return [_info(row) for row in conn.execute(query)]


def revoke_client(engine: Engine, client_id: str) -> ClientInfo:
    """Revoke a client (idempotent): its tokens stop working at once; `KeyNotFound` when
    absent."""
    with engine.begin() as conn:
        conn.execute(
            update(OAuthClient)
            .where(OAuthClient.id == client_id, OAuthClient.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
    return get_client(engine, client_id)


def client_names(engine: Engine, ids: Iterable[str]) -> dict[str, str]:
    """Client id -> name, revoked clients included (for the citizen's access log)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(OAuthClient.id, OAuthClient.name).where(OAuthClient.id.in_(wanted))
    with engine.connect() as conn:
        return {row.id: row.name for row in conn.execute(query)}
