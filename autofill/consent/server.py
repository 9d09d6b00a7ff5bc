"""The authorization server of one app: consents, codes and tokens, the consent page's
tickets, and the token store it registers on the authenticator. Built by
`main.open_services` after the signing service."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from autofill.config import Settings
from autofill.consent.grants import Grants
from autofill.consent.principal import ConsentTokens
from autofill.consent.store import ConsentStore
from autofill.trust.sealing import Sealer
from autofill.trust.service import Trust
from autofill.trust.signing import Signer
from registries.service import RegistryService

log = logging.getLogger(__name__)
PURGE_SECONDS = 3600  # expired codes and tokens are deleted an hour after their expiry


@dataclass
class OAuthServer:
    """What the OAuth routes use."""

    consents: ConsentStore
    grants: Grants
    tokens: ConsentTokens
    # Seals the consent page's ticket: the request the citizen is shown, bound to them.
    tickets: Sealer
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        settings: Settings,
        engine: Engine,
        trust: Trust,
        registry: RegistryService,
        signer: Callable[[], Signer | None],
    ) -> OAuthServer:
        """Build it (on the running loop), register its token store on the trust's
        authenticator, and start the hourly purge of expired codes and tokens."""
        grants = Grants(
            engine,
            Sealer(trust.hasher.derive("oauth-subject")),
            signer,
            trust.hasher,
            code_seconds=settings.oauth_code_seconds,
            token_seconds=settings.oauth_token_seconds,
        )
        tokens = ConsentTokens(grants, registry)
        trust.auth.token_stores.append(tokens)
        server = cls(
            consents=ConsentStore(engine, signer, ttl_seconds=settings.consent_seconds),
            grants=grants,
            tokens=tokens,
            tickets=Sealer(trust.hasher.derive("oauth-consent-ticket")),
        )
        server._tasks.append(asyncio.create_task(server._purge(), name="oauth-purge"))
        return server

    async def close(self) -> None:
        """Stop the purge of expired codes and tokens."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _purge(self) -> None:
        while True:
            cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=PURGE_SECONDS)
            try:
                await asyncio.to_thread(self.grants.purge, cutoff)
            except Exception as exc:  # the database may be down a while; the next run retries
                log.warning("expired codes and tokens not purged: %s", type(exc).__name__)
            await asyncio.sleep(PURGE_SECONDS)
