"""`GET /metrics` (Prometheus text format) and the middleware that counts requests.

Requests are labelled by their route template (`/v1/citizens/{personal_id}`), read from
the route Starlette matched, never by the path asked for (it holds personal IDs);
requests that matched no route share the label `unmatched`. The page is public, as
scrapers expect, and holds no personal data (`autofill.metrics`).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autofill.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])


@router.get("/metrics", operation_id="metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Request counts and latencies per route, prefills and coverage per form, audit
    batches, record cache hits and misses, rate-limit refusals."""
    return Response(request.app.state.services.metrics.render(), media_type=CONTENT_TYPE)


class RequestMetrics:
    """Counts each HTTP request under its route template, with its status and latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, then count it (also when it failed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            services = getattr(scope["app"].state, "services", None)
            if services is not None:
                route = scope.get("route")
                template = getattr(route, "path_format", None) or getattr(route, "path", None)
                services.metrics.observe_request(
                    scope["method"],
                    template or "unmatched",
                    status,
                    time.perf_counter() - started,
                )
