"""Composition root: `create_app(settings)` builds the service; `python main.py` serves it."""

from __future__ import annotations

import gc
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import exc as sql_errors
from starlette.exceptions import HTTPException as StarletteHTTPException

from autofill import errors as autofill_errors
from autofill.api import admin, audit, health, keys, portal, registries, stats, verify
from autofill.api import forms as forms_api
from autofill.api.guard import RequestGuard
from autofill.api.openapi import mount_docs
from autofill.api.problems import pointer, problem
from autofill.api.state import AppState
from autofill.api.trust import start_trust, stop_trust
from autofill.caching import record_cache, record_memo
from autofill.config import Settings
from autofill.database import migrate
from autofill.demo import seed_demo
from autofill.forms_setup import start_forms
from autofill.stats.errors import InvalidWindow
from autofill.trust.access import Authenticator
from forms import errors as form_errors
from registries import errors as registry_errors
from registries.database import make_engine, make_reader
from registries.service import RegistryService

log = logging.getLogger("autofill")

# The one table that maps domain errors to HTTP: (status, title).
ERROR_STATUS: dict[type[Exception], tuple[int, str]] = {
    registry_errors.InvalidIdentifier: (422, "Invalid identifier"),
    registry_errors.InvalidRecord: (422, "Invalid record"),
    registry_errors.InvalidQuery: (422, "Invalid query"),
    registry_errors.RecordNotFound: (404, "Record not found"),
    registry_errors.RecordConflict: (409, "Conflict"),
    registry_errors.ReseedDisabled: (403, "Reseeding is disabled"),
    registry_errors.RegistryUnavailable: (503, "Registry unavailable"),
    autofill_errors.Unauthenticated: (401, "Unauthenticated"),
    autofill_errors.Forbidden: (403, "Forbidden"),
    autofill_errors.ServiceUnavailable: (503, "Service unavailable"),
    autofill_errors.KeyNotFound: (404, "API key not found"),
    autofill_errors.InvalidRequest: (422, "Invalid request"),
    autofill_errors.InvalidToken: (422, "Invalid submission token"),
    autofill_errors.TokenExpired: (410, "Submission token expired"),
    autofill_errors.RateLimited: (429, "Too many requests"),
    form_errors.InvalidFormSchema: (422, "Invalid form schema"),
    form_errors.InvalidPrefillRequest: (422, "Invalid prefill request"),
    form_errors.FormNotFound: (404, "Form not found"),
    form_errors.FormRetired: (410, "Form retired"),
    form_errors.FormConflict: (409, "Conflict"),
    InvalidWindow: (422, "Invalid window"),
}


def _status_for(exc: Exception) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 500, "Internal error"


async def _domain_error(request: Request, exc: Exception) -> Any:
    status, title = _status_for(exc)
    errors = [
        {"pointer": p.pointer, "detail": p.detail, "code": p.code}
        | ({"suggestion": p.suggestion} if getattr(p, "suggestion", None) else {})
        for p in getattr(exc, "problems", [])
    ]
    if isinstance(exc, registry_errors.InvalidIdentifier) and not errors:
        errors = [{"pointer": "", "detail": exc.detail, "code": exc.code}]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    headers = {**(headers or {}), **getattr(exc, "headers", {})} or None
    detail = getattr(exc, "detail", str(exc))
    return problem(
        status, title, detail, code=getattr(exc, "code", "error"), errors=errors, headers=headers
    )


async def _validation_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        where, ptr = pointer(err.get("loc", ()))
        errors.append(
            {
                "pointer": ptr,
                "where": where,
                "detail": err.get("msg", ""),
                "code": err.get("type", "invalid"),
            }
        )
    first = errors[0]["detail"] if errors else "the request is not valid"
    return problem(422, "Invalid request", first, code="validation_error", errors=errors)


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": _allowed_methods(request)}
    return problem(exc.status_code, detail, detail, code=f"http_{exc.status_code}", headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the target resource answers, as documented (each method is its own
    route here, so Starlette's own `Allow` names only the first route it tried)."""
    from starlette.routing import compile_path

    path = request.scope.get("path", "")
    matches = [
        (template.count("{"), operations)
        for template, operations in request.app.openapi().get("paths", {}).items()
        if compile_path(template)[0].match(path)
    ]
    fewest = min((params for params, _ in matches), default=0)  # literal segments win
    methods = {
        method.upper()
        for params, operations in matches
        if params == fewest
        for method in operations
        if method != "parameters"
    }
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


# Database failures that reach the app from any route (not only the registry's own
# reader): the database is down, restarting, locked or out of connections → 503.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    sql_errors.OperationalError,
    sql_errors.InterfaceError,
    sql_errors.TimeoutError,
    sqlite3.OperationalError,
)


async def _database_down(request: Request, exc: Exception) -> Any:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        503,
        "Database unavailable",
        "the database cannot be reached just now; retry shortly",
        code="database_unavailable",
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500, "Internal error", "an unexpected error occurred; it has been logged", code="internal"
    )


def build_state(settings: Settings) -> AppState:
    """Engine, reader, cache, services: everything but what needs the event loop."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    admin_key = settings.admin_key.get_secret_value() if settings.admin_key else None
    if admin_key is None:
        admin_key = secrets.token_urlsafe(24)
        log.warning("no AUTOFILL_ADMIN_KEY set; this run's admin key is %s", admin_key)
    reader = make_reader(settings.database_url, resident_bytes=settings.sqlite_resident_bytes)
    cache = record_cache(settings)
    registry = RegistryService(
        engine=engine, reader=reader, cache=cache, memo=record_memo(settings)
    )
    return AppState(
        settings=settings,
        engine=engine,
        reader=reader,
        cache=cache,
        registry=registry,
        auth=Authenticator(admin_key),
    )


# Features register start-up steps here: each gets the state once it is built.
STARTUP: list[Callable[[AppState], Any]] = [start_trust]
# ... and shutdown steps, run in reverse order before the engine and cache close.
SHUTDOWN: list[Callable[[AppState], Any]] = [stop_trust]

STARTUP.append(seed_demo)
STARTUP.append(stats.start_stats)
SHUTDOWN.append(stats.stop_stats)
STARTUP.append(start_forms)
STARTUP.append(portal.start_portal)
SHUTDOWN.append(portal.stop_portal)


YOUNG_GC_THRESHOLD = 20_000  # CPython's default is 2,000
# FastAPI's own OpenTelemetry hooks, off. Once any OpenTelemetry provider is configured in
# the process, they would export every request's path (a personal ID or tax code in the
# lookup routes) as a span attribute, and log validation failures and exceptions, past
# the masking of the access log and outside the audit. They also cost ~9 us a request just
# to ask the OpenTelemetry API whether a provider is configured (py-spy, prefill bench).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service. Nothing reads the environment before this is called."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings)
        app.state.services = state
        await state.cache.start()
        for step in STARTUP:
            result = step(state)
            if hasattr(result, "__await__"):
                await result
        # What start-up built lives as long as the process: keep it out of the cyclic GC's
        # full collections, which otherwise scan it and stall requests (prefill p99).
        gc.freeze()
        # With 32 requests in flight the young generation filled every ~18 requests, and each
        # collection went through the live objects of all of them (~1 ms): 4-6% of a
        # prefill's CPU. Requests leave almost no cyclic garbage (about one object in five
        # requests, BENCHMARKS.md), so the young generation is collected ten times less often.
        gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            for step in reversed(SHUTDOWN):
                result = step(state)
                if hasattr(result, "__await__"):
                    await result
            await state.reader.close()
            await state.cache.close()
            state.engine.dispose()

    app = FastAPI(
        title="Autofill",
        version="0.1.0",
        summary="Prefill for Vietnamese online public-service forms from mock national registries",
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
        docs_url=None,  # served from local assets by `mount_docs`
        redoc_url=None,
    )
    for cls in ERROR_STATUS:
        app.add_exception_handler(cls, _domain_error)
    app.add_exception_handler(registry_errors.RegistryError, _domain_error)
    app.add_exception_handler(autofill_errors.AutofillError, _domain_error)
    app.add_exception_handler(form_errors.FormError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for cls in DATABASE_DOWN:
        app.add_exception_handler(cls, _database_down)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
    )
    # The hot routes first: prefill, then the registry lookups (see `forms_api.mount_prefill`).
    forms_api.mount_prefill(app)
    app.include_router(registries.router)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(forms_api.router)
    app.include_router(keys.router)
    app.include_router(audit.router)
    app.include_router(verify.router)
    app.include_router(stats.router)
    mount_docs(app, settings)
    if settings.should_serve_portal:
        portal.mount_portal(app)
    return app


def serve(settings: Settings | None = None) -> None:
    """Run the service with uvicorn on the configured host and port."""
    import uvicorn

    settings = settings or Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.workers > 1:
        uvicorn.run(
            "main:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level="info",
            server_header=False,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="info",
            server_header=False,
        )


def cli() -> None:
    """The `autofill` command (its entry point is `autofill.cli:run`, which starts quicker)."""
    from autofill.cli import run

    run()


if __name__ == "__main__":
    serve()
