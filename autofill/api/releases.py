"""Releasing personal data over HTTP: read, watch for enumeration, audit, then answer.

Every route that sends registry data calls one of these, so the audit entry is committed
before the response exists: `release_record` (one lookup), `release_page` (a listing
page), `release_results` (ranked search candidates), `answer_edit` (a tester's edit).
Prefill is audited by `Trust.observe_prefill`, an observer of the prefill endpoint that
also issues the submission token; `note_prefill_miss` feeds its misses to the watch.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from autofill.api.trust import get_trust
from autofill.trust.access import Principal
from autofill.trust.audit import EDIT, LISTING, LOOKUP, SEARCH, Release
from registries.errors import InvalidIdentifier, RecordNotFound
from registries.identifiers import identify

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
KEY_FIELD = {"citizen": "personal_id", "business": "enterprise_code"}
EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "stored; the record is not returned to a key without registry:read"}
}


def request_id(request: Request) -> str:
    """The request's id: set by a middleware, sent as X-Request-ID, or made up here."""
    found = getattr(request.state, "request_id", None)
    if isinstance(found, str):
        return found
    sent = request.headers.get("x-request-id", "")
    value = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
    request.state.request_id = value
    return value


def client_address(request: Request) -> str | None:
    """The caller's network address, as uvicorn resolved it."""
    return request.client.host[:64] if request.client else None


async def release_record(
    request: Request, principal: Principal, registry: str, identifier: str
) -> bytes:
    """A record's document for a `registry:read` key, audited before it is returned."""
    trust = get_trust(request)
    service = request.app.state.services.registry
    try:
        doc = await service.get_doc(registry, identifier)
    except RecordNotFound:
        await trust.note_lookup(principal, registry, identifier, found=False)
        raise
    await trust.note_lookup(principal, registry, identifier, found=True)
    await trust.audit.record_releases(
        principal,
        LOOKUP,
        [Release(registry, identifier, ["*"])],
        request_id=request_id(request),
        client=client_address(request),
    )
    return doc


async def release_page(
    request: Request,
    principal: Principal,
    registry: str,
    docs: Sequence[bytes],
    *,
    action: str = LISTING,
    attributes: Sequence[str] = ("*",),
) -> None:
    """Audit a page of records (a listing or search results) before it is sent."""
    if not docs:
        return
    key = KEY_FIELD[registry]
    releases = [Release(registry, orjson.loads(doc)[key], attributes) for doc in docs]
    await get_trust(request).audit.record_releases(
        principal,
        action,
        releases,
        request_id=request_id(request),
        client=client_address(request),
    )


async def release_results(
    request: Request, principal: Principal, registry: str, items: Sequence[dict[str, Any]]
) -> None:
    """Audit ranked search candidates (each names a person or business) before they are sent."""
    if not items:
        return
    key = KEY_FIELD[registry]
    releases = [
        Release(registry, item[key], [a for a in item if a not in {"score", "matched"}])
        for item in items
    ]
    await get_trust(request).audit.record_releases(
        principal,
        SEARCH,
        releases,
        request_id=request_id(request),
        client=client_address(request),
    )


async def answer_edit(
    request: Request, principal: Principal, registry: str, identifier: str, doc: bytes
) -> Response:
    """The stored record after an edit, to a key that may read it (audited); else 204."""
    if not principal.allows("registry:read"):
        return Response(status_code=204)
    await get_trust(request).audit.record_releases(
        principal,
        EDIT,
        [Release(registry, identifier, ["*"])],
        request_id=request_id(request),
        client=client_address(request),
    )
    return Response(content=doc, media_type="application/json")


async def note_prefill_miss(
    request: Request, principal: Principal, error: RecordNotFound, subjects: dict[str, str]
) -> None:
    """Tell the enumeration watch which prefill subjects named no record."""
    trust = get_trust(request)
    for problem in error.problems:
        name = problem.pointer.removeprefix("/subjects/").replace("~1", "/").replace("~0", "~")
        raw = subjects.get(name)
        if raw is None:
            continue
        try:
            registry, identifier = identify(raw)
        except InvalidIdentifier:
            continue
        await trust.note_lookup(principal, registry, identifier, found=False)
