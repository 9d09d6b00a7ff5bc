"""The trust services of one app: authentication, the authorisation point, the release
service, and what they stand on (key store, audit log, rate limits, enumeration watch,
submission tokens); opened at start from the settings and closed at shutdown.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from autofill.config import Settings
from autofill.metrics import Metrics
from autofill.trust.access import Authenticator, KeyStore, Principal
from autofill.trust.access_log import AccessLog
from autofill.trust.audit import AuditLog
from autofill.trust.authz import Ask, Authorizer, Grant
from autofill.trust.enumeration import EnumerationWatch
from autofill.trust.hashing import SubjectHasher, load_hash_key
from autofill.trust.keys import DatabaseKeyStore
from autofill.trust.limits import RateLimiter
from autofill.trust.redaction import install_log_redaction
from autofill.trust.releases import ReleaseService
from autofill.trust.submission import SubmissionSigner
from registries.service import RegistryService

log = logging.getLogger(__name__)


@dataclass
class Trust:
    """Everything that decides who may see what, and keeps the record of it."""

    settings: Settings
    hasher: SubjectHasher
    auth: Authenticator
    keys: DatabaseKeyStore
    audit: AuditLog
    limiter: RateLimiter
    watch: EnumerationWatch
    signer: SubmissionSigner
    authz: Authorizer
    releases: ReleaseService
    access_log: AccessLog
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        engine: Engine,
        registry: RegistryService,
        *,
        admin_key: str | None,
        metrics: Metrics,
        stores: Sequence[KeyStore] = (),
    ) -> Trust:
        """Build and start the services (on the running event loop); `stores` are credential
        stores besides the database's keys (the demo portal's own key)."""
        configured = settings.audit_hash_key.get_secret_value() if settings.audit_hash_key else None
        hasher = SubjectHasher(load_hash_key(engine, configured))
        keys = DatabaseKeyStore(engine, ttl_seconds=settings.key_cache_seconds)
        audit = AuditLog(
            engine,
            hasher,
            fsync=settings.audit_fsync,
            wait_seconds=settings.audit_write_timeout_seconds,
            metrics=metrics,
        )
        limiter = RateLimiter(
            default_per_minute=settings.rate_limit_per_minute,
            flagged_per_minute=settings.enumeration_rate_per_minute,
            redis_url=settings.redis_url,
            metrics=metrics,
        )
        watch = EnumerationWatch(
            window_seconds=settings.enumeration_window_seconds,
            not_found_limit=settings.enumeration_not_found_limit,
            sequential_limit=settings.enumeration_sequential_limit,
            listing_limit=settings.enumeration_listing_limit,
            penalty_seconds=settings.enumeration_penalty_seconds,
        )
        signer = SubmissionSigner(
            hasher.derive("submission-signature"),
            hasher.derive("submission-values"),
            ttl_seconds=settings.submission_token_ttl_seconds,
        )
        auth = Authenticator(admin_key, [keys, *stores])
        trust = cls(
            settings=settings,
            hasher=hasher,
            auth=auth,
            keys=keys,
            audit=audit,
            limiter=limiter,
            watch=watch,
            signer=signer,
            authz=Authorizer(limiter),
            releases=ReleaseService(registry, audit, watch, limiter, signer),
            access_log=AccessLog(audit, engine, fixed_names=auth.fixed_names()),
        )
        install_log_redaction(hasher.hash)
        audit.start()
        # The first purge runs in the task: by then the signing service (opened next) has
        # attached the seal a purge signs its cut with.
        trust._tasks.append(asyncio.create_task(trust._purge_periodically(), name="audit-purge"))
        return trust

    async def authorize(
        self, principal: Principal, ask: Ask, *, client: str | None, request_id: str
    ) -> Grant:
        """The one authorisation point (see `autofill.trust.authz`)."""
        return await self.authz.decide(principal, ask, client=client, request_id=request_id)

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
