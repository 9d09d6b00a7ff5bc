"""Consent records as data, and the receipts the citizen can download.

A consent is one citizen's (keyed hash, `trust.hashing`) agreement that one client may
prefill one form version for one purpose (and one enterprise, on a business form), over
the attribute paths listed, until it expires or is revoked. Revoking it revokes every
access token issued under it in the same transaction; the consent-token principal reads the
record on every use, so the revocation holds at once in every worker.

A receipt is a compact JWS signed by the service's key (`Signer.sign_statement`: `iss`,
`iat`, no expiry; verifiable against `jwks_uri` while the key is published) of the record:
who (the citizen's keyed hash), to whom, for what, over which data, when.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update

from autofill.errors import ServiceUnavailable
from autofill.models import AccessToken, ConsentRecord, OAuthClient
from autofill.trust.signing import Signer

CONSENT_PREFIX = "cns_"
RECEIPT_TYPE = "consent-receipt"
LEGAL_BASIS = "Luật Bảo vệ dữ liệu cá nhân 2025; Nghị định 356/2025/NĐ-CP"


@dataclass(frozen=True, slots=True)
class Consent:
    """One consent, as the citizen's view and the receipt show it."""

    id: str
    citizen_hash: str
    client_id: str
    client_name: str
    form_id: str
    form_version: int
    attributes: tuple[str, ...]
    purpose: str
    assurance_level: int
    enterprise_code: str | None
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def live(self, now: dt.datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or dt.datetime.now(dt.UTC)
        return self.revoked_at is None and self.expires_at > now

    def claims(self) -> dict[str, Any]:
        """The receipt's claims."""
        return {
            "typ": RECEIPT_TYPE,
            "consent_id": self.id,
            "sub": self.citizen_hash,
            "client_id": self.client_id,
            "client_name": self.client_name,
            "form_id": self.form_id,
            "form_version": self.form_version,
            "purpose": self.purpose,
            "attributes": list(self.attributes),
            "assurance_level": self.assurance_level,
            "enterprise_code": self.enterprise_code,
            "granted_at": self.granted_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "legal_basis": LEGAL_BASIS,
        }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _consent(row: Any) -> Consent:
    return Consent(
        id=row.id,
        citizen_hash=row.citizen_hash,
        client_id=row.client_id,
        client_name=row.client_name or row.client_id,
        form_id=row.form_id,
        form_version=row.form_version,
        attributes=tuple(orjson.loads(row.attributes)),
        purpose=row.purpose,
        assurance_level=row.assurance_level,
        enterprise_code=row.enterprise_code,
        granted_at=_utc(row.granted_at),  # type: ignore[arg-type]
        expires_at=_utc(row.expires_at),  # type: ignore[arg-type]
        revoked_at=_utc(row.revoked_at),
    )


def _query() -> Any:
    return select(ConsentRecord.__table__, OAuthClient.name.label("client_name")).outerjoin(
        OAuthClient, OAuthClient.id == ConsentRecord.client_id
    )


class ConsentStore:
    """Consents in the database (shared by every worker)."""

    def __init__(
        self, engine: Engine, signer: Callable[[], Signer | None], *, ttl_seconds: int
    ) -> None:
        self.engine = engine
        self._signer = signer
        self.ttl_seconds = ttl_seconds

    # -- the citizen's view (SHARED-SHAPES milestone 2) -------------------------------------
    async def list_for(self, citizen_hash: str) -> list[Consent]:
        """The citizen's consents, newest first."""
        return await asyncio.to_thread(self._list_for, citizen_hash)

    async def revoke(self, consent_id: str, citizen_hash: str) -> Consent | None:
        """Revoke one of the citizen's consents and its tokens, at once; None when the
        consent is not theirs or unknown. Revoking twice keeps the first time."""
        return await asyncio.to_thread(self._revoke, consent_id, citizen_hash)

    async def receipt(self, consent_id: str, citizen_hash: str) -> str | None:
        """The signed receipt of one of the citizen's consents (compact JWS), or None."""
        consent = await self.get(consent_id)
        if consent is None or consent.citizen_hash != citizen_hash:
            return None
        signer = self._signer()
        if signer is None:
            raise ServiceUnavailable("this server signs nothing: no receipt can be issued")
        return signer.sign_statement(consent.claims())

    # -- the authorization server's side ------------------------------------------------------
    async def get(self, consent_id: str) -> Consent | None:
        """One consent by id, or None."""
        return await asyncio.to_thread(self._get, consent_id)

    async def reusable(
        self,
        citizen_hash: str,
        client_id: str,
        form_id: str,
        form_version: int,
        purpose: str,
        enterprise_code: str | None,
    ) -> Consent | None:
        """A live consent of this citizen for the same client, form version, purpose and
        enterprise, or None."""
        found = await asyncio.to_thread(self._for_client, citizen_hash, client_id, form_id)
        now = dt.datetime.now(dt.UTC)
        for consent in found:
            same = (consent.form_version, consent.purpose, consent.enterprise_code)
            if same == (form_version, purpose, enterprise_code) and consent.live(now):
                return consent
        return None

    async def grant(
        self,
        *,
        citizen_hash: str,
        client_id: str,
        form_id: str,
        form_version: int,
        attributes: Sequence[str],
        purpose: str,
        assurance_level: int,
        enterprise_code: str | None,
    ) -> Consent:
        """Record a new consent."""
        now = dt.datetime.now(dt.UTC)
        row = {
            "id": CONSENT_PREFIX + secrets.token_urlsafe(16),
            "citizen_hash": citizen_hash,
            "client_id": client_id,
            "form_id": form_id,
            "form_version": form_version,
            "attributes": orjson.dumps(list(attributes)).decode(),
            "purpose": purpose,
            "assurance_level": assurance_level,
            "enterprise_code": enterprise_code,
            "granted_at": now,
            "expires_at": now + dt.timedelta(seconds=self.ttl_seconds),
            "revoked_at": None,
        }
        await asyncio.to_thread(self._insert, row)
        consent = await self.get(str(row["id"]))
        assert consent is not None
        return consent

    # -- in threads -----------------------------------------------------------------------------
    def _insert(self, row: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(ConsentRecord), [row])

    def _get(self, consent_id: str) -> Consent | None:
        if not consent_id.startswith(CONSENT_PREFIX) or len(consent_id) > 64:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(_query().where(ConsentRecord.id == consent_id)).first()
        return None if row is None else _consent(row)

    def _list_for(self, citizen_hash: str) -> list[Consent]:
        query = (
            _query()
            .where(ConsentRecord.citizen_hash == citizen_hash)
            .order_by(ConsentRecord.granted_at.desc(), ConsentRecord.id)
        )
        with self.engine.connect() as conn:
            return [_consent(row) for row in conn.execute(query)]

    def _for_client(self, citizen_hash: str, client_id: str, form_id: str) -> list[Consent]:
        query = (
            _query()
            .where(
                ConsentRecord.client_id == client_id,
                ConsentRecord.form_id == form_id,
                ConsentRecord.citizen_hash == citizen_hash,
            )
            .order_by(ConsentRecord.granted_at.desc())
        )
        with self.engine.connect() as conn:
            return [_consent(row) for row in conn.execute(query)]

    def _revoke(self, consent_id: str, citizen_hash: str) -> Consent | None:
        consent = self._get(consent_id)
        if consent is None or consent.citizen_hash != citizen_hash:
            return None
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(
                update(ConsentRecord)
                .where(ConsentRecord.id == consent_id, ConsentRecord.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(
                update(AccessToken)
                .where(AccessToken.consent_id == consent_id, AccessToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return self._get(consent_id)
