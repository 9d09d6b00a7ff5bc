"""`/v1/me`: the logged-in citizen's own view (Estonia's Data Tracker is the model).

Every route takes the citizen from their e-ID login session (`CitizenDep`, a 401 problem
without one), never from the request: the access log is read under their own keyed hash,
and a consent that is not theirs is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Security
from fastapi.security import APIKeyCookie
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from autofill.api.citizen import SESSION_COOKIE, Citizen, CitizenDep
from autofill.api.dependencies import TrustDep
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.consent.store import ConsentStore
from autofill.errors import ConsentNotFound, Problem
from autofill.trust.access_log import AccessEntry, label_of
from autofill.trust.audit import CURSOR_PATTERN, decode_cursor, encode_cursor
from registries.errors import DomainError

# Documents the session cookie (the session itself is read by `CitizenDep`): these routes
# take no API key, only the citizen's own login through the national e-ID.
SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="citizenSession",
    description="the citizen's login session, set by `GET /citizen/login` through the "
    "national e-ID (HttpOnly, SameSite=Lax); never an API key",
    auto_error=False,
)
router = APIRouter(
    prefix="/v1/me",
    tags=["citizen"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Security(SESSION)],
)
CONSENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
RECEIPT_TYPE = "application/jose"


class ReleasedData(BaseModel):
    """One piece of the citizen's data that was released."""

    model_config = ConfigDict(extra="forbid")
    registry: str
    path: str
    label: str


class AccessLogItem(BaseModel):
    """One release of the citizen's data: who, when, which form, which data, why."""

    id: int
    at: dt.datetime
    kind: str  # consent | assisted | registry_read
    action: str
    who: str
    who_id: str
    form_id: str | None
    form_version: int | None
    purpose: str | None
    registry: str | None
    data: list[ReleasedData]
    via_business: bool
    consent_id: str | None


class AccessLogPage(BaseModel):
    """A page of the citizen's access log, newest first."""

    items: list[AccessLogItem]
    next_cursor: str | None


class ConsentItem(BaseModel):
    """One consent the citizen gave a portal."""

    id: str
    client_id: str
    client_name: str
    form_id: str
    form_version: int | str
    attributes: list[ReleasedData]
    purpose: str
    assurance_level: int
    enterprise_code: str | None
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    status: str  # active | expired | revoked


class ConsentList(BaseModel):
    """The citizen's consents, newest first."""

    items: list[ConsentItem]


def log_item(entry: AccessEntry) -> AccessLogItem:
    """The API shape of an access log entry."""
    return AccessLogItem(
        id=entry.id,
        at=entry.at,
        kind=entry.kind,
        action=entry.action,
        who=entry.who,
        who_id=entry.who_id,
        form_id=entry.form_id,
        form_version=entry.form_version,
        purpose=entry.purpose,
        registry=entry.registry,
        data=[ReleasedData(registry=d.registry, path=d.path, label=d.label) for d in entry.data],
        via_business=entry.via_business,
        consent_id=entry.consent_id,
    )


def consent_status(consent: Any, now: dt.datetime | None = None) -> str:
    """Active, expired or revoked."""
    if consent.revoked_at is not None:
        return "revoked"
    expires = consent.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    return "expired" if expires <= (now or dt.datetime.now(dt.UTC)) else "active"


def consent_item(consent: Any, registries: dict[str, str] | None = None) -> ConsentItem:
    """The API shape of a consent record; its attributes read "subject.path", and
    `registries` says each subject's registry (the form's), for the labels."""
    data = []
    for attribute in consent.attributes:
        subject, _, path = attribute.partition(".")
        registry = (registries or {}).get(subject, "citizen")
        data.append(ReleasedData(registry=registry, path=attribute, label=label_of(registry, path)))
    return ConsentItem(
        id=consent.id,
        client_id=consent.client_id,
        client_name=consent.client_name,
        form_id=consent.form_id,
        form_version=consent.form_version,
        attributes=data,
        purpose=consent.purpose,
        assurance_level=consent.assurance_level,
        enterprise_code=consent.enterprise_code,
        granted_at=consent.granted_at,
        expires_at=consent.expires_at,
        revoked_at=consent.revoked_at,
        status=consent_status(consent),
    )


async def consent_items(request: Request, citizen_hash: str) -> list[ConsentItem]:
    """The citizen's consents, newest first, with their data's labels."""
    forms = request.app.state.services.forms
    found = await consents_of(request).list_for(citizen_hash)
    subjects: dict[tuple[str, int], dict[str, str]] = {}
    for consent in found:
        key = (consent.form_id, int(consent.form_version))
        if key not in subjects:
            try:
                form = await forms.compiled(*key)
            except DomainError:  # a form removed since: labels fall back to the citizen's
                form = None
            subjects[key] = {name: s.registry for name, s in form.subjects.items()} if form else {}
    return [consent_item(c, subjects[(c.form_id, int(c.form_version))]) for c in found]


def consents_of(request: Request) -> ConsentStore:
    """The consent store."""
    store: ConsentStore = request.app.state.services.consents
    return store


async def access_page(
    trust: Any, citizen: Citizen, limit: int, cursor: str | None
) -> tuple[list[AccessEntry], str | None]:
    """A page of the citizen's own access log and the cursor of the next one."""
    subject = trust.hasher.hash(citizen.personal_id)
    before = decode_cursor(cursor) if cursor else None
    entries, more = await asyncio.to_thread(
        trust.access_log.page, subject, limit=limit, before_id=before
    )
    return entries, encode_cursor(more) if more is not None else None


@router.get("/access-log", operation_id="my_access_log", response_model=AccessLogPage)
async def my_access_log(
    citizen: CitizenDep,
    trust: TrustDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the page before"),
    ] = None,
) -> AccessLogPage:
    """Every release of the logged-in citizen's data, newest first: who (the key's or the
    portal's name), when, which form, which data, why. `kind` says how: `consent` (a portal
    under the citizen's consent), `assisted` (an officer's key, with its purpose) or
    `registry_read` (a key read the registry record)."""
    entries, next_cursor = await access_page(trust, citizen, limit, cursor)
    return AccessLogPage(items=[log_item(e) for e in entries], next_cursor=next_cursor)


@router.get("/consents", operation_id="my_consents", response_model=ConsentList)
async def my_consents(citizen: CitizenDep, trust: TrustDep, request: Request) -> ConsentList:
    """The consents the logged-in citizen gave, newest first (revoked and expired too)."""
    items = await consent_items(request, trust.hasher.hash(citizen.personal_id))
    return ConsentList(items=items)


ConsentId = Annotated[str, Path(pattern=CONSENT_ID_PATTERN, description="a consent's id")]


def _not_found(consent_id: str) -> ConsentNotFound:
    detail = "you have no consent with this id"
    return ConsentNotFound(detail, problems=[Problem("/consent_id", detail, "consent_not_found")])


@router.delete(
    "/consents/{consent_id}",
    operation_id="revoke_my_consent",
    status_code=204,
    response_class=Response,
)
async def revoke_my_consent(
    consent_id: ConsentId, citizen: CitizenDep, trust: TrustDep, request: Request
) -> Response:
    """Revoke one of the citizen's consents, at once: tokens issued under it stop working.
    Revoking a revoked consent changes nothing; another person's consent is a 404."""
    store = consents_of(request)
    if await store.revoke(consent_id, trust.hasher.hash(citizen.personal_id)) is None:
        raise _not_found(consent_id)
    return Response(status_code=204)


@router.get(
    "/consents/{consent_id}/receipt",
    operation_id="my_consent_receipt",
    response_class=Response,
    responses={200: {"content": {RECEIPT_TYPE: {"schema": {"type": "string"}}}}},
)
async def my_consent_receipt(
    consent_id: ConsentId, citizen: CitizenDep, trust: TrustDep, request: Request
) -> Response:
    """The consent's receipt: a compact JWS signed by the service, checkable against
    `jwks_uri` by anyone."""
    store = consents_of(request)
    receipt = await store.receipt(consent_id, trust.hasher.hash(citizen.personal_id))
    if receipt is None:
        raise _not_found(consent_id)
    filename = f"consent-{consent_id}.jws"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(receipt, media_type=RECEIPT_TYPE, headers=headers)
