"""Wiring of the trust services into the app: start-up and shut-down steps, lookup."""

from __future__ import annotations

from starlette.requests import Request

from autofill.api.state import AppState
from autofill.errors import ServiceUnavailable
from autofill.trust import Trust


async def start_trust(state: AppState) -> None:
    """Start-up step: key store, audit writer, retention purge, rate limits."""
    trust = Trust.build(state.settings, state.engine)
    await trust.start(state.auth)
    state.extras["trust"] = trust
    state.extras["admission"] = trust.limiter.admit


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
