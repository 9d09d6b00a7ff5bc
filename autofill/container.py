"""The typed container of one app's services, built by `main.open_services` at start.

Nothing else decides what runs: every service a request may need is a field here, built
once in the lifespan and closed in reverse order at shutdown. Routes read it through the
`Annotated` dependencies of `autofill.api.dependencies`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Engine

from autofill.config import Settings
from autofill.consent.server import OAuthServer
from autofill.consent.store import ConsentStore
from autofill.eid.provider import IdentityProvider
from autofill.metrics import Metrics
from autofill.portal.client import PortalKeyStore, ServiceClient
from autofill.portal.oauth import PortalOAuth
from autofill.portal.visitors import PortalVisitors
from autofill.prefill.service import PrefillService
from autofill.stats.recorder import StatsRecorder
from autofill.stats.service import StatsService
from autofill.trust import Trust
from autofill.trust.sealing import Sealer
from autofill.trust.signing_service import Signing
from forms.service import FormStore
from registries.cache import Cache
from registries.database import RecordReader
from registries.service import RegistryService


@dataclass(frozen=True, slots=True)
class Portal:
    """The demo portal's server side: its own key, and its in-process client of the API."""

    keys: PortalKeyStore
    client: ServiceClient
    visitors: PortalVisitors
    # The portal as an OAuth client ("Đăng nhập bằng VNeID"), when the service has the e-ID.
    oauth: PortalOAuth | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """Prefill statistics: the recorder (a prefill observer) and the report queries."""

    recorder: StatsRecorder
    service: StatsService


@dataclass(frozen=True)
class Services:
    """Everything a request may need; one per app, shared by its requests."""

    settings: Settings
    engine: Engine
    reader: RecordReader
    cache: Cache
    registry: RegistryService
    forms: FormStore
    trust: Trust
    prefill: PrefillService
    stats: Stats
    metrics: Metrics
    signing: Signing
    # The citizen's login session and login state cookies (`autofill.api.citizen`).
    citizen_sessions: Sealer
    # The OAuth authorization server for prefill under consent, and its consent records.
    oauth: OAuthServer
    consents: ConsentStore
    # The national e-ID citizens log in with (the mock at /eid, or None when turned off).
    eid: IdentityProvider | None = None
    portal: Portal | None = None
    # One HTTP reseed at a time per worker.
    reseed_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
