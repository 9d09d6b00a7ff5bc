"""RFC 9457 problem details: one renderer, used by every error handler."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from registries.errors import json_pointer

PROBLEM_TYPE_BASE = "https://autofill.example/problems/"
# A problem lists at most this many located errors (a hostile body can have thousands).
MAX_ERRORS = 50


class ProblemResponse(Response):
    """An `application/problem+json` response."""

    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        """Encode with orjson; echoed input it refuses (lone surrogates) is spelled out."""
        try:
            return orjson.dumps(content)
        except TypeError:
            return orjson.dumps(_printable(content), default=str)


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    """Build a problem response; `code` becomes the stable `type` URI."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            body["errors_total"] = len(errors)
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def pointer(loc: tuple[Any, ...] | list[Any]) -> tuple[str, str]:
    """Turn a FastAPI error location into (where, JSON pointer)."""
    where = str(loc[0]) if loc else "body"
    rest = loc[1:] if where in {"body", "path", "query", "header", "cookie"} else loc
    return where, json_pointer(*rest)
