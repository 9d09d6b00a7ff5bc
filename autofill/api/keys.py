"""API key management (admin scope): create (the secret is shown once), list, revoke."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from autofill.api.dependencies import Admin, FormsDep, ServicesDep
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.errors import InvalidRequest, Problem
from autofill.trust import keys
from forms.service import FormStore

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=PROBLEM_RESPONSES)
Scope = Literal["prefill", "registry:read", "registry:write", "forms:write", "audit:read", "admin"]
FormId = Annotated[str, Field(pattern=keys.FORM_ID.pattern, max_length=100)]
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the key's public id")]


class KeyCreate(BaseModel):
    """A new key's name, scopes and optional limits."""

    model_config = ConfigDict(extra="forbid")

    # At least one character that is not white space (the check strips the name).
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"[^\s\x1c-\x1f\x85]",
        examples=["cổng dịch vụ công Hà Nội"],
    )
    scopes: list[Scope] = Field(min_length=1, max_length=6)
    form_ids: list[FormId] | None = Field(
        default=None, max_length=1000, description="limit the key to these forms"
    )
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=10_000_000)


class KeyPublic(BaseModel):
    """A key as listed: never its secret."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    form_ids: list[str] | None
    rate_limit_per_minute: int | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyPublic):
    """A new key, with the secret that is shown this once."""

    key: str = Field(description="the bearer secret; store it now, it is not shown again")


class KeyList(BaseModel):
    """Every key, oldest first."""

    items: list[KeyPublic]


@router.post("", operation_id="create_key", status_code=201, response_model=KeyCreated)
async def create_key(
    body: KeyCreate, services: ServicesDep, forms: FormsDep, _: Admin
) -> KeyCreated:
    """Create a key; the response is the only time its secret is shown. Every form id it
    names must be a registered form (422 naming the others)."""
    await refuse_unknown_forms(forms, body.form_ids)
    info, secret = await asyncio.to_thread(
        keys.create_key,
        services.engine,
        name=body.name,
        scopes=body.scopes,
        form_ids=body.form_ids,
        rate_limit_per_minute=body.rate_limit_per_minute,
    )
    return KeyCreated(**asdict(info), key=secret)


async def refuse_unknown_forms(forms: FormStore, form_ids: list[str] | None) -> None:
    """A 422 naming every form id (`/form_ids/<i>`) that is not a registered form: the list
    a key or an OAuth client is limited to."""
    if not form_ids:
        return
    known = {stored.id for stored in await forms.list_all()}
    problems = [
        Problem(f"/form_ids/{i}", f"no form {form_id!r} is registered", "unknown_form")
        for i, form_id in enumerate(form_ids)
        if form_id not in known
    ]
    if problems:
        raise InvalidRequest(problems[0].detail, problems=problems)


@router.get("", operation_id="list_keys", response_model=KeyList)
async def list_keys(services: ServicesDep, _: Admin) -> KeyList:
    """Every key, live and revoked, without secrets."""
    infos = await asyncio.to_thread(keys.list_keys, services.engine)
    return KeyList(items=[KeyPublic(**asdict(i)) for i in infos])


@router.delete("/{key_id}", operation_id="revoke_key", status_code=204)
async def revoke_key(key_id: KeyId, services: ServicesDep, _: Admin) -> Response:
    """Revoke a key: at once in this worker, within `key_cache_seconds` in the others."""
    await asyncio.to_thread(keys.revoke_key, services.engine, key_id)
    services.trust.keys.forget(key_id)
    return Response(status_code=204)
