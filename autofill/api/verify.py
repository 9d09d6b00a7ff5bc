"""`POST /v1/forms/{id}/verify`: which locked values did the user change before submitting?"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from starlette.requests import Request

from autofill.api.dependencies import require
from autofill.api.schemas import PROBLEM_RESPONSES, ProblemDetails
from autofill.api.trust import get_trust
from autofill.errors import Forbidden, InvalidRequest, Problem
from autofill.trust.access import Principal
from autofill.trust.submission import MAX_TOKEN_CHARS
from registries.errors import InvalidIdentifier
from registries.identifiers import identify

router = APIRouter(
    prefix="/v1/forms",
    tags=["prefill"],
    responses={
        **PROBLEM_RESPONSES,
        410: {"model": ProblemDetails, "content": {"application/problem+json": {}}},
    },
)
Portal = Annotated[Principal, Depends(require("prefill"))]
FormIdPath = Annotated[str, Path(max_length=100, description="the form's id")]


class VerifyRequest(BaseModel):
    """The token prefill returned and the values the user is submitting."""

    token: str = Field(min_length=1, max_length=MAX_TOKEN_CHARS)
    values: dict[str, Any] = Field(max_length=2000, description="field key → submitted value")
    # Required: a check that does not name whom the submission is for would let one
    # user's token vouch for a submission about anyone else.
    subjects: dict[str, str] = Field(
        max_length=20,
        description="the subjects the submission is for (name → personal ID or tax code); "
        "checked against the token",
    )


class VerifyResult(BaseModel):
    """Which locked values came back unchanged, changed (tampered) or not at all."""

    form_id: str
    form_version: int
    intact: bool = Field(description="every locked value came back unchanged")
    unchanged: list[str]
    changed: list[str]
    missing: list[str]
    subject_matches: bool
    expires_at: dt.datetime


@router.post("/{form_id}/verify", operation_id="verify_submission", response_model=VerifyResult)
async def verify_submission(
    form_id: FormIdPath, body: VerifyRequest, request: Request, principal: Portal
) -> VerifyResult:
    """Compare submitted values with the locked values of a prefill (410 once expired)."""
    if not principal.allows_form(form_id):
        raise Forbidden(f"this key may not use form {form_id!r}")
    trust = get_trust(request)
    subject_hashes = {}
    for name, raw in body.subjects.items():
        try:
            _, canonical = identify(raw)
        except InvalidIdentifier as exc:
            raise InvalidRequest(
                exc.detail,
                problems=[Problem(f"/subjects/{_escape(name)}", exc.detail, exc.code)],
            ) from exc
        subject_hashes[name] = trust.hasher.hash(canonical)
    check = trust.signer.check(
        body.token,
        form_id=form_id,
        key_id=principal.key_id,
        values=body.values,
        subjects=subject_hashes,
    )
    return VerifyResult(
        form_id=check.form_id,
        form_version=check.form_version,
        intact=check.intact,
        unchanged=check.unchanged,
        changed=check.changed,
        missing=check.missing,
        subject_matches=check.subject_matches is True,
        expires_at=dt.datetime.fromtimestamp(check.expires_at, dt.UTC),
    )


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
