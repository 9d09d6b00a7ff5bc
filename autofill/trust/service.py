"""The trust services of one app: key store, audit log, rate limits, enumeration watch,
submission tokens; built at start from the settings and closed at shutdown.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from autofill.config import Settings
from autofill.prefill.service import PrefillContext, PrefillResult
from autofill.trust.access import Authenticator, Principal
from autofill.trust.audit import (
    ENUMERATION,
    PREFILL,
    AuditLog,
    Release,
    SubjectHasher,
    load_hash_key,
)
from autofill.trust.enumeration import EnumerationWatch
from autofill.trust.keys import DatabaseKeyStore
from autofill.trust.limits import RateLimiter
from autofill.trust.redaction import install_log_redaction
from autofill.trust.submission import SubmissionSigner

log = logging.getLogger(__name__)

# The caller's address, set by the admission step of each request (the prefill observer
# runs in the request's task but is not handed the request).
REQUEST_CLIENT: ContextVar[str | None] = ContextVar("autofill_request_client", default=None)


@dataclass
class Trust:
    """Everything that decides who may see what, and keeps the record of it."""

    settings: Settings
    hasher: SubjectHasher
    keys: DatabaseKeyStore
    audit: AuditLog
    limiter: RateLimiter
    watch: EnumerationWatch
    signer: SubmissionSigner
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # The last token expiry and its text: the tokens of one second share it.
    _expiry: tuple[int, str] = (0, "")

    @classmethod
    def build(cls, settings: Settings, engine: Engine) -> Trust:
        """Build the services (needs a running event loop for the audit writer)."""
        configured = settings.audit_hash_key.get_secret_value() if settings.audit_hash_key else None
        hasher = SubjectHasher(load_hash_key(engine, configured))
        return cls(
            settings=settings,
            hasher=hasher,
            keys=DatabaseKeyStore(engine, ttl_seconds=settings.key_cache_seconds),
            audit=AuditLog(engine, hasher, fsync=settings.audit_fsync),
            limiter=RateLimiter(
                default_per_minute=settings.rate_limit_per_minute,
                flagged_per_minute=settings.enumeration_rate_per_minute,
                redis_url=settings.redis_url,
            ),
            watch=EnumerationWatch(
                window_seconds=settings.enumeration_window_seconds,
                not_found_limit=settings.enumeration_not_found_limit,
                sequential_limit=settings.enumeration_sequential_limit,
                penalty_seconds=settings.enumeration_penalty_seconds,
            ),
            signer=SubmissionSigner(
                hasher.derive("submission-signature"),
                hasher.derive("submission-values"),
                ttl_seconds=settings.submission_token_ttl_seconds,
            ),
        )

    async def start(self, auth: Authenticator) -> None:
        """Register the key store, start the audit writer and the retention purge."""
        auth.stores.append(self.keys)
        install_log_redaction(self.hasher.hash)
        self.audit.start()
        # The first purge runs in the task: by the time the loop gets to it, the next
        # start-up step (`start_signing`) has attached the seal a purge signs its cut with.
        self._tasks.append(asyncio.create_task(self._purge_periodically(), name="audit-purge"))

    async def close(self) -> None:
        """Stop background work, flush the audit log, release connections."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.audit.close()
        await self.limiter.close()

    async def purge_expired(self) -> int:
        """Delete audit entries past the retention period; how many went."""
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.settings.audit_retention_days)
        try:
            removed = await asyncio.to_thread(self.audit.purge, cutoff)
        except SQLAlchemyError as exc:
            log.warning("audit retention purge failed: %s", type(exc).__name__)
            return 0
        if removed:
            log.info("audit retention: removed %d entries older than %s", removed, cutoff.date())
        return removed

    async def _purge_periodically(self) -> None:
        while True:
            await self.purge_expired()
            await asyncio.sleep(self.settings.audit_purge_interval_seconds)

    async def note_lookup(
        self, principal: Principal, registry: str, identifier: str, *, found: bool
    ) -> None:
        """Feed the enumeration watch; throttle and audit a key that trips it."""
        reason = self.watch.observe(principal.key_id, registry, identifier, found=found)
        if reason is None:
            return
        log.warning("key %s flagged for enumeration: %s", principal.key_id, reason)
        if "admin" not in principal.scopes:
            # Operators' admin keys are flagged in the audit but never locked out.
            await self.limiter.flag(principal.key_id, self.watch.penalty)
        await self.audit.record_event(principal, ENUMERATION, reason, registry=registry)

    async def observe_prefill(
        self, context: PrefillContext, result: PrefillResult
    ) -> dict[str, Any] | None:
        """The prefill observer: watch, audit (committed before the answer), issue a token."""
        attributes: dict[str, set[str]] = {}
        for name, ref in context.subjects.items():
            if ref.status == "found" and ref.identifier:
                attributes[name] = set()
                if ref.root:
                    await self.note_lookup(
                        context.principal, ref.registry, ref.identifier, found=True
                    )
        for release in context.released:
            if release.subject in attributes:
                attributes[release.subject].add(release.attribute)
        # Each subject hashed once, for the audit entry and the token alike.
        hashed = {
            ref.identifier: self.hasher.hash(ref.identifier)
            for ref in context.subjects.values()
            if ref.identifier and (ref.root or ref.status == "found")
        }
        await self.audit.record_releases(
            context.principal,
            PREFILL,
            [
                Release(ref.registry, ref.identifier, sorted(attributes[name]))
                for name, ref in context.subjects.items()
                if name in attributes and ref.identifier
            ],
            form_id=context.form_id,
            form_version=context.form_version,
            purpose=context.purpose,
            request_id=context.request_id or None,
            client=REQUEST_CLIENT.get(),
            hashed=hashed,
        )
        locked = result.locked
        subjects = {
            name: hashed[ref.identifier]
            for name, ref in context.subjects.items()
            if ref.root and ref.identifier
        }
        token = self.signer.issue(
            key_id=context.principal.key_id,
            form_id=context.form_id,
            form_version=context.form_version,
            subjects=subjects,
            locked=locked,
        )
        if self._expiry[0] != token.expires_at:
            text = dt.datetime.fromtimestamp(token.expires_at, dt.UTC).isoformat()
            self._expiry = (token.expires_at, text)
        expires = self._expiry[1]
        return {
            "submission": {
                "token": token.token,
                "expires_at": expires,
                "locked_fields": sorted(locked),
            }
        }
