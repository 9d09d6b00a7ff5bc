"""Response schemas shared by routers (for OpenAPI)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator

_ISO_DATE_START = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_text(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE_START.match(value):
        raise ValueError("must be an ISO 8601 date-time such as 2026-01-31T08:00:00+07:00")
    return value


def _utc_representable(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            # 9999-12-31T23:59:59-14:00 is past the last date-time UTC can hold.
            raise ValueError("must be a date-time between years 1 and 9999 in UTC") from None
    return value


# A date-time parameter that takes only ISO 8601 text, as OpenAPI's `date-time` says
# (pydantic alone would also read "0.5" as a Unix time), and only what UTC can hold.
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_utc_representable)]


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
