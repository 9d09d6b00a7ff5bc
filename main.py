"""Composition root: `create_app(settings)` builds the service; `python main.py` serves it."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from autofill.api import (
    admin,
    audit,
    citizen,
    clients,
    health,
    keys,
    me,
    me_pages,
    oauth,
    portal,
    portal_vneid,
    registries,
    stats,
    verify,
)
from autofill.api import forms as forms_api
from autofill.api import metrics as metrics_api
from autofill.api import prefill as prefill_api
from autofill.api.audit_trail import router as audit_trail_router
from autofill.api.errors import install_error_handlers
from autofill.api.guard import RequestGuard
from autofill.api.metrics import RequestMetrics
from autofill.api.openapi import mount_docs
from autofill.api.signed import router as jwks_router
from autofill.caching import record_cache
from autofill.config import Settings, SettingsError, load_settings
from autofill.consent.clients import client_names
from autofill.consent.server import OAuthServer
from autofill.container import Portal, Services, Stats
from autofill.database import migrate
from autofill.demo import seed_demo
from autofill.eid import pages as eid_pages
from autofill.eid.mock import MockEid
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
from forms.catalog import load_catalog
from forms.service import FormStore
from registries.cache import Cache
from registries.database import make_engine, make_reader
from registries.replicas import replicated_reader
from registries.service import RegistryService

log = logging.getLogger("autofill")


def _cache_counts(registry: RegistryService) -> tuple[int, int]:
    """Hits and misses of the worker's record cache."""
    return registry.cache.hits, registry.cache.misses


def cache_floor(cache: Cache) -> Callable[[], int | None]:
    """The WAL position replicas must have replayed (the Redis listener carries it)."""
    return lambda: getattr(cache, "wal_floor", None)


@asynccontextmanager
async def open_services(settings: Settings, app: FastAPI) -> AsyncIterator[Services]:
    """Build every service of the app, in dependency order; close them in reverse."""
    admin_key = settings.admin_key.get_secret_value() if settings.admin_key else None
    if admin_key is None:
        admin_key = secrets.token_urlsafe(24)
        log.warning("no AUTOFILL_ADMIN_KEY set; this run's admin key is %s", admin_key)
    metrics = Metrics()
    async with AsyncExitStack() as stack:
        engine = make_engine(settings.database_url)
        stack.callback(engine.dispose)
        migrate(engine)
        reader = make_reader(settings.database_url, mmap_bytes=settings.sqlite_mmap_bytes)
        stack.push_async_callback(reader.close)
        cache = record_cache(settings, reader)
        await cache.start()
        stack.push_async_callback(cache.close)
        replicas = None
        if settings.database_replica_urls:
            urls = settings.database_replica_urls
            reader = replicas = replicated_reader(reader, engine, urls, cache_floor(cache))
            replicas.start()
            stack.push_async_callback(replicas.close)
            metrics.watch_replicas(replicas)
        registry = RegistryService(engine=engine, reader=reader, cache=cache, replicas=replicas)
        metrics.watch_cache(lambda: _cache_counts(registry))
        await seed_demo(settings, engine, cache)
        # The demo portal's server side calls the API with a key only this process knows.
        portal_keys = PortalKeyStore() if settings.should_serve_portal else None
        trust = await Trust.open(
            settings,
            engine,
            registry,
            admin_key=admin_key,
            metrics=metrics,
            stores=[portal_keys] if portal_keys else [],
        )
        stack.push_async_callback(trust.close)
        signing = Signing.open(settings, engine, trust.audit)
        stack.push_async_callback(signing.close)
        recorder = StatsRecorder(engine)
        recorder.start()
        stack.push_async_callback(recorder.stop)
        forms = FormStore(engine)
        loaded = await load_catalog(forms, settings.catalog_dir)
        added = sum(1 for _, _, created in loaded if created)
        log.info("form catalog: %d forms, %d new versions", len(loaded), added)
        prefill = PrefillService(
            forms, registry, trust.releases, observers=(recorder.observe, metrics.observe_result)
        )
        oauth = OAuthServer.open(settings, engine, trust, registry, lambda: signing.signer)
        stack.push_async_callback(oauth.close)
        eid = None
        if settings.should_serve_eid:
            eid = MockEid(
                registry,
                Sealer(trust.hasher.derive("mock-eid-code")),
                lambda: signing.signer,
                callback_path=citizen.CALLBACK_PATH,
            )
        # The citizen's access log names the portals (OAuth clients) as well as the keys.
        trust.access_log.name_sources.append(partial(client_names, engine))
        portal = None
        if portal_keys is not None:
            portal_oauth = None
            if settings.should_serve_eid:  # "Đăng nhập bằng VNeID": the portal is a client
                portal_oauth = PortalOAuth.derive(trust.hasher.derive, settings.issuer_url)
                portal_oauth.register(engine)
            portal = Portal(
                portal_keys,
                ServiceClient(app, portal_keys.secret),
                PortalVisitors(settings),
                portal_oauth,
            )
            stack.push_async_callback(portal.client.close)
            stack.push_async_callback(portal.visitors.close)
            logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per in-process call
        yield Services(
            settings=settings,
            engine=engine,
            reader=reader,
            cache=cache,
            registry=registry,
            forms=forms,
            trust=trust,
            prefill=prefill,
            stats=Stats(recorder, StatsService(engine, recorder)),
            metrics=metrics,
            portal=portal,
            signing=signing,
            citizen_sessions=Sealer(trust.hasher.derive("citizen-session")),
            eid=eid,
            oauth=oauth,
            consents=oauth.consents,
        )


YOUNG_GC_THRESHOLD = 20_000  # CPython's default is 2,000
FREEZE_EVERY_SECONDS = 10.0


async def freeze_survivors(every: float = FREEZE_EVERY_SECONDS) -> None:
    """Every `every` seconds, move what outlived the young collections out of the cyclic
    collector's view (`gc.freeze`). That is mostly the record cache: tens of thousands of
    parsed records, millions of references that each full collection would follow, for
    nothing (records are trees, freed by reference counting alone). The record cache
    itself never touches the collector: only this composition root does."""
    while True:
        await asyncio.sleep(every)
        gc.collect(1)  # the young garbage first, so that little of it is frozen
        gc.freeze()


# FastAPI's own OpenTelemetry hooks, off. Once any OpenTelemetry provider is configured in
# the process, they would export every request's path (a personal ID or tax code in the
# lookup routes) as a span attribute, and log validation failures and exceptions, past
# the masking of the access log and outside the audit. They also cost ~9 us a request just
# to ask the OpenTelemetry API whether a provider is configured (py-spy, prefill bench).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service. Nothing reads the environment before this is called."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(settings, app) as services:
            app.state.services = services
            # What start-up built lives as long as the process: keep it out of the cyclic
            # GC's full collections, which otherwise scan it and stall requests (prefill p99).
            gc.freeze()
            # With 32 requests in flight the young generation filled every ~18 requests, and
            # each collection went through the live objects of all of them: a few percent
            # of a prefill's CPU. Requests leave almost no cyclic garbage (BENCHMARKS.md),
            # so the young generation is collected ten times less often.
            gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
            freezer = asyncio.create_task(freeze_survivors(), name="gc-freeze")
            try:
                yield
            finally:
                freezer.cancel()

    app = FastAPI(
        title="Autofill",
        version="0.1.0",
        summary="Prefill for Vietnamese online public-service forms from mock national registries",
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
        docs_url=None,  # served from local assets by `mount_docs`
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
    )
    app.add_middleware(RequestMetrics)
    # The hot routes first (routes are tried in order): prefill, then the registry lookups.
    app.include_router(prefill_api.router)
    app.include_router(registries.router)
    app.include_router(health.router)
    app.include_router(metrics_api.router)
    app.include_router(admin.router)
    app.include_router(forms_api.router)
    app.include_router(keys.router)
    app.include_router(audit.router)
    app.include_router(audit_trail_router)
    app.include_router(jwks_router)
    app.include_router(verify.router)
    app.include_router(stats.router)
    app.include_router(clients.router)
    app.include_router(oauth.router)
    app.include_router(citizen.router)
    app.include_router(me.router)
    me_pages.mount_me(app)
    mount_docs(app, settings)
    if settings.should_serve_eid:
        app.include_router(eid_pages.router)
    if settings.should_serve_portal:
        portal.mount_portal(app)
        app.include_router(portal_vneid.router)
    elif settings.should_serve_eid:  # the login page's style sheet
        portal.mount_static(app)
    return app


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# uvicorn's own logs, the access log included, in the service's one plain format: uvicorn's
# default formatters copy each record twice and colour it, a cost paid on every request.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": LOG_FORMAT}},
    "handlers": {
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}


def serve(settings: Settings | None = None, app: FastAPI | None = None) -> None:
    """Run the service with uvicorn on the configured host and port, logging every request
    (uvicorn's access log, identifiers masked by `autofill.trust.redaction`).

    `app`, when given, is an app `create_app(settings)` made, with routes added to it (the
    benchmarks' reference routes): it is served exactly as the service is.
    """
    import uvicorn

    settings = settings or load_settings()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "log_config": LOG_CONFIG,
        "access_log": True,
        "server_header": False,
    }
    if settings.workers > 1 and app is None:
        uvicorn.run("main:create_app", factory=True, workers=settings.workers, **common)
    else:
        uvicorn.run(app or create_app(settings), **common)


def cli() -> None:
    """The `autofill` command (its entry point is `autofill.cli:run`, which starts quicker)."""
    from autofill.cli import run

    run()


if __name__ == "__main__":
    try:
        serve()
    except SettingsError as error:
        from autofill.cli import exit_on_settings_error

        exit_on_settings_error(error)
