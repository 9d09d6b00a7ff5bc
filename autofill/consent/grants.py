"""Authorization codes and access tokens (RFC 6749 §4.1, RFC 7636, RFC 7009, RFC 9068).

* A **code** is 32 random bytes, stored by its SHA-256 with the client, redirect URI, PKCE
  challenge (S256), consent and the citizen's personal ID (sealed), for `code_seconds`
  (≤ 60). Redeeming checks client, redirect URI, expiry and verifier, then marks it used
  and stores the token in one transaction: of two concurrent redemptions one wins. A code
  presented again is refused and the tokens issued from it are revoked (§4.1.2).
* An **access token** is a JWS signed with the service's key (`typ` `at+jwt`, verifiable
  against `jwks_uri`): `iss`, `aud` (this service), `exp` (≤ 10 min), `jti`, `client_id`,
  `sub` (a pseudonym of the citizen for this client, never the personal ID), `acr`,
  `scope` and the `authorization_details` granted. The service keeps a row per `jti`
  (consent, client, sealed personal ID, expiry, revocation), read on every use: a revoked
  token, consent or client stops working at once in every worker.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select, update

from autofill.models import AccessToken, AuthorizationCode, ConsentRecord, OAuthClient
from autofill.trust.hashing import SubjectHasher
from autofill.trust.sealing import Sealer
from autofill.trust.signing import Signer

VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # BASE64URL(SHA-256), no padding
TOKEN_TYPE = "at+jwt"
JWS_SHAPE = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


class _Reused(Exception):
    """The code was redeemed before: its tokens are revoked in a transaction of their own."""


class GrantError(Exception):
    """An RFC 6749 error of the token endpoint: `error` code and a description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class LiveToken:
    """A valid access token, resolved server side."""

    jti: str
    client_id: str
    client_name: str
    consent_id: str
    personal_id: str
    form_id: str
    form_version: int
    purpose: str
    enterprise_code: str | None


class Grants:
    """Issues and redeems codes, issues, resolves and revokes access tokens."""

    def __init__(
        self,
        engine: Engine,
        sealer: Sealer,
        signer: Callable[[], Signer | None],
        hasher: SubjectHasher,
        *,
        code_seconds: int,
        token_seconds: int,
    ) -> None:
        self.engine = engine
        self._sealer = sealer
        self._signer = signer
        self._pairwise = hmac.new(hasher.derive("oauth-pairwise-subject"), digestmod="sha256")
        self.code_seconds = code_seconds
        self.token_seconds = token_seconds

    def signer(self) -> Signer:
        """The service's signer; `GrantError` when this server signs nothing."""
        signer = self._signer()
        if signer is None:
            raise GrantError("temporarily_unavailable", "this server has no signing key")
        return signer

    def subject_for(self, client_id: str, personal_id: str) -> str:
        """The citizen's pseudonym for one client (stable, not linkable across clients)."""
        mac = self._pairwise.copy()
        mac.update(f"{client_id}\x00{personal_id}".encode())
        return mac.hexdigest()

    # -- codes ----------------------------------------------------------------------------------
    async def issue_code(
        self,
        *,
        client_id: str,
        consent_id: str,
        redirect_uri: str,
        challenge: str,
        personal_id: str,
    ) -> str:
        """A fresh single-use code."""
        code = secrets.token_urlsafe(32)
        row = {
            "code_hash": _digest(code),
            "client_id": client_id,
            "consent_id": consent_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "subject": self._sealer.seal({"sub": personal_id}, self.code_seconds + 5),
            "expires_at": dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.code_seconds),
            "used_at": None,
        }
        await asyncio.to_thread(self._insert, AuthorizationCode, row)
        return code

    async def exchange(
        self, *, code: str, client_id: str, redirect_uri: str, verifier: str
    ) -> dict[str, Any]:
        """The token response for a code (RFC 6749 §5.1); `GrantError` otherwise."""
        signer = self.signer()
        if not VERIFIER.match(verifier):
            raise GrantError("invalid_grant", "code_verifier is 43-128 unreserved characters")
        return await asyncio.to_thread(
            self._exchange, signer, _digest(code), client_id, redirect_uri, verifier
        )

    def _exchange(
        self, signer: Signer, code_hash: str, client_id: str, redirect_uri: str, verifier: str
    ) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        try:
            with self.engine.begin() as conn:
                return self._redeem(conn, signer, code_hash, client_id, redirect_uri, verifier, now)
        except _Reused:
            with self.engine.begin() as conn:
                self._revoke_from(conn, code_hash, now)
            raise GrantError("invalid_grant", "the code was already used") from None

    def _redeem(
        self, conn: Any, signer: Signer, code_hash: str, client_id: str, redirect_uri: str,
        verifier: str, now: dt.datetime,
    ) -> dict[str, Any]:  # fmt: skip
        row = conn.execute(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
        ).first()
        if row is None:
            raise GrantError("invalid_grant", "the code is unknown")
        if row.used_at is not None:
            raise _Reused
        if row.client_id != client_id:
            raise GrantError("invalid_grant", "the code was issued to another client")
        if _utc(row.expires_at) <= now:
            raise GrantError("invalid_grant", "the code has expired")
        if row.redirect_uri != redirect_uri:
            raise GrantError("invalid_grant", "redirect_uri differs from the authorization")
        if not hmac.compare_digest(s256(verifier), row.code_challenge):
            raise GrantError("invalid_grant", "the code_verifier does not match")
        opened = self._sealer.open(row.subject)
        consent = conn.execute(
            select(ConsentRecord).where(ConsentRecord.id == row.consent_id)
        ).first()
        if opened is None or consent is None or consent.revoked_at is not None:
            raise GrantError("invalid_grant", "the consent behind the code is gone")
        used = conn.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code_hash == code_hash, AuthorizationCode.used_at.is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:  # a concurrent redemption won: this one is a reuse
            raise _Reused
        return self._token(conn, signer, consent, str(opened["sub"]), code_hash, now)

    def _token(
        self, conn: Any, signer: Signer, consent: Any, personal_id: str, code_hash: str,
        now: dt.datetime,
    ) -> dict[str, Any]:  # fmt: skip
        lifetime = min(self.token_seconds, int((_utc(consent.expires_at) - now).total_seconds()))
        if lifetime < 1:
            raise GrantError("invalid_grant", "the consent has expired")
        jti = secrets.token_urlsafe(16)
        detail: dict[str, Any] = {
            "type": "prefill",
            "form_id": consent.form_id,
            "form_version": consent.form_version,
            "purpose": consent.purpose,
        }
        if consent.enterprise_code is not None:
            detail["enterprise_code"] = consent.enterprise_code
        claims = {
            "jti": jti,
            "client_id": consent.client_id,
            "sub": self.subject_for(consent.client_id, personal_id),
            "acr": str(consent.assurance_level),
            "scope": "prefill",
            "authorization_details": [detail],
        }
        token = signer.sign(claims, signer.issuer, ttl_seconds=lifetime, typ=TOKEN_TYPE)
        row = {
            "jti": jti,
            "consent_id": consent.id,
            "client_id": consent.client_id,
            "code_hash": code_hash,
            "subject": self._sealer.seal({"sub": personal_id}, lifetime + 5),
            "expires_at": now + dt.timedelta(seconds=lifetime),
            "revoked_at": None,
        }
        conn.execute(insert(AccessToken), [row])
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": "prefill",
            "authorization_details": [detail],
        }

    @staticmethod
    def _revoke_from(conn: Any, code_hash: str, now: dt.datetime) -> None:
        conn.execute(
            update(AccessToken)
            .where(AccessToken.code_hash == code_hash, AccessToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # -- tokens ---------------------------------------------------------------------------------
    @staticmethod
    def looks_like_token(token: str) -> bool:
        """Whether a bearer credential has the shape of an access token (a compact JWS)."""
        return len(token) < 16_384 and JWS_SHAPE.match(token) is not None

    async def resolve(self, token: str) -> LiveToken | None:
        """The live token behind a bearer credential, or None (altered, expired, revoked,
        its consent revoked or expired, its client revoked)."""
        signer = self._signer()
        claims = signer.verify(token, signer.issuer) if signer is not None else None
        if claims is None or not isinstance(claims.get("jti"), str):
            return None
        return await asyncio.to_thread(self._live, claims["jti"], claims.get("client_id"))

    def _live(self, jti: str, client_id: Any) -> LiveToken | None:
        now = dt.datetime.now(dt.UTC)
        token, consent, client = AccessToken, ConsentRecord, OAuthClient
        query = (
            select(
                token.client_id,
                token.subject,
                token.expires_at,
                consent.id.label("consent_id"),
                consent.form_id,
                consent.form_version,
                consent.purpose,
                consent.enterprise_code,
                consent.expires_at.label("consent_expires_at"),
                client.name.label("client_name"),
            )
            .join(consent, consent.id == token.consent_id)
            .join(client, client.id == token.client_id)
            .where(
                and_(
                    token.jti == jti,
                    token.revoked_at.is_(None),
                    consent.revoked_at.is_(None),
                    client.revoked_at.is_(None),
                )
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.client_id != client_id:
            return None
        if _utc(row.expires_at) <= now or _utc(row.consent_expires_at) <= now:
            return None
        opened = self._sealer.open(row.subject)
        if opened is None:
            return None
        return LiveToken(
            jti=jti,
            client_id=row.client_id,
            client_name=row.client_name,
            consent_id=row.consent_id,
            personal_id=str(opened["sub"]),
            form_id=row.form_id,
            form_version=row.form_version,
            purpose=row.purpose,
            enterprise_code=row.enterprise_code,
        )

    async def revoke(self, token: str, client_id: str) -> None:
        """Revoke an access token of this client (RFC 7009: anything else is a no-op)."""
        signer = self._signer()
        claims = signer.verify(token, signer.issuer) if signer is not None else None
        if claims is None or claims.get("client_id") != client_id:
            return
        await asyncio.to_thread(self._revoke_token, str(claims.get("jti")), client_id)

    def _revoke_token(self, jti: str, client_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(AccessToken)
                .where(
                    AccessToken.jti == jti,
                    AccessToken.client_id == client_id,
                    AccessToken.revoked_at.is_(None),
                )
                .values(revoked_at=dt.datetime.now(dt.UTC))
            )

    def purge(self, older_than: dt.datetime) -> int:
        """Delete codes and tokens expired before a time (their sealed personal IDs with
        them); how many rows went. A reused code's revocation needs nothing older."""
        with self.engine.begin() as conn:
            codes = conn.execute(
                delete(AuthorizationCode).where(AuthorizationCode.expires_at < older_than)
            )
            tokens = conn.execute(delete(AccessToken).where(AccessToken.expires_at < older_than))
        return int(codes.rowcount or 0) + int(tokens.rowcount or 0)

    def _insert(self, table: Any, row: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(table), [row])
