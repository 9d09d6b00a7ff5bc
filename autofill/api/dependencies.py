"""Request dependencies as `Annotated` aliases over the typed container, so handlers read
as prose: `grant: RegistryReader`, `registry: RegistryDep`.

Every route under /v1 takes one grant alias: the caller is authenticated (401), then the
one authorisation point decides its ask (403, 429), with the client address and a safe
request id passed along explicitly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from autofill.container import Services
from autofill.errors import Unauthenticated
from autofill.prefill.service import PrefillService
from autofill.stats.service import StatsService
from autofill.trust import Action, Ask, Grant, Principal, Trust, safe_request_id
from forms.service import FormStore
from registries.service import RegistryService


# Async dependencies throughout: a plain `def` dependency costs a threadpool hop.
async def get_services(request: Request) -> Services:
    """The app's services."""
    return request.app.state.services


async def get_registry(request: Request) -> RegistryService:
    """The registry lookup service."""
    return request.app.state.services.registry


async def get_trust(request: Request) -> Trust:
    """The trust services (keys, authorisation, releases, audit)."""
    return request.app.state.services.trust


async def get_forms(request: Request) -> FormStore:
    """The form store."""
    return request.app.state.services.forms


async def get_prefill(request: Request) -> PrefillService:
    """The prefill engine."""
    return request.app.state.services.prefill


async def get_stats(request: Request) -> StatsService:
    """The coverage statistics."""
    return request.app.state.services.stats.service


ServicesDep = Annotated[Services, Depends(get_services)]
RegistryDep = Annotated[RegistryService, Depends(get_registry)]
TrustDep = Annotated[Trust, Depends(get_trust)]
FormsDep = Annotated[FormStore, Depends(get_forms)]
PrefillDep = Annotated[PrefillService, Depends(get_prefill)]
StatsDep = Annotated[StatsService, Depends(get_stats)]


def client_address(request: Request) -> str | None:
    """The caller's network address, as the server resolved it."""
    return request.client.host[:64] if request.client else None


def request_id(request: Request) -> str:
    """The request's id: `X-Request-ID` when it has a safe shape, else a fresh one."""
    found = getattr(request.state, "request_id", None)
    if isinstance(found, str):
        return found
    value = safe_request_id(request.headers.get("x-request-id"))
    request.state.request_id = value
    return value


async def get_principal(request: Request) -> Principal:
    """The caller behind the bearer credential; 401 without a valid one."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated(
            "send an API key or an access token as 'Authorization: Bearer <credential>'"
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
    principal = await request.app.state.services.trust.auth.authenticate(token.strip())
    if principal is None:
        raise Unauthenticated("the API key or access token is unknown, expired or revoked")
    request.state.principal = principal
    return principal


def authorized(action: Action) -> Callable[[Request], Awaitable[Grant]]:
    """A dependency that asks the authorisation point for `action` on this request's
    resource (the `form_id` path parameter, for form-bound actions)."""

    async def dependency(request: Request) -> Grant:
        principal = await get_principal(request)
        form_id = request.path_params.get("form_id") if action.form_bound else None
        return await request.app.state.services.trust.authorize(
            principal,
            Ask(action, form_id=form_id),
            client=client_address(request),
            request_id=request_id(request),
        )

    dependency.__name__ = f"authorize_{action.value}"
    return dependency


RegistryReader = Annotated[Grant, Depends(authorized(Action.READ_RECORD))]
RegistryLister = Annotated[Grant, Depends(authorized(Action.LIST_REGISTRY))]
RegistryWriter = Annotated[Grant, Depends(authorized(Action.EDIT_RECORD))]
Prefiller = Annotated[Grant, Depends(authorized(Action.PREFILL))]
Verifier = Annotated[Grant, Depends(authorized(Action.VERIFY_SUBMISSION))]
FormsReader = Annotated[Grant, Depends(authorized(Action.READ_FORMS))]
FormsWriter = Annotated[Grant, Depends(authorized(Action.REGISTER_FORM))]
Auditor = Annotated[Grant, Depends(authorized(Action.READ_AUDIT))]
Admin = Annotated[Grant, Depends(authorized(Action.ADMIN))]
