"""Routes of the mock registries: lookups, listings, name search and tester edits."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import WithJsonSchema
from starlette.requests import Request
from starlette.responses import Response

from autofill.api.dependencies import (
    RegistryDep,
    RegistryLister,
    RegistryReader,
    RegistryWriter,
    TrustDep,
)
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.api.signed import JOSE_RESPONSES, accepts_jose, respond
from autofill.container import Services
from autofill.trust import Grant, Trust
from registries.errors import InvalidIdentifier, InvalidQuery, Problem
from registries.identifiers import PersonalId, normalize_tax_code, tax_code_pattern
from registries.schemas import BusinessRecord, CitizenRecord
from registries.search import describe_query
from registries.service import CURSOR_PATTERNS
from registries.units import provinces

router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)
EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "stored; the record is not returned to a key without registry:read"}
}

JSON = "application/json"
Limit = Annotated[
    int | None,
    Query(ge=1, le=500, description="page size (50); with `name`, candidates (10, ≤ 50)"),
]
CitizenCursor = Annotated[
    str | None,
    Query(
        pattern=CURSOR_PATTERNS["citizen"],
        description="`next_cursor` of the previous page: the personal ID the listing continues "
        "after (listings only: not with `name`)",
    ),
]
BusinessCursor = Annotated[
    str | None,
    Query(
        pattern=CURSOR_PATTERNS["business"],
        description="`next_cursor` of the previous page: the tax code the listing continues "
        "after (listings only: not with `name`)",
    ),
]
CitizenKey = Annotated[PersonalId, Path(description="12-digit personal ID")]
# The path takes the canonical form; its check digit is checked by `_business_key`.
BusinessKey = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": tax_code_pattern()}),
    Path(
        description="enterprise code / tax code: 10 digits, a branch's 10 + '-' + 3, or an "
        "individual's 12-digit personal ID. A code whose check digit is wrong is refused "
        "with 422 and the rule it breaks in `errors`.",
    ),
]
Name = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="search by name (at least one letter): accents, tone placement, case, "
        "word order and one mistyped letter do not matter; without it the route lists "
        "records",
    ),
]
BirthDate = Annotated[
    dt.date | None,
    Query(
        description="search filter (with `name`): exact birth date; with `birth_year`, of that year"
    ),
]
# The search takes birth years up to this one (the document is built once a process).
BirthYear = Annotated[
    int | None,
    Query(ge=1900, le=dt.date.today().year, description="search filter (with `name`)"),
]
Province = Annotated[
    str | None,
    Query(
        pattern=r"^\d{2}$",
        json_schema_extra={"enum": sorted(provinces())},
        description="search filter: current 2-digit province code",
    ),
]


def _trust(request: Request) -> Trust:
    # The lookups are hot: the container is read here rather than through a second
    # dependency, each of which FastAPI solves at a cost larger than this attribute lookup.
    services: Services = request.app.state.services
    return services.trust


def _business_key(code: str) -> str:
    """The canonical tax code; an invalid one (a wrong check digit too, which the path's
    pattern cannot state) is a 422 located at `/code`."""
    try:
        return normalize_tax_code(code)
    except InvalidIdentifier as exc:
        exc.problems = [Problem("/code", exc.detail, exc.code)]
        raise


def _json(doc: bytes, status_code: int = 200) -> Response:
    return Response(content=doc, media_type=JSON, status_code=status_code)


def _page(docs: list[bytes], next_cursor: str | None) -> Response:
    cursor = b"null" if next_cursor is None else b'"' + next_cursor.encode() + b'"'
    return _json(b'{"items":[' + b",".join(docs) + b'],"next_cursor":' + cursor + b"}")


@router.get(
    "/citizens/{personal_id}",
    operation_id="get_citizen",
    response_model=CitizenRecord,
    responses=JOSE_RESPONSES,
    tags=["registries"],
)
async def get_citizen(personal_id: CitizenKey, request: Request, grant: RegistryReader) -> Response:
    """One citizen of the population registry (audited); signed with `Accept: application/jose`."""
    jose = accepts_jose(request)  # 406 before anything is released
    doc = await _trust(request).releases.read_record(grant, "citizen", personal_id)
    return respond(request, grant.principal, doc, jose=jose)


@router.get(
    "/businesses/{code}",
    operation_id="get_business",
    response_model=BusinessRecord,
    responses=JOSE_RESPONSES,
    tags=["registries"],
)
async def get_business(code: BusinessKey, request: Request, grant: RegistryReader) -> Response:
    """One enterprise, branch or household business (audited, with the people it names);
    signed with `Accept: application/jose`."""
    jose = accepts_jose(request)  # 406 before anything is released
    doc = await _trust(request).releases.read_record(grant, "business", _business_key(code))
    return respond(request, grant.principal, doc, jose=jose)


def _search_only(cursor: str | None, **filters: Any) -> None:
    """Refuse a listing with search filters, or a search with a listing cursor."""
    problems = [
        Problem(f"/{name}", "only with `name` (a search)", "needs_name")
        for name, value in filters.items()
        if value is not None
    ]
    if cursor is not None:
        problems = [Problem("/cursor", "a search returns one ranked page", "not_a_listing")]
    if problems:
        raise InvalidQuery(problems[0].detail, problems=problems)


def _letters_needed(name: str, registry: str) -> None:
    """A name with no letter is refused here with a hint at what it looks like: people
    paste an ID or a tax code into the search box (the search itself refuses it too)."""
    if any(character.isalpha() for character in name):
        return
    digits = "".join(c for c in name if c.isdigit())
    detail = "a name search needs at least one letter"
    if len(digits) == 12 and registry == "citizen":
        detail += "; this looks like a personal ID: GET /v1/citizens/{personal_id}"
    elif len(digits) == 12:
        detail += (
            "; this looks like an individual's tax code (a personal ID): GET /v1/businesses/{code}"
        )
    elif len(digits) in (10, 13):
        detail += "; this looks like a tax code: GET /v1/businesses/{code}"
    elif len(digits) == 4 and registry == "citizen":
        detail += f"; for people born in {digits}, add birth_year={digits} to a name search"
    raise InvalidQuery(detail, problems=[Problem("/name", detail, "no_letters")])


def _results(name: str, registry: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "query": describe_query(name, registry)}


@router.get("/citizens", operation_id="list_citizens", tags=["registries"])
async def list_citizens(
    registry: RegistryDep,
    grant: RegistryLister,
    trust: TrustDep,
    limit: Limit = None,
    cursor: CitizenCursor = None,
    name: Name = None,
    birth_date: BirthDate = None,
    birth_year: BirthYear = None,
    province: Province = None,
) -> Any:
    """Citizens in personal-ID order, a page at a time; with `name`, ranked candidates
    (score, matched parts, personal ID, name, birth date, province). Audited.

    Rules across parameters (422 otherwise): `birth_date`, `birth_year` and `province`
    only with `name`; `cursor` only without it; `birth_year` agrees with `birth_date`."""
    if name is None:
        _search_only(None, birth_date=birth_date, birth_year=birth_year, province=province)
        docs, next_cursor = await registry.list_docs("citizen", cursor=cursor, limit=limit or 50)
        await trust.releases.release_page(grant, "citizen", docs)
        return _page(docs, next_cursor)
    _search_only(cursor)
    _letters_needed(name, "citizen")
    items = await registry.search_records(
        "citizen",
        name=name,
        birth_date=birth_date,
        birth_year=birth_year,
        province=province,
        limit=limit or 10,
    )
    await trust.releases.release_results(grant, "citizen", items)
    return _results(name, "citizen", items)


@router.get("/businesses", operation_id="list_businesses", tags=["registries"])
async def list_businesses(
    registry: RegistryDep,
    grant: RegistryLister,
    trust: TrustDep,
    limit: Limit = None,
    cursor: BusinessCursor = None,
    name: Name = None,
    province: Province = None,
) -> Any:
    """Businesses in code order, a page at a time; with `name`, ranked candidates
    (score, matched parts, code, name, legal form, status, province). Audited.

    Rules across parameters (422 otherwise): `province` only with `name`; `cursor` only
    without it."""
    if name is None:
        _search_only(None, province=province)
        docs, next_cursor = await registry.list_docs("business", cursor=cursor, limit=limit or 50)
        await trust.releases.release_page(grant, "business", docs)
        return _page(docs, next_cursor)
    _search_only(cursor)
    _letters_needed(name, "business")
    items = await registry.search_records(
        "business", name=name, province=province, limit=limit or 10
    )
    await trust.releases.release_results(grant, "business", items)
    return _results(name, "business", items)


async def _edited(trust: Trust, grant: Grant, registry: str, key: str, doc: bytes) -> Response:
    """The stored record after an edit, to a key that may read it (audited); else 204."""
    if await trust.releases.release_edit(grant, registry, key, doc):
        return _json(doc)
    return Response(status_code=204)


def _record_schema(model: type[CitizenRecord] | type[BusinessRecord]) -> WithJsonSchema:
    """A PUT body: declared as the record model (the service validates it, with the
    consistency rules JSON Schema cannot say: the key matches the path, references exist)."""
    return WithJsonSchema({"$ref": f"#/components/schemas/{model.__name__}"})


def _patch_schema(model: type[CitizenRecord] | type[BusinessRecord]) -> WithJsonSchema:
    """A PATCH body: an RFC 7396 merge patch over the record's own members."""
    return WithJsonSchema(
        {
            "title": f"{model.__name__}Patch",
            "type": "object",
            "description": f"an RFC 7396 merge patch of a {model.__name__}: the members to "
            "change (null removes an optional one); the result must be a valid record",
            "propertyNames": {"enum": sorted(model.model_fields)},
        }
    )


Record = Body(description="the whole record")
CitizenBody = Annotated[dict[str, Any], Record, _record_schema(CitizenRecord)]
BusinessBody = Annotated[dict[str, Any], Record, _record_schema(BusinessRecord)]
Patch = Body(description="an RFC 7396 JSON merge patch")
CitizenPatch = Annotated[dict[str, Any], Patch, _patch_schema(CitizenRecord)]
BusinessPatch = Annotated[dict[str, Any], Patch, _patch_schema(BusinessRecord)]


@router.put(
    "/citizens/{personal_id}",
    operation_id="put_citizen",
    response_model=CitizenRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def put_citizen(
    personal_id: CitizenKey,
    body: CitizenBody,
    registry: RegistryDep,
    grant: RegistryWriter,
    trust: TrustDep,
) -> Response:
    """Replace a citizen (testers). The record must agree with its personal ID (sex, birth
    year, province of birth registration) and name only people in the registry (422)."""
    doc = await registry.replace("citizen", personal_id, body, create=False)
    return await _edited(trust, grant, "citizen", personal_id, doc)


@router.patch(
    "/citizens/{personal_id}",
    operation_id="patch_citizen",
    response_model=CitizenRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def patch_citizen(
    personal_id: CitizenKey,
    body: CitizenPatch,
    registry: RegistryDep,
    grant: RegistryWriter,
    trust: TrustDep,
) -> Response:
    """Change some attributes of a citizen (testers); the result must be a valid record,
    as for PUT (422), and keep its personal ID."""
    doc = await registry.patch("citizen", personal_id, body)
    return await _edited(trust, grant, "citizen", personal_id, doc)


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
    code: BusinessKey,
    body: BusinessBody,
    registry: RegistryDep,
    grant: RegistryWriter,
    trust: TrustDep,
) -> Response:
    """Replace a business (testers). The record keeps its code and names only people and
    enterprises in the registry (422)."""
    code = _business_key(code)
    doc = await registry.replace("business", code, body, create=False)
    return await _edited(trust, grant, "business", code, doc)


@router.patch(
    "/businesses/{code}",
    operation_id="patch_business",
    response_model=BusinessRecord,
    responses=EDIT_RESPONSES,
    tags=["registries"],
)
async def patch_business(
    code: BusinessKey,
    body: BusinessPatch,
    registry: RegistryDep,
    grant: RegistryWriter,
    trust: TrustDep,
) -> Response:
    """Change some attributes of a business (testers); the result must be a valid record,
    as for PUT (422), and keep its code."""
    code = _business_key(code)
    doc = await registry.patch("business", code, body)
    return await _edited(trust, grant, "business", code, doc)


@router.delete(
    "/businesses/{code}", operation_id="delete_business", status_code=204, tags=["registries"]
)
async def delete_business(code: BusinessKey, registry: RegistryDep, _: RegistryWriter) -> Response:
    """Remove a business (testers)."""
    await registry.delete("business", _business_key(code))
    return Response(status_code=204)
