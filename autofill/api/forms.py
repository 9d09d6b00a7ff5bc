"""Routes of the form store (DESIGN §6); prefill is `autofill.api.prefill`."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from autofill.api.dependencies import FormsDep, FormsReader, FormsWriter
from autofill.api.schemas import PROBLEM_RESPONSES
from forms.errors import FormProblem, InvalidFormSchema
from forms.export import data_schema, format_schema, inline_schema
from forms.schemas import MAX_SCHEMA_BYTES, FormSchema
from forms.service import StoredForm
from forms.suggest import suggest_mappings

router = APIRouter(prefix="/v1/forms", tags=["forms"], responses=PROBLEM_RESPONSES)

FORM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
FormId = Annotated[str, Path(pattern=FORM_ID_PATTERN, description="form id")]
Reader = FormsReader
MAX_VERSION = 2**31 - 1  # the store's integer column
Writer = FormsWriter
SCHEMA_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inline_schema(format_schema())}},
    }
}


DRAFT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inline_schema(format_schema(draft=True))}},
    }
}


def _json(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code, headers, media_type="application/json")


async def _document(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_SCHEMA_BYTES:
        raise InvalidFormSchema(
            f"a schema is at most {MAX_SCHEMA_BYTES} bytes",
            problems=[FormProblem("", f"{len(raw)} bytes", "too_large")],
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidFormSchema(
            "the body is not JSON", problems=[FormProblem("", str(exc), "json_invalid")]
        ) from None


def _stored(stored: StoredForm) -> dict[str, Any]:
    return {**stored.document, "version": stored.version, "status": _status(stored)}


def _status(stored: StoredForm) -> dict[str, Any]:
    return {
        "latest_version": stored.latest_version,
        "retired": stored.retired,
        "retired_at": stored.retired_at.isoformat() if stored.retired_at else None,
        "registered_at": stored.created_at.isoformat(),
    }


@router.get("/format", operation_id="get_form_format")
async def get_form_format(_: Reader) -> Response:
    """The schema format as JSON Schema 2020-12, so editors can validate schema files."""
    return _json(format_schema())


@router.post("/suggest", operation_id="suggest_form_mappings", openapi_extra=DRAFT_BODY)
async def suggest(request: Request, _: Reader, limit: int = Query(3, ge=1, le=10)) -> Response:
    """Registry attributes for fields that have no prefill mapping, ranked by score."""
    return _json(suggest_mappings(await _document(request), limit=limit))


@router.post(
    "",
    operation_id="register_form",
    status_code=201,
    openapi_extra=SCHEMA_BODY,
    responses={200: {"description": "the schema is the latest version already: that version"}},
)
async def register_form(request: Request, forms: FormsDep, grant: Writer) -> Response:
    """Register a schema: version 1 of a new id, or the next version (201); a schema
    identical to the latest version returns that version (200)."""
    stored, created = await forms.register(
        await _document(request), created_by=grant.principal.key_id
    )
    location = {"Location": f"/v1/forms/{stored.id}/versions/{stored.version}"}
    return _json(_stored(stored), 201 if created else 200, location)


@router.get("", operation_id="list_forms")
async def list_forms(forms: FormsDep, _: Reader) -> Response:
    """Every form with its latest version."""
    return _json({"items": [s.summary() for s in await forms.list_all()]})


@router.get("/{form_id}", operation_id="get_form")
async def get_form(form_id: FormId, forms: FormsDep, _: Reader) -> Response:
    """The latest version of a form."""
    return _json(_stored(await forms.get(form_id)))


@router.get("/{form_id}/versions", operation_id="list_form_versions")
async def list_versions(form_id: FormId, forms: FormsDep, _: Reader) -> Response:
    """The versions of a form."""
    rows = await forms.versions(form_id)
    return _json({"items": rows})


@router.get("/{form_id}/versions/{version}", operation_id="get_form_version")
async def get_version(
    form_id: FormId, version: Annotated[int, Path(ge=1, le=MAX_VERSION)], forms: FormsDep, _: Reader
) -> Response:
    """One version of a form (versions never change)."""
    return _json(_stored(await forms.get(form_id, version)))


@router.delete("/{form_id}", operation_id="retire_form")
async def retire_form(form_id: FormId, forms: FormsDep, _: Writer) -> Response:
    """Retire a form: its versions stay readable, it no longer prefills."""
    return _json(_stored(await forms.retire(form_id)))


@router.post("/{form_id}/retire", operation_id="retire_form_post")
async def retire_form_post(form_id: FormId, forms: FormsDep, _: Writer) -> Response:
    """Retire a form (same as DELETE)."""
    return _json(_stored(await forms.retire(form_id)))


@router.get("/{form_id}/json-schema", operation_id="get_form_json_schema")
async def get_json_schema(
    form_id: FormId,
    forms: FormsDep,
    _: Reader,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
) -> Response:
    """The form's data as JSON Schema 2020-12."""
    stored = await forms.get(form_id, version)
    schema = FormSchema.model_validate({**stored.document, "version": stored.version})
    return _json(data_schema(schema))
