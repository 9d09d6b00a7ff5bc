"""`POST /v1/forms/{form_id}/prefill`: the form's fields filled from the registries (DESIGN §7).

An ordinary FastAPI route: the key is authorised for the form before the body is read
(`Prefiller`), the body is parsed once into `PrefillRequest`, and the answer is declared as
`PrefillResponse` (its schema is named in the OpenAPI document). The engine builds the
answer as plain data in that shape and it is sent as bytes: serialising through the model
would cost more than the prefill itself.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from autofill.api.dependencies import Prefiller
from autofill.api.schemas import PROBLEM_RESPONSES
from autofill.api.signed import JOSE_RESPONSES, accepts_jose, respond
from autofill.container import Services
from autofill.prefill.models import PrefillRequest, PrefillResponse

router = APIRouter(prefix="/v1/forms", tags=["forms"], responses=PROBLEM_RESPONSES)

FormId = Annotated[str, Path(max_length=64, description="form id")]
Version = Annotated[int | None, Query(ge=1, lt=2**31, description="default: the latest")]


@router.post(
    "/{form_id}/prefill",
    operation_id="prefill_form",
    response_model=PrefillResponse,
    responses=JOSE_RESPONSES,
)
async def prefill(
    form_id: FormId,
    body: PrefillRequest,
    request: Request,
    grant: Prefiller,
    version: Version = None,
) -> Response:
    """The form's fields filled from the registries, with provenance and coverage; the
    release is audited before the answer is sent."""
    # The engine is read from the container here rather than through a second dependency:
    # each one FastAPI solves costs more on this route than the lookup of an attribute.
    services: Services = request.app.state.services
    jose = accepts_jose(request)  # 406 before anything is released
    result = await services.prefill.prefill(form_id, body, grant=grant, version=version)
    return respond(request, grant.principal, orjson.dumps(result.body()), jose=jose)
