"""Registered OAuth clients (admin scope): register (the secret is shown once), list,
revoke. A revoked client's tokens stop working at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from autofill.api.dependencies import Admin, FormsDep, ServicesDep
from autofill.api.keys import refuse_unknown_forms
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.consent import clients
from autofill.trust.keys import FORM_ID

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=PROBLEM_RESPONSES)
FormId = Annotated[str, Field(pattern=FORM_ID.pattern, max_length=100)]
RedirectUri = Annotated[
    str, Field(min_length=8, max_length=500, examples=["https://dvc.example.vn/cb"])
]
ClientId = Annotated[str, Path(pattern=r"^cli_[0-9a-f]{12}$", description="the client id")]


class ClientCreate(BaseModel):
    """A portal to register: its name, exact redirect URIs, optionally its forms."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=100, pattern=r"[^\s\x1c-\x1f\x85]", examples=["Cổng DVC Hà Nội"]
    )
    redirect_uris: list[RedirectUri] = Field(
        min_length=1, max_length=20, description="https (or http on a loopback host), exact"
    )
    form_ids: list[FormId] | None = Field(
        default=None, max_length=1000, description="limit the client to these forms"
    )


class ClientPublic(BaseModel):
    """A client as listed: never its secret."""

    client_id: str
    name: str
    redirect_uris: list[str]
    form_ids: list[str] | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ClientCreated(ClientPublic):
    """A new client, with the secret that is shown this once."""

    client_secret: str = Field(description="store it now, it is not shown again")


class ClientList(BaseModel):
    """Every client, oldest first."""

    items: list[ClientPublic]


@router.post("", operation_id="create_client", status_code=201, response_model=ClientCreated)
async def create_client(
    body: ClientCreate, services: ServicesDep, forms: FormsDep, _: Admin
) -> ClientCreated:
    """Register a client; the response is the only time its secret is shown. Redirect URIs
    are https (or http on a loopback host) and every form id must be a registered form
    (422 naming the others)."""
    await refuse_unknown_forms(forms, body.form_ids)
    info, secret = await asyncio.to_thread(
        clients.create_client,
        services.engine,
        name=body.name,
        redirect_uris=body.redirect_uris,
        form_ids=body.form_ids,
    )
    return ClientCreated(**asdict(info), client_secret=secret)


@router.get("", operation_id="list_clients", response_model=ClientList)
async def list_clients(services: ServicesDep, _: Admin) -> ClientList:
    """Every client, live and revoked, without secrets."""
    infos = await asyncio.to_thread(clients.list_clients, services.engine)
    return ClientList(items=[ClientPublic(**asdict(i)) for i in infos])


@router.delete("/{client_id}", operation_id="revoke_client", status_code=204)
async def revoke_client(client_id: ClientId, services: ServicesDep, _: Admin) -> Response:
    """Revoke a client: its access tokens stop working at once, in every worker."""
    await asyncio.to_thread(clients.revoke_client, services.engine, client_id)
    return Response(status_code=204)
