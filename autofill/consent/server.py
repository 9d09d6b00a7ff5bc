"""The authorization server of one app: consents, codes and tokens, the consent page's
tickets, and the token store it registers on the authenticator. Built by
`main.open_services` after the signing service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from autofill.config import Settings
from autofill.consent.grants import Grants
from autofill.consent.principal import ConsentTokens
from autofill.consent.store import ConsentStore
from autofill.trust.sealing import Sealer
from autofill.trust.service import Trust
from autofill.trust.signing import Signer
from registries.service import RegistryService


@dataclass(frozen=True, slots=True)
class OAuthServer:
    """What the OAuth routes use."""

    consents: ConsentStore
    grants: Grants
    tokens: ConsentTokens
    # Seals the consent page's ticket: the request the citizen is shown, bound to them.
    tickets: Sealer

    @classmethod
    def open(
        cls,
        settings: Settings,
        engine: Engine,
        trust: Trust,
        registry: RegistryService,
        signer: Callable[[], Signer | None],
    ) -> OAuthServer:
        """Build it and register its token store on the trust's authenticator."""
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
        return cls(
            consents=ConsentStore(engine, signer, ttl_seconds=settings.consent_seconds),
            grants=grants,
            tokens=tokens,
            tickets=Sealer(trust.hasher.derive("oauth-consent-ticket")),
        )
