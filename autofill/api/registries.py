"""Routes of the mock registries: lookups, listings and tester edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from autofill.api.dependencies import RegistryDep, RegistryReader, RegistryWriter
from autofill.api.releases import EDIT_RESPONSES, answer_edit, release_page, release_record
from autofill.api.schemas import PROBLEM_RESPONSES
from registries.identifiers import PersonalId, TaxCode
from registries.schemas import BusinessRecord, CitizenRecord

router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)

JSON = "application/json"
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(max_length=64, description="from the previous page")]
CitizenKey = Annotated[PersonalId, Path(description="12-digit personal ID")]
BusinessKey = Annotated[TaxCode, Path(description="enterprise code / tax code")]


def _json(doc: bytes, status_code: int = 200) -> Response:
    return Response(content=doc, media_type=JSON, status_code=status_code)


def _page(docs: list[bytes], next_cursor: str | None) -> Response:
    cursor = b"null" if next_cursor is None else b'"' + next_cursor.encode() + b'"'
    return _json(b'{"items":[' + b",".join(docs) + b'],"next_cursor":' + cursor + b"}")


@router.get(
    "/citizens/{personal_id}",
    operation_id="get_citizen",
    response_model=CitizenRecord,
    tags=["registries"],
)
async def get_citizen(
    personal_id: CitizenKey, request: Request, reader: RegistryReader
) -> Response:
    """One citizen of the population registry (audited)."""
    return _json(await release_record(request, reader, "citizen", personal_id))


@router.get(
    "/businesses/{code}",
    operation_id="get_business",
    response_model=BusinessRecord,
    tags=["registries"],
)
async def get_business(code: BusinessKey, request: Request, reader: RegistryReader) -> Response:
    """One enterprise, branch or household business (audited)."""
    return _json(await release_record(request, reader, "business", code))


@router.get("/citizens", operation_id="list_citizens", tags=["registries"])
async def list_citizens(
    request: Request,
    registry: RegistryDep,
    reader: RegistryReader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Citizens in personal-ID order, a page at a time (audited)."""
    docs, next_cursor = await registry.list_docs("citizen", cursor=cursor, limit=limit)
    await release_page(request, reader, "citizen", docs)
    return _page(docs, next_cursor)


@router.get("/businesses", operation_id="list_businesses", tags=["registries"])
async def list_businesses(
    request: Request,
    registry: RegistryDep,
    reader: RegistryReader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Businesses in code order, a page at a time (audited)."""
    docs, next_cursor = await registry.list_docs("business", cursor=cursor, limit=limit)
    await release_page(request, reader, "business", docs)
    return _page(docs, next_cursor)


Record = Annotated[dict[str, Any], Body(description="the whole record")]
Patch = Annotated[dict[str, Any], Body(description="an RFC 7396 JSON merge patch")]


@router.put(
    "/citizens/{personal_id}",
    operation_id="put_citizen",
    response_model=CitizenRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def put_citizen(
    personal_id: CitizenKey,
    body: Record,
    request: Request,
    registry: RegistryDep,
    writer: RegistryWriter,
) -> Response:
    """Create or replace a citizen (testers)."""
    doc = await registry.replace("citizen", personal_id, body, create=False)
    return await answer_edit(request, writer, "citizen", personal_id, doc)


@router.patch(
    "/citizens/{personal_id}",
    operation_id="patch_citizen",
    response_model=CitizenRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def patch_citizen(
    personal_id: CitizenKey,
    body: Patch,
    request: Request,
    registry: RegistryDep,
    writer: RegistryWriter,
) -> Response:
    """Change some attributes of a citizen (testers)."""
    doc = await registry.patch("citizen", personal_id, body)
    return await answer_edit(request, writer, "citizen", personal_id, doc)


@router.delete(
    "/citizens/{personal_id}", operation_id="delete_citizen", status_code=204, tags=["registries"]
)
async def delete_citizen(
    personal_id: CitizenKey, registry: RegistryDep, _: RegistryWriter
) -> Response:
    """Remove a citizen nobody refers to (testers)."""
    await registry.delete("citizen", personal_id)
    return Response(status_code=204)


@router.put(
    "/businesses/{code}",
    operation_id="put_business",
    response_model=BusinessRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def put_business(
    code: BusinessKey, body: Record, request: Request, registry: RegistryDep, writer: RegistryWriter
) -> Response:
    """Create or replace a business (testers)."""
    doc = await registry.replace("business", code, body, create=False)
    return await answer_edit(request, writer, "business", code, doc)


@router.patch(
    "/businesses/{code}",
    operation_id="patch_business",
    response_model=BusinessRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def patch_business(
    code: BusinessKey, body: Patch, request: Request, registry: RegistryDep, writer: RegistryWriter
) -> Response:
    """Change some attributes of a business (testers)."""
    doc = await registry.patch("business", code, body)
    return await answer_edit(request, writer, "business", code, doc)


@router.delete(
    "/businesses/{code}", operation_id="delete_business", status_code=204, tags=["registries"]
)
async def delete_business(code: BusinessKey, registry: RegistryDep, _: RegistryWriter) -> Response:
    """Remove a business (testers)."""
    await registry.delete("business", code)
    return Response(status_code=204)
