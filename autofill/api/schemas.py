"""Response schemas shared by routers (for OpenAPI)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

_ISO_DATE_START = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_text(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE_START.match(value):
        raise ValueError("must be an ISO 8601 date-time such as 2026-01-31T08:00:00+07:00")
    return value


# A date-time parameter that takes only ISO 8601 text, as OpenAPI's `date-time` says
# (pydantic alone would also read "0.5" as a Unix time).
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text)]


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
