"""Anonymous portal visitors, limited per client address.

The portal calls the API with one key for everyone, so the API's per-key limits and its
enumeration watch cannot tell one visitor from another: counted per key, one guesser would
lock every real user out. Here each client address gets its own request budget, and its
own enumeration watch (the same thresholds as the API's per key): an address caught
guessing is refused until the penalty ends, while other addresses are still served. The
portal's key itself is never locked by the API's watch (`KeyPrincipal.lock_on_enumeration`);
its trips are still audited there.

Counts live in Redis when configured (shared by the workers of one deployment), else in
each worker, through the same `RateLimiter` as API keys, under their own prefix. Behind a
reverse proxy, run uvicorn with `--proxy-headers` and `--forwarded-allow-ips` so that the
address is the visitor's.
"""

from __future__ import annotations

import hashlib
import logging

from autofill.config import Settings
from autofill.trust.access import KeyPrincipal
from autofill.trust.enumeration import EnumerationWatch
from autofill.trust.limits import RateLimiter
from registries.errors import InvalidIdentifier
from registries.identifiers import identify

log = logging.getLogger(__name__)


def _deployment(settings: Settings) -> str:
    return hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]


class PortalVisitors:
    """Admits anonymous visitors' requests by client address; watches their lookups."""

    def __init__(self, settings: Settings) -> None:
        self.rate_per_minute = settings.portal_rate_per_minute
        self.penalty = settings.enumeration_penalty_seconds
        # A flagged address gets no budget at all until its flag expires.
        self.limiter = RateLimiter(
            default_per_minute=settings.portal_rate_per_minute,
            flagged_per_minute=0,
            redis_url=settings.redis_url,
            # Per deployment (its database): two deployments sharing one Redis keep their
            # visitors' counts apart; the workers of one share them.
            prefix=f"autofill:portal:{_deployment(settings)}:",
        )
        self.watch = EnumerationWatch(
            window_seconds=settings.enumeration_window_seconds,
            not_found_limit=settings.enumeration_not_found_limit,
            sequential_limit=settings.enumeration_sequential_limit,
            penalty_seconds=settings.enumeration_penalty_seconds,
        )

    def _visitor(self, address: str) -> KeyPrincipal:
        return KeyPrincipal(f"visitor:{address}", "portal visitor", frozenset())

    async def admit(self, address: str) -> None:
        """Count one request of this address; `RateLimited` when over its budget."""
        await self.limiter.admit(self._visitor(address))

    async def note(self, address: str, registry: str, raw: str, *, found: bool) -> None:
        """Feed one lookup to the address's watch; flag the address when it trips."""
        try:
            _, identifier = identify(raw)
        except InvalidIdentifier:
            return  # refused before any lookup: nothing was learnt
        reason = self.watch.observe(address, registry, identifier, found=found)
        if reason is not None:
            log.warning("portal visitor %s refused for %d s: %s", address, self.penalty, reason)
            await self.limiter.flag(self._visitor(address).key_id, self.penalty)

    async def close(self) -> None:
        """Release the Redis connection."""
        await self.limiter.close()
