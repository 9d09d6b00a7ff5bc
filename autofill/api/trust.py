"""Wiring of the trust services into the app: start-up and shut-down steps, lookup."""

from __future__ import annotations

from starlette.requests import Request

from autofill.api.state import AppState
from autofill.errors import ServiceUnavailable
from autofill.trust.access import Principal
from autofill.trust.service import REQUEST_CLIENT, Trust


async def start_trust(state: AppState) -> None:
    """Start-up step: key store, audit writer, retention purge, rate limits, prefill hook."""
    trust = Trust.build(state.settings, state.engine)
    await trust.start(state.auth)
    state.extras["trust"] = trust

    async def admit(request: Request, principal: Principal) -> None:
        REQUEST_CLIENT.set(request.client.host[:64] if request.client else None)
        await trust.limiter.admit(principal)

    state.extras["admission"] = admit
    # First observer: the audit entry is committed before anything else sees the result.
    state.extras.setdefault("prefill_observers", []).insert(0, trust.observe_prefill)


async def stop_trust(state: AppState) -> None:
    """Shut-down step: flush the audit log and stop background work."""
    trust = state.extras.pop("trust", None)
    state.extras.pop("admission", None)
    if trust is not None:
        await trust.close()


def get_trust(request: Request) -> Trust:
    """The app's trust services; 503 when they did not start."""
    trust = request.app.state.services.extras.get("trust")
    if trust is None:
        raise ServiceUnavailable("the audit log is not available")
    return trust
