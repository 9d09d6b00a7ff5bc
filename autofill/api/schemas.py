"""Response schemas shared by routers (for OpenAPI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ProblemError(BaseModel):
    """One located problem inside a problem+json body."""

    pointer: str
    detail: str
    code: str | None = None
    where: str | None = None
    suggestion: str | None = None


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[ProblemError] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 409, 410, 422, 429, 503)
}
