"""The request guard: an ASGI middleware that bounds what a client can make the service read.

* Body size: `max_body_bytes`, enforced on the bytes actually received (chunked bodies
  included), not only on `Content-Length`; over it → 413 problem, and the route never runs.
* Content type, one rule for every endpoint under `/v1` (all of them take JSON): a body
  sent as `application/json` or `…+json`, or with no content type, is JSON; a body of any
  other type → 415 problem that says to send `application/json`. Routes parse their bodies
  whatever the header says (prefill reads the bytes itself), so a body the guard did not
  check as JSON must never reach them. Outside `/v1` (the portal's own form posts) other
  types pass through.
* JSON bodies are checked with orjson before any route sees them: malformed JSON, lone
  UTF-16 surrogates (which no store or encoder can keep), NaN/Infinity → 422 problem;
  nesting deeper than `max_json_depth` → 422 problem (no RecursionError deeper in the stack).
* Every response gets `X-Content-Type-Options: nosniff`.

A pure ASGI middleware (not `BaseHTTPMiddleware`), so streaming and background tasks keep
working, and the body is buffered at most once, up to the limit.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autofill.api.problems import problem

# A JSON string literal (orjson has validated the document first, so this cannot misparse).
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a valid JSON document (C-speed scan)."""
    if body.count(b"[") + body.count(b"{") <= 1:
        return 1 if body.lstrip()[:1] in (b"[", b"{") else 0
    bare = np.frombuffer(_STRINGS.sub(b"", body), dtype=np.uint8)
    opens = (bare == ord("[")) | (bare == ord("{"))
    closes = (bare == ord("]")) | (bare == ord("}"))
    steps = opens.astype(np.int32) - closes.astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


API_PREFIX = "/v1"
JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def _media_type(scope: Scope) -> bytes:
    """The request's media type, lower-cased, without parameters; empty when none is sent."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower()
    return b""


def is_json_media_type(media_type: bytes) -> bool:
    """JSON, a `+json` structured syntax suffix (RFC 6839), or none (read as JSON)."""
    return media_type in (b"", b"application/json") or media_type.endswith(b"+json")


def _under_api(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestGuard:
    """Body size limit, JSON sanity and depth, and safe response headers."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_json_depth: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then run the app with the buffered body replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_safe_headers(send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away; nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            rejection = None
            media_type = _media_type(scope)
            if is_json_media_type(media_type):
                rejection = self._check_json(body)
            elif _under_api(scope):
                rejection = _unsupported_media_type(media_type)
            if rejection is not None:
                await rejection(scope, receive, send)
                return
            if not media_type and _under_api(scope):
                # The rule above reads a body sent with no type as JSON: say so to the
                # framework, which would otherwise take it for bytes.
                scope = {**scope, "headers": [*scope["headers"], JSON_CONTENT_TYPE]}
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "Request body too large",
            f"the request body exceeds the limit of {self.max_body_bytes} bytes",
            code="body_too_large",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)

    def _check_json(self, body: bytes) -> Any:
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            reason = str(exc).split(":", 1)[0]
            if "depth limit" in reason:
                return self._too_deep()
            return problem(
                422,
                "Invalid request",
                f"the body is not valid JSON: {reason}",
                code="validation_error",
                errors=[{"pointer": "", "where": "body", "detail": reason, "code": "json_invalid"}],
            )
        # No deeper than its count of brackets: most bodies need no scan at all.
        brackets = body.count(b"[") + body.count(b"{")
        if brackets > self.max_json_depth and json_depth(body) > self.max_json_depth:
            return self._too_deep()
        return None

    def _too_deep(self) -> Any:
        detail = f"JSON nested deeper than {self.max_json_depth} levels"
        return problem(
            422,
            "Invalid request",
            f"the body is {detail}",
            code="validation_error",
            errors=[{"pointer": "", "where": "body", "detail": detail, "code": "json_too_deep"}],
        )


def _unsupported_media_type(media_type: bytes) -> Any:
    sent = media_type.decode("latin-1")[:100]
    return problem(
        415,
        "Unsupported media type",
        f"the body is sent as {sent!r}; send Content-Type: application/json",
        code="unsupported_media_type",
        errors=[
            {
                "pointer": "/content-type",
                "where": "header",
                "detail": "send Content-Type: application/json",
                "code": "unsupported_media_type",
            }
        ],
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server does

    return replay


def _with_safe_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                headers.append((b"x-content-type-options", b"nosniff"))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
