"""Request dependencies as `Annotated` aliases, so handlers read as prose."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from autofill.api.state import AppState
from autofill.errors import Forbidden, Unauthenticated
from autofill.trust.access import Principal
from registries.service import RegistryService


async def get_state(request: Request) -> AppState:
    """The app's services (async: a plain `def` dependency costs a threadpool hop)."""
    return request.app.state.services


StateDep = Annotated[AppState, Depends(get_state)]


async def get_registry(request: Request) -> RegistryService:
    """The lookup service (async: a plain `def` dependency costs a threadpool hop)."""
    return request.app.state.services.registry


RegistryDep = Annotated[RegistryService, Depends(get_registry)]


async def get_principal(request: Request) -> Principal:
    """The caller behind the bearer key; 401 without a valid one, 429 over its budget."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
    services = request.app.state.services
    principal = await services.auth.authenticate(token.strip())
    if principal is None:
        raise Unauthenticated("the API key is unknown or revoked")
    # Rate limits (429) apply to every authenticated request; see autofill.trust.limits.
    admission = services.extras.get("admission")
    if admission is not None:
        await admission(request, principal)
    request.state.principal = principal
    return principal


def require(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits keys carrying `scope`; 403 otherwise."""

    async def dependency(request: Request) -> Principal:
        principal = await get_principal(request)
        if not principal.allows(scope):
            raise Forbidden(f"this key lacks the '{scope}' scope")
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


RegistryReader = Annotated[Principal, Depends(require("registry:read"))]
RegistryWriter = Annotated[Principal, Depends(require("registry:write"))]
